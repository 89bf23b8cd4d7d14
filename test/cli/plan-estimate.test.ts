// `ssl3d plan` says what `check` leaves out: cropped grid patches (#16.11, SSL076).
import { describe, expect, it } from 'vitest';
import { planWarnings, renderPlan } from '../../cli/commands/plan.js';
import { compileSource } from '../../compiler/index.js';

const TWO_D = `experiment t { seed = 1 }
dataset corpus = phantom2d { cases = 20, channels = 3, size = 120x120, labelled = false }
dataset lab = phantom2d { cases = 20, channels = 3, size = 64x64 }
encoder flat = unet2d { preset = small }
pretext jig = jigsaw { data = corpus, encoder = flat, grid = 3, jitter = JITTER, permutations = 10, train { epochs = 2 } }
finetune cls = classification { data = lab, warmup = 1 epochs, train { epochs = 3 } }
evaluate ev { fractions = [50%, 100%] }
sweep s { methods = [jig, scratch], finetune = cls, evaluate = ev }
report r { table t { rows = method } }
`;
const graphOf = (text: string) => {
  const r = compileSource(text, 'exp/main.ssl');
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.graph!;
};

describe('plan: 2D patches rounded to the encoder (#16.11)', () => {
  it('34x34 → 32x32 is a warning with the reason and the jitter that fits, and the node line says it', () => {
    const g = graphOf(TWO_D.replace('JITTER', '3 px'));
    expect(planWarnings(g)).toEqual([
      'warning SSL076: pretext jig: the 34x34-pixel patches (cell 40x40 − 2 × jitter 3) are cropped to 32x32, because the encoder halves its input 2 times (sides must be multiples of 4); jitter = 4 px would fit exactly',
    ]);
    expect(renderPlan(g)).toContain('9 patches of 32x32 (cropped from 34x34)');
  });
  it('a patch that fits exactly gives no warning', () => {
    const g = graphOf(TWO_D.replace('JITTER', '4 px'));
    expect(planWarnings(g)).toEqual([]);
    expect(renderPlan(g)).not.toContain('cropped');
  });
});

describe('what pretraining trains on is said (#16.11)', () => {
  it('an unlabelled corpus has no test split by default; plan names the cases pretraining uses', async () => {
    const { compileFile } = await import('../../compiler/index.js');
    const g = compileFile('experiments/quickstart.ssl').graph!;
    const corpus = g.nodes.find((n) => n.id === 'data:corpus')!;
    if (corpus.kind !== 'data') throw new Error('no corpus');
    expect(corpus.params.dataset.split).toMatchObject({ val: 0.05, test: 0 });
    expect(renderPlan(g)).toContain('data: pretrains on 91 of 96 cases of corpus (5 validate the pretext task; no test split: the corpus is unlabelled)');
    const lab = g.nodes.find((n) => n.id === 'data:tumours')!;
    if (lab.kind !== 'data') throw new Error('no labelled data');
    expect(lab.params.dataset.split.test).toBe(0.25); // labelled data keep their test split
  });
  it('pancreas: the pretraining scans share the labelled split, so its test cases stay out of pretraining', async () => {
    const { compileFile } = await import('../../compiler/index.js');
    const g = compileFile('experiments/pancreas.ssl').graph!;
    const split = (id: string) => {
      const n = g.nodes.find((x) => x.id === id)!;
      if (n.kind !== 'data') throw new Error(id);
      return n.params.dataset.split;
    };
    expect(split('data:pancreas_scans')).toEqual(split('data:pancreas'));
    expect(renderPlan(g)).toContain('pretrains on 211 of 281 cases of pancreas_scans (14 validate the pretext task; 56 withheld as test cases)');
  });
  it('report.md says it too', async () => {
    const { pretrainingLines } = await import('../../report/index.js');
    const { compileFile } = await import('../../compiler/index.js');
    const g = compileFile('experiments/quickstart.ssl').graph!;
    const ev = g.nodes.filter((n) => n.kind === 'evaluate');
    const results = ev.map((node) => ({ node, metrics: { aggregate: {}, cases: [] } })) as never;
    expect(pretrainingLines({ graph: g, results, histories: [], differentData: true })).toEqual([
      'Pretraining: 3D-Rotation pretrains on 91 of 96 cases of corpus (5 validate the pretext task; no test split: the corpus is unlabelled).',
    ]);
  });
});

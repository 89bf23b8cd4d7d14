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
    expect(lab.params.dataset.split.test).toBeGreaterThan(0); // labelled data keep their test split
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

describe('plan: wall-time estimates from a cached backend probe (#16.10)', () => {
  it('the probe runs once, is cached per machine + backend + version, and converts steps to FLOP/s', async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { backendSpeed, probeFlopsPerStep, speedKey } = await import('../../runtime/backend/speed.js');
    const dir = mkdtempSync(join(tmpdir(), 'ssl3d-speed-'));
    try {
      const cachePath = join(dir, 'speed.json');
      const calls: string[] = [];
      const runner = async (choice: string) => (calls.push(choice), { backend: choice === 'auto' ? 'native' : choice, steps: 10, seconds: 2 });
      const first = await backendSpeed('auto', { runner, cachePath });
      expect(first).toMatchObject({ cached: false, backend: 'native', steps: 10 });
      expect(first.flopsPerSecond).toBeCloseTo((10 * probeFlopsPerStep()) / 2, 3);
      const again = await backendSpeed('auto', { runner, cachePath });
      expect(again).toMatchObject({ cached: true, flopsPerSecond: first.flopsPerSecond });
      expect(calls).toEqual(['auto']); // cached: no second probe
      await backendSpeed('cpu', { runner, cachePath }); // another backend is another key
      expect(calls).toEqual(['auto', 'cpu']);
      expect(speedKey('cpu')).not.toBe(speedKey('auto'));
      expect(Object.keys(JSON.parse(readFileSync(cachePath, 'utf8')) as object).sort()).toEqual([speedKey('auto'), speedKey('cpu')].sort());
      await backendSpeed('auto', { runner, cachePath, fresh: true }); // --probe measures again
      expect(calls).toEqual(['auto', 'cpu', 'auto']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('per node and in total: FLOPs per step × steps / measured speed; cached nodes cost nothing', async () => {
    const { compileFile } = await import('../../compiler/index.js');
    const { nodeSeconds } = await import('../../cli/commands/plan.js');
    const g = compileFile('experiments/quickstart.ssl').graph!;
    const speed = { backend: 'native', flopsPerSecond: 1e10, source: 'measured now' };
    const pre = g.nodes.find((n) => n.kind === 'pretrain')!;
    expect(nodeSeconds(pre, speed)).toBeCloseTo((pre.cost!.flopsPerStep * pre.cost!.steps!) / 1e10, 9);
    const text = renderPlan(g, undefined, speed);
    const total = g.nodes.reduce((a, n) => a + (nodeSeconds(n, speed) ?? 0), 0);
    expect(total).toBeGreaterThan(60);
    expect(text).toContain(`estimated training time: ${Math.round(total / 60)} min on native (${g.nodes.filter((n) => n.cost?.steps).length} nodes; 10.0 GFLOP/s measured now`);
    expect(text).toMatch(/cost: 497\.5k params, 18 MB act, 2\.7 GFLOP\/step, 240 steps, ≈ \d+ s/);
    expect(text).not.toContain('days');
    const states = Object.fromEntries(g.nodes.map((n) => [n.id, { state: n.kind === 'pretrain' ? ('cached' as const) : ('to-run' as const), reason: '' }]));
    expect(renderPlan(g, states, speed)).toContain(`(${g.nodes.filter((n) => n.cost?.steps).length - 1} nodes to run;`);
    // everything cached: no time to spend, said as such (was "1 s … (0 nodes to run")
    const cached = Object.fromEntries(g.nodes.map((n) => [n.id, { state: 'cached' as const, reason: '' }]));
    expect(renderPlan(g, cached, speed)).toContain('estimated training time: none (every training node is cached)\n');
  });

  it('a plan of days says so clearly (a slow backend, paper-size BraTS)', async () => {
    const { compileFile } = await import('../../compiler/index.js');
    const g = compileFile('experiments/brats.ssl').graph!;
    const slow = { backend: 'cpu', flopsPerSecond: 2e9, source: 'cached from 2026-12-04' };
    const text = renderPlan(g, undefined, slow);
    expect(text).toMatch(/estimated training time: [\d.]+ days on cpu/);
    expect(text).toMatch(/⚠ warning: this plan would train for about [\d.]+ days on the cpu backend of this machine/);
  });

  it('ssl3d plan reads the cached speed of this machine (no probe), and --no-estimate leaves it out', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { vi } = await import('vitest');
    const { speedKey } = await import('../../runtime/backend/speed.js');
    const { runPlan } = await import('../../cli/commands/plan.js');
    const dir = mkdtempSync(join(tmpdir(), 'ssl3d-speed-'));
    const saved = { ...process.env };
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((x: string | Uint8Array) => ((out += String(x)), true));
    try {
      const cache = join(dir, 'speed.json');
      const key = speedKey('auto');
      writeFileSync(cache, JSON.stringify({ [key]: { key, choice: 'auto', backend: 'native', flopsPerSecond: 5e9, steps: 9, seconds: 1, workload: 'fake', measuredAt: '2026-12-01T00:00:00.000Z' } }));
      delete process.env.SSL3D_NO_PROBE;
      process.env.SSL3D_SPEED_CACHE = cache;
      expect(await runPlan(['experiments/quickstart.ssl', '--cache', join(dir, 'none')])).toBe(0);
      expect(out).toMatch(/estimated training time: \d+ min on native \(\d+ nodes to run; 5\.0 GFLOP\/s cached from 2026-12-01;/);
      out = '';
      expect(await runPlan(['experiments/quickstart.ssl', '--no-estimate', '--cache', join(dir, 'none')])).toBe(0);
      expect(out).not.toContain('estimated');
    } finally {
      spy.mockRestore();
      process.env = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Semantics of the compiled graph: determinism, hashes, seeds, overrides, imports, defaults, cost.
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/index.js';
import { encoderParams, estimateCost } from '../../compiler/cost.js';
import { DENSENET_PRESETS, UNET_PRESETS } from '../../compiler/defaults.js';
import { graphProblems, loadGraph } from '../../core/graph-schema.js';
import type { DataNode, ExecutionGraph, FinetuneNode, GraphNode, PretrainNode, TrainSpec } from '../../core/graph.js';
import { compileText, program, rendered } from './helpers.js';

const hashes = (g: ExecutionGraph): Map<string, string> => new Map(g.nodes.map((n) => [n.id, n.hash]));
const byId = (g: ExecutionGraph, id: string): GraphNode => {
  const n = g.nodes.find((x) => x.id === id);
  if (!n) throw new Error(`no node ${id}`);
  return n;
};

describe('graph lowering', () => {
  it('is deterministic: the same sources give byte-identical JSON', () => {
    const a = compileFile('experiments/quickstart.ssl');
    const b = compileFile('experiments/quickstart.ssl');
    expect(a.graph).not.toBeNull();
    expect(JSON.stringify(b.graph)).toBe(JSON.stringify(a.graph));
    expect(JSON.stringify(a.graph)).not.toMatch(/"\/(work|tmp|home|Users)\//);
  });

  it('has readable ids in topological order, one finetune per method × arm × fraction × repetition', () => {
    const g = compileFile('experiments/quickstart.ssl').graph!;
    const ids = g.nodes.map((n) => n.id);
    expect(ids).toContain('data:corpus');
    expect(ids).toContain('pretrain:rot3d');
    expect(ids).toContain('finetune:rot3d/finetune/10%/r0');
    expect(ids).toContain('evaluate:scratch/scratch/100%/r1');
    expect(ids.at(-1)).toBe('report:summary');
    // 2 methods × 1 arm × 2 fractions × 3 repetitions
    expect(g.nodes.filter((n) => n.kind === 'finetune')).toHaveLength(12);
    const seen = new Set<string>();
    for (const n of g.nodes) {
      for (const i of n.inputs) expect(seen.has(i), `${n.id} input ${i}`).toBe(true);
      seen.add(n.id);
    }
    const ft = byId(g, 'finetune:rot3d/finetune/10%/r0') as FinetuneNode;
    expect(ft.inputs).toEqual(['data:tumours', 'pretrain:rot3d']);
    expect(ft.params.pretrainedChannels).toBe(2);
    // the fine-tuning input is the labelled dataset's (resized) volume with its 4 channels
    const data = byId(g, 'data:tumours') as DataNode;
    const src = data.params.dataset.source;
    const spatial = data.params.dataset.preprocess.resize ?? (src.kind === 'phantom3d' ? src.size : null);
    expect(ft.params.inputShape).toEqual([...spatial!, 4]);
    expect(ft.params.finetune.adapter).toBe('duplicate');
    expect((byId(g, 'finetune:scratch/scratch/10%/r0') as FinetuneNode).params.finetune.warmup).toBe(0);
  });

  it('shares the nested-subset seed across methods for a repetition, not across repetitions', () => {
    const g = compileFile('experiments/quickstart.ssl').graph!;
    const seedOf = (id: string): number => (byId(g, id) as FinetuneNode).params.subsetSeed;
    expect(seedOf('finetune:rot3d/finetune/10%/r0')).toBe(seedOf('finetune:scratch/scratch/100%/r0'));
    expect(seedOf('finetune:rot3d/finetune/10%/r0')).not.toBe(seedOf('finetune:rot3d/finetune/10%/r1'));
    const nodeSeeds = new Set(g.nodes.map((n) => n.seed));
    expect(nodeSeeds.size).toBe(g.nodes.length);
  });

  it('a different experiment seed changes every hash', () => {
    const a = hashes(compileFile('experiments/quickstart.ssl').graph!);
    const b = hashes(compileFile('experiments/quickstart.ssl', { overrides: ['experiment.seed=43'] }).graph!);
    for (const [id, h] of a) expect(b.get(id), id).not.toBe(h);
  });

  it('changing a fine-tuning parameter changes only the dependent nodes', () => {
    const a = hashes(compileFile('experiments/quickstart.ssl').graph!);
    const r = compileFile('experiments/quickstart.ssl', { overrides: ['seg.train.epochs=7'] });
    expect(rendered(r)).toBe('');
    const b = hashes(r.graph!);
    for (const [id, h] of a) {
      if (id.startsWith('data:') || id.startsWith('pretrain:')) expect(b.get(id), id).toBe(h);
      else expect(b.get(id), id).not.toBe(h);
    }
  });

  it('changing a pretext parameter changes its pretraining and what depends on it, not scratch', () => {
    const a = hashes(compileFile('experiments/quickstart.ssl').graph!);
    const b = hashes(compileFile('experiments/quickstart.ssl', { overrides: ['pretext.rot3d.train.epochs=5'] }).graph!);
    expect(b.get('data:corpus')).toBe(a.get('data:corpus'));
    expect(b.get('pretrain:rot3d')).not.toBe(a.get('pretrain:rot3d'));
    expect(b.get('finetune:rot3d/finetune/10%/r0')).not.toBe(a.get('finetune:rot3d/finetune/10%/r0'));
    expect(b.get('finetune:scratch/scratch/10%/r0')).toBe(a.get('finetune:scratch/scratch/10%/r0'));
    expect(b.get('report:summary')).not.toBe(a.get('report:summary'));
  });

  it('--set values are parsed and type-checked like the file, located in the override text', () => {
    const r = compileFile('experiments/quickstart.ssl', { overrides: ['rot3d.train.epochs=10%'] });
    expect(r.graph).toBeNull();
    const d = r.diagnostics.find((x) => x.code === 'SSL026')!;
    expect(d.span.file).toBe('--set[1]');
    expect(d.span.startColumn).toBe('rot3d.train.epochs='.length + 1);
    expect(r.sources['--set[1]']).toBe('rot3d.train.epochs=10%');
    const unknown = compileFile('experiments/quickstart.ssl', { overrides: ['rot3d.train.epoch=3'] });
    expect(unknown.diagnostics.map((x) => x.code)).toEqual(['SSL023']);
    expect(unknown.diagnostics[0]!.hint).toContain('epochs');
    const ok = compileFile('experiments/quickstart.ssl', { overrides: ['experiment.backend=cpu', 'protocol.fractions=[50%, 100%]'] });
    expect(rendered(ok)).toBe('');
    expect(ok.graph!.backend).toBe('cpu');
    expect(ok.graph!.nodes.some((n) => n.id === 'finetune:rot3d/finetune/50%/r0')).toBe(true);
    // declarations from imported files can be overridden too
    const imported = compileFile('experiments/brats.ssl', { overrides: ['brats2018.cases=10'] });
    expect(imported.diagnostics.map((x) => x.code)).toEqual(['SSL045']);
  });

  it('resolves imports relative to the importing file, with aliases, and rebases data paths', () => {
    const files = {
      'exp/shared/data.ssl': 'dataset ukb = nifti { images = ["../../data/ukb/*/t1.nii.gz", "../../data/ukb/*/flair.nii.gz"], preprocess { resize = 32x32x32 } }\n',
    };
    const text = program({
      corpus: 'import "shared/data.ssl" as common',
      pretext: 'pretext rot = rotation { data = common.ukb, encoder = tiny, train { epochs = 2 } }',
      finetune: 'finetune seg = segmentation { data = lab, warmup = 1 epochs, adapter = average, train { epochs = 3 } }',
    });
    const r = compileText(text, files);
    expect(rendered(r)).toBe('');
    const d = byId(r.graph!, 'data:common.ukb');
    expect(d.kind === 'data' && d.params.dataset.source.kind === 'nifti' && d.params.dataset.source.images).toEqual(['../data/ukb/*/t1.nii.gz', '../data/ukb/*/flair.nii.gz']);
    expect(Object.keys(r.sources).sort()).toEqual(['exp/main.ssl', 'exp/shared/data.ssl']);
    const plain = compileText(program({ pretext: 'pretext rot = rotation { data = ukb, encoder = tiny }' }).replace('dataset corpus', 'import "shared/data.ssl"\ndataset corpus'), files);
    expect(plain.diagnostics.map((x) => x.code)).toContain('SSL046'); // ukb has 2 channels, lab 1
  });

  it('several sweeps share pretraining and prefix their node ids with the sweep name', () => {
    const r = compileText(
      program({
        extra: 'sweep s2 { methods = [rot], arms = [frozen], fractions = [100%], finetune = seg, evaluate = ev }',
        report: 'report r { sweep = s2, table t { rows = method } }',
      }),
    );
    expect(rendered(r)).toBe('');
    const ids = r.graph!.nodes.map((n) => n.id);
    expect(ids.filter((i) => i === 'pretrain:rot')).toHaveLength(1);
    expect(ids).toContain('finetune:s.rot/finetune/50%/r0');
    expect(ids).toContain('finetune:s2.rot/frozen/100%/r0');
    const report = byId(r.graph!, 'report:r');
    expect(report.inputs.every((i) => i.startsWith('evaluate:s2.'))).toBe(true);
  });

  it('resolves every default into the graph (paper defaults)', () => {
    const g = compileFile('experiments/brats.ssl').graph!;
    const ft = g.nodes.find((n): n is FinetuneNode => n.kind === 'finetune' && n.params.method === '3D-RPL')!;
    expect(ft.params.finetune.warmup).toBe(25);
    expect(ft.params.finetune.train.optimizer).toEqual({ kind: 'adam', lr: 1e-5, beta1: 0.9, beta2: 0.999, momentum: 0, weightDecay: 0, clipNorm: null });
    expect(ft.params.evaluation.metrics.map((m) => `${m.metric}.${m.region}`)).toEqual(['dice.ET', 'dice.WT', 'dice.TC', 'hd95.WT']);
    const data = byId(g, 'data:brats2018');
    expect(data.kind === 'data' && data.params.dataset.regions).toEqual({ ET: [4], TC: [1, 4], WT: [1, 2, 4] });
    const jig = byId(g, 'pretrain:jigsaw3d') as PretrainNode;
    expect(jig.params.pretext.params).toEqual({ task: 'jigsaw', grid: 3, jitter: 3, permutations: 1000, selection: 'max-hamming' });
    expect(jig.params.encoder).toEqual({ kind: 'unet3d', ...UNET_PRESETS.paper });
    const rot2 = byId(g, 'pretrain:rotation2d') as PretrainNode;
    expect(rot2.params.inputShape).toEqual([128, 128, 2]);
    expect(rot2.params.pretext.slices).toEqual({ axis: 0, perVolume: 16 });
    const r2 = g.nodes.find((n): n is FinetuneNode => n.kind === 'finetune' && n.params.method === '2D-Rotation')!;
    expect(r2.params.finetune.slices).toEqual({ axis: 0, perVolume: 16 });
    expect(r2.params.inputShape).toEqual([128, 128, 4]);
    const retina = compileFile('experiments/retinopathy.ssl').graph!;
    const cls = retina.nodes.find((n): n is FinetuneNode => n.kind === 'finetune')!;
    expect(cls.params.finetune.warmup).toBe(5);
    expect(cls.params.finetune.train.optimizer.lr).toBe(5e-5);
    expect(cls.params.finetune.classes).toEqual([0, 1, 2, 3, 4]);
    const pre = retina.nodes.find((n): n is PretrainNode => n.kind === 'pretrain')!;
    expect(pre.params.pretext.train.optimizer.lr).toBe(5e-4);
  });

  it('every compiled experiment validates against the graph schema; corrupted graphs are rejected', () => {
    for (const f of ['quickstart', 'brats', 'pancreas', 'retinopathy']) {
      const g = compileFile(`experiments/${f}.ssl`).graph;
      expect(g, f).not.toBeNull();
      expect(graphProblems(JSON.parse(JSON.stringify(g)))).toEqual([]);
    }
    const g = JSON.parse(JSON.stringify(compileFile('experiments/quickstart.ssl').graph)) as ExecutionGraph;
    expect(loadGraph(g).nodes.length).toBe(g.nodes.length);
    const bad1 = structuredClone(g);
    (bad1.nodes[0] as unknown as { kind: string }).kind = 'train';
    expect(graphProblems(bad1).length).toBeGreaterThan(0);
    const bad2 = structuredClone(g);
    bad2.nodes.reverse();
    expect(graphProblems(bad2).join('\n')).toMatch(/not an earlier node/);
    const bad3 = structuredClone(g) as unknown as { nodes: Array<{ params: { pretext?: { train: { epochs: unknown } } } }> };
    bad3.nodes[1]!.params.pretext!.train.epochs = '4';
    expect(graphProblems(bad3).length).toBeGreaterThan(0);
    expect(() => loadGraph({ version: 99 })).toThrow(/invalid execution graph/);
  });
});

describe('cost model', () => {
  const train: TrainSpec = { epochs: 2, batch: 2, stepsPerEpoch: null, optimizer: { kind: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, momentum: 0, weightDecay: 0, clipNorm: null }, onNaN: 'stop' };

  it('counts trainable parameters as Keras does', () => {
    // keras.applications.DenseNet121(include_top=False, weights=None): 6 953 856 trainable
    expect(encoderParams({ kind: 'densenet2d', ...DENSENET_PRESETS.densenet121 }, 3, 2)).toBe(6_953_856);
    // the authors' 3D U-Net encoder at 1 channel (runtime/models: 3 537 424 incl. 1 984 BN statistics)
    const authors = { kind: 'unet3d' as const, ...UNET_PRESETS['authors-code'] };
    expect(encoderParams(authors, 1, 3)).toBe(3_535_440);
    const seg = estimateCost({ kind: 'finetune', target: 'segmentation', classes: 4, encoder: authors, inputShape: [32, 32, 32, 1], train, cases: 10, arm: 'scratch', warmup: 0 });
    expect(seg.trainableParams - 3_535_440).toBe(2_112_468);
    const frozen = estimateCost({ kind: 'finetune', target: 'segmentation', classes: 4, encoder: authors, inputShape: [32, 32, 32, 1], train, cases: 10, arm: 'frozen', warmup: 0 });
    expect(frozen.trainableParams).toBe(2_112_468);
    expect(seg.steps).toBe(2 * 5);
    expect(seg.flopsPerStep).toBeGreaterThan(0);
  });

  it('scales activations and FLOPs with the batch and the input', () => {
    const enc = { kind: 'unet3d' as const, ...UNET_PRESETS.small };
    const q = { kind: 'finetune' as const, target: 'segmentation' as const, classes: 3, encoder: enc, inputShape: [32, 32, 32, 1], train, cases: null, arm: 'finetune' as const, warmup: 1 };
    const a = estimateCost(q);
    const b = estimateCost({ ...q, train: { ...train, batch: 4 } });
    const c = estimateCost({ ...q, inputShape: [64, 64, 64, 1] });
    expect(b.activationBytes).toBe(2 * a.activationBytes);
    expect(b.flopsPerStep).toBe(2 * a.flopsPerStep);
    expect(c.flopsPerStep / a.flopsPerStep).toBeCloseTo(8, 5);
    expect(a.steps).toBeNull();
    expect(c.trainableParams).toBe(a.trainableParams);
  });
});

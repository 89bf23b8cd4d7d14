// Every shipped experiment runs: each file in experiments/ is compiled, shrunk (volume size,
// filter widths, patch jitter, one step per epoch, one repetition) with --set overrides, its data
// replaced by phantoms of the same kind, channels and labels, and then one node of every distinct
// graph shape — every pretext task × encoder, and every fine-tuning encoder × arm × channel
// adapter × target — runs through the real executor and node handlers (pretrain → fine-tune with
// warm-up and unfreezing → evaluate). A crash such as "brats.ssl fails at fine-tuning with the
// paper's encoder" (the 2 → 4 channel residual shortcut) fails here, not in a user's week-long run.
//
// The shapes are computed from the full-size graph too, so an override that changed what runs
// (rather than only how big) fails the coverage check. A new experiment file needs an entry in
// TINY.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/index.js';
import type { DataNode, DataSource, EncoderSpec, Vec2, Vec3, ExecutionGraph, FinetuneNode, GraphNode, PretrainNode } from '../../core/graph.js';
import { defaultHandlers } from '../../cli/handlers.js';
import { selectBackend } from '../../runtime/backend/index.js';
import type { RunEvent } from '../../runtime/events.js';
import { runGraph } from '../../runtime/executor/executor.js';

const steps = (names: string[], extra: (n: string) => string[] = () => []): string[] =>
  names.flatMap((n) => [`${n}.train.epochs=1`, `${n}.train.steps=1`, `${n}.train.batch=${/exemplar/.test(n) ? 2 : 1}`, ...extra(n)]);
const slices = (n: string): string[] => [`${n}.slices.per-volume=1`];
const finetune = (n: string, evaluate: string): string[] => [`${n}.train.epochs=2`, `${n}.warmup=1`, `${n}.train.steps=1`, `${n}.train.batch=2`, `${evaluate}.repetitions=1`];
const brainTasks3d = ['cpc3d', 'rpl3d', 'jigsaw3d', 'rotation3d', 'exemplar3d'];
const paper3dPatches = ['cpc3d.patch=16', 'cpc3d.grid=3', 'cpc3d.predict-terms=1', 'rpl3d.jitter=0', 'jigsaw3d.jitter=0', 'jigsaw3d.permutations=10', 'rotation3d.copies=1'];

/** Per experiment: overrides that shrink it without changing its graph's shapes. */
const TINY: Record<string, string[]> = {
  'quickstart.ssl': ['corpus.cases=8', 'corpus.size=16x16x16', 'tumours.cases=24', 'tumours.size=16x16x16', ...steps(['rot3d']), ...finetune('seg', 'protocol')],
  'phantom-table1.ssl': [
    'corpus.cases=8', 'corpus.size=16x16x16', 'tumours.cases=24', 'tumours.size=16x16x16', 'jigsaw3d.permutations=10', 'jigsaw3d.jitter=0',
    ...steps(['cpc3d', 'rpl3d', 'jigsaw3d', 'rotation3d', 'exemplar3d']), ...finetune('seg', 'protocol'),
  ],
  'brats.ssl': [
    'ukb.preprocess.resize=48x48x48', 'brats2018.preprocess.resize=16x16x16', 'brats2018.cases=20', 'paper3d.filters=4', 'paper2d.filters=4',
    ...paper3dPatches, 'rpl2d.jitter=0', 'jigsaw2d.jitter=0', 'jigsaw2d.permutations=10',
    ...steps(brainTasks3d), ...steps(['cpc2d', 'rpl2d', 'jigsaw2d', 'rotation2d', 'exemplar2d'], slices), ...finetune('seg', 'protocol'),
  ],
  'pancreas.ssl': [
    'pancreas_scans.preprocess.resize=48x48x48', 'pancreas_scans.cases=4', 'pancreas.preprocess.resize=16x16x16', 'pancreas.cases=28', 'paper3d.filters=4',
    ...paper3dPatches, ...steps(brainTasks3d), ...finetune('seg', 'protocol'),
  ],
  'retinopathy.ssl': [
    'aptos.preprocess.resize=96x96', 'aptos.cases=40', 'densenet.growth=4', 'densenet.init-filters=8', 'cpc.grid=3', 'cpc.predict-terms=1', 'rpl.jitter=0', 'jigsaw.jitter=0', 'jigsaw.permutations=10',
    ...steps(['cpc', 'rpl', 'jigsaw', 'rotation', 'exemplar']), ...finetune('grade', 'kappa'),
  ],
};

/** The structure of an encoder, without its widths (which the overrides shrink). */
function structure(e: EncoderSpec): string {
  return e.kind === 'densenet2d' ? `densenet2d[${e.blocks.join(',')}]c${e.compression}` : `${e.kind}/L${e.levels}/${e.block}/${e.norm}/${e.finalPool}/${e.upsample}/drop${e.dropout > 0}`;
}

function shapeOf(n: GraphNode): string | null {
  if (n.kind === 'pretrain') {
    const p = (n as PretrainNode).params;
    // the channel count is left out: a task on a 1- or a 2-channel corpus builds the same network
    return `pretrain ${p.pretext.task}${p.pretext.dim}d/${p.pretext.variant}/${structure(p.encoder)}/${p.pretext.slices ? 'slices' : 'whole'}`;
  }
  if (n.kind === 'finetune') {
    const p = (n as FinetuneNode).params;
    const ch = p.inputShape.at(-1)!;
    const adapt = p.pretrainedChannels !== null && p.pretrainedChannels !== ch ? `${p.pretrainedChannels}→${ch} ${p.finetune.adapter}` : `${ch}ch`;
    return `finetune ${p.finetune.target}/${structure(p.encoder)}/${p.arm}/${adapt}/${p.finetune.slices ? 'slices' : 'whole'}`;
  }
  return null;
}

/** The phantom that stands in for a dataset: same dimensionality, channels and labels. */
function phantomFor(d: DataNode): DataSource {
  const ds = d.params.dataset;
  if (ds.source.kind === 'phantom3d' || ds.source.kind === 'phantom2d') return ds.source;
  const known = ds.knownCases ?? 4; // unlabelled corpora of unknown size: 4 cases
  const size = ds.preprocess.resize;
  if (!size) throw new Error(`${d.id}: give the dataset a resize in TINY so the phantom has its size`);
  if (ds.dim === 2) return { kind: 'phantom2d', cases: known, channels: ds.channels, size: [size[0]!, size[1]!] as Vec2, labelled: ds.labels.kind !== 'none' };
  const src = ds.source;
  const pancreas = src.kind === 'decathlon';
  return { kind: 'phantom3d', anatomy: pancreas ? 'pancreas' : 'brain', cases: known, channels: ds.channels, size: [size[0]!, size[1]!, size[2]!] as Vec3, labelled: ds.labels.kind !== 'none' };
}

/** One node per shape, the inputs they need, and their evaluate nodes; data swapped for phantoms. */
// A fine-tuning shape is run from the cheapest pretext that has it.
const CHEAP = ['rpl', 'rotation', 'jigsaw', 'exemplar', 'cpc'];

function reduce(g: ExecutionGraph, done: Set<string> = new Set()): { graph: ExecutionGraph; shapes: string[] } {
  const keep = new Set<string>();
  const shapes = new Map<string, string>();
  const byId = new Map(g.nodes.map((n) => [n.id, n] as const));
  const rank = (n: GraphNode): number => {
    const pre = n.inputs.map((i) => byId.get(i)!).find((x): x is PretrainNode => x.kind === 'pretrain');
    return pre ? CHEAP.indexOf(pre.params.pretext.task) : -1;
  };
  for (const n of g.nodes) {
    const s = shapeOf(n);
    if (!s) continue;
    const prev = shapes.get(s);
    if (prev === undefined || rank(n) < rank(byId.get(prev)!)) shapes.set(s, n.id);
  }
  const all = [...shapes.keys()].sort();
  // shapes an earlier file already ran are not run again (their inputs still are, when needed)
  for (const s of [...shapes.keys()]) if (done.has(s)) shapes.delete(s);
  for (const s of shapes.keys()) done.add(s);
  const need = (id: string): void => {
    if (keep.has(id)) return;
    keep.add(id);
    for (const i of byId.get(id)!.inputs) need(i);
  };
  for (const id of shapes.values()) need(id);
  for (const n of g.nodes) if (n.kind === 'evaluate' && keep.has(n.inputs[0]!)) need(n.id);
  const nodes = g.nodes
    .filter((n) => keep.has(n.id))
    .map((n) => (n.kind === 'data' ? ({ ...n, params: { ...n.params, dataset: { ...n.params.dataset, source: phantomFor(n as DataNode) } } } as GraphNode) : n));
  return { graph: { ...g, nodes }, shapes: all };
}

const files = readdirSync('experiments').filter((f) => f.endsWith('.ssl')).sort();
const root = mkdtempSync(join(tmpdir(), 'ssl3d-shapes-'));
const done = new Set<string>();

describe('every shipped experiment runs one tiny step of each graph shape', () => {
  let backend = { name: 'cpu', reason: 'test' };
  beforeAll(async () => {
    const b = await selectBackend('auto', { quiet: true });
    backend = { name: b.name, reason: b.reason };
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('has tiny overrides for every experiment file', () => {
    expect(Object.keys(TINY).sort()).toEqual(files);
  });

  for (const file of files) {
    it(`${file}`, async () => {
      const full = compileFile(`experiments/${file}`);
      expect(full.graph).not.toBeNull();
      const tiny = compileFile(`experiments/${file}`, { overrides: TINY[file] ?? [] });
      expect(tiny.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.span.file}:${d.span.startLine}: ${d.code} ${d.message}`)).toEqual([]);
      const { graph, shapes } = reduce(tiny.graph!, done);
      // the shrunk graph has exactly the shapes of the shipped one
      expect(shapes).toEqual(reduce(full.graph!).shapes);
      const events: RunEvent[] = [];
      const controller = new AbortController();
      const started = Date.now();
      const result = await runGraph({
        graph, cacheDir: join(root, file), baseDir: dirname(join('experiments', file)), handlers: defaultHandlers,
        emit: (e) => events.push(e as RunEvent), signal: controller.signal, runId: `shapes-${file}`, backend,
      });
      const failed = events.filter((e) => e.type === 'error' || (e.type === 'node-end' && e.status !== 'ok')).map((e) => JSON.stringify(e));
      expect(failed).toEqual([]);
      expect(result.status).toBe('ok');
      const ran = Object.entries(result.nodes).filter(([, o]) => o === 'ok').length;
      expect(ran).toBe(graph.nodes.length);
      if (process.env.SHAPES_TIMES) for (const e of events) if (e.type === 'node-end') console.log(`  ${e.node} ${e.durationMs} ms`);
      console.log(`[shapes] ${file}: ${shapes.length} shapes, ${graph.nodes.length} nodes in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }, 120_000);
  }
});

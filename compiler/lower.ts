// Lowering: a checked experiment (compiler/check/) becomes the execution graph. Nothing here
// reports a diagnostic — every check ran before. What is left is construction: the sweeps are
// expanded into data, pretrain, finetune and evaluate nodes (methods × arms × fractions ×
// repetitions), node seeds derive from the experiment seed, every node is hashed from its
// parameters and inputs, and training nodes get a cost estimate (whose largest memory need per
// block comes back as `peaks` for check/memory.ts).
import { posix } from 'node:path';
import { trainCases } from '../core/geometry.js';
import type {
  CostEstimate, DataNode, EvaluateNode, ExecutionGraph, FinetuneNode, FinetuneSpec, GraphNode, PretrainNode, ReportNode,
} from '../core/graph.js';
import { GRAPH_VERSION } from '../core/graph.js';
import { canonicalJson, sha256 } from '../core/hash.js';
import { deriveSeed } from '../core/rng.js';
import type { Declaration } from '../grammar/ast.js';
import type { Block, CheckedDataset, CheckedExperiment, CheckedPretext, CheckedSweep, MemoryPeak } from './check/index.js';
import { estimateCost, trainingMemoryBytes, type CostQuery } from './cost.js';
import { percentLabel } from './json.js';
import { normPath } from './modules.js';

export interface LowerOptions {
  rootFile: string;
  sourceHash: string;
  version: string;
}

export interface Lowered {
  graph: ExecutionGraph;
  /** The largest training-memory estimate of each pretext / finetune block, in the order first met. */
  peaks: MemoryPeak[];
}

export function lowerExperiment(x: CheckedExperiment, opts: LowerOptions): Lowered {
  const nodes: GraphNode[] = [];
  const byId = new Map<string, GraphNode>();
  const add = (n: GraphNode): void => {
    if (!byId.has(n.id)) {
      byId.set(n.id, n);
      nodes.push(n);
    }
  };
  const finish = <T extends GraphNode>(n: Omit<T, 'hash'>, fingerprint: unknown): T => {
    const inputs = n.inputs.map((id) => byId.get(id)?.hash ?? id);
    const hash = sha256(canonicalJson({ kind: n.kind, params: n.params, seed: n.seed, inputs, version: opts.version, fingerprint }));
    return { ...n, hash } as T;
  };

  const peaks = new Map<Block, MemoryPeak>();
  const notePeak = (b: Block, what: string, cost: CostEstimate, batch: number): void => {
    const bytes = trainingMemoryBytes(cost);
    const prev = peaks.get(b);
    if (!prev || bytes > prev.bytes) peaks.set(b, { span: b.decl.nameSpan, what, bytes, activationBytes: cost.activationBytes, batch });
  };
  // cost estimates repeat across fractions and repetitions; compute each distinct one once
  const costs = new Map<string, CostEstimate>();
  const cachedCost = (q: CostQuery): CostEstimate => {
    const key = JSON.stringify(q);
    let c = costs.get(key);
    if (!c) costs.set(key, (c = estimateCost(q)));
    return { ...c };
  };

  const dataNode = (d: CheckedDataset): DataNode => {
    const id = `data:${d.spec.name}`;
    const existing = byId.get(id);
    if (existing) return existing as DataNode;
    const seed = deriveSeed(x.seed, 'data', d.spec.name);
    const n = finish<DataNode>({ id, kind: 'data', output: 'dataset', inputs: [], seed, cost: null, params: { dataset: d.spec } }, d.fingerprint);
    add(n);
    return n;
  };
  const pretrainNode = (p: CheckedPretext): PretrainNode => {
    const id = `pretrain:${p.spec.name}`;
    const existing = byId.get(id);
    if (existing) return existing as PretrainNode;
    const dn = dataNode(p.data);
    const seed = deriveSeed(x.seed, 'pretrain', p.spec.name);
    const cost = estimateCost({ kind: 'pretrain', pretext: p.spec, encoder: p.encoder.spec, inputShape: p.inputShape, cases: trainCases(p.data.spec) });
    notePeak(p.block, `pretext ${p.block.decl.name}`, cost, p.spec.train.batch);
    const n = finish<PretrainNode>(
      { id, kind: 'pretrain', output: 'encoder', inputs: [dn.id], seed, cost, params: { pretext: p.spec, encoder: p.encoder.spec, inputShape: p.inputShape } },
      null,
    );
    add(n);
    return n;
  };

  /** The nodes of one sweep: pretraining first, then the fine-tuning data, then finetune + evaluate per plan × arm × fraction × repetition. */
  const sweepNodes = (s: CheckedSweep): { evaluateIds: string[]; finetuneIds: string[] } => {
    const ft = s.finetune;
    const ds = ft.data.spec;
    const ev = s.evaluation.spec;
    for (const p of s.plans) if (p.method.pre) pretrainNode(p.method.pre);
    const dn = dataNode(ft.data);
    const evaluateIds: string[] = [];
    const finetuneIds: string[] = [];
    const prefix = x.multipleSweeps ? `${s.block.decl.name}.` : '';
    const nTrain = trainCases(ds);
    for (const p of s.plans) {
      const m = p.method;
      const pn = m.pre ? pretrainNode(m.pre) : null;
      for (const arm of m.arms) {
        for (const f of s.fractions) {
          for (let r = 0; r < s.repetitions; r++) {
            const key = `${prefix}${m.id}/${arm}/${percentLabel(f)}/r${r}`;
            const fid = `finetune:${key}`;
            const fspec: FinetuneSpec = {
              target: ft.target,
              classes: ft.classes,
              loss: ft.loss,
              classWeights: ft.classWeights,
              warmup: arm === 'finetune' ? ft.warmup : 0,
              atUnfreeze: ft.atUnfreeze,
              adapter: ft.adapter,
              train: p.train,
              slices: p.slices,
            };
            const cost = cachedCost({
              kind: 'finetune',
              target: ft.target,
              classes: ft.classes.length,
              encoder: p.encoder,
              inputShape: p.inputShape,
              train: p.train,
              cases: nTrain === null ? null : Math.max(1, Math.floor(f * nTrain + 1e-9)) * (p.slices ? p.slices.perVolume : 1),
              arm,
              warmup: fspec.warmup,
            });
            notePeak(ft.block, `finetune ${ft.block.decl.name}`, cost, p.train.batch);
            const fnode = finish<FinetuneNode>(
              {
                id: fid,
                kind: 'finetune',
                output: 'model',
                inputs: pn ? [dn.id, pn.id] : [dn.id],
                seed: deriveSeed(x.seed, 'finetune', key),
                cost,
                params: {
                  method: m.label,
                  arm,
                  fraction: f,
                  repetition: r,
                  subsetSeed: deriveSeed(x.seed, 'subset', ds.name, r),
                  finetune: fspec,
                  encoder: p.encoder,
                  inputShape: p.inputShape,
                  pretrainedChannels: m.pre ? m.pre.data.spec.channels : null,
                  channelNames: ds.channelNames ?? null,
                  pretrainedChannelNames: m.pre ? m.pre.data.spec.channelNames ?? null : null,
                  evaluation: ev,
                },
              },
              null,
            );
            add(fnode);
            finetuneIds.push(fid);
            const enode = finish<EvaluateNode>(
              {
                id: `evaluate:${key}`,
                kind: 'evaluate',
                output: 'metrics',
                inputs: [fid, dn.id],
                seed: deriveSeed(x.seed, 'evaluate', key),
                cost: null,
                params: { method: m.label, arm, fraction: f, repetition: r, evaluation: ev, regions: ds.regions },
              },
              null,
            );
            add(enode);
            evaluateIds.push(enode.id);
          }
        }
      }
    }
    return { evaluateIds, finetuneIds };
  };

  const bySweep = new Map<Declaration, { evaluateIds: string[]; finetuneIds: string[] }>();
  for (const s of x.sweeps) bySweep.set(s.block.decl, sweepNodes(s));
  // pretext tasks declared in the experiment file but not swept still pretrain
  for (const p of x.pretexts) pretrainNode(p);
  for (const r of x.reports) {
    const ids = bySweep.get(r.sweep);
    if (!ids) continue;
    const name = r.block.decl.name;
    const inputs = [...ids.evaluateIds, ...(r.spec.plots.some((p) => p.kind === 'convergence') ? ids.finetuneIds : [])];
    add(finish<ReportNode>({ id: `report:${name}`, kind: 'report', output: 'report', inputs, seed: deriveSeed(x.seed, 'report', name), cost: null, params: { report: r.spec } }, null));
  }

  const graph: ExecutionGraph = {
    version: GRAPH_VERSION,
    experiment: x.name,
    source: { file: posix.basename(normPath(opts.rootFile)), hash: opts.sourceHash },
    seed: x.seed,
    backend: x.backend as ExecutionGraph['backend'],
    nodes,
  };
  if (x.executor) graph.executor = x.executor;
  return { graph, peaks: [...peaks.values()] };
}

// What one node's job asks Slurm for. Unless the executor settings say otherwise (per node
// kind), memory comes from the compiler's cost estimate with headroom, CPUs from the node kind,
// and a GPU only when the backend is a GPU one.

import type { DatasetSpec, ExecutionGraph, GraphNode, NodeKind } from '../../../core/graph.js';
import type { SlurmSettings } from './settings.js';

export interface JobResources {
  memoryMB: number;
  cpus: number;
  gpus: number;
  time: string | null;
  /** How the memory figure was found, for `ssl3d plan --executor slurm`. */
  memoryFrom: 'estimate' | 'setting';
}

const MB = 2 ** 20;
/** A Node process with tfjs and the native kernels loaded, before any data. */
export const BASE_MB = 1536;
/** Multiplier on the estimate: allocator slack, tfjs' kept intermediates, data copies. */
export const HEADROOM = 1.5;
const ROUND_MB = 512;

/** Bytes of a dataset held in memory as float32 (images and labels), or 0 when its size is not known at compile time. */
export function datasetBytes(d: DatasetSpec): number {
  const src = d.source;
  const spatial = d.preprocess.resize ?? ('size' in src ? src.size : null);
  if (!spatial || d.knownCases === null) return 0;
  const voxels = spatial.reduce((a, b) => a * b, 1);
  const labelVoxels = d.labels.kind === 'segmentation' ? voxels : 0;
  return d.knownCases * (voxels * d.channels + labelVoxels) * 4;
}

/** Estimated peak memory of `node`'s job in MB (before headroom). */
export function estimateMemoryMB(node: GraphNode, graph: ExecutionGraph): number {
  const byId = new Map(graph.nodes.map((n) => [n.id, n] as const));
  let bytes = 0;
  // the datasets the node reads (a data node builds its own)
  const datasets = node.kind === 'data' ? [node] : node.inputs.map((id) => byId.get(id)).filter((n) => n?.kind === 'data');
  for (const d of datasets) if (d?.kind === 'data') bytes += datasetBytes(d.params.dataset);
  if (node.kind === 'evaluate') {
    // evaluation runs the trained model of its finetune input forward, one case at a time
    const ft = byId.get(node.inputs[0] ?? '');
    if (ft?.cost) bytes += ft.cost.trainableParams * 4 + ft.cost.activationBytes;
  }
  if (node.cost) {
    // weights, gradients and two Adam moments; forward activations kept for the backward pass, and their gradients
    bytes += node.cost.trainableParams * 4 * 4 + node.cost.activationBytes * 3;
  }
  return BASE_MB + bytes / MB;
}

const DEFAULT_CPUS: Record<NodeKind, number> = { data: 2, pretrain: 4, finetune: 4, evaluate: 2, report: 1 };
/** Above this many FLOPs in total a training node asks for twice the CPUs. */
const BIG_NODE_FLOPS = 1e13;

/** Backends that compute on a GPU (a job needs `--gres=gpu:1`). */
export function isGpuBackend(name: string): boolean {
  return name === 'webgpu' || /gpu|cuda/i.test(name);
}

export function nodeResources(node: GraphNode, graph: ExecutionGraph, settings: SlurmSettings, backend: string): JobResources {
  const set = settings.resources[node.kind] ?? {};
  const trains = node.kind === 'pretrain' || node.kind === 'finetune';
  let memoryMB: number;
  let memoryFrom: JobResources['memoryFrom'];
  if (set.memoryGB !== undefined) {
    memoryMB = Math.ceil(set.memoryGB * 1024);
    memoryFrom = 'setting';
  } else {
    memoryMB = Math.ceil((estimateMemoryMB(node, graph) * HEADROOM) / ROUND_MB) * ROUND_MB;
    memoryFrom = 'estimate';
  }
  const totalFlops = node.cost && node.cost.steps !== null ? node.cost.flopsPerStep * node.cost.steps : 0;
  const cpus = set.cpus ?? (trains && totalFlops > BIG_NODE_FLOPS ? 2 * DEFAULT_CPUS[node.kind] : DEFAULT_CPUS[node.kind]);
  const gpus = set.gpus ?? ((trains || node.kind === 'evaluate') && isGpuBackend(backend) ? 1 : 0);
  return { memoryMB, cpus, gpus, time: set.time ?? settings.time, memoryFrom };
}

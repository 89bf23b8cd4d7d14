// The experiment's `executor` setting, from its checked JSON form into the graph's ExecutorSpec.
// Where nodes run never changes what they compute, so none of this reaches a node hash.
import { NODE_KINDS, type ExecutorSpec, type NodeKind, type NodeResources } from '../core/graph.js';

type Json = unknown;

const KINDS: readonly NodeKind[] = NODE_KINDS;

function isObj(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function text(v: Json): string | undefined {
  if (isObj(v) && typeof v.$string === 'string') return v.$string;
  return typeof v === 'string' ? v : undefined;
}

function number(v: Json): number | undefined {
  if (typeof v === 'number') return v;
  if (isObj(v) && typeof v.$value === 'number') return v.$value;
  return undefined;
}

/** `90 minutes` → "90"; a Slurm time string stays as written. */
function time(v: Json): string | undefined {
  const s = text(v);
  if (s !== undefined) return s;
  const n = number(v);
  return n === undefined ? undefined : String(n);
}

function resources(v: Json): NodeResources | undefined {
  if (!isObj(v)) return undefined;
  const r: NodeResources = {};
  const mem = number(v.memory);
  if (mem !== undefined) r.memoryGB = mem;
  if (typeof v.cpus === 'number') r.cpus = v.cpus;
  if (typeof v.gpus === 'number') r.gpus = v.gpus;
  const t = time(v.time);
  if (t !== undefined) r.time = t;
  return r;
}

/** The ExecutorSpec of a checked `executor = …` value, or undefined when absent. */
export function executorSpecOf(v: Json): ExecutorSpec | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === 'local' || v === 'slurm') return { kind: v };
  if (!isObj(v)) return undefined;
  const kind = v.$type === 'local' ? 'local' : 'slurm';
  const spec: ExecutorSpec = { kind };
  const partition = text(v.partition);
  if (partition !== undefined) spec.partition = partition;
  const account = text(v.account);
  if (account !== undefined) spec.account = account;
  const t = time(v.time);
  if (t !== undefined) spec.time = t;
  if (typeof v['max-jobs'] === 'number') spec.maxJobs = v['max-jobs'];
  if (typeof v.requeue === 'boolean') spec.requeue = v.requeue;
  if (Array.isArray(v.sbatch)) spec.sbatch = v.sbatch.map(text).filter((s): s is string => s !== undefined);
  const res: Partial<Record<NodeKind, NodeResources>> = {};
  for (const k of KINDS) {
    const r = resources(v[k]);
    if (r) res[k] = r;
  }
  if (Object.keys(res).length) spec.resources = res;
  return spec;
}

// Runs an execution graph: nodes in dependency order, each either taken from the content-
// addressed cache, resumed from its last checkpoint, or computed by its handler into a temp
// folder that is renamed into the cache when the handler returns. Reports only through events.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionGraph, GraphNode } from '../../core/graph.js';
import { SslRuntimeError, type Checkpoint, type InputArtifact, type NodeContext } from '../contract.js';
import { withFile } from '../../core/errors.js';
import type { EventInput, EventSink, RunBackend } from '../events.js';
import { cacheStatesDeep, checkEntry, commitEntry, discardEntry, makeWorkDir, nodeDir, type CacheState } from './cache.js';
import { clearCheckpoints, findCheckpoint, saveCheckpoint } from './checkpoints.js';
import type { HandlerResolver } from './handlers.js';
import { diskFullError, isDiskFull, removeTree } from './fsutil.js';
import { msg, withCode } from '../../core/codes/index.js';
import { mkdirsSync } from '../files.js';

export type NodeOutcome = 'ok' | 'cached' | 'failed' | 'interrupted' | 'skipped' | 'pending';

export interface RunGraphOptions {
  graph: ExecutionGraph;
  cacheDir: string;
  /** Folder of the experiment file (relative data paths resolve against it). */
  baseDir: string;
  handlers: HandlerResolver;
  emit: EventSink;
  signal: AbortSignal;
  runId: string;
  backend: RunBackend;
  /** Keep running nodes that do not depend on a failed one (default true). */
  keepGoing?: boolean;
  /** Where handlers write before the commit (default `<cache>/tmp`; Slurm jobs use their own). */
  workRoot?: string;
}

export interface RunGraphResult {
  status: 'ok' | 'failed' | 'interrupted';
  nodes: Record<string, NodeOutcome>;
  /** Cache folder of each finished (ok or cached) node. */
  dirs: Record<string, string>;
  durationMs: number;
}

export function totalEpochs(node: GraphNode): number | null {
  if (node.kind === 'pretrain') return node.params.pretext.train.epochs;
  if (node.kind === 'finetune') return node.params.finetune.train.epochs;
  return null;
}

export function stepsPerEpoch(node: GraphNode): number | null {
  const train = node.kind === 'pretrain' ? node.params.pretext.train : node.kind === 'finetune' ? node.params.finetune.train : null;
  if (!train) return null;
  if (train.stepsPerEpoch !== null) return train.stepsPerEpoch;
  if (node.cost?.steps != null && train.epochs > 0) return Math.round(node.cost.steps / train.epochs);
  return null;
}

function isAbort(err: unknown, signal: AbortSignal): boolean {
  if (signal.aborted) return true;
  return err instanceof Error && err.name === 'AbortError';
}

/** Turn any thrown value into a stable code and a one-line message. */
export function describeError(err: unknown, nodeId: string | null, folder: string | null = null): { code: string; message: string } {
  if (err instanceof SslRuntimeError) {
    return { code: err.code, message: withFile(err.message, err.file) };
  }
  if (isDiskFull(err)) {
    const e = diskFullError(err, null, null, folder);
    return { code: e.code, message: e.message };
  }
  const reason = err instanceof Error ? err.message : String(err);
  if (process.env.SSL3D_DEBUG && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  return msg('SSL184', 'internalError', { inNode: nodeId ? ` in ${nodeId}` : '', reason: reason.split('\n')[0]! });
}

export async function runGraph(opts: RunGraphOptions): Promise<RunGraphResult> {
  const { graph, cacheDir, baseDir, emit, signal } = opts;
  const keepGoing = opts.keepGoing ?? true;
  const started = Date.now();
  mkdirsSync(cacheDir);
  const dataCacheDir = join(cacheDir, 'data');
  mkdirsSync(dataCacheDir);
  removeTree(join(cacheDir, 'tmp')); // leftovers of killed runs (we hold the lock)

  const states: Record<string, CacheState> = await cacheStatesDeep(graph, cacheDir);
  emit({
    type: 'run-start',
    experiment: graph.experiment,
    runId: opts.runId,
    backend: opts.backend,
    nodes: runStartNodes(graph, states),
  });

  const outcome: Record<string, NodeOutcome> = {};
  const dirs: Record<string, string> = {};
  for (const n of graph.nodes) outcome[n.id] = 'pending';
  const byId = new Map(graph.nodes.map((n) => [n.id, n] as const));
  let failed = false;
  let interrupted = false;

  for (const node of graph.nodes) {
    if (signal.aborted) {
      interrupted = true;
      break;
    }
    if (failed && !keepGoing) break;

    const blocked = node.inputs.find((id) => outcome[id] !== 'ok' && outcome[id] !== 'cached');
    if (blocked !== undefined) {
      outcome[node.id] = 'skipped';
      emit({ type: 'warning', node: node.id, message: `skipped: input ${blocked} ${outcome[blocked] === 'skipped' ? 'was skipped' : 'failed'}` });
      emit({ type: 'node-end', node: node.id, status: 'skipped', durationMs: 0, summary: {} });
      continue;
    }

    // 1. a valid cache entry: done
    const entry = await checkEntry(cacheDir, node, true);
    if (entry.ok) {
      outcome[node.id] = 'cached';
      dirs[node.id] = entry.dir;
      emit({ type: 'node-end', node: node.id, status: 'cached', durationMs: 0, summary: entry.manifest.summary });
      continue;
    }
    if (!entry.missing) {
      emit({ type: 'warning', node: node.id, message: withCode(msg('SSL182', 'recomputing', { reason: entry.reason })) });
      discardEntry(cacheDir, node);
    }

    // 2. compute (resuming from a checkpoint if an earlier attempt left one)
    const res = await runNode(node, opts, byId, dirs, dataCacheDir);
    outcome[node.id] = res.status;
    if (res.status === 'ok') dirs[node.id] = nodeDir(cacheDir, node.hash);
    if (res.status === 'failed') failed = true;
    if (res.status === 'interrupted') {
      interrupted = true;
      break;
    }
  }
  if (signal.aborted) interrupted = true;

  const status: RunGraphResult['status'] = interrupted ? 'interrupted' : failed ? 'failed' : 'ok';
  const durationMs = Date.now() - started;
  emit({ type: 'run-end', status, durationMs });
  return { status, nodes: outcome, dirs, durationMs };
}

/** Compute one node whose inputs are finished (`dirs` holds their cache folders). */
export async function runNode(
  node: GraphNode,
  opts: RunGraphOptions,
  byId: Map<string, GraphNode>,
  dirs: Record<string, string>,
  dataCacheDir: string,
): Promise<{ status: 'ok' | 'failed' | 'interrupted' }> {
  const { cacheDir, emit, signal } = opts;
  const t0 = Date.now();
  const ckpt = await findCheckpoint(cacheDir, node.hash, true);
  if (ckpt && ckpt.rejected.length) emit({ type: 'warning', node: node.id, message: withCode(msg('SSL183', 'skipped', { rejected: ckpt.rejected.join('; ') })) });
  let latest: Checkpoint | null = ckpt ? { epoch: ckpt.epoch, dir: ckpt.dir } : null;

  const inputs: Record<string, InputArtifact> = {};
  for (const id of node.inputs) {
    const inNode = byId.get(id);
    const dir = dirs[id];
    if (!inNode || !dir) {
      emit({ type: 'error', node: node.id, ...msg('SSL184', 'inputNotAvailable', { id, node: node.id }) });
      emit({ type: 'node-end', node: node.id, status: 'failed', durationMs: 0, summary: {} });
      return { status: 'failed' };
    }
    inputs[id] = { node: inNode, dir };
  }

  const workDir = makeWorkDir(cacheDir, node, opts.workRoot);
  let lastCheckpointEpoch = -1;
  // The node's own sink: drops a handler's duplicate `checkpoint` event (the executor emits it).
  const nodeEmit: EventSink = (e: EventInput) => {
    if (e.type === 'checkpoint' && e.node === node.id && e.epoch === lastCheckpointEpoch) return;
    emit(e);
  };
  const ctx: NodeContext = {
    node,
    graph: opts.graph,
    inputs,
    outDir: workDir,
    baseDir: opts.baseDir,
    dataCacheDir,
    emit: nodeEmit,
    signal,
    backend: opts.backend.name,
    async saveCheckpoint(epoch: number, write: (dir: string) => Promise<void>): Promise<void> {
      const dir = await saveCheckpoint(cacheDir, node.hash, epoch, write);
      latest = { epoch, dir };
      lastCheckpointEpoch = epoch;
      emit({ type: 'checkpoint', node: node.id, epoch, path: dir });
    },
    loadCheckpoint(): Checkpoint | null {
      return latest;
    },
  };

  emit({
    type: 'node-start',
    node: node.id,
    kind: node.kind,
    resumeEpoch: ckpt?.epoch ?? 0,
    totalEpochs: totalEpochs(node),
    stepsPerEpoch: stepsPerEpoch(node),
  });

  try {
    const handler = await opts.handlers(node.kind);
    const result = await handler(ctx);
    const durationMs = Date.now() - t0;
    const summary = result?.summary ?? {};
    await commitEntry(cacheDir, node, workDir, summary, durationMs);
    clearCheckpoints(cacheDir, node.hash);
    emit({ type: 'node-end', node: node.id, status: 'ok', durationMs, summary });
    return { status: 'ok' };
  } catch (err) {
    removeTree(workDir);
    const durationMs = Date.now() - t0;
    if (isAbort(err, signal)) {
      emit({ type: 'node-end', node: node.id, status: 'interrupted', durationMs, summary: {} });
      return { status: 'interrupted' };
    }
    const { code, message } = describeError(err, node.id, workDir);
    emit({ type: 'error', node: node.id, code, message });
    emit({ type: 'node-end', node: node.id, status: 'failed', durationMs, summary: {} });
    return { status: 'failed' };
  }
}

/** The node list of a run-start event: every node with its cache state and planned work. */
export function runStartNodes(graph: ExecutionGraph, states: Record<string, CacheState>) {
  return graph.nodes.map((n) => ({
    id: n.id,
    kind: n.kind,
    hash: n.hash,
    state: states[n.id]?.state ?? 'to-run',
    reason: states[n.id]?.reason ?? '',
    epochs: totalEpochs(n),
    stepsPerEpoch: stepsPerEpoch(n),
    flopsPerStep: n.cost?.flopsPerStep ?? null,
    ...(n.kind === 'finetune' || n.kind === 'evaluate'
      ? { method: n.params.method, fraction: n.params.fraction, repetition: n.params.repetition }
      : {}),
  }));
}

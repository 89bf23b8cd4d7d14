// One Slurm job: run exactly one node of a saved graph against the shared cache. Its inputs
// must already be in the cache (Slurm started the job after their jobs succeeded); the result
// is committed with the same atomic rename as a local run, and every event goes to the job's
// events file in the cache, where the submitting `ssl3d run` (or `ssl3d status`) reads it.

import { closeSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hostname } from 'node:os';
import type { ExecutionGraph } from '../../../core/graph.js';
import type { RunEvent } from '../../events.js';
import { checkEntry, discardEntry } from '../cache.js';
import type { EventStream } from '../emitter.js';
import { runNode } from '../executor.js';
import type { HandlerResolver } from '../handlers.js';
import { jobEvents, workRoot } from './layout.js';
import { msg, withCode } from '../../../core/codes/index.js';
import { mkdirsSync } from '../../files.js';

export interface NodeJobOptions {
  graph: ExecutionGraph;
  nodeId: string;
  cacheDir: string;
  baseDir: string;
  handlers: HandlerResolver;
  backend: { name: string; reason: string };
  stream: EventStream;
  signal: AbortSignal;
  /** The Slurm job id (SLURM_JOB_ID), or a local stand-in when run by hand. */
  jobId: string;
}

export type NodeJobStatus = 'ok' | 'cached' | 'failed' | 'interrupted';

/** Append every event of the stream to the job's events file (one JSON object a line, written at once). */
export function writeJobEvents(stream: EventStream, path: string): () => void {
  mkdirsSync(dirname(path));
  let fd: number | null = openSync(path, 'a');
  const off = stream.subscribe((e: RunEvent) => {
    if (fd !== null) writeSync(fd, JSON.stringify(e) + '\n');
  });
  return () => {
    off();
    if (fd !== null) closeSync(fd);
    fd = null;
  };
}

export async function runNodeJob(opts: NodeJobOptions): Promise<NodeJobStatus> {
  const { graph, cacheDir, stream } = opts;
  const emit = stream.emit;
  const node = graph.nodes.find((n) => n.id === opts.nodeId);
  if (!node) {
    emit({ type: 'error', node: null, ...msg('SSL197', 'notInGraph', { node: opts.nodeId }) });
    return 'failed';
  }
  const close = writeJobEvents(stream, jobEvents(cacheDir, node.hash, opts.jobId));
  try {
    emit({ type: 'info', node: node.id, message: `Slurm job ${opts.jobId} on ${hostname()}: backend ${opts.backend.name} (${opts.backend.reason})` });
    const entry = await checkEntry(cacheDir, node, true);
    if (entry.ok) {
      emit({ type: 'node-end', node: node.id, status: 'cached', durationMs: 0, summary: entry.manifest.summary });
      return 'cached';
    }
    if (!entry.missing) {
      emit({ type: 'warning', node: node.id, message: withCode(msg('SSL182', 'recomputing', { reason: entry.reason })) });
      discardEntry(cacheDir, node);
    }
    const byId = new Map(graph.nodes.map((n) => [n.id, n] as const));
    const dirs: Record<string, string> = {};
    for (const id of node.inputs) {
      const input = byId.get(id);
      const e = input ? await checkEntry(cacheDir, input, true) : null;
      if (!e || !e.ok) {
        emit({ type: 'error', node: node.id, ...msg('SSL195', 'notCached', { id, reason: e && !e.ok ? ` (${e.reason})` : '' }) });
        emit({ type: 'node-end', node: node.id, status: 'failed', durationMs: 0, summary: {} });
        return 'failed';
      }
      dirs[id] = e.dir;
    }
    const dataCacheDir = join(cacheDir, 'data');
    mkdirsSync(dataCacheDir);
    mkdirsSync(workRoot(cacheDir));
    const res = await runNode(
      node,
      { graph, cacheDir, baseDir: opts.baseDir, handlers: opts.handlers, emit, signal: opts.signal, runId: `slurm-${opts.jobId}`, backend: opts.backend, workRoot: workRoot(cacheDir) },
      byId,
      dirs,
      dataCacheDir,
    );
    return res.status;
  } finally {
    close();
  }
}

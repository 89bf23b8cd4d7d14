// One run of an experiment, end to end: take the cache lock, open the run record, run the graph,
// close the record, release the lock. Used by `ssl3d run` and by tests (with fake handlers).

import { randomBytes } from 'node:crypto';
import type { ExecutionGraph } from '../../compiler/graph.js';
import type { RunRecord } from '../record.js';
import type { EventStream } from './emitter.js';
import type { RunBackend } from '../events.js';
import { runGraph, type RunGraphResult } from './executor.js';
import type { HandlerResolver } from './handlers.js';
import { acquireLock } from './lock.js';
import { createRecordWriter } from './record-writer.js';
import { bindDataInputs } from './fingerprint.js';

export interface SessionOptions {
  graph: ExecutionGraph;
  cacheDir: string;
  baseDir: string;
  handlers: HandlerResolver;
  stream: EventStream;
  signal: AbortSignal;
  backend: RunBackend;
  source: { file: string; hash: string; text: string };
  versions: RunRecord['versions'];
  cpu: RunRecord['cpu'];
  keepGoing?: boolean;
  runId?: string;
}

export interface SessionResult extends RunGraphResult {
  runId: string;
  runDir: string;
  record: RunRecord;
}

/** `20261126-113005-3fa2`: sortable by time, unique enough for one cache. */
export function newRunId(now = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

export async function runSession(options: SessionOptions): Promise<SessionResult> {
  // Cache keys cover the data files as they are now, not only the declared patterns.
  const opts = { ...options, graph: await bindDataInputs(options.graph, options.baseDir) };
  const lock = acquireLock(opts.cacheDir);
  const runId = opts.runId ?? newRunId();
  const writer = createRecordWriter({
    cacheDir: opts.cacheDir,
    runId,
    graph: opts.graph,
    source: opts.source,
    versions: opts.versions,
    cpu: opts.cpu,
  });
  const unsubscribe = opts.stream.subscribe(writer.onEvent);
  try {
    const result = await runGraph({
      graph: opts.graph,
      cacheDir: opts.cacheDir,
      baseDir: opts.baseDir,
      handlers: opts.handlers,
      emit: opts.stream.emit,
      signal: opts.signal,
      runId,
      backend: opts.backend,
      keepGoing: opts.keepGoing ?? true,
    });
    return { ...result, runId, runDir: writer.runDir, record: writer.record };
  } finally {
    unsubscribe();
    writer.close();
    lock.release();
  }
}

/** Exit code of a finished run: 0 ok, 1 failed, 130 interrupted. */
export function exitCodeOf(status: RunGraphResult['status']): number {
  return status === 'ok' ? 0 : status === 'interrupted' ? 130 : 1;
}

/**
 * Abort `controller` on SIGINT / SIGTERM (the node saves a checkpoint and the record is written);
 * a second signal exits at once with 130. Returns a function that removes the handlers.
 */
export function installInterruptHandlers(controller: AbortController, onFirst?: (signal: string) => void): () => void {
  let count = 0;
  const handler = (sig: NodeJS.Signals): void => {
    count += 1;
    if (count === 1) {
      onFirst?.(sig);
      controller.abort(new Error(`interrupted by ${sig}`));
    } else {
      process.stderr.write(`ssl3d: ${sig} again, exiting without waiting\n`);
      process.exit(130);
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

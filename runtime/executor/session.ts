// One run of an experiment, end to end: take the cache lock, open the run record, run the graph,
// close the record, release the lock. Used by `ssl3d run` and by tests (with fake handlers).

import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { readSmallFileSync } from '../files.js';
import { join } from 'node:path';
import type { EventSink, RunEvent } from '../events.js';
import { writeFileAtomic } from './fsutil.js';
import type { ExecutionGraph } from '../../core/graph.js';
import type { RunRecord } from '../record.js';
import type { EventStream } from './emitter.js';
import type { RunBackend } from '../events.js';
import { runGraph, type RunGraphResult } from './executor.js';
import { withFile } from '../../core/errors.js';
import type { HandlerResolver } from './handlers.js';
import { acquireLock } from './lock.js';
import { createRecordWriter, runsDir } from './record-writer.js';
import { bindDataInputs } from './fingerprint.js';
import { msg, withCode } from '../../core/codes/index.js';

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
  try {
    // We hold the lock, so no other run is writing this cache: a record still saying `running`
    // belongs to a process that died.
    const orphans = markOrphanedRuns(opts.cacheDir);
    const runId = opts.runId ?? newRunId();
    // The run stops when the user interrupts it or when its record can no longer be written.
    const stop = new AbortController();
    const onAbort = (): void => stop.abort(opts.signal.reason);
    if (opts.signal.aborted) onAbort();
    else opts.signal.addEventListener('abort', onAbort, { once: true });
    const writer = createRecordWriter({
      cacheDir: opts.cacheDir,
      runId,
      graph: opts.graph,
      source: opts.source,
      versions: opts.versions,
      cpu: opts.cpu,
      onFailure: (err) => stop.abort(err),
    });
    // The record writer hears every event first: a run-end is shown only after the final record
    // was written, and as `failed` when it could not be.
    const unsubscribe = opts.stream.subscribe(writer.onEvent, { first: true });
    const emit: EventSink = (input) => {
      if (input.type === 'run-end') {
        writer.onEvent({ t: Date.now(), ...input } as RunEvent);
        const bad = writer.failure();
        if (bad) {
          opts.stream.emit({ type: 'error', node: null, code: bad.code, message: withFile(bad.message, bad.file) });
          input = { ...input, status: 'failed' };
        }
        unsubscribe(); // the record already holds the run's end
      }
      opts.stream.emit(input);
    };
    for (const o of orphans) {
      opts.stream.emit({ type: 'warning', node: null, message: withCode(msg('SSL189', 'markedInterrupted', { run: o })) });
    }
    try {
      const result = await runGraph({
        graph: opts.graph,
        cacheDir: opts.cacheDir,
        baseDir: opts.baseDir,
        handlers: opts.handlers,
        emit,
        signal: stop.signal,
        runId,
        backend: opts.backend,
        keepGoing: opts.keepGoing ?? true,
      });
      const status = writer.failure() ? 'failed' : result.status;
      return { ...result, status, runId, runDir: writer.runDir, record: writer.record };
    } finally {
      opts.signal.removeEventListener('abort', onAbort);
      unsubscribe();
      writer.close();
    }
  } finally {
    lock.release();
  }
}

/**
 * Mark every run record of the cache that still says `running` as `interrupted` (call only while
 * holding the cache lock). Returns the ids of the runs it marked.
 */
export function markOrphanedRuns(cacheDir: string): string[] {
  const root = runsDir(cacheDir);
  const marked: string[] = [];
  let ids: string[];
  try {
    ids = readdirSync(root);
  } catch {
    return marked;
  }
  for (const id of ids) {
    const path = join(root, id, 'record.json');
    let record: RunRecord;
    try {
      record = JSON.parse(readSmallFileSync(path).toString('utf8')) as RunRecord;
    } catch {
      continue;
    }
    if (!record || record.status !== 'running') continue;
    record.status = 'interrupted';
    record.interruption = { reason: 'process-died', detectedAt: new Date().toISOString() };
    try {
      writeFileAtomic(path, JSON.stringify(record, null, 2) + '\n');
      marked.push(id);
    } catch {
      // a full disk: the run itself will report it
    }
  }
  return marked.sort();
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

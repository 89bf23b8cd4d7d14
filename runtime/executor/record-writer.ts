// The run record, written from the event stream: `<cache>/runs/<runId>/events.jsonl` (every
// event, one JSON object a line, appended as it happens) and `record.json` (a RunRecord,
// rewritten atomically at run start, after every node and at run end). When an evaluate or
// finetune node finishes (or is found in the cache) its metrics.json / history.json is copied
// into the record, so reports can be computed from the record alone.

import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { readSmallFileSync, mkdirsSync } from '../files.js';
import { join } from 'node:path';
import type { ExecutionGraph } from '../../core/graph.js';
import type { RunEvent } from '../events.js';
import type { EvalMetrics, FinetuneHistory, NodeRecord, RunRecord } from '../record.js';
import { nodeDir } from './cache.js';
import { SslRuntimeError } from '../contract.js';
import { diskFullError, isDiskFull, writeFileAtomic } from './fsutil.js';
import { msg } from '../../core/codes/index.js';

export interface RecordWriterOptions {
  cacheDir: string;
  runId: string;
  graph: ExecutionGraph;
  source: { file: string; hash: string; text: string };
  versions: RunRecord['versions'];
  cpu: RunRecord['cpu'];
  /** Called once when a write of the record fails (the session stops the run). */
  onFailure?: (err: SslRuntimeError) => void;
}

export interface RecordWriter {
  runDir: string;
  record: RunRecord;
  onEvent(event: RunEvent): void;
  /** Write record.json now and close events.jsonl. */
  close(): void;
  /**
   * The first write that failed (disk full: SSL188), or null. After a failure the writer stops
   * writing (one clear error instead of a failure per event) and `onFailure` has been called.
   */
  failure(): SslRuntimeError | null;
}

export function runsDir(cacheDir: string): string {
  return join(cacheDir, 'runs');
}

/** The id of the newest run in a cache, or null. */
export function latestRunId(cacheDir: string): string | null {
  try {
    return readSmallFileSync(join(runsDir(cacheDir), 'latest')).toString('utf8').trim() || null;
  } catch {
    return null;
  }
}

export function readRecord(cacheDir: string, runId: string | null = latestRunId(cacheDir)): RunRecord | null {
  if (!runId) return null;
  try {
    return JSON.parse(readSmallFileSync(join(runsDir(cacheDir), runId, 'record.json')).toString('utf8')) as RunRecord;
  } catch {
    return null;
  }
}

export function createRecordWriter(opts: RecordWriterOptions): RecordWriter {
  const runDir = join(runsDir(opts.cacheDir), opts.runId);
  try {
    mkdirsSync(runDir);
  } catch (err) {
    throw isDiskFull(err) ? diskFullError(err, runDir) : err;
  }
  let fd: number | null;
  try {
    fd = openSync(join(runDir, 'events.jsonl'), 'a');
  } catch (err) {
    throw isDiskFull(err) ? diskFullError(err, join(runDir, 'events.jsonl')) : err;
  }
  const byId = new Map(opts.graph.nodes.map((n) => [n.id, n] as const));
  const nodes: Record<string, NodeRecord> = {};
  for (const n of opts.graph.nodes) {
    nodes[n.id] = { id: n.id, kind: n.kind, hash: n.hash, status: 'pending', durationMs: 0, summary: {}, epochs: [], error: null };
  }
  const record: RunRecord = {
    runId: opts.runId,
    experiment: opts.graph.experiment,
    startedAt: new Date().toISOString(),
    endedAt: null,
    status: 'running',
    source: opts.source,
    graph: opts.graph,
    versions: opts.versions,
    backend: { name: 'unknown', reason: '' },
    cpu: opts.cpu,
    seed: opts.graph.seed,
    nodes,
    artifacts: { metrics: {}, histories: {} },
  };
  /** The record of a node of this graph (never Object.prototype for an id like `__proto__`). */
  const nodeOf = (id: string): NodeRecord | undefined => (Object.hasOwn(nodes, id) ? nodes[id] : undefined);
  let failed: SslRuntimeError | null = null;
  const fail = (err: unknown, path: string): void => {
    if (failed) return;
    failed =
      err instanceof SslRuntimeError
        ? err
        : isDiskFull(err)
          ? diskFullError(err, path)
          : new SslRuntimeError(msg('SSL186', 'cannotWriteRecord', { reason: err instanceof Error ? err.message : String(err) }), path);
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // already failing
      }
      fd = null;
    }
    opts.onFailure?.(failed);
  };
  const recordPath = join(runDir, 'record.json');
  /** Write record.json; false (and the failure recorded) when it could not be written. */
  const write = (): boolean => {
    if (failed) return false;
    try {
      writeFileAtomic(recordPath, JSON.stringify(record, null, 2) + '\n');
      return true;
    } catch (err) {
      fail(err, recordPath);
      return false;
    }
  };

  const copyArtifacts = (id: string): void => {
    const node = byId.get(id);
    if (!node) return;
    const dir = nodeDir(opts.cacheDir, node.hash);
    try {
      if (node.kind === 'evaluate' && existsSync(join(dir, 'metrics.json'))) {
        record.artifacts.metrics[id] = JSON.parse(readSmallFileSync(join(dir, 'metrics.json')).toString('utf8')) as EvalMetrics;
      }
      if (node.kind === 'finetune' && existsSync(join(dir, 'history.json'))) {
        record.artifacts.histories[id] = JSON.parse(readSmallFileSync(join(dir, 'history.json')).toString('utf8')) as FinetuneHistory;
      }
    } catch {
      // an unreadable artifact is reported by the report, not here
    }
  };

  const onEvent = (e: RunEvent): void => {
    if (failed) return;
    if (fd !== null) {
      try {
        writeSync(fd, JSON.stringify(e) + '\n');
      } catch (err) {
        fail(err, join(runDir, 'events.jsonl'));
        return;
      }
    }
    switch (e.type) {
      case 'run-start': {
        record.startedAt = new Date(e.t).toISOString();
        record.backend = e.backend;
        // `latest` moves only once this run's record exists on disk.
        if (!write()) break;
        const latest = join(runsDir(opts.cacheDir), 'latest');
        try {
          writeFileAtomic(latest, opts.runId + '\n');
        } catch (err) {
          fail(err, latest);
        }
        break;
      }
      case 'node-start': {
        const r = nodeOf(e.node);
        // a resumed node keeps the epochs it logged before; a fresh start clears them
        if (r && e.resumeEpoch === 0) r.epochs = [];
        if (r && e.resumeEpoch > 0) r.epochs = r.epochs.filter((ep) => ep.epoch <= e.resumeEpoch);
        break;
      }
      case 'epoch': {
        const r = nodeOf(e.node);
        if (r) {
          r.epochs = r.epochs.filter((ep) => ep.epoch !== e.epoch);
          r.epochs.push({ epoch: e.epoch, loss: e.loss, metrics: e.metrics, durationMs: e.durationMs, frozen: e.frozen ?? false });
        }
        break;
      }
      case 'error': {
        const r = e.node ? nodeOf(e.node) : undefined;
        if (r) r.error = { code: e.code, message: e.message };
        break;
      }
      case 'node-end': {
        const r = nodeOf(e.node);
        if (r) {
          r.status = e.status;
          r.durationMs = e.durationMs;
          r.summary = e.summary;
        }
        if (e.status === 'ok' || e.status === 'cached') copyArtifacts(e.node);
        write();
        break;
      }
      case 'run-end':
        record.status = e.status;
        record.endedAt = new Date(e.t).toISOString();
        write();
        break;
      default:
        break;
    }
  };

  return {
    runDir,
    record,
    onEvent,
    close(): void {
      write();
      if (fd !== null) closeSync(fd);
      fd = null;
    },
    failure: () => failed,
  };
}

// The run record, written from the event stream: `<cache>/runs/<runId>/events.jsonl` (every
// event, one JSON object a line, appended as it happens) and `record.json` (a RunRecord,
// rewritten atomically at run start, after every node and at run end). When an evaluate or
// finetune node finishes (or is found in the cache) its metrics.json / history.json is copied
// into the record, so reports can be computed from the record alone.

import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionGraph } from '../../compiler/graph.js';
import type { RunEvent } from '../events.js';
import type { EvalMetrics, FinetuneHistory, NodeRecord, RunRecord } from '../record.js';
import { nodeDir } from './cache.js';
import { writeFileAtomic } from './fsutil.js';

export interface RecordWriterOptions {
  cacheDir: string;
  runId: string;
  graph: ExecutionGraph;
  source: { file: string; hash: string; text: string };
  versions: RunRecord['versions'];
  cpu: RunRecord['cpu'];
}

export interface RecordWriter {
  runDir: string;
  record: RunRecord;
  onEvent(event: RunEvent): void;
  /** Write record.json now and close events.jsonl. */
  close(): void;
}

export function runsDir(cacheDir: string): string {
  return join(cacheDir, 'runs');
}

/** The id of the newest run in a cache, or null. */
export function latestRunId(cacheDir: string): string | null {
  try {
    return readFileSync(join(runsDir(cacheDir), 'latest'), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

export function readRecord(cacheDir: string, runId: string | null = latestRunId(cacheDir)): RunRecord | null {
  if (!runId) return null;
  try {
    return JSON.parse(readFileSync(join(runsDir(cacheDir), runId, 'record.json'), 'utf8')) as RunRecord;
  } catch {
    return null;
  }
}

export function createRecordWriter(opts: RecordWriterOptions): RecordWriter {
  const runDir = join(runsDir(opts.cacheDir), opts.runId);
  mkdirSync(runDir, { recursive: true });
  let fd: number | null = openSync(join(runDir, 'events.jsonl'), 'a');
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
  const write = (): void => writeFileAtomic(join(runDir, 'record.json'), JSON.stringify(record, null, 2) + '\n');

  const copyArtifacts = (id: string): void => {
    const node = byId.get(id);
    if (!node) return;
    const dir = nodeDir(opts.cacheDir, node.hash);
    try {
      if (node.kind === 'evaluate' && existsSync(join(dir, 'metrics.json'))) {
        record.artifacts.metrics[id] = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as EvalMetrics;
      }
      if (node.kind === 'finetune' && existsSync(join(dir, 'history.json'))) {
        record.artifacts.histories[id] = JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')) as FinetuneHistory;
      }
    } catch {
      // an unreadable artifact is reported by the report, not here
    }
  };

  const onEvent = (e: RunEvent): void => {
    if (fd !== null) writeSync(fd, JSON.stringify(e) + '\n');
    switch (e.type) {
      case 'run-start':
        record.startedAt = new Date(e.t).toISOString();
        record.backend = e.backend;
        writeFileAtomic(join(runsDir(opts.cacheDir), 'latest'), opts.runId + '\n');
        write();
        break;
      case 'node-start': {
        const r = nodes[e.node];
        // a resumed node keeps the epochs it logged before; a fresh start clears them
        if (r && e.resumeEpoch === 0) r.epochs = [];
        if (r && e.resumeEpoch > 0) r.epochs = r.epochs.filter((ep) => ep.epoch <= e.resumeEpoch);
        break;
      }
      case 'epoch': {
        const r = nodes[e.node];
        if (r) {
          r.epochs = r.epochs.filter((ep) => ep.epoch !== e.epoch);
          r.epochs.push({ epoch: e.epoch, loss: e.loss, metrics: e.metrics, durationMs: e.durationMs, frozen: e.frozen ?? false });
        }
        break;
      }
      case 'error': {
        const r = e.node ? nodes[e.node] : undefined;
        if (r) r.error = { code: e.code, message: e.message };
        break;
      }
      case 'node-end': {
        const r = nodes[e.node];
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
  };
}

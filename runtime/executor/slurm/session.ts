// `ssl3d run --executor slurm` and `ssl3d status`, end to end: submit (or reattach to) the jobs,
// open the run record, emit the run's events (cached nodes at once, the jobs' events as they
// come), and close the record. The record and the renderers are the same as a local run's.

import { readSmallFileSync } from '../../files.js';
import { join } from 'node:path';
import type { ExecutionGraph } from '../../../core/graph.js';
import { loadGraph } from '../../../core/graph-schema.js';
import type { EventInput } from '../../events.js';
import type { RunRecord } from '../../record.js';
import { MANIFEST, nodeDir, type CacheState, type NodeManifest } from '../cache.js';
import type { EventStream } from '../emitter.js';
import { runStartNodes, type NodeOutcome } from '../executor.js';
import { createRecordWriter, readRecord } from '../record-writer.js';
import { newRunId } from '../session.js';
import type { SlurmClient } from './queue.js';
import type { SlurmSettings } from './settings.js';
import { readSubmission, submitGraph, type Submission } from './submit.js';
import { watchJobs } from './watch.js';

export interface SlurmSessionResult {
  /** 'detached': submitted (or left running) without waiting for the jobs. */
  status: 'ok' | 'failed' | 'interrupted' | 'detached';
  nodes: Record<string, NodeOutcome>;
  runId: string;
  runDir: string;
  record: RunRecord;
  submission: Submission;
  /** Jobs that had not ended when this process stopped watching. */
  unfinished: string[];
}

interface Common {
  cacheDir: string;
  stream: EventStream;
  signal: AbortSignal;
  client: SlurmClient;
  versions: RunRecord['versions'];
  cpu: RunRecord['cpu'];
  pollMs?: number;
  /**
   * Called when the watcher is interrupted while jobs are still queued or running: resolve true
   * to scancel them, false to leave them (the default everywhere it cannot ask).
   */
  confirmCancel?: (jobIds: string[]) => Promise<boolean>;
}

export interface SlurmRunOptions extends Common {
  /** The graph bound to the data files. */
  graph: ExecutionGraph;
  baseDir: string;
  file: string;
  source: { file: string; hash: string; text: string };
  settings: SlurmSettings;
  /** Backend choice passed to every job. */
  backend: string;
  detach?: boolean;
}

function backendOf(choice: string): { name: string; reason: string } {
  return { name: choice, reason: 'chosen by each Slurm job on its compute node' };
}

function runStart(graph: ExecutionGraph, runId: string, backend: string, states: Record<string, CacheState>, t?: number): EventInput {
  const e = {
    type: 'run-start' as const,
    experiment: graph.experiment,
    runId,
    backend: backendOf(backend),
    nodes: runStartNodes(graph, states),
  };
  // a reattached run keeps its original start time
  return (t !== undefined ? { ...e, t } : e) as EventInput;
}

function cachedSummary(cacheDir: string, hash: string): Record<string, number> {
  try {
    return (JSON.parse(readSmallFileSync(join(nodeDir(cacheDir, hash), MANIFEST)).toString('utf8')) as NodeManifest).summary ?? {};
  } catch {
    return {};
  }
}

async function watchAndClose(
  o: Common,
  graph: ExecutionGraph,
  submission: Submission,
  writer: ReturnType<typeof createRecordWriter>,
  unsubscribe: () => void,
  startedAt: number,
): Promise<SlurmSessionResult> {
  const emit = o.stream.emit;
  const base = { runId: submission.runId, runDir: writer.runDir, record: writer.record, submission };
  try {
    const w = await watchJobs({ submission, graph, client: o.client, emit, signal: o.signal, pollMs: o.pollMs });
    if (w.status === 'interrupted' && w.unfinished.length) {
      const cancel = o.confirmCancel ? await o.confirmCancel(w.unfinished) : false;
      if (!cancel) {
        emit({ type: 'info', node: null, message: `${w.unfinished.length} Slurm job${w.unfinished.length === 1 ? '' : 's'} keep running; \`ssl3d status ${submission.file}\` watches them again` });
        return { ...base, status: 'detached', nodes: w.nodes, unfinished: w.unfinished };
      }
      await o.client.cancel(w.unfinished);
      emit({ type: 'info', node: null, message: `cancelled Slurm job${w.unfinished.length === 1 ? '' : 's'} ${w.unfinished.join(', ')}` });
    }
    emit({ type: 'run-end', status: w.status, durationMs: Date.now() - startedAt });
    return { ...base, status: w.status, nodes: w.nodes, unfinished: w.status === 'interrupted' ? [] : w.unfinished };
  } finally {
    unsubscribe();
    writer.close();
  }
}

/** Submit every uncached node as a Slurm job, then watch the jobs (unless `detach`). */
export async function runSlurmSession(o: SlurmRunOptions): Promise<SlurmSessionResult> {
  const runId = newRunId();
  const startedAt = Date.now();
  const { submission, states } = await submitGraph({
    graph: o.graph,
    cacheDir: o.cacheDir,
    baseDir: o.baseDir,
    file: o.file,
    settings: o.settings,
    backend: o.backend,
    client: o.client,
    runId,
  });
  const writer = createRecordWriter({ cacheDir: o.cacheDir, runId, graph: o.graph, source: o.source, versions: o.versions, cpu: o.cpu });
  const unsubscribe = o.stream.subscribe(writer.onEvent);
  const emit = o.stream.emit;
  const announce = (): void => {
    emit(runStart(o.graph, runId, o.backend, states));
    for (const id of submission.cached) {
      const n = o.graph.nodes.find((x) => x.id === id)!;
      emit({ type: 'node-end', node: id, status: 'cached', durationMs: 0, summary: cachedSummary(o.cacheDir, n.hash) });
    }
    const jobs = Object.entries(submission.jobs);
    for (const [id, j] of jobs) emit({ type: 'info', node: id, message: j.submitted ? `submitted as Slurm job ${j.jobId}` : `already queued as Slurm job ${j.jobId}: waiting for it` });
    const fresh = jobs.filter(([, j]) => j.submitted).length;
    emit({ type: 'info', node: null, message: `submitted ${fresh} Slurm job${fresh === 1 ? '' : 's'}${jobs.length > fresh ? `, waiting for ${jobs.length - fresh} queued by another run` : ''}; ${submission.cached.length} node${submission.cached.length === 1 ? '' : 's'} cached` });
  };
  if (o.detach) {
    try {
      announce();
      const nodes: Record<string, NodeOutcome> = {};
      for (const id of submission.cached) nodes[id] = 'cached';
      for (const id of Object.keys(submission.jobs)) nodes[id] = 'pending';
      if (Object.keys(submission.jobs).length === 0) {
        emit({ type: 'run-end', status: 'ok', durationMs: Date.now() - startedAt });
        return { status: 'ok', nodes, runId, runDir: writer.runDir, record: writer.record, submission, unfinished: [] };
      }
      return { status: 'detached', nodes, runId, runDir: writer.runDir, record: writer.record, submission, unfinished: Object.values(submission.jobs).map((j) => j.jobId) };
    } finally {
      unsubscribe();
      writer.close();
    }
  }
  announce();
  return watchAndClose(o, o.graph, submission, writer, unsubscribe, startedAt);
}

export interface AttachOptions extends Common {
  /** A run id (default: the newest submission of the cache). */
  runId?: string;
  source?: { file: string; hash: string; text: string };
}

/** `ssl3d status`: watch the jobs of an earlier submission again (its record is rebuilt from the job events). */
export async function attachSlurmSession(o: AttachOptions): Promise<SlurmSessionResult | null> {
  const submission = readSubmission(o.cacheDir, o.runId);
  if (!submission) return null;
  const graph = loadGraph(JSON.parse(readSmallFileSync(submission.graphPath).toString('utf8')) as unknown);
  // the record keeps what the submitter wrote (source text, versions); the job events rebuild the rest
  const before = readRecord(o.cacheDir, submission.runId);
  const source = before?.source ?? o.source ?? { file: graph.source.file, hash: graph.source.hash, text: '' };
  const writer = createRecordWriter({ cacheDir: o.cacheDir, runId: submission.runId, graph, source, versions: before?.versions ?? o.versions, cpu: before?.cpu ?? o.cpu });
  const unsubscribe = o.stream.subscribe(writer.onEvent);
  const startedAt = Date.parse(submission.submittedAt);
  const states: Record<string, CacheState> = {};
  for (const id of submission.cached) states[id] = { state: 'cached', reason: 'cached when submitted' };
  for (const [id, j] of Object.entries(submission.jobs)) states[id] = { state: 'to-run', reason: `Slurm job ${j.jobId}` };
  o.stream.emit(runStart(graph, submission.runId, submission.backend, states, startedAt));
  for (const id of submission.cached) {
    const n = graph.nodes.find((x) => x.id === id);
    if (n) o.stream.emit({ type: 'node-end', node: id, status: 'cached', durationMs: 0, summary: cachedSummary(o.cacheDir, n.hash) });
  }
  return watchAndClose(o, graph, submission, writer, unsubscribe, startedAt);
}

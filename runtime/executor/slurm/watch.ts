// Watching a submission: the events every job writes into the cache are read as they grow and
// re-emitted on this process's event stream (so the TUI, plain and JSON renderers and the run
// record work as for a local run), and the queue is polled for what the events cannot say: a
// job that failed before or outside its node (out of memory, time limit, node failure,
// scancel), or that Slurm cancelled because an input's job failed. Such a job is reported with
// its node, its exit state and the tail of its log.

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { ExecutionGraph } from '../../../core/graph.js';
import type { EventInput, EventSink, RunEvent } from '../../events.js';
import { checkEntry } from '../cache.js';
import type { NodeOutcome } from '../executor.js';
import { jobEvent, readNewLines } from './job-events.js';
import { jobEvents, jobLog } from './layout.js';
import { isTerminal, type JobState, type SlurmClient } from './queue.js';
import type { Submission } from './submit.js';
import { msg } from '../../../core/codes/index.js';

export { readNewLines } from './job-events.js';

export interface WatchOptions {
  submission: Submission;
  graph: ExecutionGraph;
  client: SlurmClient;
  emit: EventSink;
  signal: AbortSignal;
  /** Milliseconds between polls (default 2000, or SSL3D_SLURM_POLL_MS). */
  pollMs?: number;
}

export interface WatchResult {
  status: 'ok' | 'failed' | 'interrupted';
  nodes: Record<string, NodeOutcome>;
  /** Job ids that had not ended when watching stopped. */
  unfinished: string[];
}

interface Tracked {
  node: string;
  jobId: string;
  hash: string;
  offset: number;
  /** Status of the last node-end the job wrote (reset when it starts again after a requeue). */
  reported: NodeOutcome | null;
  hadError: boolean;
  startedAt: number | null;
  state: string;
  ended: boolean;
}

/** The last `n` non-empty lines of a log file (at most its last 8 KB), or []. */
export function logTail(path: string, n = 8): string[] {
  // only a regular file: a named pipe in its place would block the watcher at the failure report
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st?.isFile()) return [];
  const size = st.size;
  const start = Math.max(0, size - 8192);
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    // eslint-disable-next-line no-control-regex
    const lines = buf.toString('utf8').replace(/\u001b\[[0-9;]*m/g, '').split('\n').map((l) => l.trimEnd()).filter(Boolean);
    return lines.slice(-n);
  } finally {
    closeSync(fd);
  }
}

/** One line saying how a job ended: `Slurm job 12 FAILED (exit 1:0, NonZeroExitCode)`. */
export function describeJobEnd(jobId: string, st: JobState | null): string {
  if (!st) return `Slurm job ${jobId} left the queue without a result`;
  const extra = [st.exitCode && st.exitCode !== '0:0' ? `exit ${st.exitCode}` : null, st.reason && !['None', 'Dependency'].includes(st.reason) ? st.reason : null].filter(Boolean);
  return `Slurm job ${jobId} ${st.state}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export async function watchJobs(opts: WatchOptions): Promise<WatchResult> {
  const { submission, graph, client, signal } = opts;
  const cacheDir = submission.cacheDir;
  const pollMs = opts.pollMs ?? (Number(process.env.SSL3D_SLURM_POLL_MS) || 2000);
  const emit = (e: EventInput | RunEvent): void => opts.emit(e as EventInput);
  const byId = new Map(graph.nodes.map((n) => [n.id, n] as const));
  const outcomes: Record<string, NodeOutcome> = {};
  for (const id of submission.cached) outcomes[id] = 'cached';
  const tracked: Tracked[] = Object.entries(submission.jobs).map(([node, j]) => ({
    node,
    jobId: j.jobId,
    hash: j.hash,
    offset: 0,
    reported: null,
    hadError: false,
    startedAt: null,
    state: '',
    ended: false,
  }));
  for (const t of tracked) outcomes[t.node] = 'pending';

  const drain = (t: Tracked): void => {
    const r = readNewLines(jobEvents(cacheDir, t.hash, t.jobId), t.offset);
    t.offset = r.offset;
    const kind = byId.get(t.node)?.kind;
    for (const line of r.lines) {
      // only well-formed events of this job's own node (the file lies in the shared cache)
      const e = kind ? jobEvent(line, t.node, kind) : null;
      if (!e) continue;
      if (e.type === 'node-start' && e.node === t.node) {
        t.reported = null;
        t.hadError = false;
        t.startedAt = e.t;
      }
      if (e.type === 'error' && e.node === t.node) t.hadError = true;
      if (e.type === 'node-end' && e.node === t.node) t.reported = e.status;
      emit(e);
    }
  };

  const end = (t: Tracked, outcome: NodeOutcome): void => {
    t.ended = true;
    outcomes[t.node] = outcome;
  };

  const finish = async (t: Tracked, st: JobState | null): Promise<void> => {
    drain(t);
    const node = byId.get(t.node);
    if (t.reported === 'ok' || t.reported === 'cached') return end(t, t.reported);
    const durationMs = t.startedAt !== null ? Date.now() - t.startedAt : 0;
    if ((st === null || st.state === 'COMPLETED') && node) {
      const entry = await checkEntry(cacheDir, node, false);
      if (entry.ok) {
        emit({ type: 'node-end', node: t.node, status: 'ok', durationMs: entry.manifest.durationMs, summary: entry.manifest.summary });
        return end(t, 'ok');
      }
    }
    // Cancelled because an input's job did not succeed (kill-on-invalid-dep), rather than by
    // someone's scancel: an input ended badly, or Slurm says so. (A pending job cancelled by hand
    // still shows the reason `Dependency`, so that alone is not enough.)
    const inputs = node?.inputs ?? [];
    const culprit = inputs.find((id) => outcomes[id] === 'failed') ?? inputs.find((id) => outcomes[id] === 'skipped');
    if (st && st.state === 'CANCELLED' && (culprit !== undefined || /DependencyNeverSatisfied/i.test(st.reason))) {
      const why = culprit ? `input ${culprit} ${outcomes[culprit] === 'skipped' ? 'was cancelled' : 'failed'}` : 'an input job did not succeed';
      emit({ type: 'warning', node: t.node, message: `cancelled by Slurm (job ${t.jobId}): ${why}` });
      emit({ type: 'node-end', node: t.node, status: 'skipped', durationMs: 0, summary: {} });
      return end(t, 'skipped');
    }
    // failed: say how, with the log's last lines
    const detail = st ? ((await client.show(t.jobId).catch(() => null)) ?? st) : null;
    const info = detail ? { ...detail, state: st!.state } : null;
    const log = jobLog(cacheDir, t.hash, t.jobId);
    const tail = logTail(log);
    const m = msg('SSL195', 'jobFailed', { end: describeJobEnd(t.jobId, info), log, tail: tail.length ? `\n    ${tail.join('\n    ')}` : '' });
    if (t.hadError) emit({ type: 'warning', node: t.node, message: m.message });
    else emit({ type: 'error', node: t.node, ...m });
    if (t.reported !== 'failed') emit({ type: 'node-end', node: t.node, status: 'failed', durationMs, summary: {} });
    return end(t, 'failed');
  };

  let queueWarned = false;
  for (;;) {
    for (const t of tracked) if (!t.ended) drain(t);
    const open = tracked.filter((t) => !t.ended);
    if (open.length === 0) break;
    let queue: JobState[] | null = null;
    try {
      queue = await opts.client.queue();
    } catch (err) {
      if (!queueWarned) emit({ type: 'warning', node: null, message: `cannot read the Slurm queue (${err instanceof Error ? err.message : String(err)}); retrying` });
      queueWarned = true;
    }
    if (queue) {
      const states = new Map(queue.map((j) => [j.jobId, j] as const));
      const gone = open.filter((t) => !states.has(t.jobId)).map((t) => t.jobId);
      for (const j of await opts.client.history(gone)) states.set(j.jobId, j);
      for (const t of open) {
        const st = states.get(t.jobId) ?? null;
        if (st && !isTerminal(st.state)) {
          if (st.state !== t.state) {
            if (t.state === 'RUNNING' && st.state === 'PENDING') emit({ type: 'info', node: t.node, message: `Slurm job ${t.jobId} requeued${st.reason && st.reason !== 'None' ? ` (${st.reason})` : ''}; it resumes from the node's last checkpoint` });
            t.state = st.state;
          }
          continue;
        }
        await finish(t, st);
      }
    }
    if (tracked.every((t) => t.ended)) break;
    await sleep(pollMs, signal);
    if (signal.aborted) {
      for (const t of tracked) if (!t.ended) drain(t);
      return { status: 'interrupted', nodes: outcomes, unfinished: tracked.filter((t) => !t.ended).map((t) => t.jobId) };
    }
  }
  const ok = Object.values(outcomes).every((o) => o === 'ok' || o === 'cached');
  return { status: ok ? 'ok' : 'failed', nodes: outcomes, unfinished: [] };
}

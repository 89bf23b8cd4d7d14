// Submission: every node that is not in the cache becomes one sbatch job, in graph order, with
// afterok dependencies on the jobs of its inputs. Cached nodes are never submitted; a node that
// already has a live job under its hash's job name (another submitter, an earlier detached run)
// is not submitted again: this submission waits on that job instead. The cache lock is held
// only while submitting, so two submitters take turns and the second sees the first's jobs.

import { readSmallFileSync, mkdirsSync } from '../../files.js';
import { existsSync } from 'node:fs';
import type { ExecutionGraph } from '../../../core/graph.js';
import { SslRuntimeError } from '../../contract.js';
import { cacheStatesDeep, type CacheState } from '../cache.js';
import { writeFileAtomic } from '../fsutil.js';
import { acquireLock, type CacheLock } from '../lock.js';
import { graphFile, jobDir, jobName, JOB_NAME_RE, latestFile, submissionDir, submissionFile } from './layout.js';
import { isTerminal, type SlurmClient } from './queue.js';
import { sbatchArgs, type SbatchContext } from './sbatch.js';
import type { SlurmSettings } from './settings.js';

export interface SubmittedJob {
  jobId: string;
  hash: string;
  /** false: the node already had a live job (same job name), which this run waits on. */
  submitted: boolean;
}

export interface Submission {
  version: 1;
  runId: string;
  experiment: string;
  /** The experiment file (absolute), for messages. */
  file: string;
  cacheDir: string;
  baseDir: string;
  graphPath: string;
  submittedAt: string;
  /** The backend choice every job was given. */
  backend: string;
  /** Nodes with a job, in graph order. */
  jobs: Record<string, SubmittedJob>;
  /** Nodes that were already in the cache. */
  cached: string[];
}

export interface SubmitOptions {
  /** The graph bound to the data files (what the cache is keyed by). */
  graph: ExecutionGraph;
  cacheDir: string;
  baseDir: string;
  file: string;
  settings: SlurmSettings;
  backend: string;
  client: SlurmClient;
  runId: string;
  /** How long to wait for another submitter's lock (default 120 s). */
  lockWaitMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function lockForSubmission(cacheDir: string, waitMs: number): Promise<CacheLock> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      return acquireLock(cacheDir, 'ssl3d run --executor slurm (submitting)');
    } catch (err) {
      if (!(err instanceof SslRuntimeError) || err.code !== 'SSL180' || Date.now() > until) throw err;
      await sleep(500);
    }
  }
}

export async function submitGraph(opts: SubmitOptions): Promise<{ submission: Submission; states: Record<string, CacheState> }> {
  const { graph, cacheDir, client } = opts;
  const lock = await lockForSubmission(cacheDir, opts.lockWaitMs ?? 120_000);
  const submitted: string[] = [];
  try {
    const states = await cacheStatesDeep(graph, cacheDir);
    // live jobs of any submitter, by job name (= node hash prefix)
    const live = new Map<string, string>();
    for (const j of await client.queue()) if (JOB_NAME_RE.test(j.name) && !isTerminal(j.state)) live.set(j.name, j.jobId);

    mkdirsSync(submissionDir(cacheDir, opts.runId));
    const graphPath = graphFile(cacheDir, opts.runId);
    writeFileAtomic(graphPath, JSON.stringify(graph) + '\n');
    const ctx: SbatchContext = { graph, settings: opts.settings, cacheDir, baseDir: opts.baseDir, graphPath, backend: opts.backend };

    const jobs: Record<string, SubmittedJob> = {};
    const cached: string[] = [];
    const order: string[] = []; // job ids this submission created, for the max-jobs window
    for (const node of graph.nodes) {
      if (states[node.id]?.state === 'cached') {
        cached.push(node.id);
        continue;
      }
      const existing = live.get(jobName(node.hash));
      if (existing) {
        jobs[node.id] = { jobId: existing, hash: node.hash, submitted: false };
        continue;
      }
      const after = node.inputs.map((id) => jobs[id]?.jobId).filter((j): j is string => j !== undefined);
      const max = opts.settings.maxJobs;
      const window = max !== null && order.length >= max ? order[order.length - max]! : null;
      mkdirsSync(jobDir(cacheDir, node.hash));
      const jobId = await client.sbatch(sbatchArgs({ node, after, window }, ctx));
      submitted.push(jobId);
      order.push(jobId);
      jobs[node.id] = { jobId, hash: node.hash, submitted: true };
    }
    const submission: Submission = {
      version: 1,
      runId: opts.runId,
      experiment: graph.experiment,
      file: opts.file,
      cacheDir,
      baseDir: opts.baseDir,
      graphPath,
      submittedAt: new Date().toISOString(),
      backend: opts.backend,
      jobs,
      cached,
    };
    writeFileAtomic(submissionFile(cacheDir, opts.runId), JSON.stringify(submission, null, 2) + '\n');
    writeFileAtomic(latestFile(cacheDir), opts.runId + '\n');
    return { submission, states };
  } catch (err) {
    // all or nothing: jobs of a half-done submission would run without anyone knowing their ids
    if (submitted.length) await client.cancel(submitted).catch(() => undefined);
    throw err;
  } finally {
    lock.release();
  }
}

/** The newest submission of a cache (or the given run's), or null. */
export function readSubmission(cacheDir: string, runId?: string): Submission | null {
  let id = runId;
  if (!id) {
    try {
      // bookkeeping files are read only as small regular files: a named pipe here hung `ssl3d status`
      id = readSmallFileSync(latestFile(cacheDir), 4096).toString('utf8').trim();
    } catch {
      return null;
    }
  }
  // a run id is one folder name under slurm/runs/, never a path leading elsewhere
  if (id === '' || id === '.' || id === '..' || /[/\\\u0000]/.test(id)) return null;
  const path = submissionFile(cacheDir, id);
  if (!existsSync(path)) return null;
  try {
    const s = JSON.parse(readSmallFileSync(path).toString('utf8')) as Submission;
    if (s === null || typeof s !== 'object' || s.version !== 1 || typeof s.jobs !== 'object' || s.jobs === null || !Array.isArray(s.cached)) return null;
    // the file lies in the shared cache: job ids go to squeue/sacct/scancel and hashes into paths
    // (a hash of ../../.. would point the watcher at any *.log file), so both must have their form
    const jobOk = (j: unknown): boolean => {
      const x = j as Partial<SubmittedJob> | null;
      return !!x && typeof x.jobId === 'string' && /^\d{1,20}$/.test(x.jobId) && typeof x.hash === 'string' && /^[0-9a-f]{64}$/.test(x.hash);
    };
    if (!Object.values(s.jobs).every(jobOk) || !s.cached.every((c) => typeof c === 'string')) return null;
    // where it was found is where its cache and graph are (a forged cacheDir would point elsewhere)
    return { ...s, cacheDir, graphPath: graphFile(cacheDir, id) };
  } catch {
    return null;
  }
}

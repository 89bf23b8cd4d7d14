// Where the Slurm executor keeps its files inside the shared cache folder:
//
//   <cache>/slurm/runs/<runId>/graph.json        the bound graph every job of that run reads
//   <cache>/slurm/runs/<runId>/submission.json   which node went to which job (for `ssl3d status`)
//   <cache>/slurm/latest                          the newest submission's run id
//   <cache>/slurm/jobs/<hash>/<jobId>.log         a job's stdout and stderr (sbatch --output)
//   <cache>/slurm/jobs/<hash>/<jobId>.events.jsonl the events the job's node wrote
//   <cache>/slurm/work/                           folders jobs write into before the atomic commit
//
// Everything a job computes still goes through the ordinary cache (nodes/, checkpoints/).

import { join } from 'node:path';

export const slurmRoot = (cacheDir: string): string => join(cacheDir, 'slurm');
export const submissionDir = (cacheDir: string, runId: string): string => join(slurmRoot(cacheDir), 'runs', runId);
export const submissionFile = (cacheDir: string, runId: string): string => join(submissionDir(cacheDir, runId), 'submission.json');
export const graphFile = (cacheDir: string, runId: string): string => join(submissionDir(cacheDir, runId), 'graph.json');
export const latestFile = (cacheDir: string): string => join(slurmRoot(cacheDir), 'latest');
export const jobDir = (cacheDir: string, hash: string): string => join(slurmRoot(cacheDir), 'jobs', hash);
/**
 * sbatch --output pattern (`%j` is the job id). Slurm reads every `%` of it as a replacement
 * symbol, so a `%` of the folder (a project in `50%/`) is written `%%`; a backslash would switch the
 * replacement off altogether (see `slurmUnsafePath`).
 */
export const jobLogPattern = (cacheDir: string, hash: string): string => `${jobDir(cacheDir, hash).replace(/%/g, '%%')}/%j.log`;
/** Slurm drops every backslash of an --output pattern and then leaves `%j` as it is: such a cache folder cannot hold job logs. */
export const slurmUnsafePath = (cacheDir: string): boolean => cacheDir.includes('\\');
export const jobLog = (cacheDir: string, hash: string, jobId: string): string => join(jobDir(cacheDir, hash), `${jobId}.log`);
export const jobEvents = (cacheDir: string, hash: string, jobId: string): string => join(jobDir(cacheDir, hash), `${jobId}.events.jsonl`);
export const workRoot = (cacheDir: string): string => join(slurmRoot(cacheDir), 'work');

/** The Slurm job name of a node: the same for every submitter of the same node. */
export const jobName = (hash: string): string => `ssl3d-${hash.slice(0, 16)}`;
export const JOB_NAME_RE = /^ssl3d-[0-9a-f]{16}$/;

// Talking to Slurm: sbatch, squeue, scontrol, sacct and scancel through their command-line
// clients (as a user would), plus the parsers of their output. Everything that needs a
// running Slurm goes through the SlurmClient interface, so the submitter and the watcher can be
// tested against a fake queue as well as against a real one (npm run test:slurm).

import { execFile } from 'node:child_process';
import { SslRuntimeError } from '../../contract.js';
import { msg } from '../../../core/codes/index.js';

export interface JobState {
  jobId: string;
  name: string;
  /** Slurm's base state: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, … */
  state: string;
  /** Why it is pending or ended (`Dependency`, `DependencyNeverSatisfied`, `NonZeroExitCode`, …). */
  reason: string;
  /** `exit:signal` when known (`1:0`). */
  exitCode: string | null;
}

export interface SlurmClient {
  /** Submit; returns the job id. */
  sbatch(args: string[]): Promise<string>;
  /** States of the jobs still known to the controller (every user's, so two submitters see each other). */
  queue(): Promise<JobState[]>;
  /** Details of ended jobs that left the queue (sacct, when accounting is enabled; else empty). */
  history(jobIds: string[]): Promise<JobState[]>;
  /** `scontrol show job`: the exit code and reason of one job, or null when it is gone. */
  show(jobId: string): Promise<JobState | null>;
  cancel(jobIds: string[]): Promise<void>;
}

/** States after which a job does nothing more (unless Slurm requeues it, which shows as PENDING again). */
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'SPECIAL_EXIT', 'REVOKED']);

/** `CANCELLED by 0` → `CANCELLED`, `COMPLETED+` → `COMPLETED`. */
export function baseState(s: string): string {
  return s.trim().split(/[\s+]/)[0]!.toUpperCase();
}

export function isTerminal(state: string): boolean {
  return TERMINAL.has(baseState(state));
}

/** `squeue -h -o '%i|%j|%T|%r'` lines. */
export function parseSqueue(text: string): JobState[] {
  const out: JobState[] = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split('|');
    if (parts.length < 4 || !parts[0]) continue;
    out.push({ jobId: parts[0], name: parts[1]!, state: baseState(parts[2]!), reason: parts.slice(3).join('|'), exitCode: null });
  }
  return out;
}

/** `sacct -n -P -X -o JobID,JobName,State,ExitCode` lines. */
export function parseSacct(text: string): JobState[] {
  const out: JobState[] = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split('|');
    if (parts.length < 4 || !/^\d+$/.test(parts[0]!)) continue;
    out.push({ jobId: parts[0]!, name: parts[1]!, state: baseState(parts[2]!), reason: '', exitCode: parts[3] || null });
  }
  return out;
}

/** `scontrol show job -o ID`: one line of `Key=Value` words. */
export function parseScontrol(text: string): JobState | null {
  const line = text.trim().split('\n')[0] ?? '';
  const get = (key: string): string | null => {
    const m = new RegExp(`(?:^|\\s)${key}=(\\S*)`).exec(line);
    return m ? m[1]! : null;
  };
  const jobId = get('JobId');
  const state = get('JobState');
  if (!jobId || !state) return null;
  return { jobId, name: get('JobName') ?? '', state: baseState(state), reason: get('Reason') ?? '', exitCode: get('ExitCode') };
}

/** The job id sbatch --parsable prints (`123` or `123;cluster`). */
export function parseSbatch(text: string): string | null {
  const m = /^(\d+)(;\S+)?\s*$/m.exec(text.trim());
  return m ? m[1]! : null;
}

interface Exec {
  code: number;
  stdout: string;
  stderr: string;
  missing: boolean;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Exec> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, maxBuffer: 64 * 2 ** 20, timeout: 120_000 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout: String(stdout), stderr: String(stderr), missing: e?.code === 'ENOENT' });
    });
  });
}

const notInstalled = (cmd: string): SslRuntimeError =>
  new SslRuntimeError(msg('SSL196', 'notFound', { cmd }));

/** The real client: Slurm's command-line tools on PATH (SLURM_CONF and friends come from the environment). */
export function createSlurmClient(env: NodeJS.ProcessEnv = process.env): SlurmClient {
  return {
    async sbatch(args) {
      const r = await run('sbatch', args, env);
      if (r.missing) throw notInstalled('sbatch');
      const id = r.code === 0 ? parseSbatch(r.stdout) : null;
      if (!id) throw new SslRuntimeError(msg('SSL196', 'sbatchFailed', { reason: (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ') || `exit ${r.code}` }));
      return id;
    },
    async queue() {
      const r = await run('squeue', ['-h', '-a', '-t', 'all', '-o', '%i|%j|%T|%r'], env);
      if (r.missing) throw notInstalled('squeue');
      if (r.code !== 0) throw new SslRuntimeError(msg('SSL196', 'squeueFailed', { reason: r.stderr.trim() || `exit ${r.code}` }));
      return parseSqueue(r.stdout);
    },
    async history(jobIds) {
      if (jobIds.length === 0) return [];
      const r = await run('sacct', ['-n', '-P', '-X', '-j', jobIds.join(','), '-o', 'JobID,JobName,State,ExitCode'], env);
      // no accounting storage (a common small setup): nothing to learn here
      return r.code === 0 ? parseSacct(r.stdout) : [];
    },
    async show(jobId) {
      const r = await run('scontrol', ['show', 'job', '-o', jobId], env);
      return r.code === 0 ? parseScontrol(r.stdout) : null;
    },
    async cancel(jobIds) {
      if (jobIds.length === 0) return;
      const r = await run('scancel', jobIds, env);
      if (r.missing) throw notInstalled('scancel');
      if (r.code !== 0) throw new SslRuntimeError(msg('SSL196', 'scancelFailed', { reason: r.stderr.trim() || `exit ${r.code}` }));
    },
  };
}

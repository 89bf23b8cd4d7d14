// `npm run test:slurm`: the Slurm executor against a real single-node Slurm (munged, slurmctld
// and slurmd started here as root with a private configuration, stopped by PID at the end).
// It runs a small sweep through Slurm and checks that the results equal the local executor's
// bit for bit, that two submitters at once submit every node once, that a scancelled job is
// reported and a rerun submits only the missing nodes, that a rerun of a finished sweep submits
// nothing, and that a failing node makes Slurm cancel its dependents and the run exit non-zero
// naming it. Skips with one line where Slurm is not installed (or we are not root).

import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeManifest } from '../../runtime/executor/cache.js';
import type { Submission } from '../../runtime/executor/slurm/submit.js';
import { slurmMissing, startCluster, type TestCluster } from './cluster.js';

const root = join(__dirname, '..', '..');
const bin = join(root, 'bin', 'ssl3d.js');
const missing = slurmMissing();
if (missing) process.stdout.write(`test:slurm skipped: ${missing}\n`);

let cluster: TestCluster | null = null;
let env: NodeJS.ProcessEnv = {};

function workspace(fixture: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ssl3d-slurm-run-'));
  copyFileSync(join(__dirname, 'fixtures', fixture), join(dir, fixture));
  return dir;
}

function ssl3d(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Run ssl3d in the background; `interruptOn`: send SIGINT once stdout matches it. */
function ssl3dAsync(args: string[], interruptOn?: RegExp): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args], { env });
    let stdout = '';
    let stderr = '';
    let sent = false;
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (interruptOn && !sent && interruptOn.test(stdout)) {
        sent = true;
        p.kill('SIGINT');
      }
    });
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function submissions(dir: string): Submission[] {
  const runs = join(dir, '.ssl3d', 'slurm', 'runs');
  return readdirSync(runs)
    .sort()
    .map((id) => JSON.parse(readFileSync(join(runs, id, 'submission.json'), 'utf8')) as Submission);
}
const latest = (dir: string): Submission => {
  const id = readFileSync(join(dir, '.ssl3d', 'slurm', 'latest'), 'utf8').trim();
  return JSON.parse(readFileSync(join(dir, '.ssl3d', 'slurm', 'runs', id, 'submission.json'), 'utf8')) as Submission;
};
const submittedNodes = (s: Submission): string[] => Object.entries(s.jobs).filter(([, j]) => j.submitted).map(([id]) => id);

/**
 * Every artifact file of every cached node: `node path` → sha256. Training histories also hold
 * each epoch's wall time, so those are compared without `durationMs`; report nodes hold run ids
 * and are left out.
 */
function artifacts(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const nodes = join(dir, '.ssl3d', 'nodes');
  for (const h of readdirSync(nodes)) {
    const m = JSON.parse(readFileSync(join(nodes, h, 'node.json'), 'utf8')) as NodeManifest;
    if (m.kind === 'report') continue;
    for (const f of m.files) {
      if (f.path !== 'history.json') out[`${m.id} ${f.path}`] = f.sha256;
      else out[`${m.id} ${f.path}`] = JSON.stringify(JSON.parse(readFileSync(join(nodes, h, f.path), 'utf8'), (k, v: unknown) => (k === 'durationMs' ? undefined : v)));
    }
  }
  return out;
}

describe.skipIf(missing !== null)('ssl3d run --executor slurm on a real Slurm', () => {
  beforeAll(() => {
    cluster = startCluster();
    env = { ...cluster.env, SSL3D_FROM_SOURCE: '1', NO_COLOR: '1', CI: '1', SSL3D_SLURM_POLL_MS: '300', SSL3D_PROFILE: join(cluster.dir, 'no-profile.json') };
  });
  afterAll(() => cluster?.stop());

  it('equals the local executor bit for bit; submits each node once; resubmits only what is missing', async () => {
    // the reference: the same file with the local executor
    const local = workspace('sweep.ssl');
    const ref = ssl3d(['run', join(local, 'sweep.ssl'), '--executor', 'local', '--ui', 'plain', '--no-report']);
    expect(ref.stderr).toBe('');
    expect(ref.code).toBe(0);

    // two submitters at once: every node is submitted exactly once. One detaches; the other
    // watches until Ctrl-C, which (nobody to ask: no terminal) leaves the jobs running
    const dir = workspace('sweep.ssl');
    const file = join(dir, 'sweep.ssl');
    const [a, b] = await Promise.all([ssl3dAsync(['run', file, '--ui', 'plain'], /Slurm jobs?[;,]/), ssl3dAsync(['run', file, '--detach', '--ui', 'plain'])]);
    expect(a.code, a.stderr).toBe(130);
    expect(a.stdout).toMatch(/\d+ Slurm jobs? keep running; `ssl3d status .*sweep\.ssl` watches them again/);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/queued or running .*; watch them with: ssl3d status/);
    const both = submissions(dir);
    expect(both).toHaveLength(2);
    const firstTime = both.flatMap(submittedNodes);
    expect(new Set(firstTime).size).toBe(firstTime.length);
    expect(firstTime).toHaveLength(12);

    // cancel one fine-tuning job mid-sweep; Slurm cancels its evaluation and the report
    const victim = 'finetune:rot3d/finetune/100%/r0';
    const job = both.map((s) => s.jobs[victim]).find((j) => j?.submitted)!;
    expect(spawnSync('scancel', [job.jobId], { env }).status).toBe(0);
    const watched = ssl3d(['status', file, '--ui', 'plain', '--no-report']);
    expect(watched.code).toBe(1);
    expect(watched.stderr).toContain(`error SSL195 in ${victim}: Slurm job ${job.jobId} CANCELLED`);
    expect(watched.stdout).toMatch(/evaluate:rot3d\/finetune\/100%\/r0: cancelled by Slurm \(job \d+\): input finetune:rot3d\/finetune\/100%\/r0 failed/);
    expect(watched.stdout).toMatch(/run failed in .*: 9 done, 1 failed, 2 skipped/);

    // the rerun submits only the missing nodes and ends like the local run
    const rerun = ssl3d(['run', file, '--ui', 'plain', '--no-report']);
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    expect(submittedNodes(latest(dir)).sort()).toEqual([victim, 'evaluate:rot3d/finetune/100%/r0', 'report:summary'].sort());
    expect(latest(dir).cached).toHaveLength(9);
    expect(rerun.stdout).toMatch(/run ok in/);
    const mine = artifacts(dir);
    expect(Object.keys(mine).length).toBeGreaterThan(20);
    expect(mine).toEqual(artifacts(local));

    // once finished, a run submits nothing
    const again = ssl3d(['run', file, '--ui', 'plain', '--no-report']);
    expect(again.code).toBe(0);
    expect(submittedNodes(latest(dir))).toEqual([]);
    expect(again.stdout).toMatch(/submitted 0 Slurm jobs; 12 nodes cached/);
  });

  it('a failing node: Slurm cancels its dependents, independent nodes finish, the run exits 1 naming it', () => {
    const dir = workspace('fail.ssl');
    const r = ssl3d(['run', join(dir, 'fail.ssl'), '--ui', 'plain', '--no-report']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error SSL11\d in data:corpus/);
    expect(r.stdout).toMatch(/warning data:corpus: Slurm job \d+ FAILED \(exit 1:0/);
    expect(r.stdout).toMatch(/pretrain:rot3d: cancelled by Slurm \(job \d+\): input data:corpus failed/);
    expect(r.stdout).toMatch(/finetune:rot3d\/finetune\/100%\/r0: cancelled by Slurm \(job \d+\): input pretrain:rot3d was cancelled/);
    expect(r.stdout).toMatch(/done evaluate:scratch\/scratch\/100%\/r0/);
    expect(r.stdout).toMatch(/run failed in .*: 3 done, 1 failed, 3 skipped/);
    expect(existsSync(join(dir, '.ssl3d', 'slurm', 'jobs'))).toBe(true);
  });
});

// A real single-node Slurm cluster for tests: munged, slurmctld and slurmd (Debian's packages)
// started as root with a generated slurm.conf — private ports, state, spool, logs and a munge
// key and socket of their own under a temp folder — and stopped by PID. Nothing outside the
// folder is touched, so it can run beside a system Slurm.

import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface TestCluster {
  dir: string;
  /** Environment for Slurm's client commands (SLURM_CONF). */
  env: NodeJS.ProcessEnv;
  stop(): void;
}

const BIN_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];
function which(cmd: string): string | null {
  for (const d of BIN_DIRS) if (existsSync(join(d, cmd))) return join(d, cmd);
  return null;
}

/** Why a real Slurm cannot be started here, or null when it can. */
export function slurmMissing(): string | null {
  for (const c of ['munged', 'mungekey', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scancel', 'sinfo']) if (!which(c)) return `${c} is not installed`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'the daemons need root';
  return null;
}

const sleep = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Two ports derived from our pid, so parallel test processes do not collide. */
function ports(): [number, number] {
  const base = 20000 + ((process.pid * 2) % 20000);
  return [base, base + 1];
}

export function startCluster(opts: { cpus?: number; memoryMB?: number } = {}): TestCluster {
  const dir = mkdtempSync(join(tmpdir(), 'ssl3d-slurm-'));
  const m = join(dir, 'munge');
  for (const d of [m, join(dir, 'state'), join(dir, 'spool'), join(dir, 'log')]) mkdirSync(d, { recursive: true });
  chmodSync(dir, 0o755);
  chmodSync(m, 0o755); // munged wants everyone to be able to reach its socket
  const pidFiles: string[] = [];
  let env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: join(dir, 'slurm.conf') };
  const stop = (): void => {
    // jobs still queued or running (a test that failed half-way) are cancelled first, so no job
    // process outlives the daemons
    if (readPid(join(dir, 'slurmctld.pid')) !== null) {
      spawnSync('scancel', ['--full', `--user=${userInfo().username}`], { env, stdio: 'ignore', timeout: 20_000 });
      for (let i = 0; i < 50; i++) {
        const q = spawnSync('squeue', ['-h', '-t', 'RUNNING,COMPLETING', '-o', '%i'], { env, encoding: 'utf8', timeout: 20_000 });
        if (q.status !== 0 || q.stdout.trim() === '') break;
        sleep(200);
      }
    }
    // slurmd first (it runs the jobs), then the controller, then munge
    for (const file of [...pidFiles].reverse()) {
      const pid = readPid(file);
      if (pid === null) continue;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        continue;
      }
      for (let i = 0; i < 50 && alive(pid); i++) sleep(100);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  };
  try {
    execFileSync(which('mungekey')!, ['--create', `--keyfile=${join(m, 'munge.key')}`], { stdio: 'pipe' });
    chmodSync(join(m, 'munge.key'), 0o400);
    pidFiles.push(join(m, 'munged.pid'));
    execFileSync(which('munged')!, ['--force', `--socket=${join(m, 'sock')}`, `--key-file=${join(m, 'munge.key')}`, `--pid-file=${join(m, 'munged.pid')}`, `--log-file=${join(m, 'munged.log')}`, `--seed-file=${join(m, 'seed')}`], { stdio: 'pipe' });
    const host = hostname().split('.')[0]!;
    const [ctldPort, dPort] = ports();
    const conf = join(dir, 'slurm.conf');
    writeFileSync(
      conf,
      [
        'ClusterName=ssl3dtest',
        `SlurmctldHost=${host}(127.0.0.1)`,
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${dPort}`,
        'SlurmUser=root',
        'SlurmdUser=root',
        'AuthType=auth/munge',
        `AuthInfo=socket=${join(m, 'sock')}`,
        'CredType=cred/munge',
        `StateSaveLocation=${join(dir, 'state')}`,
        `SlurmdSpoolDir=${join(dir, 'spool')}`,
        `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
        `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
        `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
        `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_CPU',
        'SchedulerType=sched/backfill',
        'SchedulerParameters=sched_interval=1',
        'MpiDefault=none',
        'ReturnToService=2',
        'SlurmdParameters=config_overrides',
        'MinJobAge=600',
        'KillWait=5',
        'JobAcctGatherType=jobacct_gather/none',
        'AccountingStorageType=accounting_storage/none',
        `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${opts.cpus ?? 8} RealMemory=${opts.memoryMB ?? 64000} State=UNKNOWN`,
        `PartitionName=test Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
        '',
      ].join('\n'),
    );
    env = { ...process.env, SLURM_CONF: conf };
    pidFiles.push(join(dir, 'slurmctld.pid'));
    execFileSync(which('slurmctld')!, ['-f', conf], { env, stdio: 'pipe' });
    pidFiles.push(join(dir, 'slurmd.pid'));
    execFileSync(which('slurmd')!, ['-f', conf], { env, stdio: 'pipe' });
    // ready when the node is idle (registered with the controller)
    for (let i = 0; i < 150; i++) {
      const r = spawnSync(which('sinfo')!, ['-h', '-o', '%T'], { env, encoding: 'utf8' });
      if (r.status === 0 && /idle/.test(r.stdout)) return { dir, env, stop };
      sleep(200);
    }
    throw new Error(`Slurm did not come up; see ${join(dir, 'log')}`);
  } catch (err) {
    stop();
    throw err;
  }
}

// The Slurm settings of one submission: defaults < user profile < the experiment's `executor`
// block < command-line options. The profile is JSON (`$SSL3D_PROFILE`, else
// `$XDG_CONFIG_HOME/ssl3d/profile.json`, else `~/.config/ssl3d/profile.json`):
//
//   { "executor": { "kind": "slurm", "partition": "gpu", "account": "lab", "time": "4:00:00",
//                   "maxJobs": 20, "sbatch": ["--qos=normal"], "requeue": true,
//                   "command": "/opt/node/bin/node /opt/ssl3d/bin/ssl3d.js",
//                   "resources": { "finetune": { "memoryGB": 16, "cpus": 4, "gpus": 1 } } } }
//
// (the same fields as the graph's ExecutorSpec, plus `command`: how a compute node starts ssl3d).

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_KINDS, SLURM_LIMITS, SLURM_TIME_PATTERN, type ExecutorSpec, type NodeKind, type NodeResources } from '../../../core/graph.js';
import { SslRuntimeError } from '../../contract.js';
import { msg } from '../../../core/codes/index.js';
import { readSmallFileSync } from '../../files.js';

export interface SlurmSettings {
  partition: string | null;
  account: string | null;
  time: string | null;
  maxJobs: number | null;
  requeue: boolean;
  sbatch: string[];
  resources: Partial<Record<NodeKind, NodeResources>>;
  /** The command that starts ssl3d on a compute node (words, not a shell string). */
  command: string[];
}

export interface Profile {
  path: string;
  executor: (Partial<ExecutorSpec> & { command?: string }) | null;
}

const KINDS: readonly NodeKind[] = NODE_KINDS;
const TIME_RE = new RegExp(SLURM_TIME_PATTERN);

export function profilePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SSL3D_PROFILE) return env.SSL3D_PROFILE;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'ssl3d', 'profile.json');
}

function checkResources(path: string, where: string, v: unknown): NodeResources {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SslRuntimeError(msg('SSL197', 'notObject', { where }), path);
  const r = v as Record<string, unknown>;
  const out: NodeResources = {};
  for (const [k, x] of Object.entries(r)) {
    if (k === 'memoryGB' && typeof x === 'number' && x > 0 && x <= SLURM_LIMITS.memoryGB) out.memoryGB = x;
    else if ((k === 'cpus' || k === 'gpus') && Number.isInteger(x) && (x as number) >= (k === 'cpus' ? 1 : 0) && (x as number) <= SLURM_LIMITS[k]) out[k] = x as number;
    else if (k === 'time' && typeof x === 'string' && TIME_RE.test(x)) out.time = x;
    else throw new SslRuntimeError(msg('SSL197', 'badResource', { where, k, value: JSON.stringify(x) }), path);
  }
  return out;
}

/** Read and check the user profile; a missing file is an empty profile, a broken one a located error. */
export function loadProfile(env: NodeJS.ProcessEnv = process.env): Profile {
  const path = profilePath(env);
  if (!existsSync(path)) return { path, executor: null };
  let json: unknown;
  try {
    json = JSON.parse(readSmallFileSync(path, 1 << 20).toString('utf8')); // a regular file: a named pipe must not hang every run
  } catch (err) {
    throw new SslRuntimeError(msg('SSL197', 'notJson', { reason: err instanceof Error ? err.message : String(err) }), path);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new SslRuntimeError(msg('SSL197', 'notJsonObject'), path);
  const ex = (json as Record<string, unknown>).executor;
  if (ex === undefined) return { path, executor: null };
  if (typeof ex !== 'object' || ex === null || Array.isArray(ex)) throw new SslRuntimeError(msg('SSL197', 'executorNotObject'), path);
  const out: Partial<ExecutorSpec> & { command?: string } = {};
  for (const [k, v] of Object.entries(ex as Record<string, unknown>)) {
    switch (k) {
      case 'kind':
        if (v !== 'local' && v !== 'slurm') throw new SslRuntimeError(msg('SSL197', 'badKind', { value: JSON.stringify(v) }), path);
        out.kind = v;
        break;
      case 'partition':
      case 'account':
      case 'command':
        if (typeof v !== 'string' || v.trim() === '') throw new SslRuntimeError(msg('SSL197', 'emptyString', { k }), path);
        out[k] = v;
        break;
      case 'time':
        if (typeof v !== 'string' || !TIME_RE.test(v)) throw new SslRuntimeError(msg('SSL197', 'badTime', { value: JSON.stringify(v) }), path);
        out.time = v;
        break;
      case 'maxJobs':
        if (!Number.isInteger(v) || (v as number) < 1) throw new SslRuntimeError(msg('SSL197', 'badMaxJobs', { value: JSON.stringify(v) }), path);
        out.maxJobs = v as number;
        break;
      case 'requeue':
        if (typeof v !== 'boolean') throw new SslRuntimeError(msg('SSL197', 'badRequeue'), path);
        out.requeue = v;
        break;
      case 'sbatch':
        if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new SslRuntimeError(msg('SSL197', 'badSbatch'), path);
        out.sbatch = v as string[];
        break;
      case 'resources': {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SslRuntimeError(msg('SSL197', 'resourcesNotObject'), path);
        const res: Partial<Record<NodeKind, NodeResources>> = {};
        for (const [kind, r] of Object.entries(v as Record<string, unknown>)) {
          if (!(KINDS as readonly string[]).includes(kind)) throw new SslRuntimeError(msg('SSL197', 'notNodeKind', { kind, kinds: KINDS.join(', ') }), path);
          res[kind as NodeKind] = checkResources(path, `executor.resources.${kind}`, r);
        }
        out.resources = res;
        break;
      }
      default:
        throw new SslRuntimeError(msg('SSL197', 'unknownKey', { k }), path);
    }
  }
  return { path, executor: out };
}

export interface CliSlurmOptions {
  requeue?: boolean;
  partition?: string;
  account?: string;
  time?: string;
  maxJobs?: number;
  sbatch?: string[];
}

/** The ssl3d command a compute node runs: this Node binary with this package's bin script. */
export function defaultCommand(): string[] {
  // from runtime/executor/slurm/ (sources) or dist/runtime/executor/slurm/ (built) up to the package
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (let i = 0; i < 6 && !existsSync(join(dir, 'bin', 'ssl3d.js')); i++) dir = dirname(dir);
  return [process.execPath, join(dir, 'bin', 'ssl3d.js')];
}

/** Split a profile `command` string on spaces (quotes are not interpreted; use paths without spaces). */
function words(s: string): string[] {
  return s.trim().split(/\s+/);
}

export function resolveSettings(fromGraph: ExecutorSpec | undefined, profile: Profile['executor'], cli: CliSlurmOptions = {}): SlurmSettings {
  const layers = [profile ?? {}, fromGraph ?? {}, cli] as Array<Partial<ExecutorSpec>>;
  const pick = <K extends keyof ExecutorSpec>(k: K): ExecutorSpec[K] | undefined => {
    let v: ExecutorSpec[K] | undefined;
    for (const l of layers) if (l[k] !== undefined) v = l[k] as ExecutorSpec[K];
    return v;
  };
  const resources: Partial<Record<NodeKind, NodeResources>> = {};
  for (const l of layers) {
    for (const [kind, r] of Object.entries(l.resources ?? {})) resources[kind as NodeKind] = { ...resources[kind as NodeKind], ...r };
  }
  return {
    partition: pick('partition') ?? null,
    account: pick('account') ?? null,
    time: pick('time') ?? null,
    maxJobs: pick('maxJobs') ?? null,
    requeue: pick('requeue') ?? false,
    // extra options add up: the profile's site options, then the experiment's, then the command line's
    sbatch: layers.flatMap((l) => l.sbatch ?? []),
    resources,
    command: profile?.command ? words(profile.command) : defaultCommand(),
  };
}

/** Which executor a run uses when `--executor` is not given: the experiment's, else the profile's, else local. */
export function executorKind(fromGraph: ExecutorSpec | undefined, profile: Profile['executor']): 'local' | 'slurm' {
  return fromGraph?.kind ?? profile?.kind ?? 'local';
}

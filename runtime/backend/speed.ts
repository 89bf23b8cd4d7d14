// The measured speed of the active backend, for `ssl3d plan`'s wall-time estimates (#16.10).
//
// A probe of about one second trains a small 3D U-Net encoder (the `small` preset, 24³, batch 2,
// Adam) on the backend the experiment would use and divides the cost model's FLOPs of those steps
// (compiler/cost.ts, the same formulas `plan` prints) by the time they took. The result is cached
// in one JSON file (default ~/.cache/ssl3d/speed.json; SSL3D_SPEED_CACHE names another), keyed by
// the machine (host name, CPU model, cores, memory), the backend choice and the versions of
// ssl3d, tfjs and Node, so a later `plan` on the same machine costs nothing. `plan` then
// estimates a node as FLOPs per step × steps / measured FLOP/s.
//
// A small model runs below a big one's FLOP rate (more time in overheads per FLOP), so estimates
// for paper-size models are pessimistic rather than optimistic; `plan` says it is an estimate.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { estimateCost } from '../../compiler/cost.js';
import { UNET_PRESETS } from '../../compiler/defaults.js';
import type { EncoderSpec, OptimizerSpec, TrainSpec } from '../../core/graph.js';
import { PACKAGE_VERSION } from '../../core/version.js';
import { readSmallFileSync, mkdirsSync } from '../files.js';

/** One measured speed. */
export interface SpeedProbe {
  /** The cache key: machine + backend choice + versions. */
  key: string;
  /** The backend choice the probe was made for (auto, native, cpu, …). */
  choice: string;
  /** The tfjs backend that ran it. */
  backend: string;
  /** Cost-model FLOPs per second of training. */
  flopsPerSecond: number;
  /** Steps timed and the seconds they took (after one warm-up step). */
  steps: number;
  seconds: number;
  /** What was timed, in words. */
  workload: string;
  /** ISO time of the measurement. */
  measuredAt: string;
}

/** The probe's workload: the `small` U-Net encoder at 24³ with 1 channel, batch 2. */
export const PROBE_SIDE = 24;
export const PROBE_BATCH = 2;
export const PROBE_ENCODER: EncoderSpec = { kind: 'unet3d', ...UNET_PRESETS.small };
const PROBE_OPTIMIZER: OptimizerSpec = { kind: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, momentum: 0, weightDecay: 0, clipNorm: null };

/** Cost-model FLOPs of one probe step (forward + backward of the encoder with its global-pool head). */
export function probeFlopsPerStep(): number {
  const train: TrainSpec = { epochs: 1, batch: PROBE_BATCH, stepsPerEpoch: 1, optimizer: PROBE_OPTIMIZER, onNaN: 'stop' };
  return estimateCost({
    kind: 'finetune',
    target: 'classification',
    classes: 2,
    encoder: PROBE_ENCODER,
    inputShape: [PROBE_SIDE, PROBE_SIDE, PROBE_SIDE, 1],
    train,
    cases: null,
    arm: 'scratch',
    warmup: 0,
  }).flopsPerStep;
}

function tfjsVersion(): string {
  try {
    const here = dirname(new URL(import.meta.url).pathname);
    for (let d = here, i = 0; i < 6; i++, d = dirname(d)) {
      const p = join(d, 'node_modules', '@tensorflow', 'tfjs-core', 'package.json');
      if (existsSync(p)) return (JSON.parse(readFileSync(p, 'utf8')) as { version?: string }).version ?? 'unknown';
    }
  } catch {
    // fall through
  }
  return 'unknown';
}

/** The cache key of a backend choice on this machine with these versions. */
export function speedKey(choice: string): string {
  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown';
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const machine = { host: os.hostname(), cpu, cores, memGiB: Math.round(os.totalmem() / 2 ** 30), arch: process.arch, platform: process.platform };
  const versions = { ssl3d: PACKAGE_VERSION, tfjs: tfjsVersion(), node: process.version };
  return createHash('sha256').update(JSON.stringify({ machine, choice, versions })).digest('hex').slice(0, 16);
}

/** The cache file: SSL3D_SPEED_CACHE, else $XDG_CACHE_HOME/ssl3d/speed.json, else ~/.cache/ssl3d/speed.json. */
export function speedCachePath(): string {
  if (process.env.SSL3D_SPEED_CACHE) return process.env.SSL3D_SPEED_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(os.homedir(), '.cache');
  return join(base, 'ssl3d', 'speed.json');
}

function readAll(path: string): Record<string, SpeedProbe> {
  try {
    const j = JSON.parse(readSmallFileSync(path, 1 << 20).toString('utf8')) as unknown; // a named pipe there must not hang `plan`
    if (j && typeof j === 'object' && !Array.isArray(j)) return j as Record<string, SpeedProbe>;
  } catch {
    // missing or unreadable: no cached speeds
  }
  return {};
}

/** A cached probe for this key, when one is stored and well formed. */
export function readCachedSpeed(key: string, path = speedCachePath()): SpeedProbe | null {
  const p = readAll(path)[key];
  return p && typeof p.flopsPerSecond === 'number' && Number.isFinite(p.flopsPerSecond) && p.flopsPerSecond > 0 ? p : null;
}

/** Store a probe (best effort: an unwritable cache only means the next plan probes again). */
export function writeCachedSpeed(p: SpeedProbe, path = speedCachePath()): void {
  try {
    const all = readAll(path);
    all[p.key] = p;
    mkdirsSync(dirname(path));
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(all, null, 2) + '\n');
    renameSync(tmp, path);
  } catch {
    // not fatal
  }
}

/** What a probe measures: a backend name and the seconds of `steps` probe steps. */
export type ProbeRunner = (choice: string, budgetSeconds: number) => Promise<{ backend: string; steps: number; seconds: number }>;

/** The real probe: select the backend, one warm-up step, then steps until `budgetSeconds` have passed. */
export const realProbe: ProbeRunner = async (choice, budgetSeconds) => {
  const tf = await import('@tensorflow/tfjs');
  const { selectBackend } = await import('./index.js');
  const { buildEncoder, bottleneckModel } = await import('../models/unet.js');
  const { Optimizer } = await import('../train/optim.js');
  const { setTrainingClock } = await import('../models/layers.js');
  const sel = await selectBackend(choice as Parameters<typeof selectBackend>[0], { quiet: true });
  const enc = buildEncoder(PROBE_ENCODER, [PROBE_SIDE, PROBE_SIDE, PROBE_SIDE, 1], 1);
  const m = bottleneckModel(enc);
  const opt = new Optimizer(PROBE_OPTIMIZER);
  const vars = m.trainableWeights.map((w) => ({ name: w.originalName, variable: w.read() as import('@tensorflow/tfjs').Variable }));
  const x = tf.randomNormal([PROBE_BATCH, PROBE_SIDE, PROBE_SIDE, PROBE_SIDE, 1], 0, 1, 'float32', 1);
  const step = async (i: number): Promise<void> => {
    setTrainingClock(1, i, 1);
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(m.apply(x, { training: true }) as import('@tensorflow/tfjs').Tensor)) as import('@tensorflow/tfjs').Scalar, vars.map((v) => v.variable));
    await value.data();
    opt.apply(vars, vars.map((v) => grads[v.variable.name] ?? null));
    await vars[0]!.variable.data();
    tf.dispose([value, ...Object.values(grads)]);
  };
  try {
    await step(0);
    const t0 = performance.now();
    let steps = 0;
    while (steps < 200) {
      await step(++steps);
      if ((performance.now() - t0) / 1000 >= budgetSeconds) break;
    }
    return { backend: sel.name, steps, seconds: (performance.now() - t0) / 1000 };
  } finally {
    tf.dispose(x);
    opt.dispose();
    m.dispose();
  }
};

/**
 * The speed of `choice` on this machine: the cached probe, or a new ~1 s probe (then cached).
 * `runner` replaces the real probe in tests.
 */
export async function backendSpeed(choice: string, opts: { runner?: ProbeRunner; cachePath?: string; budgetSeconds?: number; fresh?: boolean } = {}): Promise<SpeedProbe & { cached: boolean }> {
  const key = speedKey(choice);
  const path = opts.cachePath ?? speedCachePath();
  const hit = opts.fresh ? null : readCachedSpeed(key, path);
  if (hit) return { ...hit, cached: true };
  const r = await (opts.runner ?? realProbe)(choice, opts.budgetSeconds ?? 1);
  const probe: SpeedProbe = {
    key,
    choice,
    backend: r.backend,
    flopsPerSecond: (r.steps * probeFlopsPerStep()) / Math.max(r.seconds, 1e-9),
    steps: r.steps,
    seconds: r.seconds,
    workload: `${r.steps} training steps of the small 3D U-Net encoder, ${PROBE_SIDE}³ × batch ${PROBE_BATCH}`,
    measuredAt: new Date().toISOString(),
  };
  writeCachedSpeed(probe, path);
  return { ...probe, cached: false };
}

// The product's real training step for `npm run bench:kernels`: the authors'-code 3D U-Net exactly
// as runtime/models builds it (buildEncoder(unetPreset('authors-code')) + buildSegmenter, tf.layers,
// softmax output), batch 2, 4 channels, D³, the finetune node's cross-entropy loss and the training
// loop's Adam (runtime/train/optim.ts) — and the same network in PyTorch (bench/torch_unet_step.py),
// measured in the same run on the same threads, so a loaded machine slows both alike.
// Wall time on a shared machine mostly measures the other processes; each side also reports its
// process CPU time per step (all threads, user + system).

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildEncoder, buildSegmenter, unetPreset } from '../runtime/models/index.js';
import { setTrainingClock } from '../runtime/models/layers.js';
import { Optimizer } from '../runtime/train/optim.js';
import { crossEntropyLoss } from '../runtime/train/finetune.js';
import type { OptimizerSpec } from '../core/graph.js';
import { packageRoot } from '../runtime/version.js';

export interface StepTiming {
  /** Median and best wall time of one step (ms). */
  medianMs: number;
  minMs: number;
  /** Median process CPU time of one step (ms, all threads). */
  cpuMs: number;
  params: number;
}

interface Step {
  run: () => Promise<void>;
  params: number;
  dispose: () => void;
}

function makeStep(D: number): Step {
  const enc = buildEncoder(unetPreset('authors-code', 3), [D, D, D, 4], 1);
  const model = buildSegmenter(enc, 4, 1);
  const spec = { kind: 'adam', lr: 1e-4, beta1: 0.9, beta2: 0.999, momentum: 0, weightDecay: 0, clipNorm: null } as unknown as OptimizerSpec;
  const opt = new Optimizer(spec);
  const vars = model.trainableWeights.map((w) => ({ name: w.originalName, variable: w.read() as tf.Variable }));
  const x = tf.randomNormal([2, D, D, D, 4], 0, 1, 'float32', 3);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([2, D, D, D], 0, 4, 'int32', 4) as tf.Tensor4D, 4));
  let i = 0;
  return {
    params: model.countParams(),
    run: async () => {
      setTrainingClock(1, i++, 7);
      const { value, grads } = tf.variableGrads(() => crossEntropyLoss(y, model.apply(x, { training: true }) as tf.Tensor), vars.map((v) => v.variable));
      await value.data();
      opt.apply(vars, vars.map((v) => grads[v.variable.name] ?? null));
      await vars[0]!.variable.data();
      tf.dispose([value, ...Object.values(grads)]);
    },
    dispose: () => {
      tf.dispose([x, y]);
      opt.dispose();
      model.layers.forEach((l) => l.dispose());
    },
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Time `steps` training steps (after 2 warm-up steps) on the active backend. */
export async function ssl3dUnetStep(D: number, steps: number): Promise<StepTiming> {
  const s = makeStep(D);
  for (let i = 0; i < 2; i++) await s.run();
  const wall: number[] = [], cpu: number[] = [];
  for (let i = 0; i < steps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await s.run();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  s.dispose();
  return { medianMs: median(wall), minMs: Math.min(...wall), cpuMs: median(cpu), params: s.params };
}

/** Per-kernel profile of one step: [kernel, calls, ms] sorted by time, plus kernel and wall totals. */
export async function profileUnetStep(D: number): Promise<{ rows: Array<[string, number, number]>; kernelMs: number; wallMs: number; kernels: number }> {
  const s = makeStep(D);
  for (let i = 0; i < 2; i++) await s.run();
  const t0 = performance.now();
  const info = await tf.profile(() => s.run());
  const wallMs = performance.now() - t0;
  const by = new Map<string, [number, number]>();
  for (const k of info.kernels) {
    const t = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = by.get(k.name) ?? [0, 0];
    by.set(k.name, [e[0] + 1, e[1] + t]);
  }
  s.dispose();
  const rows = [...by.entries()].map(([k, [n, ms]]) => [k, n, ms] as [string, number, number]).sort((a, b) => b[2] - a[2]);
  return { rows, kernelMs: rows.reduce((a, r) => a + r[2], 0), wallMs, kernels: info.kernels.length };
}

/** bench/ of the package (also right when this module is bundled into one file elsewhere). */
export function benchDir(): string {
  return join(packageRoot(), 'bench');
}

let python: { path: string; version: string } | string | null = null;

/**
 * A Python with torch: $SSL3D_PYTHON, else `python3` on PATH, else /usr/bin/python3 (Debian's
 * python3-torch). Returns the path and torch version, or the reason none was found.
 */
export function torchPython(): { path: string; version: string } | string {
  if (python) return python;
  const candidates = process.env.SSL3D_PYTHON ? [process.env.SSL3D_PYTHON] : ['python3', '/usr/bin/python3'];
  const why: string[] = [];
  for (const c of candidates) {
    const r = spawnSync(c, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return (python = { path: c, version: r.stdout.trim() });
    why.push(`${c}: ${r.error ? 'not found' : ((r.stderr || '').trim().split('\n').pop() ?? 'import failed')}`);
  }
  return (python = `no Python with torch (${why.join('; ')})`);
}

/** Whether a Python with torch is available (null: yes; else the reason). */
export function torchAvailable(): string | null {
  const p = torchPython();
  return typeof p === 'string' ? p : null;
}

/**
 * OpenMP wait policy for the PyTorch child. libgomp's default spins waiting threads, which on an
 * oversubscribed machine (load above the core count) burns the time slices torch's other thread
 * needs and makes it many times slower; our pool sleeps on a condition variable. To be fair on
 * a loaded machine the child gets OMP_WAIT_POLICY=PASSIVE then; a value set by the caller wins.
 */
export function torchWaitPolicy(cores: number, load1: number): string {
  return process.env.OMP_WAIT_POLICY ?? (load1 > cores ? 'PASSIVE' : 'default');
}

/** The same step in PyTorch CPU with `threads` threads, in a child process; null if it failed. */
export function torchUnetStep(D: number, threads: number, steps: number, waitPolicy = 'default', device: 'cpu' | 'cuda' = 'cpu'): (StepTiming & { version: string; device: string }) | null {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads) };
  if (waitPolicy !== 'default') env['OMP_WAIT_POLICY'] = waitPolicy;
  const py = torchPython();
  if (typeof py === 'string') return null;
  const r = spawnSync(py.path, [join(benchDir(), 'torch_unet_step.py'), String(D), String(threads), String(steps), device], {
    encoding: 'utf8', timeout: 1_800_000, env,
  });
  const line = (r.stdout || '').trim().split('\n').pop() ?? '';
  try {
    const j = JSON.parse(line) as { torch: string; device?: string; medianMs: number; minMs: number; cpuMs: number; params: number };
    return { medianMs: j.medianMs, minMs: j.minMs, cpuMs: j.cpuMs, params: j.params, version: j.torch, device: j.device ?? device };
  } catch {
    return null;
  }
}

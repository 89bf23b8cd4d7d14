// GPU benchmark of the webgpu backend on whatever WebGPU adapter exists:
//   npm run bench:gpu [-- --sizes 64,128 --steps 5 --stock --profile]
// Prints each of our kernels (ms, GFLOP/s for convolutions, GB/s for memory-bound kernels), the
// stock tfjs-webgpu conv kernels at the same shapes (--stock), and the authors'-code 3D U-Net
// training step (forward, backward, Adam; batch 2, 4 channels, 4 classes, the fine-tuning loss) at
// each size in --sizes. --step-only skips the kernel tables, --no-dropout removes the U-Net's dropout,
// --cpu-profile DIR writes a V8 profile of the timed steps (host-side time), --dawn-calls the host
// time of each WebGPU call, --submit-batch N the dispatches per command-buffer submit. Beside each step: the same
// network in PyTorch on CUDA in the same run (bench/torch_unet_step.py with SSL3D_PYTHON or
// /usr/bin/python3; skipped without CUDA or with --no-torch).
// Every time includes the GPU work: each measurement ends with a read-back of one value.
// On a software adapter (lavapipe, SwiftShader) the numbers measure a CPU emulation, and the
// default sizes shrink to 32³ (pass --sizes to insist).

import * as inspector from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../runtime/backend/index.js';
import { useStockKernels } from '../runtime/backend/webgpu/index.js';
import { fusedNorm } from '../runtime/backend/norm.js';
import { buildEncoder, buildSegmenter, unetPreset } from '../runtime/models/index.js';
import { setTrainingClock } from '../runtime/models/layers.js';
import { Optimizer } from '../runtime/train/optim.js';
import { crossEntropyLoss } from '../runtime/train/finetune.js';
import { torchUnetStep } from './unet-step.js';
import { dawnCallReport, installDawnCallTimers, resetDawnCallStats } from './dawn-calls.js';

const args = process.argv.slice(2);
const opt = (name: string): string | null => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? null) : null;
};
const withStock = args.includes('--stock');
const profile = args.includes('--profile');
// --step-only: skip the kernel tables; --no-dropout: the U-Net without its dropout layers (to see
// what the per-step dropout masks cost).
const stepOnly = args.includes('--step-only');
const noDropout = args.includes('--no-dropout');

let sel;
try {
  sel = await selectBackend('webgpu', { quiet: true });
} catch (e) {
  console.log(`bench:gpu: no WebGPU backend here: ${(e as Error).message}`);
  process.exit(0);
}
const software = sel.adapter?.software === true;
const sizes = (opt('--sizes') ?? (software ? '32' : '64,128')).split(',').map(Number);
if (sizes.some((d) => !Number.isInteger(d) || d <= 0 || d % 32 !== 0)) {
  console.log(`bench:gpu: --sizes must be multiples of 32 (the U-Net pools 5 times), got ${sizes.join(',')}`);
  process.exit(2);
}
const steps = Number(opt('--steps') ?? (software ? 1 : 5));
// --submit-batch N: tfjs-webgpu submits its command buffer every N dispatches (default 15).
const submitBatch = opt('--submit-batch');
if (submitBatch !== null) tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', Number(submitBatch));
// --dawn-calls: the host time of every WebGPU call during the timed steps (bench/dawn-calls.ts).
const dawnCalls = args.includes('--dawn-calls');
const iters = software ? 2 : 10;
console.log(`adapter: ${sel.reason}`);
if (software) {
  console.log('NOTE: this is a SOFTWARE adapter (CPU emulation of a GPU): the numbers below say nothing about GPU speed.');
}

/** Wait for all queued GPU work by reading one value of `t`. */
async function sync(t: tf.Tensor): Promise<void> {
  const one = tf.tidy(() => tf.slice(tf.reshape(t, [-1]), 0, 1));
  await one.data();
  one.dispose();
}

/** Median ms of `iters` runs of `f` (after one warm-up), each ending with a read-back. */
async function time(f: () => tf.Tensor | tf.Tensor[], n = iters): Promise<number> {
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    const out = [f()].flat();
    await sync(out[out.length - 1]!);
    const ms = performance.now() - t0;
    tf.dispose(out);
    return ms;
  };
  await once();
  const ts: number[] = [];
  for (let i = 0; i < n; i++) ts.push(await once());
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)]!;
}

const rnd = (shape: number[], seed: number): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', seed);
const row = (what: string, shape: string, ms: number, rate: string): void => console.log(`${what.padEnd(34)} ${shape.padEnd(26)} ${ms.toFixed(2).padStart(10)} ms ${rate}`);

console.log(`\n${'kernel'.padEnd(34)} ${'shape'.padEnd(26)} ${'median'.padStart(13)}`);
const convShapes: Array<[number, number, number, number]> = software ? [[1, 16, 8, 16], [1, 16, 16, 32]] : [[2, 32, 16, 32], [2, 32, 32, 64], [2, 64, 16, 32], [2, 64, 32, 64]];
for (const [n, s, ci, co] of stepOnly ? [] : convShapes) {
  const x = rnd([n, s, s, s, ci], 1) as tf.Tensor5D, w = rnd([3, 3, 3, ci, co], 2) as tf.Tensor5D, dy = rnd([n, s, s, s, co], 3) as tf.Tensor5D;
  const gflop = (2 * n * s ** 3 * ci * co * 27) / 1e9;
  const shape = `[${n},${s}³,${ci}→${co}]`;
  const variants: Array<[string, boolean]> = withStock ? [['ours', false], ['tfjs stock', true]] : [['ours', false]];
  const outs: tf.Tensor[][] = [];
  for (const [label, stock] of variants) {
    useStockKernels(stock ? ['conv'] : []);
    outs.push([
      tf.conv3d(x, w, 1, 'same'),
      tf.conv3dTranspose(dy, w, [n, s, s, s, ci], 1, 'same'),
      tf.engine().runKernel('Conv3DBackpropFilterV2', { x, dy }, { strides: 1, pad: 'same', filterShape: [3, 3, 3, ci, co] } as unknown as tf.NamedAttrMap) as tf.Tensor,
    ]);
    const fwd = await time(() => tf.conv3d(x, w, 1, 'same'));
    const bin = await time(() => tf.conv3dTranspose(dy, w, [n, s, s, s, ci], 1, 'same'));
    const bfil = await time(() => tf.engine().runKernel('Conv3DBackpropFilterV2', { x, dy }, { strides: 1, pad: 'same', filterShape: [3, 3, 3, ci, co] } as unknown as tf.NamedAttrMap) as tf.Tensor);
    row(`conv3d fwd (${label})`, shape, fwd, `${(gflop / fwd * 1e3).toFixed(1)} GFLOP/s`);
    row(`conv3d input grad (${label})`, shape, bin, `${(gflop / bin * 1e3).toFixed(1)} GFLOP/s`);
    row(`conv3d filter grad (${label})`, shape, bfil, `${(gflop / bfil * 1e3).toFixed(1)} GFLOP/s`);
  }
  useStockKernels([]);
  if (outs.length === 2) {
    // Our kernels against the stock tfjs-webgpu ones on this adapter: max |a-b| / max |b|.
    const errs: string[] = [];
    for (let k = 0; k < 3; k++) {
      const [a, b] = [outs[0]![k]!, outs[1]![k]!];
      const e = tf.tidy(() => tf.div(tf.max(tf.abs(tf.sub(a, b))), tf.max(tf.abs(b))));
      errs.push(`${['fwd', 'dx', 'dw'][k]} ${(await e.data())[0]!.toExponential(1)}`);
      e.dispose();
    }
    console.log(`  ours vs stock, max relative error: ${errs.join(', ')}`);
  }
  tf.dispose(outs.flat());
  tf.dispose([x, w, dy]);
}
if (!stepOnly) {
  const s = software ? 16 : 64, c = 32;
  const x = rnd([2, s, s, s, c], 4), g = rnd([c], 5), b = rnd([c], 6), dy = rnd([2, s, s, s, c], 7);
  const mb = (2 * s ** 3 * c * 4) / 1e6;
  const shape = `[2,${s}³,${c}]`;
  const gbs = (passes: number, ms: number): string => `${(passes * mb / ms).toFixed(1)} GB/s`;
  const add = await time(() => tf.add(x, b));
  row('add per-channel bias (rank 5)', shape, add, gbs(2, add));
  const sum = await time(() => tf.sum(dy, [0, 1, 2, 3]));
  row('sum over N,D,H,W (bias grad)', shape, sum, gbs(1, sum));
  const nf = await time(() => fusedNorm(x, g, b, 'batch'));
  row('fused batch norm forward', shape, nf, gbs(4, nf));
  const nb = await time(() => tf.grads((a: tf.Tensor) => tf.mul(fusedNorm(a, g, b, 'batch'), dy))([x]));
  row('fused batch norm fwd + bwd', shape, nb, gbs(9, nb));
  const tr = await time(() => tf.transpose(tf.reshape(x, [2, s / 2, s / 2, s / 2, 2, 2, 2, c]), [0, 1, 4, 2, 5, 3, 6, 7]));
  row('rank-8 transpose (pixel shuffle)', shape, tr, gbs(2, tr));
  tf.dispose([x, g, b, dy]);
}
if (!stepOnly) {
  const n = 5_650_000;
  const v = tf.variable(rnd([n], 8)), gr = rnd([n], 9);
  const o = new Optimizer({ kind: 'adam', lr: 1e-4, beta1: 0.9, beta2: 0.999, momentum: 0, weightDecay: 0, clipNorm: null });
  const ms = await time(() => {
    o.apply([{ name: 'w', variable: v }], [gr]);
    return tf.clone(v);
  });
  row('fused Adam update', `[${n}] (U-Net size)`, ms, `${(7 * n * 4 / 1e6 / ms).toFixed(1)} GB/s`);
  o.dispose();
  tf.dispose([v, gr]);
}

for (const D of sizes) {
  const preset = unetPreset('authors-code', 3);
  const enc = buildEncoder(noDropout ? { ...preset, dropout: 0 } : preset, [D, D, D, 4], 1);
  const model = buildSegmenter(enc, 4, 1);
  const optim = new Optimizer({ kind: 'adam', lr: 1e-4, beta1: 0.9, beta2: 0.999, momentum: 0, weightDecay: 0, clipNorm: null });
  const vars = model.trainableWeights.map((w) => ({ name: w.originalName, variable: w.read() as tf.Variable }));
  const x = rnd([2, D, D, D, 4], 3);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([2, D, D, D], 0, 4, 'int32', 4) as unknown as tf.Tensor1D, 4));
  let lastLoss = NaN;
  const step = async (i: number): Promise<number> => {
    setTrainingClock(1, i, 7);
    const t0 = performance.now();
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => {
      // The fine-tuning node's loss (runtime/train/finetune.ts), as bench/unet-step.ts uses.
      return crossEntropyLoss(y, model.apply(x, { training: true }) as tf.Tensor);
    }), vars.map((v) => v.variable));
    lastLoss = (await value.data())[0]!;
    optim.apply(vars, vars.map((v) => grads[v.variable.name] ?? null));
    await sync(vars[0]!.variable);
    tf.dispose([value, ...Object.values(grads)]);
    return performance.now() - t0;
  };
  await step(0);
  console.log(`  first-step loss at [2,4,${D}³]: ${lastLoss.toFixed(6)}`);
  const ts: number[] = [];
  // --cpu-profile DIR: a V8 CPU profile of the timed steps only (where the host-side time goes).
  const profDir = opt('--cpu-profile');
  const session = profDir ? new inspector.Session() : null;
  if (session) {
    session.connect();
    await new Promise<void>((res) => session.post('Profiler.enable', () => session.post('Profiler.start', () => res())));
  }
  if (dawnCalls && installDawnCallTimers()) resetDawnCallStats();
  for (let i = 1; i <= steps; i++) ts.push(await step(i));
  if (dawnCalls) console.log(dawnCallReport(steps));
  if (session && profDir) {
    const prof = await new Promise<unknown>((res) => session.post('Profiler.stop', (_e, r) => res(r.profile)));
    mkdirSync(profDir, { recursive: true });
    writeFileSync(join(profDir, `step-${D}.cpuprofile`), JSON.stringify(prof));
    session.disconnect();
  }
  ts.sort((a, b) => a - b);
  const ours = ts[Math.floor(ts.length / 2)]!;
  row('U-Net training step', `[2,4,${D}³]`, ours, `(min ${ts[0]!.toFixed(1)} ms, ${steps} steps, ${tf.memory().numTensors} tensors, ${(tf.memory().numBytes / 2 ** 20).toFixed(0)} MiB)`);
  // The baseline in the same run: the same network in PyTorch on CUDA, when there is one.
  const torch = software || args.includes('--no-torch') ? null : torchUnetStep(D, 1, Math.max(steps, 10), 'default', 'cuda');
  if (torch) row(`PyTorch ${torch.version} fp32 (${torch.device})`, `[2,4,${D}³]`, torch.medianMs, `(min ${torch.minMs.toFixed(1)} ms; ssl3d / PyTorch = ${(ours / torch.medianMs).toFixed(2)}×)`);
  if (profile) {
    const info = await tf.profile(async () => { await step(99); });
    const agg = new Map<string, { n: number; ms: number }>();
    for (const k of info.kernels) {
      const t = await (k.kernelTimeMs as number | Promise<number> | { error: string });
      const a = agg.get(k.name) ?? { n: 0, ms: 0 };
      a.n++;
      a.ms += typeof t === 'number' ? t : 0;
      agg.set(k.name, a);
    }
    console.log(`  profile: ${info.kernels.length} kernel calls`);
    for (const [k, a] of [...agg.entries()].sort((p, q) => q[1].ms - p[1].ms).slice(0, 12)) console.log(`    ${k.padEnd(26)} n=${String(a.n).padStart(4)} ${a.ms.toFixed(1).padStart(9)} ms`);
  }
  optim.dispose();
  tf.dispose([x, y]);
  model.dispose();
}
process.exit(0);

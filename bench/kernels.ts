// Kernel benchmark: native vs tfjs cpu in one run. `npm run bench:kernels [-- --quick|--full|--profile|--model]`
//   (default) FIRST the product's real model: the authors'-code U-Net training step as
//             runtime/models builds it, at [2,4,32³] and [2,4,64³], beside PyTorch CPU on the same
//             threads in the same run when a Python with torch is found ($SSL3D_PYTHON, python3,
//             /usr/bin/python3; bench/unet-step.ts);
//             then ops at the research shapes + quickstart encoder step + U-Net [2,4ch,64³] step (native);
//             cpu baselines: one timed iteration per op where it takes seconds; the U-Net cpu step
//             at 64³ only with --full (it takes many minutes); the 32³ U-Net cpu step is measured.
//   --quick   smaller set (CI smoke run)    --profile   per-kernel profile of one training step
//   --steps   only the training steps that use fusedNorm (runtime/backend/norm.ts)
//   --model   only the real-model table (and with --profile: per-kernel profiles of the real step)
//   --no-torch  skip the PyTorch column
// GFLOP/s = 2·MACs / time. Peak: an FMA loop in the addon, measured in the same run.

import * as tf from '@tensorflow/tfjs';
import { loadAddon } from '../runtime/backend/addon.js';
import { batchFor, encoderModel, unetModel, type BenchModel } from '../runtime/backend/bench-models.js';
import { cpuInfo, selectBackend } from '../runtime/backend/index.js';
import { profileUnetStep, ssl3dUnetStep, torchAvailable, torchPython, torchUnetStep, torchWaitPolicy } from './unet-step.js';
import { availableParallelism, loadavg } from 'node:os';

const argv = new Set(process.argv.slice(2));
const quick = argv.has('--quick');
const full = argv.has('--full');
const profileOnly = argv.has('--profile');
const stepsOnly = argv.has('--steps');
const modelOnly = argv.has('--model');
const noTorch = argv.has('--no-torch');

/** The real model's step beside PyTorch (same threads, same run), sizes in voxels per side. */
async function realModel(sizes: number[], steps: number): Promise<void> {
  const threads = loadAddon().addon!.threads();
  const why = noTorch ? 'skipped (--no-torch)' : torchAvailable();
  const policy = torchWaitPolicy(availableParallelism(), loadavg()[0]!);
  console.log(`## The product's training step: authors'-code 3D U-Net (runtime/models), batch 2, 4 channels, softmax CE, Adam; ${threads} threads`);
  console.log(`PyTorch: ${why === null ? `bench/torch_unet_step.py with ${(torchPython() as { path: string }).path} (torch ${(torchPython() as { version: string }).version}), same threads, run right after ssl3d, OMP_WAIT_POLICY ${policy}` : `not measured — ${why}`}. Load average before: ${loadavg().map((l) => l.toFixed(1)).join(' ')}.`);
  console.log('Wall: median (best) of the timed steps after 2 warm-up steps; CPU: median process CPU time per step (all threads).\n');
  console.log('| input | threads | ssl3d `native` wall ms | ssl3d CPU ms | PyTorch wall ms | PyTorch CPU ms | ssl3d / PyTorch (wall) | (CPU) |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const D of sizes) {
    tf.setBackend('native');
    const a = await ssl3dUnetStep(D, steps);
    const b = why === null ? torchUnetStep(D, threads, steps, policy) : null;
    const r = (x: number, y: number): string => `${(x / y).toFixed(2)}×`;
    console.log(`| [2,4,${D}³] (${(a.params / 1e6).toFixed(2)} M params) | ${threads} | ${a.medianMs.toFixed(0)} (${a.minMs.toFixed(0)}) | ${a.cpuMs.toFixed(0)} | ${b ? `${b.medianMs.toFixed(0)} (${b.minMs.toFixed(0)})` : '—'} | ${b ? b.cpuMs.toFixed(0) : '—'} | ${b ? r(a.medianMs, b.medianMs) : '—'} | ${b ? r(a.cpuMs, b.cpuMs) : '—'} |`);
  }
  console.log(`Load average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}. A ratio below 1 means ssl3d is faster.\n`);
}

async function realProfile(D: number): Promise<void> {
  tf.setBackend('native');
  const p = await profileUnetStep(D);
  console.log(`\nProfile of the real U-Net step [2,4,${D}³] on 'native': ${p.kernels} kernels, kernel time ${p.kernelMs.toFixed(0)} ms of ${p.wallMs.toFixed(0)} ms wall (outside kernels: ${(p.wallMs - p.kernelMs).toFixed(0)} ms)`);
  console.log('| kernel | calls | ms | share of kernel time |\n|---|---|---|---|');
  for (const [k, n, ms] of p.rows.slice(0, 16)) console.log(`| ${k} | ${n} | ${ms.toFixed(1)} | ${((100 * ms) / p.kernelMs).toFixed(1)}% |`);
}

interface Row { op: string; shape: string; gflop: number; nat: number | null; cpu: number | null; cpuNote: string }
const rows: Row[] = [];

function timeIt(fn: () => void, iters: number, budgetMs: number): number {
  let best = Infinity;
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) {
    const s = performance.now();
    fn();
    best = Math.min(best, performance.now() - s);
    if (performance.now() - t0 > budgetMs) break;
  }
  return best;
}

/** Time `make()` → run on a backend; inputs are created fresh on that backend. */
function bench(backend: string, make: () => { run: () => tf.Tensor | tf.Tensor[]; dispose: () => void }, iters: number, budgetMs: number, warm = true): number {
  tf.setBackend(backend);
  const m = make();
  const once = (): void => {
    const out = m.run();
    const list = Array.isArray(out) ? out : [out];
    for (const t of list) t.dataSync();
    tf.dispose(list);
  };
  if (warm) once();
  const ms = timeIt(once, iters, budgetMs);
  m.dispose();
  return ms;
}

function record(op: string, shape: string, gflop: number, make: () => { run: () => tf.Tensor | tf.Tensor[]; dispose: () => void }, cpuPolicy: 'run' | 'once' | 'skip', note = ''): void {
  const nat = bench('native', make, quick ? 3 : 5, 3000);
  let cpu: number | null = null;
  let cpuNote = note;
  if (cpuPolicy !== 'skip') {
    cpu = bench('cpu', make, cpuPolicy === 'once' ? 1 : 3, 1500, cpuPolicy !== 'once');
    if (cpuPolicy === 'once') cpuNote = cpuNote || '1 iteration, no warm-up';
  }
  rows.push({ op, shape, gflop, nat, cpu, cpuNote });
  printRow(rows[rows.length - 1]!);
}

let peak = 0;
function printRow(r: Row): void {
  const g = (ms: number | null): string => (ms === null || r.gflop === 0 ? '—' : (r.gflop / (ms / 1000)).toFixed(1));
  const pct = r.nat !== null && r.gflop > 0 ? `${((100 * r.gflop) / (r.nat / 1000) / peak).toFixed(0)}%` : '—';
  const ratio = r.nat !== null && r.cpu !== null ? `${(r.cpu / r.nat).toFixed(0)}×` : '—';
  console.log(
    `| ${r.op} | ${r.shape} | ${r.nat?.toFixed(1) ?? '—'} | ${g(r.nat)} | ${pct} | ${r.cpu?.toFixed(0) ?? 'not run'} | ${g(r.cpu)} | ${ratio} | ${r.cpuNote} |`,
  );
}

const rnd = (shape: number[], s = 1): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', s);
const macs3 = (x: number[], k: number[], o: number[]): number => o[0]! * o[1]! * o[2]! * o[3]! * k[0]! * k[1]! * k[2]! * x[4]! * k[4]!;

function convOps(tag: string, x: number[], k: number[], cpu: 'run' | 'once' | 'skip', note = ''): void {
  const o = [x[0]!, x[1]!, x[2]!, x[3]!, k[4]!];
  const gf = (2 * macs3(x, k, o)) / 1e9;
  const shape = `${tag} [${x}]→[${k}]`;
  const attrs = { strides: [1, 1, 1], pad: 'same' };
  record('conv3d fwd', shape, gf, () => {
    const xt = rnd(x), wt = rnd(k, 2);
    return { run: () => tf.conv3d(xt as tf.Tensor5D, wt as tf.Tensor5D, 1, 'same'), dispose: () => tf.dispose([xt, wt]) };
  }, cpu, note);
  record('conv3d bin', shape, gf, () => {
    const dy = rnd(o), wt = rnd(k, 2);
    return { run: () => tf.engine().runKernel('Conv3DBackpropInputV2', { dy, filter: wt }, { ...attrs, inputShape: x } as unknown as tf.NamedAttrMap) as tf.Tensor, dispose: () => tf.dispose([dy, wt]) };
  }, cpu, note);
  record('conv3d bfil', shape, gf, () => {
    const xt = rnd(x), dy = rnd(o, 3);
    return { run: () => tf.engine().runKernel('Conv3DBackpropFilterV2', { x: xt, dy }, { ...attrs, filterShape: k } as unknown as tf.NamedAttrMap) as tf.Tensor, dispose: () => tf.dispose([xt, dy]) };
  }, cpu, note);
}

function stepBench(model: BenchModel, batch: number, size: number, cin: number, dense: boolean, cpu: 'once' | 'skip', note = ''): void {
  const make = (): { run: () => tf.Tensor; dispose: () => void } => {
    const { x, y } = batchFor(model, batch, size, cin, dense);
    const opt = tf.train.adam(1e-3);
    return {
      run: () => opt.minimize(() => model.loss(x, y), true, model.vars) as tf.Scalar,
      dispose: () => { tf.dispose([x, y]); opt.dispose(); },
    };
  };
  record('train step (fwd+bwd+Adam)', model.name, model.stepConvFlops / 1e9, make, cpu, note);
}

function profileStep(backend: string, model: BenchModel, batch: number, size: number, cin: number, dense: boolean): Promise<void> {
  tf.setBackend(backend);
  const { x, y } = batchFor(model, batch, size, cin, dense);
  const opt = tf.train.adam(1e-3);
  opt.minimize(() => model.loss(x, y), true, model.vars)?.dispose();
  return tf.profile(() => { opt.minimize(() => model.loss(x, y), true, model.vars)?.dispose(); }).then((p) => {
    const by = new Map<string, { ms: number; n: number }>();
    let total = 0;
    for (const k of p.kernels) {
      const e = by.get(k.name) ?? { ms: 0, n: 0 };
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      e.ms += ms; e.n++; total += ms;
      by.set(k.name, e);
    }
    console.log(`\nProfile of one training step on '${backend}': ${model.name} — kernel time ${total.toFixed(0)} ms`);
    console.log('| kernel | calls | ms | share |\n|---|---|---|---|');
    [...by.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 14).forEach(([name, e]) =>
      console.log(`| ${name} | ${e.n} | ${e.ms.toFixed(1)} | ${((100 * e.ms) / total).toFixed(1)}% |`));
    tf.dispose([x, y]);
    opt.dispose();
  });
}

async function main(): Promise<void> {
  const { addon, reason } = loadAddon();
  if (!addon) {
    console.error(`bench:kernels needs the native addon: ${reason}`);
    process.exitCode = 1;
    return;
  }
  await selectBackend('native', { quiet: true });
  await tf.setBackend('cpu');
  const cpu = cpuInfo();
  // Best of three short FMA loops: on a shared VM one loop can be starved by other processes.
  peak = Math.max(addon.fmaPeak(150), addon.fmaPeak(150), addon.fmaPeak(150));
  console.log(`# ssl3d kernel benchmark — ${new Date().toISOString()}`);
  console.log(`CPU: ${cpu.model}, ${cpu.cores} cores, ${cpu.features.join(' ')}`);
  console.log(`native addon: ${addon.isa()}, ${addon.threads()} threads; measured FMA-loop peak ${peak.toFixed(1)} GFLOP/s (this run)`);
  console.log('Times: best of up to 5 runs after a warm-up (native); cpu: best of 3, or 1 iteration where noted. The VM varies ±30% run to run.\n');

  if (modelOnly) {
    if (profileOnly) {
      await realProfile(32);
      await realProfile(64);
    } else await realModel(quick ? [32] : [32, 64], quick ? 3 : 5);
    return;
  }
  await realModel(quick ? [32] : [32, 64], quick ? 3 : 5);

  if (profileOnly) {
    await realProfile(32);
    await realProfile(64);
    const enc = encoderModel(2, 32, 4);
    await profileStep('cpu', enc, 2, 32, 4, false);
    await profileStep('native', enc, 2, 32, 4, false);
    const un = unetModel(2, 64, 4);
    await profileStep('native', un, 2, 64, 4, true);
    return;
  }

  console.log('| op | shape | native ms | native GFLOP/s | % of peak | cpu ms | cpu GFLOP/s | speed-up | note |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  if (stepsOnly) {
    // Training steps with the fused normalisation kernel (same model code on both backends).
    stepBench(encoderModel(2, 32, 4, [8, 16, 32], 4, 1, true), 2, 32, 4, false, 'once');
    stepBench(unetModel(2, 32, 4, [16, 32, 64, 128], 256, 4, 1, true), 2, 32, 4, true, 'once');
    stepBench(unetModel(2, 64, 4, [16, 32, 64, 128], 256, 4, 1, true), 2, 64, 4, true, 'skip', 'cpu not run (many minutes)');
    return;
  }
  convOps('c3a', [2, 32, 32, 32, 16], [3, 3, 3, 16, 32], 'once');
  if (!quick) {
    convOps('c3b', [2, 32, 32, 32, 32], [3, 3, 3, 32, 64], 'once');
    convOps('c3c', [2, 64, 64, 64, 16], [3, 3, 3, 16, 32], full ? 'once' : 'skip', full ? '' : 'cpu not run (≈25–60 s per op); --full runs it');
    convOps('odd', [2, 31, 29, 33, 12], [3, 3, 3, 12, 20], 'skip', 'channels not multiples of 16');
  }
  // conv2d c2a
  {
    const x = [8, 56, 56, 64], k = [3, 3, 64, 64];
    const gf = (2 * 8 * 56 * 56 * 64 * 64 * 9) / 1e9;
    const shape = `c2a [${x}]→[${k}]`;
    record('conv2d fwd', shape, gf, () => {
      const xt = rnd(x), wt = rnd(k, 2);
      return { run: () => tf.conv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, 1, 'same'), dispose: () => tf.dispose([xt, wt]) };
    }, quick ? 'skip' : 'once');
    record('conv2d bin', shape, gf, () => {
      const dy = rnd(x), wt = rnd(k, 2);
      return { run: () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: wt }, { strides: [1, 1], pad: 'same', inputShape: x, dataFormat: 'NHWC' } as unknown as tf.NamedAttrMap) as tf.Tensor, dispose: () => tf.dispose([dy, wt]) };
    }, quick ? 'skip' : 'once');
    record('conv2d bfil', shape, gf, () => {
      const xt = rnd(x), dy = rnd(x, 3);
      return { run: () => tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy }, { strides: [1, 1], pad: 'same', filterShape: k, dataFormat: 'NHWC' } as unknown as tf.NamedAttrMap) as tf.Tensor, dispose: () => tf.dispose([xt, dy]) };
    }, 'skip', 'cpu not run: backends.md measured 226 s (0.008 GFLOP/s)');
  }
  // matmul
  for (const [m, kk, n] of quick ? [[256, 256, 256]] : [[1024, 1024, 1024], [65536, 432, 32], [2, 16384, 512]]) {
    record('matMul', `[${m}×${kk}]·[${kk}×${n}]`, (2 * m! * kk! * n!) / 1e9, () => {
      const a = rnd([m!, kk!]), b = rnd([kk!, n!], 2);
      return { run: () => tf.matMul(a, b), dispose: () => tf.dispose([a, b]) };
    }, m === 1024 ? 'once' : 'run');
  }
  // pools and memory-bound ops at [2,32³,32]
  const S = [2, 32, 32, 32, 32];
  const mem = (op: string, fn: (x: tf.Tensor, v: tf.Tensor) => tf.Tensor | tf.Tensor[]): void =>
    record(op, `[${S}]`, 0, () => {
      const x = rnd(S), v = rnd([32], 2);
      return { run: () => fn(x, v), dispose: () => tf.dispose([x, v]) };
    }, 'run');
  mem('maxPool3d 2³', (x) => tf.maxPool3d(x as tf.Tensor5D, 2, 2, 'valid'));
  mem('maxPool3d grad', (x) => tf.grad((a: tf.Tensor) => tf.maxPool3d(a as tf.Tensor5D, 2, 2, 'valid').sum())(x));
  mem('avgPool3d grad', (x) => tf.grad((a: tf.Tensor) => tf.avgPool3d(a as tf.Tensor5D, 2, 2, 'valid').sum())(x));
  mem('add per-channel vector', (x, v) => tf.add(x, v));
  mem('mul by scalar', (x) => tf.mul(x, 0.5));
  mem('relu', (x) => tf.relu(x));
  mem('mean over N,D,H,W', (x) => tf.mean(x, [0, 1, 2, 3]));
  mem('sum gradient (broadcast)', (x) => tf.grad((a: tf.Tensor) => a.sum())(x));
  mem('BN-like (x−mean)·scale + grad', (x, v) => tf.grads((a: tf.Tensor, s: tf.Tensor) => a.sub(tf.mean(a, [0, 1, 2, 3])).mul(s).sum())([x, v]));
  mem('transpose NDHWC→NCDHW', (x) => tf.transpose(x, [0, 4, 1, 2, 3]));
  mem('concat on channels', (x) => tf.concat([x, x], 4));
  mem('slice (crop 30³)', (x) => tf.slice(x, [0, 1, 1, 1, 0], [2, 30, 30, 30, 32]));
  mem('pad 1 voxel', (x) => tf.pad(x, [[0, 0], [1, 1], [1, 1], [1, 1], [0, 0]]));
  mem('broadcastTo from [1,1,1,1,32]', (_x, v) => tf.broadcastTo(v.reshape([1, 1, 1, 1, 32]), S as [number, number, number, number, number]));

  // training steps
  stepBench(encoderModel(2, 32, 4), 2, 32, 4, false, 'once');
  if (!quick) {
    stepBench(encoderModel(2, 32, 1), 2, 32, 1, false, 'once');
    stepBench(unetModel(2, 32, 4), 2, 32, 4, true, 'once');
    stepBench(unetModel(2, 64, 4), 2, 64, 4, true, full ? 'once' : 'skip', full ? '' : 'cpu not run (many minutes); --full runs it');
    stepBench(encoderModel(2, 32, 4, [8, 16, 32], 4, 1, true), 2, 32, 4, false, 'once');
    stepBench(unetModel(2, 32, 4, [16, 32, 64, 128], 256, 4, 1, true), 2, 32, 4, true, 'once');
    stepBench(unetModel(2, 64, 4, [16, 32, 64, 128], 256, 4, 1, true), 2, 64, 4, true, full ? 'once' : 'skip', full ? '' : 'cpu not run (many minutes); --full runs it');
  }
  console.log(`\nGFLOP/s for training steps count only the convolutions (forward, input and filter gradients). Peak (FMA loop, this run): ${peak.toFixed(1)} GFLOP/s.`);
}

await main();

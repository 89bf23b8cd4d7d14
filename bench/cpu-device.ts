// The CPU measurement of issue #11 in one command, for a quiet many-core machine:
//   node --import tsx bench/cpu-device.ts OUT.md [--threads N] [--pin 0,1] [--quick]
// Prints, and writes to OUT.md as it goes:
//   1. the product's real training step (authors'-code 3D U-Net, batch 2, 4 channels, [2,4,32³] and
//      [2,4,64³]; bench/unet-step.ts) with 2 threads pinned to two cores (`taskset -c 0,1`,
//      SSL3D_THREADS=2) and with N threads (default: every CPU this process may use), each beside
//      PyTorch CPU (bench/torch_unet_step.py) on the same cores and thread count, run right after it;
//   2. the 2 → N thread speed-up of both at 64³;
//   3. conv3d 3×3×3 'same' forward / input gradient / filter gradient at the issue's shapes, both
//      sides, pinned 2 threads and N threads (bench/torch_conv3d.py);
//   4. a per-kernel profile of one [2,4,32³] step at 2 and N threads (kernel time vs wall).
// Every measurement runs in its own child process (thread count and CPU pinning are per process).
// About 2 minutes on a 16-core Xeon. PyTorch: $SSL3D_PYTHON, else python3, else /usr/bin/python3.
// Without node_modules on the machine: `node bench/bundle-cpu-device.mjs` here, carry out/ and
// native/build/, and run `node out/cpu-device.mjs OUT.md` there.

import { spawnSync } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadAddon } from '../runtime/backend/addon.js';
import { selectBackend } from '../runtime/backend/index.js';
import { benchDir, profileUnetStep, ssl3dUnetStep, torchPython } from './unet-step.js';

const CONV_SHAPES: Array<[number, number, number, number]> = [[2, 32, 16, 32], [2, 32, 32, 64], [2, 64, 16, 32]]; // N, D, Cin, Cout

interface ConvRow { n: number; d: number; ci: number; co: number; fwdMs: number; dxMs: number; dwMs: number; bwdMs: number }
interface StepRow { medianMs: number; minMs: number; cpuMs: number }

// ─────────────────────────── children ───────────────────────────

async function childStep(D: number, steps: number): Promise<void> {
  await selectBackend('native', { quiet: true });
  await tf.setBackend('native');
  const r = await ssl3dUnetStep(D, steps);
  console.log(JSON.stringify(r));
}

interface ProfileRow { wallMs: number; kernelMs: number; kernels: number; top: Array<[string, number, number]> }

async function childProfile(D: number): Promise<void> {
  await selectBackend('native', { quiet: true });
  await tf.setBackend('native');
  const p = await profileUnetStep(D);
  // 'unnamed scope' rows (the fused ops' custom gradients) contain kernels that are listed too.
  const rows = p.rows.filter((r) => r[0] !== 'unnamed scope');
  const row: ProfileRow = { wallMs: p.wallMs, kernelMs: rows.reduce((a, r) => a + r[2], 0), kernels: p.kernels, top: rows.slice(0, 8) };
  console.log(JSON.stringify(row));
}

function best(fn: () => void, reps: number): number {
  let b = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    b = Math.min(b, performance.now() - t0);
  }
  return b;
}

async function childConv(): Promise<void> {
  await selectBackend('native', { quiet: true });
  await tf.setBackend('native');
  const attrs = { strides: [1, 1, 1], pad: 'same', dilations: [1, 1, 1] };
  for (const [n, d, ci, co] of CONV_SHAPES) {
    const x = tf.randomNormal([n, d, d, d, ci], 0, 1, 'float32', 1) as tf.Tensor5D;
    const w = tf.randomNormal([3, 3, 3, ci, co], 0, 1, 'float32', 2) as tf.Tensor5D;
    const dy = tf.randomNormal([n, d, d, d, co], 0, 1, 'float32', 3) as tf.Tensor5D;
    const run = (f: () => tf.Tensor): (() => void) => () => { const t = f(); t.dataSync(); t.dispose(); };
    const fwd = run(() => tf.conv3d(x, w, 1, 'same'));
    const dx = run(() => tf.engine().runKernel('Conv3DBackpropInputV2', { dy, filter: w }, { ...attrs, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor);
    const dw = run(() => tf.engine().runKernel('Conv3DBackpropFilterV2', { x, dy }, { ...attrs, filterShape: w.shape } as unknown as tf.NamedAttrMap) as tf.Tensor);
    fwd(); dx(); dw();
    const row: ConvRow = { n, d, ci, co, fwdMs: best(fwd, 5), dxMs: best(dx, 3), dwMs: best(dw, 3), bwdMs: best(() => { dx(); dw(); }, 3) };
    console.log(JSON.stringify(row));
    tf.dispose([x, w, dy]);
  }
}

// ─────────────────────────── parent ───────────────────────────

let outFile = '';
function say(line = ''): void {
  console.log(line);
  appendFileSync(outFile, `${line}\n`);
}

/** Run a command (optionally pinned with taskset) with extra env; its JSON lines, or the failure. */
function runJson<T>(cmd: string, args: string[], env: Record<string, string>, pin: string | null, timeoutMs: number): T[] | string {
  const full = pin ? ['taskset', ['-c', pin, cmd, ...args]] as const : [cmd, args] as const;
  const r = spawnSync(full[0], [...full[1]], { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, ...env }, maxBuffer: 1 << 24 });
  if (r.error) return `${full[0]} failed: ${r.error.message}`;
  const rows: T[] = [];
  for (const line of (r.stdout || '').split('\n')) {
    if (!line.startsWith('{')) continue;
    try { rows.push(JSON.parse(line) as T); } catch { /* not ours */ }
  }
  if (rows.length === 0) return `exit ${r.status ?? r.signal}: ${(r.stderr || '').trim().split('\n').slice(-2).join(' | ').slice(0, 300)}`;
  return rows;
}

const self = (): string[] => [...process.execArgv, process.argv[1]!];
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

async function parent(args: string[]): Promise<void> {
  const flag = (name: string): string | null => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] ?? null : null; };
  const quick = args.includes('--quick');
  const N = Number(flag('--threads') ?? availableParallelism());
  const pin = flag('--pin') ?? '0,1';
  outFile = args.find((a, i) => !a.startsWith('--') && !['--threads', '--pin'].includes(args[i - 1] ?? '')) ?? '';
  if (!outFile) {
    console.error('usage: node --import tsx bench/cpu-device.ts OUT.md [--threads N] [--pin 0,1] [--quick]');
    process.exitCode = 2;
    return;
  }
  writeFileSync(outFile, '');
  const t0 = Date.now();
  const { addon, reason } = loadAddon();
  if (!addon) {
    say(`bench/cpu-device.ts needs the native addon: ${reason}`);
    process.exitCode = 1;
    return;
  }
  const py = torchPython();
  const hasTaskset = spawnSync('taskset', ['-c', pin, 'true']).status === 0;
  const pinNote = hasTaskset ? `taskset -c ${pin}` : 'NOT pinned (taskset missing or CPUs absent)';
  const pinArg = hasTaskset ? pin : null;
  say(`# ssl3d CPU benchmark (issue #11) — ${new Date().toISOString()}`);
  say(`CPU: ${cpus()[0]?.model ?? '?'}, ${cpus().length} CPUs online, ${availableParallelism()} usable; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  say(`node ${process.version}; native addon ${addon.isa()}; PyTorch: ${typeof py === 'string' ? `not measured — ${py}` : `${py.version} (${py.path})`}`);
  say(`Command: node ${[...process.execArgv, relative(process.cwd(), process.argv[1]!), ...args].join(' ')}`);
  say('');

  const configs = [{ label: `2 (${pinNote})`, threads: 2, pin: pinArg }, { label: `${N} (all)`, threads: N, pin: null }];
  const sizes: Array<[number, number]> = quick ? [[32, 3]] : [[32, 5], [64, 3]];
  say(`## Training step of the real model: authors'-code 3D U-Net (5.65 M parameters), batch 2, 4 channels, softmax CE, Adam`);
  say('Wall: median (best) of the timed steps after 2 warm-up steps; CPU: median process CPU time per step. Both sides on the same cores and thread count, PyTorch right after ssl3d.');
  say('');
  say('| input | threads | ssl3d wall ms | ssl3d CPU ms | PyTorch wall ms | PyTorch CPU ms | ssl3d / PyTorch (wall) |');
  say('|---|---|---|---|---|---|---|');
  const wall = new Map<string, { ours: number; torch: number | null }>();
  for (const c of configs) {
    for (const [D, steps] of sizes) {
      const env = { SSL3D_THREADS: String(c.threads), OMP_NUM_THREADS: String(c.threads) };
      const ours = runJson<StepRow>(process.execPath, [...self(), '--child-step', String(D), String(steps)], env, c.pin, 300_000);
      const torch = typeof py === 'string' ? 'not measured'
        : runJson<StepRow>(py.path, [join(benchDir(), 'torch_unet_step.py'), String(D), String(c.threads), String(steps)], env, c.pin, 300_000);
      const a = typeof ours === 'string' ? null : ours[0]!, b = typeof torch === 'string' ? null : torch[0]!;
      wall.set(`${D}/${c.threads}`, { ours: a?.medianMs ?? NaN, torch: b?.medianMs ?? null });
      say(`| [2,4,${D}³] | ${c.label} | ${a ? `${a.medianMs.toFixed(0)} (${a.minMs.toFixed(0)})` : `failed: ${ours as string}`} | ${a ? a.cpuMs.toFixed(0) : '—'} | ${b ? `${b.medianMs.toFixed(0)} (${b.minMs.toFixed(0)})` : torch as string} | ${b ? b.cpuMs.toFixed(0) : '—'} | ${a && b ? ratio(a.medianMs, b.medianMs) : '—'} |`);
    }
  }
  const D = quick ? 32 : 64;
  const two = wall.get(`${D}/2`), all = wall.get(`${D}/${N}`);
  if (two && all) {
    say('');
    say(`Speed-up 2 → ${N} threads at [2,4,${D}³] (wall): ssl3d ${(two.ours / all.ours).toFixed(2)}×${two.torch && all.torch ? `, PyTorch ${(two.torch / all.torch).toFixed(2)}×` : ''}. A ratio below 1 in the table means ssl3d is faster.`);
  }
  say('');
  say(`## conv3d 3×3×3 'same' (GFLOP/s = 2·MACs / best time; bwd = input + filter gradients; PyTorch: one convolution_backward call)`);
  say('');
  say('| shape [N,D³,Ci→Co] | threads | ssl3d fwd | dx | dw | bwd | PyTorch fwd | dx | dw | bwd | ratio fwd | ratio bwd |');
  say('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const c of configs) {
    const env = { SSL3D_THREADS: String(c.threads), OMP_NUM_THREADS: String(c.threads) };
    const ours = runJson<ConvRow>(process.execPath, [...self(), '--child-conv'], env, c.pin, 180_000);
    const torch = typeof py === 'string' ? 'not measured' : runJson<ConvRow>(py.path, [join(benchDir(), 'torch_conv3d.py'), String(c.threads)], env, c.pin, 180_000);
    for (const [n, d, ci, co] of CONV_SHAPES) {
      const gf = (2 * n * d * d * d * ci * co * 27) / 1e9;
      const g = (ms: number, k = 1): string => ((k * gf) / (ms / 1000)).toFixed(0);
      const a = typeof ours === 'string' ? undefined : ours.find((r) => r.d === d && r.ci === ci && r.co === co);
      const b = typeof torch === 'string' ? undefined : torch.find((r) => r.d === d && r.ci === ci && r.co === co);
      const mine = a ? `${g(a.fwdMs)} | ${g(a.dxMs)} | ${g(a.dwMs)} | ${g(a.bwdMs, 2)}` : `failed: ${typeof ours === 'string' ? ours : 'no row'} | | |`;
      const theirs = b ? `${g(b.fwdMs)} | ${g(b.dxMs)} | ${g(b.dwMs)} | ${g(b.bwdMs, 2)}` : `${typeof torch === 'string' ? torch : 'no row'} | | |`;
      say(`| [${n},${d}³,${ci}→${co}] | ${c.label} | ${mine} | ${theirs} | ${a && b ? ratio(b.fwdMs, a.fwdMs) : '—'} | ${a && b ? ratio(b.bwdMs, a.bwdMs) : '—'} |`);
    }
  }
  say('');
  say('Conv ratios are ssl3d speed / PyTorch speed (≥ 1 means ssl3d is faster).');
  say('');
  say(`## Where one profiled [2,4,32³] step goes (tf.profile; kernel ms = sum over kernels; the rest is JavaScript, autodiff, allocation and GC)`);
  say('');
  say('| threads | wall ms (profiled) | kernel ms | kernels | top kernels: name calls ms |');
  say('|---|---|---|---|---|');
  for (const c of configs) {
    const env = { SSL3D_THREADS: String(c.threads), OMP_NUM_THREADS: String(c.threads) };
    const r = runJson<ProfileRow>(process.execPath, [...self(), '--child-profile', '32'], env, c.pin, 120_000);
    const a = typeof r === 'string' ? null : r[0]!;
    say(`| ${c.label} | ${a ? a.wallMs.toFixed(0) : `failed: ${r as string}`} | ${a ? a.kernelMs.toFixed(0) : '—'} | ${a ? a.kernels : '—'} | ${a ? a.top.map(([k, n, ms]) => `${k} ${n} ${ms.toFixed(0)}`).join('; ') : '—'} |`);
  }
  say('');
  say(`Total ${((Date.now() - t0) / 1000).toFixed(0)} s; load average after ${loadavg().map((l) => l.toFixed(2)).join(' ')}.`);
}

const argv = process.argv.slice(2);
if (argv[0] === '--child-step') await childStep(Number(argv[1]), Number(argv[2]));
else if (argv[0] === '--child-conv') await childConv();
else if (argv[0] === '--child-profile') await childProfile(Number(argv[1]));
else await parent(argv);

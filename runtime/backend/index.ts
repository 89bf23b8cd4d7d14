// Backend registry: decides which tfjs backend trains the models and says why.
//
// Order for `auto`: `tensorflow` (@tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node, when
// installed and loadable) → `webgpu` (tfjs-backend-webgpu on Dawn with our WGSL kernels, only on
// a hardware GPU adapter: a software one such as lavapipe is never picked by `auto`, only by an
// explicit `webgpu`) → `native` (this package's C++ kernel addon on top of the cpu backend)
// → `cpu` (plain tfjs, 100–500× slower for 3D convs; one warning says so). `wasm` and `webgl` are
// never candidates: tfjs-wasm 4.22 computes Conv3DBackpropInputV2 wrongly and has no fast 3D
// kernels, and webgl does not exist in Node.

import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { SslRuntimeError } from '../contract.js';
import { loadAddon } from './addon.js';
import { registerMissingGradients, registerNativeBackend } from './native.js';
import { registerOnesFreeGradients } from './grads.js';
import { adapterLabel, ensureWebgpu, probeAdapter, resetProbeForTests, type GpuAdapterInfo } from './webgpu/index.js';

import type { BackendChoice } from '../../core/backends.js';
import { msg } from '../../core/codes/index.js';
export type { BackendChoice };

export interface BackendSelection {
  /** tfjs backend name now active: 'tensorflow', 'webgpu', 'native' or 'cpu'. */
  name: string;
  /** The GPU adapter, when the backend is 'webgpu' (kept in the run record). */
  adapter?: GpuAdapterInfo;
  /** One sentence: why this backend (for the run-start event, the plan and the run record). */
  reason: string;
  /** Set when `auto` had to fall back to the slow `cpu` backend (printed once to stderr). */
  warning?: string;
}

export interface SelectOptions {
  /** Do not print the fallback warning to stderr (the caller reports `warning` itself). */
  quiet?: boolean;
}

/** Backends that must never run 3D training, whatever is registered with tfjs. */
export const EXCLUDED_BACKENDS: readonly string[] = ['wasm', 'webgl'];

/** The backends `choice` may resolve to, in the order they are tried. Never contains wasm. */
export function backendCandidates(choice: BackendChoice): string[] {
  switch (choice) {
    case 'auto':
      return ['tensorflow', 'webgpu', 'native', 'cpu'];
    case 'native':
      return ['native'];
    case 'cpu':
      return ['cpu'];
    case 'tensorflow':
      return ['tensorflow'];
    case 'webgpu':
      return ['webgpu'];
    default: {
      const bad: never = choice;
      throw new SslRuntimeError(msg('SSL203', 'unknownBackend', { bad: String(bad) }));
    }
  }
}

const TFJS_NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

let tensorflowProbe: Promise<{ ok: boolean; reason: string }> | null = null;

/** Try to load tfjs-node(-gpu) once; they register the 'tensorflow' backend when they load. */
function probeTensorflow(): Promise<{ ok: boolean; reason: string }> {
  if (tensorflowProbe) return tensorflowProbe;
  tensorflowProbe = (async () => {
    if (process.env.SSL3D_NO_TFJS_NODE === '1') return { ok: false, reason: 'tfjs-node is disabled by SSL3D_NO_TFJS_NODE=1' };
    const failures: string[] = [];
    for (const spec of TFJS_NODE_PACKAGES) {
      try {
        // A variable specifier keeps bundlers and tsc from resolving the optional package.
        const name: string = spec;
        await import(name);
        if (tf.findBackend('tensorflow') !== undefined || tf.engine().registryFactory['tensorflow'] !== undefined) {
          return { ok: true, reason: `${spec} is installed (libtensorflow kernels)` };
        }
        failures.push(`${spec} loaded but registered no 'tensorflow' backend`);
      } catch (e) {
        const msg = (e as Error).message.split('\n')[0] ?? '';
        failures.push(/Cannot find (module|package)/.test(msg) ? `${spec} is not installed` : `${spec} failed to load (${msg})`);
      }
    }
    return { ok: false, reason: failures.join('; ') };
  })();
  return tensorflowProbe;
}

/** True when the C++ kernel addon is built and loads (and SSL3D_NO_NATIVE is not set). */
export function nativeAvailable(): boolean {
  return loadAddon().addon !== null;
}

const selected = new Map<BackendChoice, BackendSelection>();
let warned = false;

async function activate(name: string): Promise<void> {
  if (EXCLUDED_BACKENDS.includes(name)) throw new SslRuntimeError(msg('SSL204', 'cannot3d', { name }));
  if (tf.getBackend() !== name) {
    const ok = await tf.setBackend(name);
    if (!ok) throw new SslRuntimeError(msg('SSL205', 'initFailed', { name }));
  }
  await tf.ready();
}

/**
 * Choose and activate the tfjs backend. Idempotent: a second call with the same choice only
 * re-activates the backend chosen the first time. Throws SslRuntimeError SSL200/SSL201 when an
 * explicitly requested backend is unavailable.
 */
export async function selectBackend(choice: BackendChoice, options: SelectOptions = {}): Promise<BackendSelection> {
  registerMissingGradients();
  registerOnesFreeGradients();
  const cached = selected.get(choice);
  if (cached) {
    await activate(cached.name);
    return cached;
  }
  let result: BackendSelection | null = null;
  const why: string[] = [];
  for (const name of backendCandidates(choice)) {
    if (name === 'tensorflow') {
      const probe = await probeTensorflow();
      if (probe.ok) {
        result = { name, reason: choice === 'auto' ? `auto: ${probe.reason}` : probe.reason };
        break;
      }
      if (choice === 'tensorflow') {
        throw new SslRuntimeError(msg('SSL200', 'tensorflowUnavailable', { reason: probe.reason }));
      }
      why.push(probe.reason);
    } else if (name === 'webgpu') {
      if (choice === 'auto') {
        const probe = await probeAdapter();
        if (!probe.ok) {
          why.push(`no GPU: ${probe.reason}`);
          continue;
        }
        if (probe.info.software) {
          why.push(`the only WebGPU adapter is ${adapterLabel(probe.info)}, which auto never trains on (--backend webgpu forces it)`);
          continue;
        }
      }
      const reg = await ensureWebgpu();
      if (!reg.ok) {
        if (choice === 'webgpu') throw new SslRuntimeError(msg('SSL207', 'webgpuUnavailable', { reason: reg.reason }));
        why.push(`no GPU: ${reg.reason}`);
        continue;
      }
      const label = `WebGPU on ${adapterLabel(reg.info)}`;
      result = { name, reason: choice === 'auto' ? `auto: ${label}` : label, adapter: reg.info };
      break;
    } else if (name === 'native') {
      const { addon, reason } = loadAddon();
      if (addon) {
        registerNativeBackend(addon);
        result = { name, reason: choice === 'auto' ? `auto: no tfjs-node; ${why.filter((w) => w.startsWith('no GPU') || w.includes('WebGPU')).concat(reason).join('; ')}` : reason };
        break;
      }
      if (choice === 'native') {
        throw new SslRuntimeError(msg('SSL201', 'nativeUnavailable', { reason }));
      }
      why.push(reason);
    } else {
      if (choice === 'auto') {
        const warning =
          `ssl3d: training on the plain tfjs 'cpu' backend, which is 100–500× slower for 3D convolutions: ${why.join('; ')}.`;
        result = { name, reason: `auto: fallback to cpu (${why.join('; ')})`, warning };
      } else {
        result = { name, reason: 'requested explicitly' };
      }
      break;
    }
  }
  if (!result) throw new SslRuntimeError(msg('SSL205', 'noneAvailable', { choice }));
  await activate(result.name);
  if (result.warning && !options.quiet && !warned) {
    warned = true;
    process.stderr.write(result.warning + '\n');
  }
  selected.set(choice, result);
  return result;
}

/** For tests: forget earlier selections (does not unregister backends). */
export function resetSelectionForTests(): void {
  selected.clear();
  tensorflowProbe = null;
  resetProbeForTests();
  warned = false;
}

const INTERESTING_FLAGS = [
  'sse4_2', 'avx', 'avx2', 'fma', 'f16c', 'avx512f', 'avx512dq', 'avx512bw', 'avx512vl', 'avx512_vnni',
  'avx512_bf16', 'avx512_fp16', 'amx_tile', 'amx_bf16', 'neon', 'asimd', 'sve',
];

/** CPU model, usable cores and SIMD features, for the run record. */
export function cpuInfo(): { model: string; cores: number; features: string[] } {
  const cpus = os.cpus();
  let model = cpus[0]?.model?.trim() || 'unknown';
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length;
  let features: string[] = [];
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const flagLine = /^(flags|Features)\s*:\s*(.*)$/m.exec(text);
    if (flagLine) {
      const have = new Set((flagLine[2] ?? '').split(/\s+/));
      features = INTERESTING_FLAGS.filter((f) => have.has(f));
    }
    const m = /^model name\s*:\s*(.*)$/m.exec(text);
    if (m && m[1]) model = m[1].trim();
  } catch {
    // Not Linux: keep the os.cpus() model and report no feature list.
  }
  return { model, cores, features };
}

export { loadAddon } from './addon.js';
export { registerNativeBackend, nativeKernelNames, registerMissingGradients } from './native.js';
export { fusedNorm, type NormMode } from './norm.js';
export { activeAdapter, checkGpuHealth, type GpuAdapterInfo } from './webgpu/index.js';

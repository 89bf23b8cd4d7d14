// Finding a WebGPU adapter and registering the `webgpu` tfjs backend on it.
//
// Two optional packages make it work in Node: `webgpu` (Dawn's Node binding with a prebuilt
// dawn.node: Vulkan on Linux, Metal on macOS, D3D12 on Windows) and
// `@tensorflow/tfjs-backend-webgpu` (tfjs' WebGPU kernels). When either is missing, or Dawn finds
// no adapter (no Vulkan loader or driver), the backend is simply unavailable and `reason` says why.
//
// `auto` asks `probeAdapter()`, which looks for an adapter in a short-lived child process: Dawn
// prints driver warnings on stderr and a broken driver can crash the process that asks, and
// neither should reach the user's run when the answer is "no GPU here". Only a forced
// `--backend webgpu` (or `auto` on a hardware adapter) loads Dawn into this process.

import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { SslRuntimeError } from '../../contract.js';
import { packageRoot } from '../../version.js';
import { msg } from '../../../core/codes/index.js';
import { readSmallFileSync, mkdirsSync } from '../../files.js';

/** What the run record keeps about the GPU. */
export interface GpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  /** Driver / description string as Dawn reports it (e.g. "NVIDIA: 570.86.15"). */
  description: string;
  /** True for CPU emulations (lavapipe/llvmpipe, SwiftShader) and Dawn's fallback adapter. */
  software: boolean;
}

export type AdapterProbe = { ok: true; info: GpuAdapterInfo } | { ok: false; reason: string };

const PACKAGES = ['webgpu', '@tensorflow/tfjs-backend-webgpu'] as const;

/** Dawn wants a private runtime directory and complains without one. */
function ensureRuntimeDir(): void {
  if (!process.env.XDG_RUNTIME_DIR) {
    try {
      process.env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'ssl3d-xdg-'));
    } catch {
      // Only a warning from Dawn if this fails.
    }
  }
}

export function describeAdapter(raw: Record<string, unknown>): GpuAdapterInfo {
  const s = (k: string): string => (typeof raw[k] === 'string' ? (raw[k] as string) : '');
  const info = {
    vendor: s('vendor'),
    architecture: s('architecture'),
    device: s('device'),
    description: s('description'),
  };
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
  const software = raw['isFallbackAdapter'] === true || info.architecture === 'software' ||
    /llvmpipe|lavapipe|swiftshader|software/i.test(text);
  return { ...info, software };
}

/** One line for the run-start event and the record's reason. */
export function adapterLabel(a: GpuAdapterInfo): string {
  const name = [a.vendor, a.architecture, a.device].filter((x) => x !== '').join(' ');
  return `${name || 'unknown adapter'}${a.description ? ` (${a.description})` : ''}${a.software ? ', software emulation' : ''}`;
}

// The child prints one JSON line; all of Dawn's chatter on stderr is dropped. It resolves the
// optional packages from ssl3d's own folder (argv[1]), not from the user's working directory.
const CHILD = `
import { createRequire } from 'node:module';
const require = createRequire(process.argv[1] + '/');
let mod;
try { mod = await import(require.resolve('webgpu')); }
catch (e) { console.log(JSON.stringify({ error: 'the optional package webgpu is not installed (' + String(e.message).split('\\n')[0] + ')' })); process.exit(0); }
try { require.resolve('@tensorflow/tfjs-backend-webgpu'); }
catch { console.log(JSON.stringify({ error: 'the optional package @tensorflow/tfjs-backend-webgpu is not installed' })); process.exit(0); }
const gpu = mod.create([]);
const a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
if (!a) { console.log(JSON.stringify({ error: 'Dawn found no WebGPU adapter (no Vulkan driver: install libvulkan1 and the GPU vendor\\'s Vulkan driver; containers need the graphics capability)' })); process.exit(0); }
const info = {}; for (const k in a.info) { const v = a.info[k]; if (typeof v !== 'object') info[k] = v; }
console.log(JSON.stringify({ info }));
process.exit(0);
`;

let probe: Promise<AdapterProbe> | null = null;

/**
 * What the probe's answer depends on: the Node binary, the Vulkan environment variables and the
 * installed Vulkan drivers (ICD files, with size and time). Installing or removing a driver
 * changes it, so a cached answer is never stale in the way that matters.
 */
function probeFingerprint(): string {
  const dirs = ['/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/etc/vulkan/icd.d', join(homedir(), '.local/share/vulkan/icd.d')];
  for (const d of (process.env.XDG_DATA_DIRS ?? '').split(':').filter(Boolean)) dirs.push(join(d, 'vulkan/icd.d'));
  const files: string[] = [];
  for (const d of dirs) {
    try {
      for (const f of readdirSync(d).sort()) {
        const st = statSync(join(d, f));
        files.push(`${d}/${f}:${st.size}:${st.mtimeMs}`);
      }
    } catch {
      // Missing folder: nothing installed there.
    }
  }
  const env = Object.keys(process.env).filter((k) => k.startsWith('VK_') || k === 'SSL3D_NO_WEBGPU').sort().map((k) => `${k}=${process.env[k]}`);
  return JSON.stringify({ node: process.execPath, version: process.version, root: packageRoot(), env, files });
}

const PROBE_CACHE_MS = 6 * 3600_000;

// The user's own cache folder (as the speed cache), not the shared /tmp: at a predictable /tmp
// name another user could put a named pipe (every run hung reading it) or a forged answer.
function probeCacheFile(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'ssl3d', 'webgpu-probe.json');
}

function readProbeCache(fp: string): AdapterProbe | null {
  try {
    const c = JSON.parse(readSmallFileSync(probeCacheFile(), 1 << 20).toString('utf8')) as { fp: string; at: number; result: AdapterProbe };
    if (c.fp === fp && Date.now() - c.at < PROBE_CACHE_MS && typeof c.result?.ok === 'boolean') return c.result;
  } catch {
    // No cache yet, or unreadable: probe.
  }
  return null;
}

function writeProbeCache(fp: string, result: AdapterProbe): void {
  try {
    const f = probeCacheFile();
    mkdirsSync(dirname(f));
    const tmp = `${f}.${process.pid}-${Date.now().toString(36)}`;
    writeFileSync(tmp, JSON.stringify({ fp, at: Date.now(), result }), { mode: 0o600, flag: 'wx' });
    renameSync(tmp, f);
  } catch {
    // A cache is only a speed-up.
  }
}

/**
 * Is there a WebGPU adapter, and which? Never loads Dawn into this process. The answer is cached
 * per process and, for a few hours, on disk keyed by the installed Vulkan drivers (the probe costs
 * a Node start-up plus Dawn's initialisation, on every `ssl3d run`).
 */
export function probeAdapter(): Promise<AdapterProbe> {
  if (probe) return probe;
  probe = new Promise<AdapterProbe>((resolve) => {
    if (process.env.SSL3D_NO_WEBGPU === '1') {
      resolve({ ok: false, reason: 'webgpu is disabled by SSL3D_NO_WEBGPU=1' });
      return;
    }
    const fp = probeFingerprint();
    const cached = readProbeCache(fp);
    if (cached) {
      resolve(cached);
      return;
    }
    const done = (r: AdapterProbe): void => {
      writeProbeCache(fp, r);
      resolve(r);
    };
    ensureRuntimeDir();
    execFile(process.execPath, ['--input-type=module', '-e', CHILD, packageRoot()], { timeout: 30_000, env: process.env }, (err, stdout) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        const msg = JSON.parse(line) as { error?: string; info?: Record<string, unknown> };
        if (msg.info) return done({ ok: true, info: describeAdapter(msg.info) });
        return done({ ok: false, reason: msg.error ?? 'the WebGPU probe gave no answer' });
      } catch {
        const why = err ? (err.killed ? 'timed out' : `exited with ${err.code ?? err.signal ?? 'an error'}`) : 'printed no answer';
        // Not cached: a timeout on a busy machine should not stick.
        return resolve({ ok: false, reason: `the WebGPU adapter probe ${why} (a broken GPU driver?)` });
      }
    });
  });
  return probe;
}

interface GpuLike {
  requestAdapter(o?: Record<string, unknown>): Promise<AdapterLike | null>;
}
interface AdapterLike {
  info: Record<string, unknown>;
  features: Set<string>;
  limits: Record<string, number>;
  requestDevice(d?: Record<string, unknown>): Promise<DeviceLike>;
}
export interface DeviceLike {
  lost: Promise<{ reason: string; message: string }>;
  onuncapturederror: ((ev: { error: { message: string; constructor: { name: string } } }) => void) | null;
  pushErrorScope(filter: string): void;
  popErrorScope(): Promise<{ message: string } | null>;
}

/** Health of the device the backend runs on: a lost device or an uncaptured error. */
export const gpuHealth: { lost: string | null; error: string | null; errorKind: string | null } = { lost: null, error: null, errorKind: null };

let registered: Promise<{ ok: true; info: GpuAdapterInfo } | { ok: false; reason: string }> | null = null;
let adapterInfo: GpuAdapterInfo | null = null;

export function activeAdapter(): GpuAdapterInfo | null {
  return adapterInfo;
}

/**
 * Load Dawn and tfjs-backend-webgpu into this process and register the `webgpu` backend with our
 * kernels on top. Idempotent. The backend is created lazily by tf.setBackend('webgpu').
 */
export function registerWebgpuBackend(installKernels: () => void): Promise<{ ok: true; info: GpuAdapterInfo } | { ok: false; reason: string }> {
  if (registered) return registered;
  registered = (async () => {
    if (process.env.SSL3D_NO_WEBGPU === '1') return { ok: false as const, reason: 'webgpu is disabled by SSL3D_NO_WEBGPU=1' };
    ensureRuntimeDir();
    let create: (flags: string[]) => GpuLike;
    try {
      const name: string = PACKAGES[0];
      const mod = (await import(name)) as { create: (flags: string[]) => GpuLike; globals: Record<string, unknown> };
      create = mod.create;
      // GPUBufferUsage, GPUMapMode, … as browser globals (tfjs-backend-webgpu uses them).
      for (const [k, v] of Object.entries(mod.globals)) {
        if (!(k in globalThis)) Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
      }
    } catch (e) {
      return { ok: false as const, reason: `the optional package webgpu is not installed or does not load (${(e as Error).message.split('\n')[0]})` };
    }
    const gpu = create([]);
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) {
      return { ok: false as const, reason: 'Dawn found no WebGPU adapter (no Vulkan driver: install libvulkan1 and the GPU vendor\'s Vulkan driver; containers need the graphics capability)' };
    }
    const raw: Record<string, unknown> = {};
    // Dawn's GPUAdapterInfo fields are prototype getters: for…in sees them, Object.keys does not.
    for (const k in adapter.info) raw[k] = adapter.info[k];
    const info = describeAdapter(raw);
    // tfjs-backend-webgpu registers itself at import when navigator.gpu exists.
    const nav = (globalThis as { navigator?: Record<string, unknown> }).navigator;
    Object.defineProperty(globalThis, 'navigator', { value: { ...(nav ?? {}), gpu }, configurable: true, writable: true });
    let WebGPUBackend: new (device: unknown, info: unknown) => tf.KernelBackend;
    try {
      const name: string = PACKAGES[1];
      const mod = (await import(name)) as { WebGPUBackend: new (device: unknown, info: unknown) => tf.KernelBackend };
      WebGPUBackend = mod.WebGPUBackend;
    } catch (e) {
      return { ok: false as const, reason: `the optional package @tensorflow/tfjs-backend-webgpu is not installed or does not load (${(e as Error).message.split('\n')[0]})` };
    }
    // Replace the package's own factory (priority 3, it would win tf.ready() without a backend
    // set) with one at priority 0 that uses the adapter found above and watches the device.
    if (tf.engine().registryFactory['webgpu'] !== undefined) tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', async () => {
      const limits = adapter.limits;
      const requiredFeatures = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
      const device = await adapter.requestDevice({
        requiredFeatures,
        requiredLimits: {
          maxComputeWorkgroupStorageSize: limits['maxComputeWorkgroupStorageSize'],
          maxComputeWorkgroupsPerDimension: limits['maxComputeWorkgroupsPerDimension'],
          maxStorageBufferBindingSize: limits['maxStorageBufferBindingSize'],
          maxBufferSize: limits['maxBufferSize'],
          maxComputeWorkgroupSizeX: limits['maxComputeWorkgroupSizeX'],
          maxComputeInvocationsPerWorkgroup: limits['maxComputeInvocationsPerWorkgroup'],
        },
      });
      watchDevice(device);
      cacheBindGroupLayouts(device as unknown as PipelineMaker);
      const backend = new WebGPUBackend(device, adapter.info) as tf.KernelBackend;
      // Every read-back (the loss, metrics, checkpoints) first checks the device's health.
      const read = backend.read.bind(backend);
      backend.read = async (dataId: object) => {
        const values = await read(dataId);
        checkGpuHealth('a read-back from the GPU');
        return values;
      };
      const readSync = backend.readSync.bind(backend);
      backend.readSync = (dataId: object) => {
        const values = readSync(dataId);
        checkGpuHealth('a read-back from the GPU');
        return values;
      };
      return backend;
    }, 0);
    installKernels();
    adapterInfo = info;
    return { ok: true as const, info };
  })();
  return registered;
}

interface PipelineMaker {
  createShaderModule(d: { code: string }): unknown;
  createComputePipeline(d: { layout: 'auto'; compute: { module: unknown; entryPoint: string } }): object;
}

/**
 * tfjs-webgpu asks the pipeline for its bind group layout before every dispatch, and Dawn builds a
 * new layout object each time: measured 167 µs of host time per call, the most expensive WebGPU
 * call of a training step after submit (bench:gpu --dawn-calls). A layout never changes, so each
 * pipeline keeps the first one it returned.
 */
function cacheBindGroupLayouts(device: PipelineMaker): void {
  const module = device.createShaderModule({ code: '@compute @workgroup_size(1) fn main() {}' });
  const proto = Object.getPrototypeOf(device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } })) as Record<string, unknown>;
  const original = proto['getBindGroupLayout'];
  if (typeof original !== 'function' || (original as { sslCached?: boolean }).sslCached) return;
  const layouts = new WeakMap<object, Map<number, unknown>>();
  const cached = function (this: object, index: number): unknown {
    let m = layouts.get(this);
    if (!m) layouts.set(this, (m = new Map()));
    let layout = m.get(index);
    if (layout === undefined) {
      layout = (original as (i: number) => unknown).call(this, index);
      m.set(index, layout);
    }
    return layout;
  };
  Object.defineProperty(cached, 'sslCached', { value: true });
  proto['getBindGroupLayout'] = cached;
}

function watchDevice(device: DeviceLike): void {
  gpuHealth.lost = null;
  gpuHealth.error = null;
  gpuHealth.errorKind = null;
  void device.lost.then((l) => {
    if (l.reason !== 'destroyed') gpuHealth.lost = `${l.reason}: ${l.message}`;
  });
  device.onuncapturederror = (ev) => {
    if (gpuHealth.error === null) {
      gpuHealth.error = ev.error.message;
      gpuHealth.errorKind = ev.error.constructor?.name ?? 'GPUError';
    }
  };
}

/**
 * Throw a located error when the GPU device was lost or reported an error (out of memory, an
 * invalid shader). Called after every read-back, so the training loop stops at the next loss it
 * reads and the executor keeps the last checkpoint for a resume.
 */
export function checkGpuHealth(where: string): void {
  if (gpuHealth.lost !== null) {
    throw new SslRuntimeError(msg('SSL208', 'deviceLost', { where, lost: gpuHealth.lost }));
  }
  if (gpuHealth.error !== null) {
    const kind = gpuHealth.errorKind ?? 'GPUError';
    const oom = /OutOfMemory/i.test(kind) || /out of memory/i.test(gpuHealth.error);
    const reason = gpuHealth.error.split('\n').slice(0, 4).join(' ');
    gpuHealth.error = null;
    if (oom) throw new SslRuntimeError(msg('SSL208', 'outOfMemory', { where, reason }));
    throw new SslRuntimeError(msg('SSL209', 'gpuError', { kind, where, reason }));
  }
}

/** For tests: forget the cached probe (the registration stays: Dawn cannot be unloaded). */
export function resetProbeForTests(): void {
  probe = null;
}

// The `webgpu` backend: tfjs-backend-webgpu on Dawn, with our own WGSL kernels registered over the
// stock ones where those are wrong or slow for 3D training (see docs/performance.md).

import * as tf from '@tensorflow/tfjs';
import { adamKernel } from './adam.js';
import { convKernels } from './conv.js';
import { elementwiseKernels } from './elementwise.js';
import { normKernels } from './norm.js';
import { reduceKernels } from './reduce.js';
import { registerWebgpuBackend, type GpuAdapterInfo } from './device.js';

const ours: string[] = [];

/** Names of the kernels this package replaces on 'webgpu'. */
export function webgpuKernelNames(): string[] {
  return [...ours];
}

function installKernels(): void {
  const stockFns = new Map<string, tf.KernelFunc>();
  for (const k of tf.getKernelsForBackend('webgpu')) stockFns.set(k.kernelName, k.kernelFunc);
  const stock = (name: string): tf.KernelFunc | null => stockFns.get(name) ?? null;
  // SSL3D_WEBGPU_STOCK=conv,… keeps the stock tfjs kernels of those groups (for benchmarks).
  const keep = new Set((process.env.SSL3D_WEBGPU_STOCK ?? '').split(',').map((x) => x.trim()));
  const configs: tf.KernelConfig[] = [
    ...elementwiseKernels(stock),
    ...(keep.has('conv') ? [] : convKernels(stock)),
    ...(keep.has('adam') ? [] : [adamKernel()]),
    ...(keep.has('reduce') ? [] : reduceKernels(stock)),
    ...(keep.has('norm') ? [] : normKernels()),
  ];
  for (const k of configs) {
    if (tf.getKernel(k.kernelName, 'webgpu')) tf.unregisterKernel(k.kernelName, 'webgpu');
    tf.registerKernel(k);
    ours.push(k.kernelName);
  }
}

/** Load Dawn + tfjs-backend-webgpu and register the backend with our kernels (idempotent). */
export function ensureWebgpu(): Promise<{ ok: true; info: GpuAdapterInfo } | { ok: false; reason: string }> {
  return registerWebgpuBackend(installKernels);
}

export { probeAdapter, adapterLabel, activeAdapter, checkGpuHealth, resetProbeForTests, type GpuAdapterInfo } from './device.js';

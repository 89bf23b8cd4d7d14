// The `webgpu` backend: tfjs-backend-webgpu on Dawn, with our own WGSL kernels registered over the
// stock ones where those are wrong or slow for 3D training (see docs/performance.md).

import * as tf from '@tensorflow/tfjs';
import { adamKernel } from './adam.js';
import { dropoutKernel } from './dropout.js';
import { convKernels } from './conv.js';
import { fusedConvKernels } from './fused-conv.js';
import { elementwiseKernels } from './elementwise.js';
import { normKernels } from './norm.js';
import { poolKernels } from './pool.js';
import { reduceKernels } from './reduce.js';
import { registerWebgpuBackend, type GpuAdapterInfo } from './device.js';

/** Our kernels by group; `SSL3D_WEBGPU_STOCK=conv,reduce` keeps tfjs' own for those groups. */
export const KERNEL_GROUPS = ['elementwise', 'conv', 'reduce', 'norm', 'pool', 'adam', 'dropout'] as const;
export type KernelGroup = (typeof KERNEL_GROUPS)[number];

const stockFns = new Map<string, tf.KernelFunc>();
const ourConfigs = new Map<KernelGroup, tf.KernelConfig[]>();

/** Names of the kernels this package registers on 'webgpu' (including new ones like SslAdamUpdate). */
export function webgpuKernelNames(): string[] {
  return [...ourConfigs.values()].flat().map((k) => k.kernelName);
}

function register(k: tf.KernelConfig): void {
  if (tf.getKernel(k.kernelName, 'webgpu')) tf.unregisterKernel(k.kernelName, 'webgpu');
  tf.registerKernel(k);
}

/**
 * For benchmarks and comparisons: run the stock tfjs-webgpu kernels of `groups` (our kernels that
 * have no stock counterpart, such as the fused Adam and norm, are removed so callers fall back to
 * tfjs ops), or all of ours again with `[]`.
 */
export function useStockKernels(groups: readonly KernelGroup[]): void {
  for (const [group, configs] of ourConfigs) {
    for (const k of configs) {
      if (groups.includes(group)) {
        const stock = stockFns.get(k.kernelName);
        if (stock) register({ kernelName: k.kernelName, backendName: 'webgpu', kernelFunc: stock });
        else if (tf.getKernel(k.kernelName, 'webgpu')) tf.unregisterKernel(k.kernelName, 'webgpu');
      } else {
        register(k);
      }
    }
  }
}

function installKernels(): void {
  for (const k of tf.getKernelsForBackend('webgpu')) stockFns.set(k.kernelName, k.kernelFunc);
  const stock = (name: string): tf.KernelFunc | null => stockFns.get(name) ?? null;
  ourConfigs.set('elementwise', elementwiseKernels(stock));
  ourConfigs.set('conv', [...convKernels(stock), ...fusedConvKernels()]);
  ourConfigs.set('reduce', reduceKernels(stock));
  ourConfigs.set('norm', normKernels());
  ourConfigs.set('pool', poolKernels(stock));
  ourConfigs.set('adam', [adamKernel()]);
  ourConfigs.set('dropout', [dropoutKernel()]);
  const keep = (process.env.SSL3D_WEBGPU_STOCK ?? '').split(',').map((x) => x.trim()).filter((g): g is KernelGroup => (KERNEL_GROUPS as readonly string[]).includes(g));
  useStockKernels(keep);
}

/** Load Dawn + tfjs-backend-webgpu and register the backend with our kernels (idempotent). */
export function ensureWebgpu(): Promise<{ ok: true; info: GpuAdapterInfo } | { ok: false; reason: string }> {
  return registerWebgpuBackend(installKernels);
}

export { probeAdapter, adapterLabel, activeAdapter, checkGpuHealth, resetProbeForTests, type GpuAdapterInfo } from './device.js';

// The `native` tfjs backend: a MathBackendCPU instance with every `cpu` kernel registered, and the
// hot kernels replaced by the C++ addon (native/src). Kernels fall back to the cpu implementation
// for inputs the addon does not handle (other dtypes, NCDHW layouts, dilation > 1).

import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from './addon.js';
import { nativeKernels } from './kernels.js';

let registered = false;
const overridden: string[] = [];

/** Names of the kernels the addon implements on the 'native' backend. */
export function nativeKernelNames(): string[] {
  return [...overridden];
}

/** Register the 'native' backend once (idempotent). */
export function registerNativeBackend(addon: NativeAddon): void {
  if (registered) return;
  const threads = Number(process.env.SSL3D_THREADS);
  if (Number.isInteger(threads) && threads > 0) addon.setThreads(threads);
  // Priority 0: tfjs never picks it implicitly; the registry activates it with setBackend.
  tf.registerBackend('native', () => new MathBackendCPU(), 0);
  const own = nativeKernels(addon);
  const ownNames = new Set(own.map((k) => k.kernelName));
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (ownNames.has(k.kernelName)) continue;
    tf.registerKernel({ ...k, backendName: 'native' });
  }
  for (const k of own) {
    tf.registerKernel({ ...k, backendName: 'native' });
    overridden.push(k.kernelName);
  }
  registered = true;
}

// The kit every kernel file of the 'native' backend registers its kernels with: the float32 view
// of a tensor, the tfjs-cpu fallback (logged under SSL3D_NATIVE_DEBUG=1 as SSL206), and the
// attribute tuple types tfjs passes. `nativeKernels` (../kernels.ts) makes one kit per backend.

import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon.js';
import { msg } from '../../../core/codes/index.js';

export type Info = tf.TensorInfo;
type Attrs = Record<string, unknown>;
export interface Args {
  inputs: Record<string, Info>;
  backend: MathBackendCPU;
  attrs?: Attrs;
}

function cpuKernel(name: string): tf.KernelFunc {
  const k = tf.getKernel(name, 'cpu');
  if (!k) throw new Error(`ssl3d native: tfjs-cpu has no kernel ${name}`);
  return k.kernelFunc;
}

/** The values of a float32 tensor held by the cpu backend (null otherwise: the caller falls back). */
export function f32(backend: MathBackendCPU, t: Info): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const v = backend.data.get(t.dataId)?.values;
  return v instanceof Float32Array ? v : null;
}

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

// tf.backend_util typings want tuples; tfjs passes plain arrays at run time.
export type Tuple3 = [number, number, number];
export type Tuple2 = [number, number];
export type Shape5 = [number, number, number, number, number];
export type Shape4 = [number, number, number, number];
export type Pad = 'valid' | 'same' | number;

/** Unary op codes of the addon (native/src/kernels.cpp). */
export const U = { relu: 0, leaky: 1, elu: 2, sigmoid: 3, tanh: 4, exp: 5, log: 6, sqrt: 7, square: 8, neg: 9, abs: 10, relu6: 11, step: 12, rsqrt: 13, recip: 14, log1p: 15, softplus: 16, clip: 17 };

export interface KernelKit {
  addon: NativeAddon;
  /** Register a kernel that may hand its call to the tfjs-cpu kernel of the same name (`fallback`). */
  add(kernelName: string, fn: (a: Args, fallback: tf.KernelFunc) => Info | Info[]): void;
  /** Run the fallback kernel (and report it once per kernel and shapes under SSL3D_NATIVE_DEBUG=1). */
  fb(a: Args, f: tf.KernelFunc): Info | Info[];
  /** Register a kernel with no tfjs counterpart (so no fallback). */
  own(kernelName: string, fn: (a: Args) => Info): void;
}

/** A kit that appends the kernels registered through it to `out`. */
export function kernelKit(addon: NativeAddon, out: tf.KernelConfig[]): KernelKit {
  const add = (kernelName: string, fn: (a: Args, fallback: tf.KernelFunc) => Info | Info[]): void => {
    const fallback = cpuKernel(kernelName);
    out.push({ kernelName, backendName: 'native', kernelFunc: ((a: Args) => fn(a, fallback)) as unknown as tf.KernelFunc });
  };
  const debug = process.env.SSL3D_NATIVE_DEBUG === '1';
  const reported = new Set<string>();
  const fb = (a: Args, f: tf.KernelFunc): Info | Info[] => {
    if (debug) {
      const key = `${f.name}:${Object.values(a.inputs).map((t) => `${t.dtype}[${t.shape}]`).join(',')}`;
      if (!reported.has(key)) {
        reported.add(key);
        const m = msg('SSL206', 'cpuFallback', { key });
        process.stderr.write(`ssl3d native [${m.code}]: ${m.message}\n`);
      }
    }
    return f(a as unknown as Parameters<tf.KernelFunc>[0]) as Info | Info[];
  };
  const own = (kernelName: string, fn: (a: Args) => Info): void => {
    out.push({ kernelName, backendName: 'native', kernelFunc: fn as unknown as tf.KernelFunc });
  };
  return { addon, add, fb, own };
}

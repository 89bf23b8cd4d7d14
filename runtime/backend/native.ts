// The `native` tfjs backend: a MathBackendCPU instance with every `cpu` kernel registered, and the
// hot kernels replaced by the C++ addon (native/src). Kernels fall back to the cpu implementation
// for inputs the addon does not handle (other dtypes, NCDHW layouts, dilation > 1).

import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from './addon.js';
import { CLIP_GRAD, nativeKernels, RELU_GRAD, SOFTMAX_GRAD } from './kernels.js';
import { noteBound, noteEscaped, noteReleased } from './out-buffer.js';

type BackendValues = Parameters<MathBackendCPU['write']>[0];
type DataId = object;

/**
 * MathBackendCPU that tells out-buffer.ts when a data id takes or drops an array, and when an
 * array is read out (then it is never recycled), so kernel outputs can be reused after disposal.
 */
class NativeBackend extends MathBackendCPU {
  override write(values: BackendValues, shape: number[], dtype: tf.DataType): DataId {
    const id = super.write(values, shape, dtype);
    noteBound(values);
    return id;
  }

  override move(dataId: DataId, values: BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    super.move(dataId, values, shape, dtype, refCount);
    noteBound(values);
  }

  override readSync(dataId: DataId): BackendValues {
    const v = super.readSync(dataId);
    noteEscaped(v);
    return v;
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.get(dataId)?.values;
    const gone = super.disposeData(dataId, force);
    if (gone && values !== undefined && !this.data.has(dataId)) noteReleased(values);
    return gone;
  }
}

let registered = false;
const overridden: string[] = [];

/** Names of the kernels the addon implements on the 'native' backend. */
export function nativeKernelNames(): string[] {
  return [...overridden];
}

/** Register the 'native' backend once (idempotent). */
export function registerNativeBackend(addon: NativeAddon): void {
  if (registered) return;
  // Threads: SSL3D_THREADS, else the CPUs this process may run on (respects taskset/affinity,
  // unlike the addon's default of all online CPUs).
  const env = Number(process.env.SSL3D_THREADS);
  const threads = Number.isInteger(env) && env > 0 ? env : os.availableParallelism();
  if (threads !== addon.threads()) addon.setThreads(threads);
  // Priority 0: tfjs never picks it implicitly; the registry activates it with setBackend.
  tf.registerBackend('native', () => new NativeBackend(), 0);
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
  registerFusedGradients(addon);
  registered = true;
}

let gradientsAdded = false;

/**
 * tfjs 4.22 has no gradient for Conv3DBackpropInputV2, the kernel behind tf.conv3dTranspose, so a
 * U-Net decoder with transposed 3D convs cannot train on any backend. Register it (once, for all
 * backends): d/d(dy) is a forward conv3d of the incoming gradient, d/d(filter) a backprop-filter.
 */
export function registerMissingGradients(): void {
  if (gradientsAdded) return;
  gradientsAdded = true;
  if (tf.getGradient('Conv3DBackpropInputV2') !== undefined) return;
  tf.registerGradient({
    kernelName: 'Conv3DBackpropInputV2',
    inputsToSave: ['dy', 'filter'],
    gradFunc: (g: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const grad = g as tf.Tensor5D;
      const [dy, filter] = saved as [tf.Tensor5D, tf.Tensor5D];
      const { strides, pad } = attrs as unknown as { strides: [number, number, number]; pad: 'valid' | 'same' };
      return {
        dy: () => tf.conv3d(grad, filter, strides, pad),
        filter: () =>
          tf.engine().runKernel('Conv3DBackpropFilterV2', { x: grad, dy }, {
            strides, pad, filterShape: filter.shape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor,
      };
    },
  });
}

let fusedGradients = false;

/**
 * Replace the ReLU, softmax and clipByValue gradients by one-pass kernels while the 'native' backend is active.
 * tfjs' own gradients take 2 (ReLU: step, multiply) and 4 (softmax) full-size passes. Gradients
 * are registered per kernel name for all backends, so the replacement checks the active backend
 * and runs exactly tfjs' own ops on every other backend.
 */
export function registerFusedGradients(addon: NativeAddon): void {
  if (fusedGradients) return;
  fusedGradients = true;
  const relu = tf.getGradient('Relu');
  const clip = tf.getGradient('ClipByValue');
  // (An addon built from older sources lacks clipGrad: keep tfjs' gradient then.)
  if (clip && clip.inputsToSave?.[0] === 'x' && typeof addon.clipGrad === 'function') {
    // tfjs: where(x >= lo && x <= hi, dy, zerosLike(dy)) — five full-size cpu kernels (the
    // cross-entropy loss clips the softmax output); here one native pass.
    tf.registerGradient({
      ...clip,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
        const g = dy as tf.Tensor;
        const [x] = saved as [tf.Tensor];
        if (tf.getBackend() !== 'native' || g.dtype !== 'float32' || x.dtype !== 'float32' || g.size !== x.size) return clip.gradFunc(dy, saved, attrs);
        return { x: () => tf.engine().runKernel(CLIP_GRAD, { dy: g, x }, attrs) as tf.Tensor };
      },
    });
  }
  const softmax = tf.getGradient('Softmax');
  if (relu && relu.inputsToSave?.[0] === 'x') {
    tf.registerGradient({
      ...relu,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
        const g = dy as tf.Tensor;
        const [x] = saved as [tf.Tensor];
        if (tf.getBackend() !== 'native' || g.dtype !== 'float32' || x.dtype !== 'float32') return relu.gradFunc(dy, saved, attrs);
        return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: g, x }) as tf.Tensor };
      },
    });
  }
  if (softmax && softmax.outputsToSave?.[0] === true) {
    tf.registerGradient({
      ...softmax,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
        const g = dy as tf.Tensor;
        const [y] = saved as [tf.Tensor];
        const { dim } = attrs as unknown as { dim: number };
        const last = dim === -1 || dim === y.rank - 1;
        if (tf.getBackend() !== 'native' || !last || g.dtype !== 'float32' || y.dtype !== 'float32') return softmax.gradFunc(dy, saved, attrs);
        return { logits: () => tf.engine().runKernel(SOFTMAX_GRAD, { dy: g, y }) as tf.Tensor };
      },
    });
  }
}

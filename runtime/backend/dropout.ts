// Dropout as one kernel, `SslDropout` ({x}, {rate, seed}): x times the inverted-dropout mask whose
// element i is a pure function of (seed, i) (core/rng.ts `counterU32`). Backends that register it
// (webgpu) draw the mask inside the kernel: nothing is built on the host, uploaded, or kept for the
// backward pass, whose gradient is the same kernel applied to dy. Elsewhere the model multiplies
// by `dropoutMask` (runtime/models/layers.ts), which draws the same bits.

import * as tf from '@tensorflow/tfjs';

export const DROPOUT_KERNEL = 'SslDropout';

/** A u32 draw at or above this is kept. */
export function dropoutThreshold(rate: number): number {
  return Math.min(4294967295, Math.floor(rate * 4294967296));
}

tf.registerGradient({
  kernelName: DROPOUT_KERNEL,
  gradFunc: (dy: tf.Tensor | tf.Tensor[], _saved: tf.Tensor[], attrs: tf.NamedAttrMap) => ({
    x: () => tf.engine().runKernel(DROPOUT_KERNEL, { x: dy as tf.Tensor }, attrs) as tf.Tensor,
  }),
});

/** Whether the active backend draws dropout masks inside a kernel. */
export function fusedDropoutAvailable(): boolean {
  return tf.getKernel(DROPOUT_KERNEL, tf.getBackend()) !== undefined;
}

/** x · mask(rate, seed) in one kernel call (only where `fusedDropoutAvailable()`). */
export function fusedDropout(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  return tf.engine().runKernel(DROPOUT_KERNEL, { x }, { rate, seed: seed >>> 0 } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

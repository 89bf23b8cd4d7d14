// Fused batch / instance normalisation with a hand-written gradient.
//
// Written as tfjs ops, normalisation costs about 20 full passes over the activation per training
// step (moments, centring, scaling, affine, and the broadcast gradients of each), which dominates
// a 3D training step once the convolutions are native. On the 'native' backend this runs as two
// C++ kernels (forward: 3 passes, backward: 2 passes); on any other backend it is the same math
// in tfjs ops, so models can call it unconditionally.

import * as tf from '@tensorflow/tfjs';
import { loadAddon } from './addon.js';
import { uninitF32, valuesOf } from './out-buffer.js';

export type NormMode = 'batch' | 'instance';

/**
 * Normalise channels-last `x` (rank ≥ 3: [N, ...spatial, C]) and apply a per-channel affine
 * transform. `batch`: statistics per channel over N and all spatial axes (training-mode batch
 * norm); `instance`: per sample and channel over the spatial axes. Biased variance, like
 * tf.moments. Differentiable with respect to x, gamma and beta.
 */
export function fusedNorm(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  mode: NormMode = 'batch',
  epsilon = 1e-5,
  /**
   * Called once in the forward pass with the batch statistics ([C] for batch mode, [N, C] for
   * instance mode), e.g. to update moving averages. The tensors are disposed after the call.
   */
  onStats?: (mean: tf.Tensor, variance: tf.Tensor) => void,
): tf.Tensor {
  const rank = x.shape.length;
  const C = x.shape[rank - 1]!;
  if (rank < 2 || gamma.size !== C || beta.size !== C) {
    throw new Error(`fusedNorm: x must be channels-last with ${gamma.size} channels (got [${x.shape}])`);
  }
  const addon = loadAddon().addon;
  const native = addon !== null && tf.getBackend() === 'native' && x.dtype === 'float32' && gamma.dtype === 'float32' && beta.dtype === 'float32';
  if (!native && gpuNorm(x, gamma, beta)) return fusedNormGpu(x, gamma, beta, mode, epsilon, onStats);
  if (!native) {
    const axes = mode === 'batch' ? [...Array(rank - 1).keys()] : [...Array(rank - 2).keys()].map((i) => i + 1);
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, axes, true);
      if (onStats) {
        const statShape = mode === 'batch' ? [C] : [x.shape[0]!, C];
        onStats(mean.reshape(statShape), variance.reshape(statShape));
      }
      return x.sub(mean).mul(tf.rsqrt(variance.add(epsilon))).mul(gamma.reshape([C])).add(beta.reshape([C]));
    });
  }
  const G = mode === 'instance' ? x.shape[0]! : 1;
  const S = x.size / (G * C);
  const dims = Float64Array.of(G, S, C);
  const run = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xt, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const xv = valuesOf(xt);
    const y = uninitF32(xv.length);
    const mean = new Float32Array(G * C);
    const inv = new Float32Array(G * C);
    addon.normFwd(xv, valuesOf(g), valuesOf(b), y, mean, inv, dims, epsilon);
    if (onStats) {
      const statShape = mode === 'batch' ? [C] : [G, C];
      // The kernel returns 1/√(σ² + ε); the variance follows from it.
      const variance = Float32Array.from(inv, (r) => Math.max(0, 1 / (r * r) - epsilon));
      const m = tf.tensor(mean, statShape), v = tf.tensor(variance, statShape);
      onStats(m, v);
      tf.dispose([m, v]);
    }
    save([xt, g, tf.tensor1d(mean), tf.tensor1d(inv)]);
    return {
      value: tf.tensor(y, xt.shape, 'float32'),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sg, sm, si] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const d = dy.toFloat();
        const dx = uninitF32(sx.size);
        const dgamma = new Float32Array(C);
        const dbeta = new Float32Array(C);
        addon.normBwd(
          valuesOf(sx), valuesOf(d), valuesOf(sg), valuesOf(sm), valuesOf(si), dx, dgamma, dbeta, dims,
        );
        return [tf.tensor(dx, sx.shape, 'float32'), tf.tensor(dgamma, sg.shape, 'float32'), tf.tensor(dbeta, sg.shape, 'float32')];
      },
    };
  });
  return run(x, gamma, beta);
}

/** True when the active backend has GPU kernels for fusedNorm (webgpu). */
function gpuNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): boolean {
  return x.dtype === 'float32' && gamma.dtype === 'float32' && beta.dtype === 'float32' &&
    tf.getKernel('SslNormFwd', tf.getBackend()) !== undefined;
}

/**
 * True when fusedNorm runs as fused kernels on the active backend (native addon or webgpu), so
 * layers should prefer it over their op-by-op formulation.
 */
export function fusedNormAvailable(x: tf.Tensor): boolean {
  if (x.dtype !== 'float32') return false;
  if (tf.getBackend() === 'native') return loadAddon().addon !== null;
  return tf.getKernel('SslNormFwd', tf.getBackend()) !== undefined;
}

/** fusedNorm on a backend with the SslNormFwd / SslNormBwd kernels (runtime/backend/webgpu/norm.ts). */
function fusedNormGpu(
  x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, mode: NormMode, epsilon: number,
  onStats?: (mean: tf.Tensor, variance: tf.Tensor) => void,
): tf.Tensor {
  const C = x.shape[x.shape.length - 1]!;
  const G = mode === 'instance' ? x.shape[0]! : 1;
  const attrs = { G, S: x.size / (G * C), C, epsilon };
  const run = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xt, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [y, mean, variance, inv] = tf.engine().runKernel('SslNormFwd', { x: xt, gamma: g, beta: b }, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
    if (onStats) {
      const statShape = mode === 'batch' ? [C] : [G, C];
      const m = tf.reshape(mean!, statShape), v = tf.reshape(variance!, statShape);
      onStats(m, v);
      tf.dispose([m, v]);
    }
    variance!.dispose();
    save([xt, g, mean!, inv!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sg, sm, si] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const [dx, dg, db] = tf.engine().runKernel('SslNormBwd', { x: sx, dy: dy.toFloat(), gamma: sg, mean: sm, inv: si }, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
        return [dx!, dg!, db!];
      },
    };
  });
  return run(x, gamma, beta);
}

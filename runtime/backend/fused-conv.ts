// 3D convolution + bias + ReLU as one differentiable op on the 'native' and 'webgpu' backends.
//
// tf.layers.conv3d runs Conv3D, then a broadcast Add for the bias, then Relu: three full-size
// outputs forward, and backward the ReLU gradient, then a Sum for the bias gradient. Here the
// bias and ReLU are applied in place on the convolution's fresh output (one pass, no extra
// tensors), and backward one pass gives both the ReLU-masked gradient and the bias gradient
// (summed in fixed chunks: the same bits for any thread count) before the two conv gradients.

import * as tf from '@tensorflow/tfjs';
import { loadAddon } from './addon.js';
import { uninitF32, valuesOf } from './out-buffer.js';

type Tuple3 = [number, number, number];

/** The fused kernels of the active backend, if it has them: the native addon or webgpu's WGSL. */
function fusedBackend(): 'native' | 'webgpu' | null {
  const be = tf.getBackend();
  if (be === 'native') return loadAddon().addon !== null ? 'native' : null;
  return tf.getKernel('SslConvBiasRelu3D', be) !== undefined && tf.getKernel('SslConvBiasRelu3DGrad', be) !== undefined ? 'webgpu' : null;
}

/** Whether convBiasRelu3d can run fused for these tensors (else use the tfjs ops). */
export function canFuseConvBiasRelu3d(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): boolean {
  return fusedBackend() !== null && x.rank === 5 && w.rank === 5 && b.rank === 1 &&
    x.dtype === 'float32' && w.dtype === 'float32' && b.dtype === 'float32' && b.size === w.shape[4];
}

/** The webgpu path: one dispatch forward (runtime/backend/webgpu/fused-conv.ts), three backward. */
function convBiasRelu3dKernels(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, strides: Tuple3, pad: 'same' | 'valid'): tf.Tensor {
  const attrs = { strides, pad } as unknown as tf.NamedAttrMap;
  const run = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xt, wt, bt, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const y = tf.engine().runKernel('SslConvBiasRelu3D', { x: xt, filter: wt, bias: bt }, attrs) as tf.Tensor;
    save([xt, wt, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw, sy] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        return tf.engine().runKernel('SslConvBiasRelu3DGrad', { x: sx, filter: sw, y: sy, dy: dy.dtype === 'float32' ? dy : dy.toFloat() }, attrs) as unknown as tf.Tensor[];
      },
    };
  });
  return run(x, w, b);
}

/**
 * relu(conv3d(x, w, strides, pad) + b), channels-last, dilation 1, with its gradient for x, w
 * and b. Same values as the three tfjs ops (the convolution is the same kernel; bias and ReLU are
 * exact). Only call when canFuseConvBiasRelu3d(x, w, b) holds. On webgpu: WGSL kernels, same maths.
 */
export function convBiasRelu3d(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, strides: Tuple3, pad: 'same' | 'valid'): tf.Tensor {
  if (fusedBackend() === 'webgpu') return convBiasRelu3dKernels(x, w, b, strides, pad);
  const addon = loadAddon().addon;
  if (!addon) throw new Error('convBiasRelu3d: the native addon is not loaded');
  const run = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xt, wt, bt, save] = args as [tf.Tensor5D, tf.Tensor5D, tf.Tensor1D, tf.GradSaveFunc];
    // The conv output is a fresh tensor nobody else holds yet: bias + ReLU in place.
    const y = tf.conv3d(xt, wt, strides, pad);
    addon.biasAct(valuesOf(y), valuesOf(bt), true);
    save([xt, wt, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw, sy] = saved as [tf.Tensor5D, tf.Tensor5D, tf.Tensor5D];
        const d = dy.dtype === 'float32' ? dy : dy.toFloat();
        const dz = uninitF32(sy.size);
        const db = new Float32Array(sw.shape[4]);
        // ReLU(z) > 0 exactly where z > 0, so the saved output masks the gradient.
        addon.reluGradBias(valuesOf(d), valuesOf(sy), dz, db);
        const dzt = tf.tensor(dz, sy.shape, 'float32');
        const attrs = { strides, pad };
        const dx = tf.engine().runKernel('Conv3DBackpropInputV2', { dy: dzt, filter: sw }, { ...attrs, inputShape: sx.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
        const dw = tf.engine().runKernel('Conv3DBackpropFilterV2', { x: sx, dy: dzt }, { ...attrs, filterShape: sw.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
        return [dx, dw, tf.tensor(db, [db.length], 'float32')];
      },
    };
  });
  return run(x, w, b);
}

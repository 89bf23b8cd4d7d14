// 3D convolution + bias + ReLU as one differentiable op on the 'native' backend.
//
// tf.layers.conv3d runs Conv3D, then a broadcast Add for the bias, then Relu: three full-size
// outputs forward, and backward the ReLU gradient, then a Sum for the bias gradient. Here the
// bias and ReLU are applied in place on the convolution's fresh output (one pass, no extra
// tensors), and backward one pass gives both the ReLU-masked gradient and the bias gradient
// (summed in fixed chunks: the same bits for any thread count) before the two conv gradients.

import * as tf from '@tensorflow/tfjs';
import { loadAddon } from './addon.js';

type Tuple3 = [number, number, number];

/** Whether convBiasRelu3d can run natively for these tensors (else use the tfjs ops). */
export function canFuseConvBiasRelu3d(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): boolean {
  return loadAddon().addon !== null && tf.getBackend() === 'native' && x.rank === 5 && w.rank === 5 && b.rank === 1 &&
    x.dtype === 'float32' && w.dtype === 'float32' && b.dtype === 'float32' && b.size === w.shape[4];
}

/**
 * relu(conv3d(x, w, strides, pad) + b), channels-last, dilation 1, with its gradient for x, w
 * and b. Same values as the three tfjs ops (the convolution is the same kernel; bias and ReLU are
 * exact). Only call when canFuseConvBiasRelu3d(x, w, b) holds.
 */
export function convBiasRelu3d(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, strides: Tuple3, pad: 'same' | 'valid'): tf.Tensor {
  const addon = loadAddon().addon;
  if (!addon) throw new Error('convBiasRelu3d: the native addon is not loaded');
  const run = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xt, wt, bt, save] = args as [tf.Tensor5D, tf.Tensor5D, tf.Tensor1D, tf.GradSaveFunc];
    // The conv output is a fresh tensor nobody else holds yet: bias + ReLU in place.
    const y = tf.conv3d(xt, wt, strides, pad);
    addon.biasAct(y.dataSync() as Float32Array, bt.dataSync() as Float32Array, true);
    save([xt, wt, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw, sy] = saved as [tf.Tensor5D, tf.Tensor5D, tf.Tensor5D];
        const d = dy.dtype === 'float32' ? dy : dy.toFloat();
        const dz = new Float32Array(sy.size);
        const db = new Float32Array(sw.shape[4]);
        // ReLU(z) > 0 exactly where z > 0, so the saved output masks the gradient.
        addon.reluGradBias(d.dataSync() as Float32Array, sy.dataSync() as Float32Array, dz, db);
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

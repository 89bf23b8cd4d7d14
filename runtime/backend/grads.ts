// Gradients of Sum and Mean without a host-side array of ones. tfjs writes dx = dy · ones(x.shape)
// (and / n for Mean) where `ones` is a typed array filled on the host, which a GPU backend then
// uploads, every step: 8 MB for the [2,64³,4] cross-entropy of a [2,4,64³] step, ~8 ms of host time
// plus the upload on an H200. Here the ones come from `onesLike(x)`, which each backend fills
// itself (on the device for webgpu), so the values are the same bits as tfjs'. (`broadcastTo` would
// be shorter, but tfjs-webgpu's Tile reads small tensors back to the host.) `selectBackend`
// registers these over tfjs' own configs (runtime/backend/index.ts).

import * as tf from '@tensorflow/tfjs';

function expandedDy(dy: tf.Tensor, x: tf.Tensor, axis: unknown): tf.Tensor {
  const axes = tf.util.parseAxisParam(axis as number | number[], x.shape);
  const shape = x.shape.slice();
  for (const a of axes) shape[a] = 1;
  return tf.mul(tf.reshape(dy, shape), tf.onesLike(x));
}

let added = false;

/** Register the Sum and Mean gradients below over tfjs' own (idempotent). */
export function registerOnesFreeGradients(): void {
  if (added) return;
  added = true;
  tf.registerGradient({
    kernelName: tf.Sum,
    inputsToSave: ['x'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const x = saved[0]!;
      return { x: () => expandedDy(dy as tf.Tensor, x, attrs['axis']) };
    },
  });

  tf.registerGradient({
    kernelName: tf.Mean,
    inputsToSave: ['x'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const x = saved[0]!;
      const axes = tf.util.parseAxisParam(attrs['axis'] as number | number[], x.shape);
      const n = tf.util.sizeFromShape(tf.backend_util.computeOutAndReduceShapes(x.shape, axes)[1]);
      return { x: () => tf.div(expandedDy(dy as tf.Tensor, x, attrs['axis']), n) };
    },
  });
}

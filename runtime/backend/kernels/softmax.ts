// Native softmax (the segmenter's output layer) and the fused gradient kernels that have no
// tfjs counterpart (registered on 'native' only, see registerFusedGradients in native.ts).

import { uninitF32 } from '../out-buffer.js';
import { f32, type Info, type KernelKit } from './common.js';

/** Kernel names of the fused gradients (registered on 'native' only). */
export const CLIP_GRAD = 'SslClipGrad';
export const RELU_GRAD = 'SslReluGrad';
export const SOFTMAX_GRAD = 'SslSoftmaxGrad';

export function registerSoftmaxAndGradKernels(k: KernelKit): void {
  const { add, fb, own, addon } = k;
  add('Softmax', (a, f) => {
    const { logits } = a.inputs as { logits: Info };
    const { dim } = a.attrs as { dim: number };
    const xv = f32(a.backend, logits);
    const rank = logits.shape.length;
    if (!xv || rank === 0 || (dim !== -1 && dim !== rank - 1) || xv.length === 0) return fb(a, f);
    const cols = logits.shape[rank - 1]!;
    const y = uninitF32(xv.length);
    addon.softmax(xv, y, Float64Array.of(xv.length / cols, cols));
    return a.backend.makeTensorInfo(logits.shape, 'float32', y);
  });

  // ---- gradient kernels with no tfjs counterpart (see registerFusedGradients in native.ts) ----
  // Each is one pass instead of tfjs' 2 (ReLU: step, multiply) or 4 (softmax: multiply, sum,
  // multiply, subtract) full-size passes with their temporaries.
  own(RELU_GRAD, (a) => {
    const { dy, x } = a.inputs as { dy: Info; x: Info };
    const dv = f32(a.backend, dy), xv = f32(a.backend, x);
    if (!dv || !xv || dv.length !== xv.length) throw new Error(`ssl3d native: ${RELU_GRAD} needs two float32 tensors of one shape`);
    const dx = uninitF32(xv.length);
    addon.reluGrad(dv, xv, dx);
    return a.backend.makeTensorInfo(x.shape, 'float32', dx);
  });
  own(SOFTMAX_GRAD, (a) => {
    const { dy, y } = a.inputs as { dy: Info; y: Info };
    const dv = f32(a.backend, dy), yv = f32(a.backend, y);
    if (!dv || !yv || dv.length !== yv.length || y.shape.length === 0) throw new Error(`ssl3d native: ${SOFTMAX_GRAD} needs two float32 tensors of one shape`);
    const cols = y.shape[y.shape.length - 1]!;
    const dx = uninitF32(yv.length);
    if (yv.length > 0) addon.softmaxGrad(dv, yv, dx, Float64Array.of(yv.length / cols, cols));
    return a.backend.makeTensorInfo(y.shape, 'float32', dx);
  });

  own(CLIP_GRAD, (a) => {
    const { dy, x } = a.inputs as { dy: Info; x: Info };
    const { clipValueMin, clipValueMax } = a.attrs as { clipValueMin: number; clipValueMax: number };
    const dv = f32(a.backend, dy), xv = f32(a.backend, x);
    if (!dv || !xv || dv.length !== xv.length) throw new Error(`ssl3d native: ${CLIP_GRAD} needs two float32 tensors of one shape`);
    const dx = uninitF32(xv.length);
    addon.clipGrad(dv, xv, dx, clipValueMin, clipValueMax);
    return a.backend.makeTensorInfo(x.shape, 'float32', dx);
  });
}

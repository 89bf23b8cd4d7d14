// Kernel functions of the 'native' backend that call the C++ addon. Each one checks that its
// inputs are float32, channels-last and dilation 1 (the cases the addon implements) and otherwise
// runs the plain tfjs-cpu kernel on the same backend instance, so every input still works.
// One file per concern in kernels/: convolutions, matrix multiply, pooling, element-wise ops,
// layout ops (transpose, concat, split, slice, pad, tile), softmax and the fused gradients; the
// kit they share (fallback, float32 views) is kernels/common.ts.

import type * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './addon.js';
import { kernelKit } from './kernels/common.js';
import { registerConvKernels } from './kernels/conv.js';
import { registerElementwiseKernels } from './kernels/elementwise.js';
import { registerLayoutKernels } from './kernels/layout.js';
import { registerMatMulKernels } from './kernels/matmul.js';
import { registerPoolKernels } from './kernels/pool.js';
import { registerSoftmaxAndGradKernels } from './kernels/softmax.js';

export { CLIP_GRAD, RELU_GRAD, SOFTMAX_GRAD } from './kernels/softmax.js';
export { mergeBroadcastDims, mergeReduceDims, mergeTransposeDims } from './kernels/shapes.js';

/** Build the list of native kernel configs (backendName is set by the caller), in registration order. */
export function nativeKernels(addon: NativeAddon): tf.KernelConfig[] {
  const out: tf.KernelConfig[] = [];
  const kit = kernelKit(addon, out);
  registerConvKernels(kit);
  registerMatMulKernels(kit);
  registerPoolKernels(kit);
  registerElementwiseKernels(kit);
  registerLayoutKernels(kit);
  registerSoftmaxAndGradKernels(kit);
  return out;
}

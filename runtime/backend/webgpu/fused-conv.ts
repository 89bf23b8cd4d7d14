// relu(conv3d(x, w) + b) as one WGSL dispatch, and its gradient as three (dx, dw, db) that apply
// the ReLU mask while loading dy: the layer's Conv3D → Add → Relu forward (three full-size
// outputs) and Step → Multiply → Sum → dx → dw backward become 1 + 3 dispatches, with no
// full-size temporaries. The same maths as the tfjs ops: bias and ReLU are exact, and ReLU's output
// is > 0 exactly where its input is, so the saved output masks the gradient.

import * as tf from '@tensorflow/tfjs';
import { conv3dFilterGradGpu, conv3dGpu, conv3dInputGradGpu } from './conv.js';
import { reduceABR } from './reduce.js';
import { sizeOf, type GpuBackend, type KernelArgs } from './program.js';

export const CONV_BIAS_RELU = 'SslConvBiasRelu3D';
export const CONV_BIAS_RELU_GRAD = 'SslConvBiasRelu3DGrad';

type Tuple3 = [number, number, number];
type Shape5 = [number, number, number, number, number];
interface Attrs { strides: Tuple3; pad: 'same' | 'valid' }

function info(x: tf.TensorInfo, w: tf.TensorInfo, a: Attrs): ReturnType<typeof tf.backend_util.computeConv3DInfo> {
  return tf.backend_util.computeConv3DInfo(x.shape as Shape5, w.shape as Shape5, a.strides, 1, a.pad);
}

function must(t: tf.TensorInfo | null, what: string): tf.TensorInfo {
  if (!t) throw new Error(`ssl3d webgpu: ${what} cannot run this convolution (dilation 1, float32 only)`);
  return t;
}

export function fusedConvKernels(): tf.KernelConfig[] {
  return [
    {
      kernelName: CONV_BIAS_RELU, backendName: 'webgpu',
      kernelFunc: ((args: KernelArgs) => {
        const { x, filter, bias } = args.inputs as Record<'x' | 'filter' | 'bias', tf.TensorInfo>;
        const a = args.attrs as unknown as Attrs;
        return must(conv3dGpu(args.backend, x, filter, info(x, filter, a), bias), CONV_BIAS_RELU);
      }) as unknown as tf.KernelFunc,
    },
    {
      // Inputs: the layer input x, its filter, its output y (after ReLU) and dy. Outputs dx, dw, db.
      kernelName: CONV_BIAS_RELU_GRAD, backendName: 'webgpu',
      kernelFunc: ((args: KernelArgs) => {
        const { x, filter, y, dy } = args.inputs as Record<'x' | 'filter' | 'y' | 'dy', tf.TensorInfo>;
        const a = args.attrs as unknown as Attrs;
        const be: GpuBackend = args.backend;
        const c = info(x, filter, a);
        const dx = must(conv3dInputGradGpu(be, dy, filter, c, y), CONV_BIAS_RELU_GRAD);
        const dw = must(conv3dFilterGradGpu(be, x, dy, c, y), CONV_BIAS_RELU_GRAD);
        const co = c.outChannels;
        const db = reduceABR(be, 'sum_relu_masked', [dy, y], ['DY', 'Y'], ['select(0.0, f32(DY[i]), f32(Y[i]) > 0.0)'], { A: 1, R: sizeOf(dy.shape) / co, B: co }, 1, [co]);
        return [dx, dw, db];
      }) as unknown as tf.KernelFunc,
    },
  ];
}

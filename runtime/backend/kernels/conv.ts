// Native convolution kernels: Conv3D and its two gradients, the 2D convolutions (run as 3D with
// depth 1) and FusedConv2D. Channels-last and dilation 1 only; anything else falls back.

import * as tf from '@tensorflow/tfjs';
import { convDimsArray, type ConvDims } from '../addon.js';
import { uninitF32 } from '../out-buffer.js';
import { f32, size, type Args, type Info, type KernelKit, type Pad, type Shape4, type Shape5, type Tuple2, type Tuple3 } from './common.js';
import { epilogue } from './epilogue.js';

type Conv3DInfo = ReturnType<typeof tf.backend_util.computeConv3DInfo>;
type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

function dims3(c: Conv3DInfo): ConvDims {
  return {
    n: c.batchSize, d: c.inDepth, h: c.inHeight, w: c.inWidth, ci: c.inChannels,
    kd: c.filterDepth, kh: c.filterHeight, kw: c.filterWidth, co: c.outChannels,
    sd: c.strideDepth, sh: c.strideHeight, sw: c.strideWidth,
    pd: c.padInfo.front, ph: c.padInfo.top, pw: c.padInfo.left,
    od: c.outDepth, oh: c.outHeight, ow: c.outWidth,
  };
}

function dims2(c: Conv2DInfo): ConvDims {
  return {
    n: c.batchSize, d: 1, h: c.inHeight, w: c.inWidth, ci: c.inChannels,
    kd: 1, kh: c.filterHeight, kw: c.filterWidth, co: c.outChannels,
    sd: 1, sh: c.strideHeight, sw: c.strideWidth,
    pd: 0, ph: c.padInfo.top, pw: c.padInfo.left,
    od: 1, oh: c.outHeight, ow: c.outWidth,
  };
}

function convOk(c: ConvDims & { dil: number[] }): boolean {
  return c.dil.every((d) => d === 1) && [c.pd, c.ph, c.pw].every((p) => p >= 0) && c.od > 0 && c.oh > 0 && c.ow > 0;
}

export function registerConvKernels(k: KernelKit): void {
  const { add, fb, addon } = k;
  // ---- 3D convolutions ---------------------------------------------------------------------
  add('Conv3D', (a, f) => {
    const { x, filter } = a.inputs as { x: Info; filter: Info };
    const at = a.attrs as { strides: Tuple3 | number; pad: Pad; dilations: Tuple3 | number; dataFormat?: string };
    if (at.dataFormat && at.dataFormat !== 'NDHWC') return fb(a, f);
    const xv = f32(a.backend, x), wv = f32(a.backend, filter);
    if (!xv || !wv) return fb(a, f);
    const ci = tf.backend_util.computeConv3DInfo(x.shape as Shape5, filter.shape as Shape5, at.strides, at.dilations, at.pad as 'same');
    const d = dims3(ci);
    if (!convOk({ ...d, dil: [ci.dilationDepth, ci.dilationHeight, ci.dilationWidth] })) return fb(a, f);
    const y = uninitF32(size(ci.outShape));
    addon.conv3dFwd(xv, wv, y, convDimsArray(d));
    return a.backend.makeTensorInfo(ci.outShape, 'float32', y);
  });
  add('Conv3DBackpropInputV2', (a, f) => {
    const { dy, filter } = a.inputs as { dy: Info; filter: Info };
    const at = a.attrs as { strides: Tuple3 | number; pad: Pad; inputShape: Shape5 };
    const dv = f32(a.backend, dy), wv = f32(a.backend, filter);
    if (!dv || !wv) return fb(a, f);
    const ci = tf.backend_util.computeConv3DInfo(at.inputShape, filter.shape as Shape5, at.strides, 1, at.pad as 'same');
    const d = dims3(ci);
    if (!convOk({ ...d, dil: [1] }) || size(dy.shape) !== size(ci.outShape)) return fb(a, f);
    const dx = uninitF32(size(at.inputShape));
    addon.conv3dBwdInput(dv, wv, dx, convDimsArray(d));
    return a.backend.makeTensorInfo(ci.inShape, 'float32', dx);
  });
  add('Conv3DBackpropFilterV2', (a, f) => {
    const { x, dy } = a.inputs as { x: Info; dy: Info };
    const at = a.attrs as { strides: Tuple3 | number; pad: Pad; filterShape: Shape5 };
    const xv = f32(a.backend, x), dv = f32(a.backend, dy);
    if (!xv || !dv) return fb(a, f);
    const ci = tf.backend_util.computeConv3DInfo(x.shape as Shape5, at.filterShape, at.strides, 1, at.pad as 'same');
    const d = dims3(ci);
    if (!convOk({ ...d, dil: [1] }) || size(dy.shape) !== size(ci.outShape)) return fb(a, f);
    const dw = uninitF32(size(at.filterShape));
    addon.conv3dBwdFilter(xv, dv, dw, convDimsArray(d));
    return a.backend.makeTensorInfo(at.filterShape, 'float32', dw);
  });

  // ---- 2D convolutions (run as 3D with depth 1) -----------------------------------------------
  type Conv2DAttrs = { strides: Tuple2 | number; pad: Pad; dilations?: Tuple2 | number; dataFormat?: string; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
  const conv2dInfo = (xShape: number[], wShape: number[], at: Conv2DAttrs): Conv2DInfo | null => {
    if (at.dataFormat && at.dataFormat !== 'NHWC') return null;
    const ci = tf.backend_util.computeConv2DInfo(xShape as Shape4, wShape as Shape4, at.strides, at.dilations ?? 1, at.pad as 'same', at.dimRoundingMode, false, 'channelsLast');
    return ci.dilationHeight === 1 && ci.dilationWidth === 1 ? ci : null;
  };
  const conv2dForward = (a: Args): { ci: Conv2DInfo; y: Float32Array } | null => {
    const { x, filter } = a.inputs as { x: Info; filter: Info };
    const xv = f32(a.backend, x), wv = f32(a.backend, filter);
    if (!xv || !wv || x.shape.length !== 4) return null;
    const ci = conv2dInfo(x.shape, filter.shape, a.attrs as Conv2DAttrs);
    if (!ci) return null;
    const d = dims2(ci);
    if (!convOk({ ...d, dil: [1] })) return null;
    const y = uninitF32(size(ci.outShape));
    addon.conv3dFwd(xv, wv, y, convDimsArray(d));
    return { ci, y };
  };
  add('Conv2D', (a, f) => {
    const r = conv2dForward(a);
    return r ? a.backend.makeTensorInfo(r.ci.outShape, 'float32', r.y) : fb(a, f);
  });
  add('Conv2DBackpropInput', (a, f) => {
    const { dy, filter } = a.inputs as { dy: Info; filter: Info };
    const at = a.attrs as Conv2DAttrs & { inputShape: Shape4 };
    const dv = f32(a.backend, dy), wv = f32(a.backend, filter);
    if (!dv || !wv) return fb(a, f);
    const ci = conv2dInfo(at.inputShape, filter.shape, { ...at, dilations: 1 });
    if (!ci || size(dy.shape) !== size(ci.outShape)) return fb(a, f);
    const d = dims2(ci);
    if (!convOk({ ...d, dil: [1] })) return fb(a, f);
    const dx = uninitF32(size(at.inputShape));
    addon.conv3dBwdInput(dv, wv, dx, convDimsArray(d));
    return a.backend.makeTensorInfo(at.inputShape, 'float32', dx);
  });
  add('Conv2DBackpropFilter', (a, f) => {
    const { x, dy } = a.inputs as { x: Info; dy: Info };
    const at = a.attrs as Conv2DAttrs & { filterShape: Shape4 };
    const xv = f32(a.backend, x), dv = f32(a.backend, dy);
    if (!xv || !dv) return fb(a, f);
    const ci = conv2dInfo(x.shape, at.filterShape, { ...at, dilations: 1 });
    if (!ci || size(dy.shape) !== size(ci.outShape)) return fb(a, f);
    const d = dims2(ci);
    if (!convOk({ ...d, dil: [1] })) return fb(a, f);
    const dw = uninitF32(size(at.filterShape));
    addon.conv3dBwdFilter(xv, dv, dw, convDimsArray(d));
    return a.backend.makeTensorInfo(at.filterShape, 'float32', dw);
  });
  add('FusedConv2D', (a, f) => {
    const r = conv2dForward(a);
    if (!r) return fb(a, f);
    const y = epilogue(addon, a, r.y, r.ci.outShape);
    return y ? a.backend.makeTensorInfo(r.ci.outShape, 'float32', y) : fb(a, f);
  });
}

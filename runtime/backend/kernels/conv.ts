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
  /**
   * A convolution gradient kernel: two float32 inputs (`names`, in the addon's argument order),
   * the convolution's geometry (null: not one the addon runs), and the addon call writing a fresh
   * output of `outShape`. dy must have the size of the forward output (`forwardOut`) and the
   * geometry pass convOk, else the tfjs-cpu kernel runs.
   */
  const convGrad = (
    names: [string, string],
    geometry: (a: Args, first: Info, second: Info) => { dims: ConvDims; forwardOut: number[]; outShape: number[] } | null,
    run: (u: Float32Array, v: Float32Array, out: Float32Array, dims: ReturnType<typeof convDimsArray>) => void,
  ) => (a: Args, f: tf.KernelFunc): Info | Info[] => {
    const first = a.inputs[names[0]]!, second = a.inputs[names[1]]!;
    const u = f32(a.backend, first), v = f32(a.backend, second);
    if (!u || !v) return fb(a, f);
    const g = geometry(a, first, second);
    const dy = a.inputs.dy!;
    if (!g || !convOk({ ...g.dims, dil: [1] }) || size(dy.shape) !== size(g.forwardOut)) return fb(a, f);
    const out = uninitF32(size(g.outShape));
    run(u, v, out, convDimsArray(g.dims));
    return a.backend.makeTensorInfo(g.outShape, 'float32', out);
  };

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
  add('Conv3DBackpropInputV2', convGrad(['dy', 'filter'], (a, _dy, filter) => {
    const at = a.attrs as { strides: Tuple3 | number; pad: Pad; inputShape: Shape5 };
    const ci = tf.backend_util.computeConv3DInfo(at.inputShape, filter.shape as Shape5, at.strides, 1, at.pad as 'same');
    return { dims: dims3(ci), forwardOut: ci.outShape, outShape: ci.inShape };
  }, (dv, wv, dx, d) => addon.conv3dBwdInput(dv, wv, dx, d)));
  add('Conv3DBackpropFilterV2', convGrad(['x', 'dy'], (a, x) => {
    const at = a.attrs as { strides: Tuple3 | number; pad: Pad; filterShape: Shape5 };
    const ci = tf.backend_util.computeConv3DInfo(x.shape as Shape5, at.filterShape, at.strides, 1, at.pad as 'same');
    return { dims: dims3(ci), forwardOut: ci.outShape, outShape: at.filterShape };
  }, (xv, dv, dw, d) => addon.conv3dBwdFilter(xv, dv, dw, d)));

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
  add('Conv2DBackpropInput', convGrad(['dy', 'filter'], (a, _dy, filter) => {
    const at = a.attrs as Conv2DAttrs & { inputShape: Shape4 };
    const ci = conv2dInfo(at.inputShape, filter.shape, { ...at, dilations: 1 });
    return ci && { dims: dims2(ci), forwardOut: ci.outShape, outShape: at.inputShape };
  }, (dv, wv, dx, d) => addon.conv3dBwdInput(dv, wv, dx, d)));
  add('Conv2DBackpropFilter', convGrad(['x', 'dy'], (a, x) => {
    const at = a.attrs as Conv2DAttrs & { filterShape: Shape4 };
    const ci = conv2dInfo(x.shape, at.filterShape, { ...at, dilations: 1 });
    return ci && { dims: dims2(ci), forwardOut: ci.outShape, outShape: at.filterShape };
  }, (xv, dv, dw, d) => addon.conv3dBwdFilter(xv, dv, dw, d)));
  add('FusedConv2D', (a, f) => {
    const r = conv2dForward(a);
    if (!r) return fb(a, f);
    const y = epilogue(addon, a, r.y, r.ci.outShape);
    return y ? a.backend.makeTensorInfo(r.ci.outShape, 'float32', y) : fb(a, f);
  });
}

// Kernel functions of the 'native' backend that call the C++ addon. Each one checks that its
// inputs are float32, channels-last and dilation 1 (the cases the addon implements) and otherwise
// runs the plain tfjs-cpu kernel on the same backend instance, so every input still works.

import * as tf from '@tensorflow/tfjs';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { convDimsArray, poolDimsArray, type ConvDims, type NativeAddon } from './addon.js';
import { uninitF32 } from './out-buffer.js';

type Info = tf.TensorInfo;
type Attrs = Record<string, unknown>;
interface Args {
  inputs: Record<string, Info>;
  backend: MathBackendCPU;
  attrs?: Attrs;
}

function cpuKernel(name: string): tf.KernelFunc {
  const k = tf.getKernel(name, 'cpu');
  if (!k) throw new Error(`ssl3d native: tfjs-cpu has no kernel ${name}`);
  return k.kernelFunc;
}

function f32(backend: MathBackendCPU, t: Info): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const v = backend.data.get(t.dataId)?.values;
  return v instanceof Float32Array ? v : null;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

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

// tf.backend_util typings want tuples; tfjs passes plain arrays at run time.
type Tuple3 = [number, number, number];
type Tuple2 = [number, number];
type Shape5 = [number, number, number, number, number];
type Shape4 = [number, number, number, number];
type Pad = 'valid' | 'same' | number;

/** Build the list of native kernel configs (backendName is set by the caller). */
export function nativeKernels(addon: NativeAddon): tf.KernelConfig[] {
  const out: tf.KernelConfig[] = [];
  const add = (kernelName: string, fn: (a: Args, fallback: tf.KernelFunc) => Info | Info[]): void => {
    const fallback = cpuKernel(kernelName);
    out.push({ kernelName, backendName: 'native', kernelFunc: ((a: Args) => fn(a, fallback)) as unknown as tf.KernelFunc });
  };
  const debug = process.env.SSL3D_NATIVE_DEBUG === '1';
  const reported = new Set<string>();
  const fb = (a: Args, f: tf.KernelFunc): Info | Info[] => {
    if (debug) {
      const key = `${f.name}:${Object.values(a.inputs).map((t) => `${t.dtype}[${t.shape}]`).join(',')}`;
      if (!reported.has(key)) {
        reported.add(key);
        process.stderr.write(`ssl3d native [SSL206]: cpu fallback for ${key}\n`);
      }
    }
    return f(a as unknown as Parameters<tf.KernelFunc>[0]) as Info | Info[];
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

  // ---- bias + activation epilogue shared by the fused kernels ------------------------------------
  const epilogue = (a: Args, y: Float32Array, shape: number[]): Float32Array | null => {
    const { bias, preluActivationWeights } = a.inputs as { bias?: Info; preluActivationWeights?: Info };
    const at = a.attrs as { activation?: string; leakyreluAlpha?: number };
    if (preluActivationWeights) return null;
    if (bias) {
      const bv = f32(a.backend, bias);
      if (!bv) return null;
      const bshape = bias.shape.length === 0 ? [1] : bias.shape;
      if (bshape.length !== 1 || (bshape[0] !== 1 && bshape[0] !== shape[shape.length - 1])) return null;
      const inner = shape[shape.length - 1] ?? 1;
      addon.binary(0, y, Int32Array.of(y.length / inner, inner), bv, Int32Array.of(1, bshape[0] ?? 1), y, Int32Array.of(y.length / inner, inner));
    }
    const act = at.activation ?? 'linear';
    const code = ({ linear: -1, relu: U.relu, relu6: U.relu6, elu: U.elu, sigmoid: U.sigmoid, leakyrelu: U.leaky } as Record<string, number>)[act];
    if (code === undefined) return null;
    if (code >= 0) addon.unary(code, y, y, at.leakyreluAlpha ?? 0.2);
    return y;
  };
  add('FusedConv2D', (a, f) => {
    const r = conv2dForward(a);
    if (!r) return fb(a, f);
    const y = epilogue(a, r.y, r.ci.outShape);
    return y ? a.backend.makeTensorInfo(r.ci.outShape, 'float32', y) : fb(a, f);
  });

  // ---- matrix multiply ---------------------------------------------------------------------
  const matmul = (a: Args): { shape: number[]; c: Float32Array } | null => {
    const { a: A, b: B } = a.inputs as { a: Info; b: Info };
    const at = a.attrs as { transposeA: boolean; transposeB: boolean };
    const av = f32(a.backend, A), bv = f32(a.backend, B);
    if (!av || !bv || A.shape.length < 2 || B.shape.length < 2) return null;
    const ra = A.shape.length, rb = B.shape.length;
    const M = at.transposeA ? A.shape[ra - 1]! : A.shape[ra - 2]!;
    const Ka = at.transposeA ? A.shape[ra - 2]! : A.shape[ra - 1]!;
    const Kb = at.transposeB ? B.shape[rb - 1]! : B.shape[rb - 2]!;
    const N = at.transposeB ? B.shape[rb - 2]! : B.shape[rb - 1]!;
    if (Ka !== Kb) return null;
    const outerA = A.shape.slice(0, -2), outerB = B.shape.slice(0, -2);
    const bA = size(outerA), bB = size(outerB);
    let outer: number[];
    if (bA === bB && outerA.join() === outerB.join()) outer = outerA;
    else if (bA === 1) outer = outerB.length >= outerA.length ? outerB : outerA.map(() => 1).slice(0, outerA.length - outerB.length).concat(outerB);
    else if (bB === 1) outer = outerA.length >= outerB.length ? outerA : outerB.map(() => 1).slice(0, outerB.length - outerA.length).concat(outerA);
    else return null;
    if (bA !== bB && bA !== 1 && bB !== 1) return null;
    const c = uninitF32(Math.max(bA, bB) * M * N);
    addon.matmul(av, bv, c, Int32Array.of(bA, bB, M, Ka, N, at.transposeA ? 1 : 0, at.transposeB ? 1 : 0));
    return { shape: [...outer, M, N], c };
  };
  add('BatchMatMul', (a, f) => {
    const r = matmul(a);
    return r ? a.backend.makeTensorInfo(r.shape, 'float32', r.c) : fb(a, f);
  });
  add('_FusedMatMul', (a, f) => {
    const r = matmul(a);
    if (!r) return fb(a, f);
    const y = epilogue(a, r.c, r.shape);
    return y ? a.backend.makeTensorInfo(r.shape, 'float32', y) : fb(a, f);
  });

  // ---- pooling -------------------------------------------------------------------------------
  type PoolAttrs = { filterSize: Tuple3 | number; strides: Tuple3 | number; pad: Pad; dimRoundingMode?: 'floor' | 'round' | 'ceil'; dataFormat?: string };
  type Pool2DAttrs = { filterSize: Tuple2 | number; strides: Tuple2 | number; pad: Pad; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
  const pool3dDims = (shape: number[], at: PoolAttrs): Int32Array | null => {
    if (at.dataFormat && at.dataFormat !== 'NDHWC') return null;
    const c = tf.backend_util.computePool3DInfo(shape as Shape5, at.filterSize, at.strides, 1, at.pad as 'same', at.dimRoundingMode);
    if (c.outDepth <= 0 || c.outHeight <= 0 || c.outWidth <= 0) return null;
    return poolDimsArray({
      n: c.batchSize, d: c.inDepth, h: c.inHeight, w: c.inWidth, c: c.inChannels,
      kd: c.filterDepth, kh: c.filterHeight, kw: c.filterWidth, sd: c.strideDepth, sh: c.strideHeight, sw: c.strideWidth,
      pd: c.padInfo.front, ph: c.padInfo.top, pw: c.padInfo.left, od: c.outDepth, oh: c.outHeight, ow: c.outWidth,
    });
  };
  const pool2dDims = (shape: number[], at: Pool2DAttrs): Int32Array | null => {
    const c = tf.backend_util.computePool2DInfo(shape as Shape4, at.filterSize, at.strides, 1, at.pad as 'same', at.dimRoundingMode);
    if (c.outHeight <= 0 || c.outWidth <= 0) return null;
    return poolDimsArray({
      n: c.batchSize, d: 1, h: c.inHeight, w: c.inWidth, c: c.inChannels,
      kd: 1, kh: c.filterHeight, kw: c.filterWidth, sd: 1, sh: c.strideHeight, sw: c.strideWidth,
      pd: 0, ph: c.padInfo.top, pw: c.padInfo.left, od: 1, oh: c.outHeight, ow: c.outWidth,
    });
  };
  const outShapeOf = (d: Int32Array, rank: number): number[] =>
    rank === 5 ? [d[0]!, d[14]!, d[15]!, d[16]!, d[4]!] : [d[0]!, d[15]!, d[16]!, d[4]!];
  for (const [name, kind, rank] of [['MaxPool3D', 0, 5], ['AvgPool3D', 1, 5], ['MaxPool', 0, 4], ['AvgPool', 1, 4]] as const) {
    add(name, (a, f) => {
      const { x } = a.inputs as { x: Info };
      const xv = f32(a.backend, x);
      if (!xv || x.shape.length !== rank) return fb(a, f);
      const d = rank === 5 ? pool3dDims(x.shape, a.attrs as PoolAttrs) : pool2dDims(x.shape, a.attrs as Pool2DAttrs);
      if (!d) return fb(a, f);
      const shape = outShapeOf(d, rank);
      const y = uninitF32(size(shape));
      addon.pool3d(xv, y, d, kind);
      return a.backend.makeTensorInfo(shape, 'float32', y);
    });
  }
  for (const [name, kind, rank] of [['MaxPool3DGrad', 0, 5], ['AvgPool3DGrad', 1, 5], ['MaxPoolGrad', 0, 4], ['AvgPoolGrad', 1, 4]] as const) {
    add(name, (a, f) => {
      const { dy, input } = a.inputs as { dy: Info; input: Info };
      const dv = f32(a.backend, dy), xv = f32(a.backend, input);
      if (!dv || !xv || input.shape.length !== rank) return fb(a, f);
      const d = rank === 5 ? pool3dDims(input.shape, a.attrs as PoolAttrs) : pool2dDims(input.shape, a.attrs as Pool2DAttrs);
      if (!d || size(outShapeOf(d, rank)) !== dv.length) return fb(a, f);
      const dx = uninitF32(xv.length);
      addon.pool3dGrad(dv, xv, dx, d, kind);
      return a.backend.makeTensorInfo(input.shape, 'float32', dx);
    });
  }

  // ---- broadcasting binary ops ---------------------------------------------------------------
  const binOps: Array<[string, number]> = [
    ['Add', 0], ['Sub', 1], ['Multiply', 2], ['RealDiv', 3], ['Maximum', 4], ['Minimum', 5], ['SquaredDifference', 6],
  ];
  for (const [name, op] of binOps) {
    add(name, (a, f) => {
      const { a: A, b: B } = a.inputs as { a: Info; b: Info };
      const av = f32(a.backend, A), bv = f32(a.backend, B);
      if (!av || !bv) return fb(a, f);
      const outShape = tf.backend_util.assertAndGetBroadcastShape(A.shape, B.shape);
      const n = size(outShape);
      if (n < 4096) return fb(a, f); // tiny tensors: the call overhead dominates
      const shapes = mergeBroadcastDims(outShape, A.shape, B.shape);
      const y = uninitF32(n);
      addon.binary(op, av, shapes.a, bv, shapes.b, y, shapes.out);
      return a.backend.makeTensorInfo(outShape, 'float32', y);
    });
  }

  // ---- reductions ----------------------------------------------------------------------------
  const redOps: Array<[string, number, string]> = [['Sum', 0, 'axis'], ['Mean', 1, 'axis'], ['Max', 2, 'reductionIndices'], ['Min', 3, 'axis']];
  for (const [name, op, axisKey] of redOps) {
    add(name, (a, f) => {
      const { x } = a.inputs as { x: Info };
      const at = a.attrs as Record<string, unknown> & { keepDims?: boolean };
      const xv = f32(a.backend, x);
      if (!xv || xv.length < 1024 || x.shape.length === 0) return fb(a, f);
      const axes = tf.util.parseAxisParam(at[axisKey] as number | number[], x.shape);
      if (axes.length === 0) return fb(a, f);
      const red = x.shape.map((_, i) => (axes.includes(i) ? 1 : 0));
      const merged = mergeReduceDims(x.shape, red);
      const outShape = at.keepDims ? x.shape.map((s, i) => (red[i] ? 1 : s)) : x.shape.filter((_, i) => !red[i]);
      const y = uninitF32(size(outShape));
      addon.reduce(op, xv, merged.shape, merged.red, y);
      return a.backend.makeTensorInfo(outShape, 'float32', y);
    });
  }

  // ---- unary ops -----------------------------------------------------------------------------
  const unOps: Array<[string, number]> = [
    ['Relu', U.relu], ['LeakyRelu', U.leaky], ['Elu', U.elu], ['Sigmoid', U.sigmoid], ['Tanh', U.tanh], ['Exp', U.exp],
    ['Log', U.log], ['Sqrt', U.sqrt], ['Square', U.square], ['Neg', U.neg], ['Abs', U.abs], ['Relu6', U.relu6], ['Step', U.step],
    ['Rsqrt', U.rsqrt], ['Reciprocal', U.recip], ['Log1p', U.log1p], ['Softplus', U.softplus],
  ];
  for (const [name, op] of unOps) {
    add(name, (a, f) => {
      const { x } = a.inputs as { x: Info };
      const xv = f32(a.backend, x);
      if (!xv || xv.length < 4096) return fb(a, f);
      const alpha = Number((a.attrs as { alpha?: number } | undefined)?.alpha ?? 0);
      const y = uninitF32(xv.length);
      addon.unary(op, xv, y, alpha);
      return a.backend.makeTensorInfo(x.shape, 'float32', y);
    });
  }

  add('ClipByValue', (a, f) => {
    const { x } = a.inputs as { x: Info };
    const { clipValueMin, clipValueMax } = a.attrs as { clipValueMin: number; clipValueMax: number };
    const xv = f32(a.backend, x);
    if (!xv || xv.length < 4096) return fb(a, f);
    const y = uninitF32(xv.length);
    addon.unary(U.clip, xv, y, clipValueMin, clipValueMax);
    return a.backend.makeTensorInfo(x.shape, 'float32', y);
  });

  // ---- transpose -----------------------------------------------------------------------------
  add('Transpose', (a, f) => {
    const { x } = a.inputs as { x: Info };
    const { perm } = a.attrs as { perm: number[] };
    const xv = f32(a.backend, x);
    if (!xv || x.shape.length < 2 || x.shape.length > 8 || xv.length < 4096) return fb(a, f);
    const m = mergeTransposeDims(x.shape, perm);
    const y = uninitF32(xv.length);
    addon.transpose(xv, m.shape, m.perm, y);
    return a.backend.makeTensorInfo(perm.map((p) => x.shape[p]!), 'float32', y);
  });

  // ---- concat / split (skip connections and their gradients) ----------------------------------
  add('Concat', (a, f) => {
    const xs = Object.values(a.inputs);
    const { axis } = a.attrs as { axis: number | number[] };
    if (xs.length === 0) return fb(a, f);
    const rank = xs[0]!.shape.length;
    const ax = tf.util.parseAxisParam(axis, xs[0]!.shape)[0]!;
    const vals = xs.map((x) => f32(a.backend, x));
    if (vals.some((v) => !v) || xs.some((x) => x.shape.length !== rank)) return fb(a, f);
    const outShape = tf.backend_util.computeOutShape(xs.map((x) => x.shape), ax);
    const outer = size(outShape.slice(0, ax));
    const outRow = size(outShape.slice(ax));
    if (outer * outRow < 4096) return fb(a, f);
    const y = uninitF32(outer * outRow);
    let off = 0;
    xs.forEach((x, i) => {
      const row = size(x.shape.slice(ax));
      if (row > 0) addon.copyRows(vals[i]!, y, Float64Array.of(outer, row, row, outRow, 0, off));
      off += row;
    });
    return a.backend.makeTensorInfo(outShape, 'float32', y);
  });
  add('SplitV', (a, f) => {
    const { x } = a.inputs as { x: Info };
    const { numOrSizeSplits, axis } = a.attrs as { numOrSizeSplits: number | number[]; axis: number };
    const xv = f32(a.backend, x);
    if (!xv || xv.length < 4096) return fb(a, f);
    const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, numOrSizeSplits, ax);
    const outer = size(x.shape.slice(0, ax));
    const inner = size(x.shape.slice(ax + 1));
    const row = x.shape[ax]! * inner;
    let off = 0;
    return sizes.map((s) => {
      const shape = x.shape.slice();
      shape[ax] = s;
      const y = uninitF32(outer * s * inner);
      if (s * inner > 0) addon.copyRows(xv, y, Float64Array.of(outer, s * inner, row, s * inner, off * inner, 0));
      off += s;
      return a.backend.makeTensorInfo(shape, 'float32', y);
    });
  });

  // ---- slice / pad / tile (crops, padding, broadcastTo) -------------------------------------
  const strides = (shape: number[]): number[] => {
    const st = new Array<number>(shape.length).fill(1);
    for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1]! * shape[i + 1]!;
    return st;
  };
  const scopy = (src: Float32Array, dst: Float32Array, shape: number[], ss: number[], ds: number[], so: number, dOff: number): void => {
    if (shape.length === 0) { dst[dOff] = src[so]!; return; }
    addon.stridedCopy(src, dst, Float64Array.from([shape.length, so, dOff, ...shape, ...ss, ...ds]));
  };
  add('Slice', (a, f) => {
    const { x } = a.inputs as { x: Info };
    const { begin, size: sz } = a.attrs as { begin: number | number[]; size: number | number[] };
    const xv = f32(a.backend, x);
    if (!xv || x.shape.length === 0 || x.shape.length > 8) return fb(a, f);
    const [b, s] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, sz);
    if (tf.slice_util.isSliceContinous(x.shape, b, s) || size(s) < 4096) return fb(a, f); // cpu uses a subarray there
    const xs = strides(x.shape);
    const y = uninitF32(size(s));
    scopy(xv, y, s, xs, strides(s), b.reduce((acc, v, i) => acc + v * xs[i]!, 0), 0);
    return a.backend.makeTensorInfo(s, 'float32', y);
  });
  add('PadV2', (a, f) => {
    const { x } = a.inputs as { x: Info };
    const { paddings, constantValue } = a.attrs as { paddings: Array<[number, number]>; constantValue: number };
    const xv = f32(a.backend, x);
    if (!xv || x.shape.length === 0 || x.shape.length > 8 || xv.length < 1024) return fb(a, f);
    const outShape = x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
    const os = strides(outShape);
    const y = new Float32Array(size(outShape));
    if (constantValue !== 0) y.fill(constantValue);
    scopy(xv, y, x.shape, strides(x.shape), os, 0, paddings.reduce((acc, p, i) => acc + p[0] * os[i]!, 0));
    return a.backend.makeTensorInfo(outShape, 'float32', y);
  });
  add('Tile', (a, f) => {
    const { x } = a.inputs as { x: Info };
    const { reps } = a.attrs as { reps: number[] };
    const xv = f32(a.backend, x);
    if (!xv || x.shape.length === 0 || x.shape.length > 8 || reps.length !== x.shape.length) return fb(a, f);
    const outShape = x.shape.map((d, i) => d * reps[i]!);
    const total = size(outShape);
    const tiles = size(x.shape.map((d, i) => (d === 1 ? 1 : reps[i]!)));
    if (total < 4096 || tiles > 4096) return fb(a, f);
    const os = strides(outShape);
    const y = new Float32Array(total);
    if (total > 0) {
      // Copy x once per tile; a dimension that repeats a size-1 axis becomes a stride-0 read instead.
      const shape = x.shape.map((d, i) => (d === 1 ? reps[i]! : d));
      const ss = strides(x.shape).map((st, i) => (x.shape[i] === 1 ? 0 : st));
      const tileReps = x.shape.map((d, i) => (d === 1 ? 1 : reps[i]!));
      const idx = new Array<number>(x.shape.length).fill(0);
      for (let t = 0; t < size(tileReps); t++) {
        scopy(xv, y, shape, ss, os, 0, idx.reduce((acc, k, i) => acc + k * x.shape[i]! * os[i]!, 0));
        for (let d = idx.length - 1; d >= 0; d--) {
          if (++idx[d]! < tileReps[d]!) break;
          idx[d] = 0;
        }
      }
    }
    return a.backend.makeTensorInfo(outShape, 'float32', y);
  });

  // ---- softmax (the segmenter's output layer) -----------------------------------------------
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
  const own = (kernelName: string, fn: (a: Args) => Info): void => {
    out.push({ kernelName, backendName: 'native', kernelFunc: fn as unknown as tf.KernelFunc });
  };
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

  return out;
}

/** Kernel names of the fused gradients (registered on 'native' only). */
export const CLIP_GRAD = 'SslClipGrad';
export const RELU_GRAD = 'SslReluGrad';
export const SOFTMAX_GRAD = 'SslSoftmaxGrad';

/** Unary op codes of the addon (native/src/kernels.cpp). */
const U = { relu: 0, leaky: 1, elu: 2, sigmoid: 3, tanh: 4, exp: 5, log: 6, sqrt: 7, square: 8, neg: 9, abs: 10, relu6: 11, step: 12, rsqrt: 13, recip: 14, log1p: 15, softplus: 16, clip: 17 };

/**
 * Expand both operand shapes to the output rank and merge adjacent dimensions that broadcast the
 * same way in both operands, so the C++ loop runs over long contiguous inner rows.
 */
export function mergeBroadcastDims(out: number[], a: number[], b: number[]): { out: Int32Array; a: Int32Array; b: Int32Array } {
  const r = out.length;
  const ea = [...Array(r - a.length).fill(1), ...a] as number[];
  const eb = [...Array(r - b.length).fill(1), ...b] as number[];
  const mo: number[] = [], ma: number[] = [], mb: number[] = [];
  const kind = (x: number, o: number): number => (o === 1 ? 2 : x === 1 ? 0 : 1); // 2 = size-1 dim, merges with anything
  for (let i = 0; i < r; i++) {
    const o = out[i]!, x = ea[i]!, y = eb[i]!;
    if (o === 1) continue;
    const last = mo.length - 1;
    if (last >= 0 && kind(ma[last]!, mo[last]!) === kind(x, o) && kind(mb[last]!, mo[last]!) === kind(y, o)) {
      mo[last]! *= o;
      ma[last]! *= x;
      mb[last]! *= y;
    } else {
      mo.push(o); ma.push(x); mb.push(y);
    }
  }
  if (mo.length === 0) { mo.push(1); ma.push(1); mb.push(1); }
  return { out: Int32Array.from(mo), a: Int32Array.from(ma), b: Int32Array.from(mb) };
}

/** Drop size-1 dims and merge adjacent dims that are both reduced or both kept. */
export function mergeReduceDims(shape: number[], red: number[]): { shape: Int32Array; red: Int32Array } {
  const s: number[] = [], r: number[] = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    const f = red[i]!;
    if (r.length && r[r.length - 1] === f) s[s.length - 1]! *= d;
    else { s.push(d); r.push(f); }
  });
  if (s.length === 0) { s.push(1); r.push(1); }
  return { shape: Int32Array.from(s), red: Int32Array.from(r) };
}

/** Drop size-1 dims and merge input dims that stay adjacent and in order under the permutation. */
export function mergeTransposeDims(shape: number[], perm: number[]): { shape: Int32Array; perm: Int32Array } {
  const keep = shape.map((d, i) => i).filter((i) => shape[i]! !== 1);
  const p = perm.filter((i) => shape[i]! !== 1).map((i) => keep.indexOf(i));
  const s = keep.map((i) => shape[i]!);
  // groups: runs in p of consecutive input axes
  const groups: number[][] = [];
  for (const ax of p) {
    const g = groups[groups.length - 1];
    if (g && g[g.length - 1]! + 1 === ax) g.push(ax);
    else groups.push([ax]);
  }
  const order = [...groups].sort((x, y) => x[0]! - y[0]!);
  const newShape = order.map((g) => g.reduce((acc, ax) => acc * s[ax]!, 1));
  const newPerm = groups.map((g) => order.indexOf(g));
  if (newShape.length === 0) return { shape: Int32Array.of(1), perm: Int32Array.of(0) };
  return { shape: Int32Array.from(newShape), perm: Int32Array.from(newPerm) };
}

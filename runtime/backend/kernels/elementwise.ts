// Native element-wise kernels: broadcasting binary ops, reductions over axes, unary ops and
// ClipByValue. Tensors below a few thousand values stay on tfjs-cpu (the call costs more).

import * as tf from '@tensorflow/tfjs';
import { uninitF32 } from '../out-buffer.js';
import { f32, size, U, type Info, type KernelKit } from './common.js';
import { mergeBroadcastDims, mergeReduceDims } from './shapes.js';

export function registerElementwiseKernels(k: KernelKit): void {
  const { add, fb, addon } = k;
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
}

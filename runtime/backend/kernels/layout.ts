// Native kernels that move values without arithmetic: Transpose, Concat and SplitV (skip
// connections and their gradients), Slice, PadV2 and Tile (crops, padding, broadcastTo).

import * as tf from '@tensorflow/tfjs';
import { uninitF32 } from '../out-buffer.js';
import { f32, size, type Info, type KernelKit } from './common.js';
import { mergeTransposeDims } from './shapes.js';

export function registerLayoutKernels(k: KernelKit): void {
  const { add, fb, addon } = k;
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
}

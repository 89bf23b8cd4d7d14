// Native max/average pooling in 3D and 2D (2D runs as 3D with depth 1) and their gradients.

import * as tf from '@tensorflow/tfjs';
import { poolDimsArray } from '../addon.js';
import { uninitF32 } from '../out-buffer.js';
import { f32, size, type Info, type KernelKit, type Pad, type Shape4, type Shape5, type Tuple2, type Tuple3 } from './common.js';

export function registerPoolKernels(k: KernelKit): void {
  const { add, fb, addon } = k;
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
}

// 3D max pooling and its gradient, channels-last, any window, stride and padding.
//
// The gradient is computed per input voxel: it visits the (for the U-Net's 2×2×2 / stride 2
// pooling: single) windows that contain it, finds each window's arg-max again from x, and adds that
// window's dy when the arg-max is this voxel. Ties go to the last maximum in (d, h, w) order, as
// in tfjs' cpu kernel. tfjs-webgpu instead materialises an int32 arg-max tensor first and then
// scatters through it, two passes and an extra full-size buffer.

import * as tf from '@tensorflow/tfjs';
import { groups, run, sizeOf, type KernelArgs, type ProgramSpec } from './program.js';

type Pool3DInfo = ReturnType<typeof tf.backend_util.computePool3DInfo>;

const GEOM: Array<[string, 'i32']> = ['D', 'H', 'W', 'C', 'FD', 'FH', 'FW', 'SD', 'SH', 'SW', 'PD', 'PH', 'PW', 'OD', 'OH', 'OW'].map((n) => [n, 'i32']);

function geom(c: Pool3DInfo): number[] {
  return [
    c.inDepth, c.inHeight, c.inWidth, c.inChannels,
    c.filterDepth, c.filterHeight, c.filterWidth,
    c.strideDepth, c.strideHeight, c.strideWidth,
    c.padInfo.front, c.padInfo.top, c.padInfo.left,
    c.outDepth, c.outHeight, c.outWidth,
  ];
}

// Arg-max (last maximum) of the window of output voxel (n, od, oh, ow) for channel c, as a flat
// input index, or -1 when the window holds no input voxel.
const ARGMAX = `
  fn windowArgmax(n : i32, od : i32, oh : i32, ow : i32, c : i32) -> i32 {
    var best = -1;
    var bestValue = 0.0;
    let d0 = od * uniforms.SD - uniforms.PD;
    let h0 = oh * uniforms.SH - uniforms.PH;
    let w0 = ow * uniforms.SW - uniforms.PW;
    for (var fd = 0; fd < uniforms.FD; fd++) {
      let d = d0 + fd;
      if (d < 0 || d >= uniforms.D) { continue; }
      for (var fh = 0; fh < uniforms.FH; fh++) {
        let h = h0 + fh;
        if (h < 0 || h >= uniforms.H) { continue; }
        for (var fw = 0; fw < uniforms.FW; fw++) {
          let w = w0 + fw;
          if (w < 0 || w >= uniforms.W) { continue; }
          let i = (((n * uniforms.D + d) * uniforms.H + h) * uniforms.W + w) * uniforms.C + c;
          let v = f32(X[i]);
          if (best < 0 || v >= bestValue) { best = i; bestValue = v; }
        }
      }
    }
    return best;
  }`;

function forward(c: Pool3DInfo): ProgramSpec {
  const n = sizeOf(c.outShape);
  return {
    key: 'maxpool3d', inputs: ['X'], uniforms: GEOM, workgroupSize: [64, 1, 1], dispatch: groups(n, 64), mode: 'elementwise',
    code: `
  ${ARGMAX}
  fn main(index : i32) {
    if (index < uniforms.size) {
      let c = index % uniforms.C; var t = index / uniforms.C;
      let ow = t % uniforms.OW; t = t / uniforms.OW;
      let oh = t % uniforms.OH; t = t / uniforms.OH;
      let od = t % uniforms.OD; let n = t / uniforms.OD;
      let i = windowArgmax(n, od, oh, ow, c);
      result[index] = select(0.0, f32(X[max(i, 0)]), i >= 0);
    }
  }`,
  };
}

function backward(c: Pool3DInfo): ProgramSpec {
  const n = sizeOf(c.inShape);
  return {
    key: 'maxpool3d_grad', inputs: ['X', 'DY'], uniforms: GEOM, workgroupSize: [64, 1, 1], dispatch: groups(n, 64), mode: 'elementwise',
    code: `
  ${ARGMAX}
  // Output positions o along one axis whose window [o·s − p, o·s − p + f) contains x.
  fn firstOut(x : i32, f : i32, s : i32, p : i32) -> i32 { return max(0, (x + p - f + s) / s); }
  fn main(index : i32) {
    if (index < uniforms.size) {
      let c = index % uniforms.C; var t = index / uniforms.C;
      let w = t % uniforms.W; t = t / uniforms.W;
      let h = t % uniforms.H; t = t / uniforms.H;
      let d = t % uniforms.D; let n = t / uniforms.D;
      var g = 0.0;
      for (var od = firstOut(d, uniforms.FD, uniforms.SD, uniforms.PD); od < uniforms.OD && od * uniforms.SD - uniforms.PD <= d; od++) {
        for (var oh = firstOut(h, uniforms.FH, uniforms.SH, uniforms.PH); oh < uniforms.OH && oh * uniforms.SH - uniforms.PH <= h; oh++) {
          for (var ow = firstOut(w, uniforms.FW, uniforms.SW, uniforms.PW); ow < uniforms.OW && ow * uniforms.SW - uniforms.PW <= w; ow++) {
            if (windowArgmax(n, od, oh, ow, c) == index) {
              g += f32(DY[(((n * uniforms.OD + od) * uniforms.OH + oh) * uniforms.OW + ow) * uniforms.C + c]);
            }
          }
        }
      }
      result[index] = g;
    }
  }`,
  };
}

interface PoolAttrs {
  filterSize: number | [number, number, number];
  strides: number | [number, number, number];
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: string;
}

export function poolKernels(stock: (name: string) => tf.KernelFunc | null): tf.KernelConfig[] {
  const out: tf.KernelConfig[] = [];
  const info = (shape: number[], a: PoolAttrs): Pool3DInfo =>
    tf.backend_util.computePool3DInfo(shape as [number, number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const fwdStock = stock('MaxPool3D');
  if (fwdStock) {
    out.push({
      kernelName: 'MaxPool3D', backendName: 'webgpu',
      kernelFunc: ((args: KernelArgs) => {
        const { x } = args.inputs as { x: tf.TensorInfo };
        const a = args.attrs as unknown as PoolAttrs;
        if (x.dtype !== 'float32' || (a.dataFormat !== undefined && a.dataFormat !== 'NDHWC')) return fwdStock(args as never);
        const c = info(x.shape, a);
        return run(args.backend, forward(c), [x], c.outShape, 'float32', geom(c));
      }) as unknown as tf.KernelFunc,
    });
  }
  const bwdStock = stock('MaxPool3DGrad');
  if (bwdStock) {
    out.push({
      kernelName: 'MaxPool3DGrad', backendName: 'webgpu',
      kernelFunc: ((args: KernelArgs) => {
        const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
        const a = args.attrs as unknown as PoolAttrs;
        if (input.dtype !== 'float32' || dy.dtype !== 'float32') return bwdStock(args as never);
        const c = info(input.shape, a);
        return run(args.backend, backward(c), [input, dy], input.shape, 'float32', geom(c));
      }) as unknown as tf.KernelFunc,
    });
  }
  return out;
}

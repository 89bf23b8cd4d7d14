// Sums over any axes (the statistics of batch/instance norm, bias gradients, the gradients of
// broadcasting ops), as one kernel over a [A, R, B] view: reduce the middle axis R, keep A and B.
// tfjs-webgpu reduces only the innermost axis, so for the channel statistics of an NDHWC tensor it
// first transposes the whole activation; here consecutive threads read consecutive channels
// (coalesced), each workgroup folds a slice of R in workgroup memory, and long reductions are
// split over many workgroups and finished by a second small pass.

import * as tf from '@tensorflow/tfjs';
import { sumSlices } from './conv.js';
import { WG_ID, run, sizeOf, type GpuBackend, type KernelArgs, type ProgramSpec } from './program.js';

const THREADS = 256;

/** Collapse `shape` with reduced `axes` to [A, R, B], or null when the axes are not one block. */
export function reduceView(shape: readonly number[], axes: readonly number[]): { A: number; R: number; B: number } | null {
  const red = new Set(axes.map((a) => (a < 0 ? a + shape.length : a)));
  const parts: Array<{ reduced: boolean; size: number }> = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    const reduced = red.has(i);
    const last = parts[parts.length - 1];
    if (last && last.reduced === reduced) last.size *= d;
    else parts.push({ reduced, size: d });
  });
  const pattern = parts.map((p) => (p.reduced ? 'R' : 'K')).join('');
  const sz = parts.map((p) => p.size);
  switch (pattern) {
    case '': return { A: 1, R: 1, B: 1 };
    case 'R': return { A: 1, R: sz[0]!, B: 1 };
    case 'K': return { A: 1, R: 1, B: sz[0]! };
    case 'RK': return { A: 1, R: sz[0]!, B: sz[1]! };
    case 'KR': return { A: sz[0]!, R: sz[1]!, B: 1 };
    case 'KRK': return { A: sz[0]!, R: sz[1]!, B: sz[2]! };
    default: return null;
  }
}

export interface ReduceView {
  A: number;
  R: number;
  B: number;
}

/** Layout of one reduction: lanes along B and R per workgroup, and the split of R. */
function plan(v: ReduceView): { BX: number; RY: number; tilesB: number; splits: number; chunk: number } {
  let BX = 1;
  while (BX < v.B && BX < 64) BX *= 2;
  const RY = THREADS / BX;
  const tilesB = Math.ceil(v.B / BX);
  const base = v.A * tilesB;
  let splits = Math.max(1, Math.min(Math.ceil(1024 / base), Math.floor(v.R / (RY * 16))));
  const chunk = Math.ceil(v.R / splits);
  splits = Math.ceil(v.R / chunk);
  return { BX, RY, tilesB, splits, chunk };
}

/**
 * Run a reduction of `exprs.length` (1 or 2) quantities over R of a [A, R, B] view. Each expression
 * is WGSL computing an f32 from `i` (the flat [A, R, B] index) and `ab` (a·B + b). The result has
 * shape [exprs.length, A·B] (scaled by `scale`).
 */
export function reduceABR(
  backend: GpuBackend, key: string, inputs: tf.TensorInfo[], names: string[], exprs: string[], v: ReduceView, scale: number, outShape: number[],
): tf.TensorInfo {
  const p = plan(v);
  const NO = exprs.length;
  const AB = v.A * v.B;
  const decl = exprs.map((_, k) => `var s${k} = 0.0;`).join(' ');
  const acc = exprs.map((e, k) => `s${k} += ${e};`).join(' ');
  const stash = exprs.map((_, k) => `red[${k * THREADS} + li] = s${k};`).join(' ');
  const fold = exprs.map((_, k) => `red[${k * THREADS} + li] += red[${k * THREADS} + li + st * ${p.BX}];`).join(' ');
  const write = exprs.map((_, k) => `result[(split * ${NO} + ${k}) * uniforms.AB + ab] = red[${k * THREADS} + li] * uniforms.scale;`).join(' ');
  const spec: ProgramSpec = {
    key: `reduce_${key}_${p.BX}_${p.RY}_${p.tilesB}`, inputs: names, workgroupSize: [THREADS, 1, 1], dispatch: [v.A * p.tilesB * p.splits, 1, 1], mode: 'tiled',
    uniforms: [['A', 'i32'], ['R', 'i32'], ['B', 'i32'], ['AB', 'i32'], ['chunk', 'i32'], ['total', 'i32'], ['scale', 'f32']],
    code: `
  var<workgroup> red : array<f32, ${THREADS * NO}>;
  ${WG_ID}
  fn main() {
    let wid = linearWorkgroupId();
    if (wid >= uniforms.total) { return; }
    let li = i32(localIndex);
    let bx = li % ${p.BX};
    let ry = li / ${p.BX};
    let tb = wid % ${p.tilesB};
    let rest = wid / ${p.tilesB};
    let a = rest % uniforms.A;
    let split = rest / uniforms.A;
    let b = tb * ${p.BX} + bx;
    let r0 = split * uniforms.chunk;
    let r1 = min(uniforms.R, r0 + uniforms.chunk);
    let ab = a * uniforms.B + b;
    ${decl}
    if (b < uniforms.B) {
      for (var r = r0 + ry; r < r1; r += ${p.RY}) {
        let i = (a * uniforms.R + r) * uniforms.B + b;
        ${acc}
      }
    }
    ${stash}
    workgroupBarrier();
    for (var st = ${p.RY / 2}; st > 0; st = st / 2) {
      if (ry < st) { ${fold} }
      workgroupBarrier();
    }
    if (ry == 0 && b < uniforms.B) { ${write} }
  }`,
  };
  const values = [v.A, v.R, v.B, AB, p.chunk, v.A * p.tilesB * p.splits, p.splits === 1 ? scale : 1];
  if (p.splits === 1) return run(backend, spec, inputs, outShape, 'float32', values);
  const partial = run(backend, spec, inputs, [p.splits, NO * AB], 'float32', values);
  const out = sumSlices(backend, partial, p.splits, outShape, scale);
  backend.disposeData(partial.dataId);
  return out;
}

export function reduceKernels(stock: (name: string) => tf.KernelFunc | null): tf.KernelConfig[] {
  const out: tf.KernelConfig[] = [];
  const cast = stock('Cast');
  for (const name of ['Sum', 'Mean'] as const) {
    const fb = stock(name);
    if (!fb) continue;
    out.push({
      kernelName: name, backendName: 'webgpu',
      kernelFunc: ((args: KernelArgs) => {
        const { x } = args.inputs as { x: tf.TensorInfo };
        const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
        const axes = tf.util.parseAxisParam(axis, x.shape);
        const v = reduceView(x.shape, axes);
        // int32 (e.g. counting one-hot labels): the stock kernel's transpose writes i32 into an f32
        // output and does not compile at rank 5, so reduce in f32 (exact up to 2^24) and cast back.
        if (x.dtype === 'int32' && cast && v !== null && v.R > 1 && name === 'Sum') {
          const be = args.backend;
          const xf = cast({ inputs: { x }, backend: be, attrs: { dtype: 'float32' } } as never) as tf.TensorInfo;
          const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
          const outShape = keepDims ? kept : x.shape.filter((_, i) => !axes.includes(i));
          const sf = reduceABR(be, 'sum', [xf], ['X'], ['f32(X[i])'], v, 1, outShape);
          const si = cast({ inputs: { x: sf }, backend: be, attrs: { dtype: 'int32' } } as never) as tf.TensorInfo;
          be.disposeData(xf.dataId);
          be.disposeData(sf.dataId);
          return si;
        }
        // Short innermost reductions are what the stock kernel does well.
        if (x.dtype !== 'float32' || v === null || v.R === 1 || sizeOf(x.shape) === 0 || (v.B === 1 && v.R < 256)) return fb(args as never);
        const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
        const outShape = keepDims ? kept : x.shape.filter((_, i) => !axes.includes(i));
        return reduceABR(args.backend, 'sum', [x], ['X'], ['f32(X[i])'], v, name === 'Mean' ? 1 / v.R : 1, outShape);
      }) as unknown as tf.KernelFunc,
    });
  }
  return out;
}

// 3D convolutions as tiled implicit GEMMs in WGSL: forward, input gradient (also the kernel of
// tf.conv3dTranspose) and filter gradient, channels-last (NDHWC, filters [KD, KH, KW, Ci, Co]),
// any stride and padding, dilation 1.
//
// Each workgroup computes a TM×TN tile of the output matrix with TM·TN/16 threads, each thread a
// 4×4 block held in four vec4 accumulators. The reduction runs in chunks of TK = 16: the A and B
// slices of a chunk are staged in workgroup memory (one global read per element per tile), then
// every thread does 16 rank-1 vec4 updates from it. The gather of the implicit matrix (which voxel
// and tap a row/column is) is decoded once per workgroup into workgroup memory, not per element.
//
//   forward        y[m, co]   = Σ_(tap,ci) x[pos(m) + tap, ci] · w[tap, ci, co]      m: output voxels
//   input grad     dx[m, ci]  = Σ_(tap,co) dy[(m + pad − tap)/s, co] · w[tap, ci, co] m: input voxels
//   filter grad    dw[(tap,ci), co] = Σ_p x[pos(p) + tap, ci] · dy[p, co]           p: output voxels
//
// The filter gradient reduces over every output voxel of the batch (524 288 at [2, 64³]) into a
// small matrix, so it also splits that reduction over many workgroups (split-K) and sums the
// partial results in a second pass; a plain tiling would leave most of a large GPU idle.

import * as tf from '@tensorflow/tfjs';
import { WG_ID, run, sizeOf, type GpuBackend, type ProgramSpec } from './program.js';

type Conv3DInfo = ReturnType<typeof tf.backend_util.computeConv3DInfo>;

const TK = 16;

/** Tile width for `n` output columns: narrow layers (4–16 channels) waste less with a narrow tile. */
function tileN(n: number): number {
  return n <= 16 ? 16 : n <= 32 ? 32 : 64;
}

/** Shared declarations and the vec4 inner product of one staged chunk. */
function gemmCore(TM: number, TN: number): string {
  return `
  var<workgroup> As : array<f32, ${TK * TM}>;
  var<workgroup> Bs : array<f32, ${TK * TN}>;
  fn multiplyChunk(tx : i32, ty : i32, acc : ptr<function, array<vec4<f32>, 4>>) {
    for (var kk = 0; kk < ${TK}; kk++) {
      let ao = kk * ${TM} + ty * 4;
      let bo = kk * ${TN} + tx * 4;
      let a = vec4<f32>(As[ao], As[ao + 1], As[ao + 2], As[ao + 3]);
      let b = vec4<f32>(Bs[bo], Bs[bo + 1], Bs[bo + 2], Bs[bo + 3]);
      (*acc)[0] = fma(vec4<f32>(a.x), b, (*acc)[0]);
      (*acc)[1] = fma(vec4<f32>(a.y), b, (*acc)[1]);
      (*acc)[2] = fma(vec4<f32>(a.z), b, (*acc)[2]);
      (*acc)[3] = fma(vec4<f32>(a.w), b, (*acc)[3]);
    }
  }`;
}

const GEOM: Array<[string, 'i32']> = [
  'N', 'D', 'H', 'W', 'Ci', 'KD', 'KH', 'KW', 'Co', 'SD', 'SH', 'SW', 'PD', 'PH', 'PW', 'OD', 'OH', 'OW',
].map((n) => [n, 'i32']);

function geomValues(c: Conv3DInfo): number[] {
  return [
    c.batchSize, c.inDepth, c.inHeight, c.inWidth, c.inChannels,
    c.filterDepth, c.filterHeight, c.filterWidth, c.outChannels,
    c.strideDepth, c.strideHeight, c.strideWidth,
    c.padInfo.front, c.padInfo.top, c.padInfo.left,
    c.outDepth, c.outHeight, c.outWidth,
  ];
}

const u = (n: string): string => `uniforms.${n}`;

/** Tile sizes of a row-tiled implicit GEMM with M rows and Nc columns. */
function rowTiles(M: number, Nc: number): { TM: number; TN: number; T: number; tilesN: number; tiles: number } {
  const TN = tileN(Nc), TM = 64;
  const tilesN = Math.ceil(Nc / TN);
  return { TM, TN, T: (TM * TN) / 16, tilesN, tiles: Math.ceil(M / TM) * tilesN };
}

/**
 * The WGSL shared by the forward and input-gradient kernels: one workgroup per TM×TN output tile,
 * a row table (`rowBase`, filled by `rowDecode` for row m), K chunks of TK staged by `loadChunk`
 * (which sees k0, k = k0 + kkA, li, n0, rowBase) into As/Bs, and the 4×4 per-thread results
 * written to `result[m * N + n]` (through `epilogue`, e.g. bias + ReLU). `reduceChannels` is the
 * uniform the taps multiply to get K.
 */
function rowTiledKernel(t: { TM: number; TN: number; T: number; tilesN: number }, reduceChannels: string, outChannels: string, rowDecode: string, loadChunk: string, epilogue = (v: string): string => v): string {
  const { TM, TN, T, tilesN } = t;
  return `
  ${gemmCore(TM, TN)}
  var<workgroup> rowBase : array<vec4<i32>, ${TM}>;
  ${WG_ID}
  fn main() {
    let wid = linearWorkgroupId();
    if (wid >= ${u('tiles')}) { return; }
    let li = i32(localIndex);
    let m0 = (wid / ${tilesN}) * ${TM};
    let n0 = (wid % ${tilesN}) * ${TN};
    let M = ${u('M')};
    let K = ${u('KD')} * ${u('KH')} * ${u('KW')} * ${u(reduceChannels)};
    for (var r = li; r < ${TM}; r += ${T}) {
      let m = m0 + r;
      if (m < M) {
        ${rowDecode}
      } else {
        rowBase[r] = vec4<i32>(-1, 0, 0, 0);
      }
    }
    let tx = li % ${TN / 4};
    let ty = li / ${TN / 4};
    var acc : array<vec4<f32>, 4>;
    let kkA = li % ${TK};
    for (var k0 = 0; k0 < K; k0 += ${TK}) {
      workgroupBarrier();
      let k = k0 + kkA;
      ${loadChunk}
      workgroupBarrier();
      multiplyChunk(tx, ty, &acc);
    }
    for (var i = 0; i < 4; i++) {
      let m = m0 + ty * 4 + i;
      if (m < M) {
        for (var j = 0; j < 4; j++) {
          let n = n0 + tx * 4 + j;
          if (n < ${u(outChannels)}) { result[m * ${u(outChannels)} + n] = ${epilogue('acc[i][j]')}; }
        }
      }
    }
  }`;
}

/**
 * Forward: rows are output voxels, columns output channels, reduction (tap, ci). With `biasRelu`
 * the write is max(acc + bias[co], 0) (a third input, Bias).
 */
function forwardSpec(c: Conv3DInfo, biasRelu = false): { spec: ProgramSpec; values: number[] } {
  const M = c.batchSize * c.outDepth * c.outHeight * c.outWidth;
  const t = rowTiles(M, c.outChannels);
  const { TM, TN, T } = t;
  // Row table: batch index and the front-top-left input corner of each output voxel.
  const rowDecode = `let ow = m % ${u('OW')}; let t1 = m / ${u('OW')};
        let oh = t1 % ${u('OH')}; let t2 = t1 / ${u('OH')};
        let od = t2 % ${u('OD')}; let n = t2 / ${u('OD')};
        rowBase[r] = vec4<i32>(n, od * ${u('SD')} - ${u('PD')}, oh * ${u('SH')} - ${u('PH')}, ow * ${u('SW')} - ${u('PW')});`;
  const loadChunk = `// A: each thread one reduction index k (tap, ci) for several rows.
      let ci = k % ${u('Ci')}; let tap = k / ${u('Ci')};
      let kw = tap % ${u('KW')}; let t3 = tap / ${u('KW')};
      let kh = t3 % ${u('KH')}; let kd = t3 / ${u('KH')};
      for (var r = li / ${TK}; r < ${TM}; r += ${T / TK}) {
        let b = rowBase[r];
        let id = b.y + kd; let ih = b.z + kh; let iw = b.w + kw;
        var v = 0.0;
        if (k < K && b.x >= 0 && id >= 0 && id < ${u('D')} && ih >= 0 && ih < ${u('H')} && iw >= 0 && iw < ${u('W')}) {
          v = f32(X[(((b.x * ${u('D')} + id) * ${u('H')} + ih) * ${u('W')} + iw) * ${u('Ci')} + ci]);
        }
        As[kkA * ${TM} + r] = v;
      }
      // B: filter rows are contiguous in co.
      for (var e = li; e < ${TK * TN}; e += ${T}) {
        let kk = e / ${TN}; let nn = e % ${TN};
        var v = 0.0;
        if (k0 + kk < K && n0 + nn < ${u('Co')}) { v = f32(Wt[(k0 + kk) * ${u('Co')} + n0 + nn]); }
        Bs[kk * ${TN} + nn] = v;
      }`;
  return {
    spec: {
      key: `conv3d_fwd_${TM}x${TN}_n${t.tilesN}${biasRelu ? '_br' : ''}`, inputs: biasRelu ? ['X', 'Wt', 'Bias'] : ['X', 'Wt'],
      uniforms: [...GEOM, ['M', 'i32'], ['tiles', 'i32']], workgroupSize: [T, 1, 1], dispatch: [t.tiles, 1, 1], mode: 'tiled',
      code: rowTiledKernel(t, 'Ci', 'Co', rowDecode, loadChunk, biasRelu ? (v) => `max(${v} + f32(Bias[n]), 0.0)` : undefined),
    },
    values: [...geomValues(c), M, t.tiles],
  };
}

/**
 * Input gradient: rows are input voxels, columns input channels, reduction (tap, co). With
 * `masked` dy counts only where the layer's ReLU output Y (a third input) is > 0: the ReLU
 * gradient applied while loading, with no masked copy of dy.
 */
const dyLoad = (masked: boolean, q: string): string => masked ? `select(0.0, f32(DY[${q}]), f32(Y[${q}]) > 0.0)` : `f32(DY[${q}])`;

function inputGradSpec(c: Conv3DInfo, masked = false): { spec: ProgramSpec; values: number[] } {
  const M = c.batchSize * c.inDepth * c.inHeight * c.inWidth;
  const t = rowTiles(M, c.inChannels);
  const { TM, TN, T } = t;
  const unit = c.strideDepth === 1 && c.strideHeight === 1 && c.strideWidth === 1;
  // With stride s, input voxel d receives tap kd from output (d + pad − kd)/s when that divides.
  const coord = (v: string, S: string, O: string): string => unit
    ? `let o${v} = q${v}; let ok${v} = o${v} >= 0 && o${v} < ${u(O)};`
    : `let o${v} = q${v} / ${u(S)}; let ok${v} = q${v} >= 0 && q${v} % ${u(S)} == 0 && o${v} < ${u(O)};`;
  const rowDecode = `let w = m % ${u('W')}; let t1 = m / ${u('W')};
        let h = t1 % ${u('H')}; let t2 = t1 / ${u('H')};
        let d = t2 % ${u('D')}; let n = t2 / ${u('D')};
        rowBase[r] = vec4<i32>(n, d + ${u('PD')}, h + ${u('PH')}, w + ${u('PW')});`;
  const loadChunk = `let co = k % ${u('Co')}; let tap = k / ${u('Co')};
      let kw = tap % ${u('KW')}; let t3 = tap / ${u('KW')};
      let kh = t3 % ${u('KH')}; let kd = t3 / ${u('KH')};
      for (var r = li / ${TK}; r < ${TM}; r += ${T / TK}) {
        let b = rowBase[r];
        let qd = b.y - kd; let qh = b.z - kh; let qw = b.w - kw;
        ${coord('d', 'SD', 'OD')}
        ${coord('h', 'SH', 'OH')}
        ${coord('w', 'SW', 'OW')}
        var v = 0.0;
        if (k < K && b.x >= 0 && okd && okh && okw) {
          let q = (((b.x * ${u('OD')} + od) * ${u('OH')} + oh) * ${u('OW')} + ow) * ${u('Co')} + co;
          v = ${dyLoad(masked, 'q')};
        }
        As[kkA * ${TM} + r] = v;
      }
      // B[(tap, co), ci] = w[tap, ci, co]: the same k for every column of this thread.
      for (var nn = li / ${TK}; nn < ${TN}; nn += ${T / TK}) {
        var v = 0.0;
        let ci = n0 + nn;
        if (k < K && ci < ${u('Ci')}) { v = f32(Wt[(tap * ${u('Ci')} + ci) * ${u('Co')} + co]); }
        Bs[kkA * ${TN} + nn] = v;
      }`;
  return {
    spec: {
      key: `conv3d_dx_${TM}x${TN}_n${t.tilesN}_${unit ? 's1' : 'sN'}${masked ? '_m' : ''}`, inputs: masked ? ['DY', 'Wt', 'Y'] : ['DY', 'Wt'], uniforms: [...GEOM, ['M', 'i32'], ['tiles', 'i32']],
      workgroupSize: [T, 1, 1], dispatch: [t.tiles, 1, 1], mode: 'tiled', code: rowTiledKernel(t, 'Co', 'Ci', rowDecode, loadChunk),
    },
    values: [...geomValues(c), M, t.tiles],
  };
}

/**
 * Filter gradient with split-K: rows (tap, ci), columns co, reduction over the P output voxels in
 * `splits` slices of `chunk` voxels. With splits > 1 the result is [splits, K·Co] partial sums.
 */
function filterGradSpec(c: Conv3DInfo, maxWorkgroups: number, maxPartialFloats: number, minVoxels: number, masked = false): { spec: ProgramSpec; values: number[]; splits: number; K: number } {
  const P = c.batchSize * c.outDepth * c.outHeight * c.outWidth;
  const K = c.filterDepth * c.filterHeight * c.filterWidth * c.inChannels;
  const Nc = c.outChannels;
  const TN = tileN(Nc), TM = 64, T = (TM * TN) / 16;
  const tilesN = Math.ceil(Nc / TN), tilesM = Math.ceil(K / TM);
  const tiles = tilesN * tilesM;
  // Enough workgroups to fill a large GPU, each with at least `minVoxels` voxels of reduction.
  let splits = Math.max(1, Math.min(Math.ceil(maxWorkgroups / tiles), Math.floor(P / minVoxels)));
  splits = Math.max(1, Math.min(splits, Math.floor(maxPartialFloats / (K * Nc))));
  const chunk = Math.ceil(Math.ceil(P / splits) / TK) * TK;
  splits = Math.ceil(P / chunk);
  const code = `
  ${gemmCore(TM, TN)}
  var<workgroup> colBase : array<vec4<i32>, ${TK}>;
  ${WG_ID}
  fn main() {
    let wid = linearWorkgroupId();
    if (wid >= ${u('tiles')} * ${u('splits')}) { return; }
    let li = i32(localIndex);
    let tile = wid % ${u('tiles')};
    let split = wid / ${u('tiles')};
    let m0 = (tile / ${tilesN}) * ${TM};
    let n0 = (tile % ${tilesN}) * ${TN};
    let K = ${u('K')};
    let P = ${u('P')};
    let pStart = split * ${u('chunk')};
    let pEnd = min(P, pStart + ${u('chunk')});
    // This thread's A row (tap, ci) is fixed: decode it once.
    let mm = li % ${TM};
    let row = m0 + mm;
    let ci = row % ${u('Ci')}; let tap = row / ${u('Ci')};
    let kw = tap % ${u('KW')}; let t3 = tap / ${u('KW')};
    let kh = t3 % ${u('KH')}; let kd = t3 / ${u('KH')};
    let tx = li % ${TN / 4};
    let ty = li / ${TN / 4};
    var acc : array<vec4<f32>, 4>;
    for (var p0 = pStart; p0 < pEnd; p0 += ${TK}) {
      workgroupBarrier();
      // Column table for this chunk: batch index and input corner of each output voxel.
      if (li < ${TK}) {
        let p = p0 + li;
        if (p < pEnd) {
          let ow = p % ${u('OW')}; let s1 = p / ${u('OW')};
          let oh = s1 % ${u('OH')}; let s2 = s1 / ${u('OH')};
          let od = s2 % ${u('OD')}; let n = s2 / ${u('OD')};
          colBase[li] = vec4<i32>(n, od * ${u('SD')} - ${u('PD')}, oh * ${u('SH')} - ${u('PH')}, ow * ${u('SW')} - ${u('PW')});
        } else {
          colBase[li] = vec4<i32>(-1, 0, 0, 0);
        }
      }
      workgroupBarrier();
      for (var kk = li / ${TM}; kk < ${TK}; kk += ${T / TM}) {
        let b = colBase[kk];
        let id = b.y + kd; let ih = b.z + kh; let iw = b.w + kw;
        var v = 0.0;
        if (row < K && b.x >= 0 && id >= 0 && id < ${u('D')} && ih >= 0 && ih < ${u('H')} && iw >= 0 && iw < ${u('W')}) {
          v = f32(X[(((b.x * ${u('D')} + id) * ${u('H')} + ih) * ${u('W')} + iw) * ${u('Ci')} + ci]);
        }
        As[kk * ${TM} + mm] = v;
      }
      for (var e = li; e < ${TK * TN}; e += ${T}) {
        let kk = e / ${TN}; let nn = e % ${TN};
        var v = 0.0;
        if (p0 + kk < pEnd && n0 + nn < ${u('Co')}) { let q = (p0 + kk) * ${u('Co')} + n0 + nn; v = ${dyLoad(masked, 'q')}; }
        Bs[kk * ${TN} + nn] = v;
      }
      workgroupBarrier();
      multiplyChunk(tx, ty, &acc);
    }
    let base = split * K * ${u('Co')};
    for (var i = 0; i < 4; i++) {
      let m = m0 + ty * 4 + i;
      if (m < K) {
        for (var j = 0; j < 4; j++) {
          let n = n0 + tx * 4 + j;
          if (n < ${u('Co')}) { result[base + m * ${u('Co')} + n] = acc[i][j]; }
        }
      }
    }
  }`;
  return {
    spec: {
      key: `conv3d_dw_${TM}x${TN}_n${tilesN}${masked ? '_m' : ''}`, inputs: masked ? ['X', 'DY', 'Y'] : ['X', 'DY'],
      uniforms: [...GEOM, ['K', 'i32'], ['P', 'i32'], ['tiles', 'i32'], ['splits', 'i32'], ['chunk', 'i32']],
      workgroupSize: [T, 1, 1], dispatch: [tiles * splits, 1, 1], mode: 'tiled', code,
    },
    values: [...geomValues(c), K, P, tiles, splits, chunk],
    splits,
    K,
  };
}

/** Sum `splits` consecutive slices of length `len` (the second pass of split-K). */
export function sumSlices(backend: GpuBackend, partial: tf.TensorInfo, splits: number, outShape: number[], scale = 1): tf.TensorInfo {
  const len = sizeOf(outShape);
  const spec: ProgramSpec = {
    key: 'sum_slices', inputs: ['Part'], uniforms: [['len', 'i32'], ['splits', 'i32'], ['scale', 'f32']],
    workgroupSize: [64, 1, 1], dispatch: [Math.ceil(len / 64), 1, 1], mode: 'elementwise',
    code: `
  fn main(index : i32) {
    if (index < uniforms.size) {
      var s = 0.0;
      for (var k = 0; k < uniforms.splits; k++) { s += f32(Part[k * uniforms.len + index]); }
      result[index] = s * uniforms.scale;
    }
  }`,
  };
  return run(backend, spec, [partial], outShape, 'float32', [len, splits, scale]);
}

function usable(c: Conv3DInfo): boolean {
  return c.dilationDepth === 1 && c.dilationHeight === 1 && c.dilationWidth === 1 && c.padInfo.front >= 0 && c.padInfo.top >= 0 && c.padInfo.left >= 0;
}

/** conv3d, or relu(conv3d + bias) when `bias` is given. */
export function conv3dGpu(backend: GpuBackend, x: tf.TensorInfo, w: tf.TensorInfo, c: Conv3DInfo, bias?: tf.TensorInfo): tf.TensorInfo | null {
  if (!usable(c) || x.dtype !== 'float32' || w.dtype !== 'float32' || (bias && bias.dtype !== 'float32')) return null;
  const { spec, values } = forwardSpec(c, bias !== undefined);
  return run(backend, spec, bias ? [x, w, bias] : [x, w], c.outShape, 'float32', values);
}

/** The input gradient; with `reluOut` only where that ReLU output is > 0. */
export function conv3dInputGradGpu(backend: GpuBackend, dy: tf.TensorInfo, w: tf.TensorInfo, c: Conv3DInfo, reluOut?: tf.TensorInfo): tf.TensorInfo | null {
  if (!usable(c) || dy.dtype !== 'float32' || w.dtype !== 'float32') return null;
  const { spec, values } = inputGradSpec(c, reluOut !== undefined);
  return run(backend, spec, reluOut ? [dy, w, reluOut] : [dy, w], c.inShape, 'float32', values);
}

/** Split-K tuning: the workgroups to aim for and the partial-sum memory to allow (floats). */
export const filterGradTuning = { maxWorkgroups: 2048, maxPartialFloats: 16 * 1024 * 1024, minVoxelsPerSplit: 256 };

/** The filter gradient; with `reluOut` only where that ReLU output is > 0. */
export function conv3dFilterGradGpu(backend: GpuBackend, x: tf.TensorInfo, dy: tf.TensorInfo, c: Conv3DInfo, reluOut?: tf.TensorInfo): tf.TensorInfo | null {
  if (!usable(c) || x.dtype !== 'float32' || dy.dtype !== 'float32') return null;
  const filterShape = [c.filterDepth, c.filterHeight, c.filterWidth, c.inChannels, c.outChannels];
  const { spec, values, splits, K } = filterGradSpec(c, filterGradTuning.maxWorkgroups, filterGradTuning.maxPartialFloats, filterGradTuning.minVoxelsPerSplit, reluOut !== undefined);
  const inputs = reluOut ? [x, dy, reluOut] : [x, dy];
  if (splits === 1) return run(backend, spec, inputs, filterShape, 'float32', values);
  const partial = run(backend, spec, inputs, [splits, K * c.outChannels], 'float32', values);
  const out = sumSlices(backend, partial, splits, filterShape);
  backend.disposeData(partial.dataId);
  return out;
}

type Tuple3 = [number, number, number];
type Shape5 = [number, number, number, number, number];
interface ConvAttrs {
  strides: number | Tuple3;
  pad: 'valid' | 'same';
  dilations?: number | Tuple3;
  dataFormat?: string;
  inputShape?: number[];
  filterShape?: number[];
}

export function convKernels(stock: (name: string) => tf.KernelFunc | null): tf.KernelConfig[] {
  const fallback = (name: string): tf.KernelFunc => {
    const f = stock(name);
    if (!f) throw new Error(`ssl3d webgpu: no stock ${name} kernel`);
    return f;
  };
  const out: tf.KernelConfig[] = [];
  const add = (name: string, f: (args: { inputs: Record<string, tf.TensorInfo>; backend: GpuBackend; attrs: ConvAttrs }) => tf.TensorInfo | null): void => {
    const fb = fallback(name);
    out.push({
      kernelName: name, backendName: 'webgpu',
      kernelFunc: ((args: { inputs: Record<string, tf.TensorInfo>; backend: GpuBackend; attrs: ConvAttrs }) => {
        if (args.attrs.dataFormat !== undefined && args.attrs.dataFormat !== 'NDHWC') return fb(args as never);
        return f(args) ?? fb(args as never);
      }) as unknown as tf.KernelFunc,
    });
  };
  add('Conv3D', ({ inputs, backend, attrs }) => {
    const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const c = tf.backend_util.computeConv3DInfo(x.shape as Shape5, filter.shape as Shape5, attrs.strides, attrs.dilations ?? 1, attrs.pad);
    return conv3dGpu(backend, x, filter, c);
  });
  add('Conv3DBackpropInputV2', ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const c = tf.backend_util.computeConv3DInfo(attrs.inputShape as Shape5, filter.shape as Shape5, attrs.strides, 1, attrs.pad);
    return conv3dInputGradGpu(backend, dy, filter, c);
  });
  add('Conv3DBackpropFilterV2', ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const c = tf.backend_util.computeConv3DInfo(x.shape as Shape5, attrs.filterShape as Shape5, attrs.strides, 1, attrs.pad);
    return conv3dFilterGradGpu(backend, x, dy, c);
  });
  return out;
}

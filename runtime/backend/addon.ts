// Loader for the C++ kernel addon (native/build/ssl3d_native.node). The addon is optional: when
// it was not built (no compiler at install time), cannot load, or SSL3D_NO_NATIVE=1 is set, the
// loader returns null and says why, and the registry falls back to the plain `cpu` backend.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../version.js';

/** Conv geometry passed to the addon (channels-last, dilation 1); 2D convs use D = KD = 1. */
export interface ConvDims {
  n: number;
  d: number; h: number; w: number; ci: number;
  kd: number; kh: number; kw: number; co: number;
  sd: number; sh: number; sw: number;
  /** Zero padding before the first element along D, H, W. */
  pd: number; ph: number; pw: number;
  od: number; oh: number; ow: number;
}

/** Pool geometry (channels-last). */
export interface PoolDims {
  n: number; d: number; h: number; w: number; c: number;
  kd: number; kh: number; kw: number;
  sd: number; sh: number; sw: number;
  pd: number; ph: number; pw: number;
  od: number; oh: number; ow: number;
}

/** The functions the C++ addon exports (see native/src/addon.cpp). All buffers are float32. */
export interface NativeAddon {
  /** Instruction set the kernels run with: 'avx512', 'avx2' or 'scalar'. */
  isa(): string;
  threads(): number;
  setThreads(n: number): void;
  /** Measured fp32 peak (GFLOP/s) of an FMA loop on all threads for about `ms` milliseconds. */
  fmaPeak(ms: number): number;
  conv3dFwd(x: Float32Array, w: Float32Array, y: Float32Array, dims: Int32Array): void;
  conv3dBwdInput(dy: Float32Array, w: Float32Array, dx: Float32Array, dims: Int32Array): void;
  conv3dBwdFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, dims: Int32Array): void;
  /** C[b] = op(A[b]) · op(B[b]); dims = [batchA, batchB, M, K, N, transA, transB]. */
  matmul(a: Float32Array, b: Float32Array, c: Float32Array, dims: Int32Array): void;
  /** kind 0 = max, 1 = avg. */
  pool3d(x: Float32Array, y: Float32Array, dims: Int32Array, kind: number): void;
  pool3dGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, dims: Int32Array, kind: number): void;
  /** Broadcasting binary op; shapes already expanded to the same rank (max 8). */
  binary(op: number, a: Float32Array, aShape: Int32Array, b: Float32Array, bShape: Int32Array, out: Float32Array, outShape: Int32Array): void;
  /** Reduce over the axes flagged in `reduce` (1 = reduced); op 0 sum, 1 mean, 2 max, 3 min. */
  reduce(op: number, x: Float32Array, shape: Int32Array, reduce: Int32Array, out: Float32Array): void;
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number, beta?: number): void;
  transpose(x: Float32Array, shape: Int32Array, perm: Int32Array, out: Float32Array): void;
  /** dims = [rows, len, srcStride, dstStride, srcOffset, dstOffset] in floats. */
  copyRows(src: Float32Array, dst: Float32Array, dims: Float64Array): void;
  /** Strided block copy; dims = [rank, srcOffset, dstOffset, ...shape, ...srcStrides, ...dstStrides]. */
  stridedCopy(src: Float32Array, dst: Float32Array, dims: Float64Array): void;
  /** Fused normalisation forward over x viewed as [G][S][C]; dims = [G, S, C]. */
  normFwd(x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array, mean: Float32Array, inv: Float32Array, dims: Float64Array, eps: number): void;
  normBwd(x: Float32Array, dy: Float32Array, gamma: Float32Array, mean: Float32Array, inv: Float32Array, dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, dims: Float64Array): void;
  /** One Adam update, out of place; params = [lr, b1, 1−b1, b2, 1−b2, 1−b1^t, 1−b2^t, eps, weightDecay]. */
  adam(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, wOut: Float32Array, mOut: Float32Array, vOut: Float32Array, params: Float64Array): void;
  /** Softmax over the last axis of x viewed as [rows, cols]; dims = [rows, cols]. */
  softmax(x: Float32Array, y: Float32Array, dims: Float64Array): void;
  /** dx = dy·y − Σ_last(dy·y)·y for y = softmax(x); dims = [rows, cols]. */
  softmaxGrad(dy: Float32Array, y: Float32Array, dx: Float32Array, dims: Float64Array): void;
  /** dx = dy · step(x). */
  reluGrad(dy: Float32Array, x: Float32Array, dx: Float32Array): void;
  /** Fill `out` with an inverted-dropout mask drawn from runtime/rng.ts's Rng(seed): keep where nextU32() ≥ threshold. */
  dropoutMask(out: Float32Array, seed: number, threshold: number, keep: number): void;
  /** In place on y viewed as [rows, C] (C = bias.length): y += bias, then ReLU when `relu`. */
  biasAct(y: Float32Array, bias: Float32Array, relu: boolean): void;
  /** dz = dy · step(y) and db = Σ_rows dz (C = db.length), bit-identical for any thread count. */
  reluGradBias(dy: Float32Array, y: Float32Array, dz: Float32Array, db: Float32Array): void;
  /** Gradient of clipByValue: dx = dy where lo ≤ x ≤ hi, else 0 (NaN x gives 0, as tfjs). */
  clipGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, lo: number, hi: number): void;
  /** Independent work chunks of a conv pass (0 forward, 1 input gradient, 2 filter gradient); thread-count independent. */
  convChunks(which: 0 | 1 | 2, dims: Int32Array): number;
}

export function convDimsArray(c: ConvDims): Int32Array {
  return Int32Array.from([c.n, c.d, c.h, c.w, c.ci, c.kd, c.kh, c.kw, c.co, c.sd, c.sh, c.sw, c.pd, c.ph, c.pw, c.od, c.oh, c.ow]);
}

export function poolDimsArray(p: PoolDims): Int32Array {
  return Int32Array.from([p.n, p.d, p.h, p.w, p.c, p.kd, p.kh, p.kw, p.sd, p.sh, p.sw, p.pd, p.ph, p.pw, p.od, p.oh, p.ow]);
}

let loaded: { addon: NativeAddon | null; reason: string } | null = null;

/** Path where `native/build.mjs` puts the compiled addon. */
export function addonPath(): string {
  return join(packageRoot(), 'native', 'build', 'ssl3d_native.node');
}

/** Load the addon once; `addon` is null when unavailable and `reason` says why. */
export function loadAddon(): { addon: NativeAddon | null; reason: string } {
  if (loaded) return loaded;
  if (process.env.SSL3D_NO_NATIVE === '1') {
    return (loaded = { addon: null, reason: 'the native addon is disabled by SSL3D_NO_NATIVE=1' });
  }
  let path: string;
  try {
    path = addonPath();
  } catch (e) {
    return (loaded = { addon: null, reason: `cannot locate the package root (${(e as Error).message})` });
  }
  if (!existsSync(path)) {
    return (loaded = {
      addon: null,
      reason: 'the native addon was not built (no C++ compiler at install time?); build it with `node native/build.mjs`',
    });
  }
  try {
    const require = createRequire(import.meta.url);
    const addon = require(path) as NativeAddon;
    return (loaded = { addon, reason: `native addon loaded (${addon.isa()}, ${addon.threads()} threads)` });
  } catch (e) {
    return (loaded = { addon: null, reason: `the native addon failed to load: ${(e as Error).message.split('\n')[0]}` });
  }
}

/** For tests: forget the cached load result so an env var change takes effect. */
export function resetAddonForTests(): void {
  loaded = null;
}

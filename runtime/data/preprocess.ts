// Preprocessing as in Taleb et al. 2020: channel selection, CT windowing, foreground crop,
// resize (trilinear for images, nearest for labels) and per-channel intensity normalisation.
// Order: channels → window → crop → resize → normalise. Works on 3D [D,H,W] and 2D [H,W]
// cases (a 2D case is handled as a volume with D = 1).
//
// The resampler is hand-written: no Node library resamples channels-last float volumes and
// label maps together (ndarray-resample is FFT-based and not label-safe; itk-wasm is 50+ MB of
// WASM for two loops). Labels are resampled with NEAREST neighbour only: linear interpolation
// of label values invents labels that do not exist (between 2 and 4 lies a 3).

import type { PreprocessSpec } from '../../core/graph.js';
import { SslRuntimeError } from '../contract.js';
import type { Case } from './types.js';
import { msg } from '../../core/codes/index.js';

/** Bumped whenever preprocessing output changes for the same input (part of the cache key). */
export const PREPROCESS_VERSION = 1;

type Shape3 = [number, number, number];

function as3(shape: readonly number[]): Shape3 {
  if (shape.length === 2) return [1, shape[0]!, shape[1]!];
  if (shape.length === 3) return [shape[0]!, shape[1]!, shape[2]!];
  throw new RangeError(`expected a 2D or 3D shape, got [${shape.join(', ')}]`);
}

function from3(shape3: Shape3, dims: number): number[] {
  return dims === 2 ? [shape3[1], shape3[2]] : [...shape3];
}

/** Keep only the given channels (0-based), in that order. */
export function selectChannels(c: Case, channels: readonly number[], file: string | null = null): Case {
  for (const ch of channels) {
    if (!Number.isInteger(ch) || ch < 0 || ch >= c.channels) {
      throw new SslRuntimeError(msg('SSL115', 'selectedMissing', { id: c.id, ch, channels: c.channels, last: c.channels - 1 }), file);
    }
  }
  const n = c.image.length / c.channels;
  const out = new Float32Array(n * channels.length);
  const C = c.channels;
  const K = channels.length;
  for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) out[i * K + k] = c.image[i * C + channels[k]!]!;
  return { ...c, image: out, channels: K };
}

/** Clamp intensities to a window [lo, hi] (CT windowing in raw units, e.g. HU [-100, 240]). */
export function applyWindow(image: Float32Array, lo: number, hi: number): Float32Array {
  if (!(hi > lo)) throw new SslRuntimeError(msg('SSL121', 'emptyWindow', { lo, hi }));
  const out = new Float32Array(image.length);
  for (let i = 0; i < image.length; i++) {
    const v = image[i]!;
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return out;
}

export interface Box {
  /** Inclusive start per spatial axis. */
  start: number[];
  /** Exclusive end per spatial axis. */
  end: number[];
}

/**
 * Bounding box of the voxels where ANY image channel is above `threshold`, grown by `margin`
 * voxels per side and clipped to the volume. Null when nothing is above the threshold.
 */
export function foregroundBox(image: Float32Array, shape: readonly number[], channels: number, threshold: number, margin: number): Box | null {
  const [D, H, W] = as3(shape);
  const C = channels;
  let d0 = D, d1 = -1, h0 = H, h1 = -1, w0 = W, w1 = -1;
  const fgAt = (i: number): boolean => {
    for (let c = 0; c < C; c++) if (image[i * C + c]! > threshold) return true;
    return false;
  };
  // Per row: the first and the last foreground voxel (scanning from both ends) bound the row.
  for (let d = 0; d < D; d++) {
    for (let h = 0; h < H; h++) {
      const row = (d * H + h) * W;
      let first = -1;
      for (let w = 0; w < W; w++) {
        if (fgAt(row + w)) {
          first = w;
          break;
        }
      }
      if (first < 0) continue;
      let last = first;
      for (let w = W - 1; w > first; w--) {
        if (fgAt(row + w)) {
          last = w;
          break;
        }
      }
      if (first < w0) w0 = first;
      if (last > w1) w1 = last;
      if (h < h0) h0 = h;
      if (h > h1) h1 = h;
      if (d < d0) d0 = d;
      if (d > d1) d1 = d;
    }
  }
  if (d1 < 0) return null;
  const m = Math.max(0, Math.floor(margin));
  const start = [Math.max(0, d0 - m), Math.max(0, h0 - m), Math.max(0, w0 - m)];
  const end = [Math.min(D, d1 + 1 + m), Math.min(H, h1 + 1 + m), Math.min(W, w1 + 1 + m)];
  return shape.length === 2 ? { start: start.slice(1), end: end.slice(1) } : { start, end };
}

/** Crop image and mask of a case to a box (the same box for both). */
export function cropCase(c: Case, box: Box): Case {
  const [D, H, W] = as3(c.shape);
  const st = as3(box.start);
  const en = as3(box.end);
  if (c.shape.length === 2) {
    st[0] = 0;
    en[0] = 1;
  }
  const nd = en[0] - st[0];
  const nh = en[1] - st[1];
  const nw = en[2] - st[2];
  const C = c.channels;
  const image = new Float32Array(nd * nh * nw * C);
  const mask = c.mask ? new Uint8Array(nd * nh * nw) : null;
  let o = 0;
  for (let d = 0; d < nd; d++) {
    for (let h = 0; h < nh; h++) {
      const srcRow = ((d + st[0]) * H + (h + st[1])) * W + st[2];
      image.set(c.image.subarray(srcRow * C, (srcRow + nw) * C), o * C);
      if (mask && c.mask) mask.set(c.mask.subarray(srcRow, srcRow + nw), o);
      o += nw;
    }
  }
  void D;
  let affine = c.affine ?? null;
  if (affine && c.shape.length === 3) {
    // New origin = old affine applied to the crop start (x = W, y = H, z = D).
    const s = [st[2], st[1], st[0]];
    affine = affine.map((row, r) => (r < 3 ? [row[0]!, row[1]!, row[2]!, row[3]! + row[0]! * s[0]! + row[1]! * s[1]! + row[2]! * s[2]!] : [...row]));
  }
  return { ...c, image, mask, shape: from3([nd, nh, nw], c.shape.length), ...(c.affine !== undefined ? { affine } : {}) };
}

/** Source coordinate of output index `i` when resampling n → m samples (voxel centres aligned). */
function axisMap(n: number, m: number): { i0: Int32Array; i1: Int32Array; f: Float32Array; nearest: Int32Array } {
  const i0 = new Int32Array(m);
  const i1 = new Int32Array(m);
  const f = new Float32Array(m);
  const nearest = new Int32Array(m);
  const scale = n / m;
  for (let i = 0; i < m; i++) {
    const src = (i + 0.5) * scale - 0.5;
    const clamped = Math.min(Math.max(src, 0), n - 1);
    const lo = Math.floor(clamped);
    i0[i] = lo;
    i1[i] = Math.min(lo + 1, n - 1);
    f[i] = clamped - lo;
    nearest[i] = Math.min(n - 1, Math.floor((i + 0.5) * scale));
  }
  return { i0, i1, f, nearest };
}

/** Trilinear (bilinear for 2D) resampling of a channels-last image to `outShape`. */
export function resizeImage(image: Float32Array, shape: readonly number[], channels: number, outShape: readonly number[]): Float32Array {
  const [D, H, W] = as3(shape);
  const [OD, OH, OW] = as3(outShape);
  const C = channels;
  const md = axisMap(D, OD);
  const mh = axisMap(H, OH);
  const mw = axisMap(W, OW);
  const out = new Float32Array(OD * OH * OW * C);
  let o = 0;
  for (let d = 0; d < OD; d++) {
    const d0 = md.i0[d]!, d1 = md.i1[d]!, fd = md.f[d]!;
    for (let h = 0; h < OH; h++) {
      const h0 = mh.i0[h]!, h1 = mh.i1[h]!, fh = mh.f[h]!;
      const r00 = (d0 * H + h0) * W;
      const r01 = (d0 * H + h1) * W;
      const r10 = (d1 * H + h0) * W;
      const r11 = (d1 * H + h1) * W;
      for (let w = 0; w < OW; w++) {
        const w0 = mw.i0[w]!, w1 = mw.i1[w]!, fw = mw.f[w]!;
        for (let c = 0; c < C; c++) {
          const a = image[(r00 + w0) * C + c]! * (1 - fw) + image[(r00 + w1) * C + c]! * fw;
          const b = image[(r01 + w0) * C + c]! * (1 - fw) + image[(r01 + w1) * C + c]! * fw;
          const e = image[(r10 + w0) * C + c]! * (1 - fw) + image[(r10 + w1) * C + c]! * fw;
          const g = image[(r11 + w0) * C + c]! * (1 - fw) + image[(r11 + w1) * C + c]! * fw;
          out[o++] = (a * (1 - fh) + b * fh) * (1 - fd) + (e * (1 - fh) + g * fh) * fd;
        }
      }
    }
  }
  return out;
}

/** Nearest-neighbour resampling of a label map: only existing label values can appear. */
export function resizeLabels(mask: Uint8Array, shape: readonly number[], outShape: readonly number[]): Uint8Array {
  const [D, H, W] = as3(shape);
  const [OD, OH, OW] = as3(outShape);
  const md = axisMap(D, OD);
  const mh = axisMap(H, OH);
  const mw = axisMap(W, OW);
  const out = new Uint8Array(OD * OH * OW);
  let o = 0;
  for (let d = 0; d < OD; d++) {
    const dn = md.nearest[d]!;
    for (let h = 0; h < OH; h++) {
      const row = (dn * H + mh.nearest[h]!) * W;
      for (let w = 0; w < OW; w++) out[o++] = mask[row + mw.nearest[w]!]!;
    }
  }
  return out;
}

/** Resize a case to `outShape` (spatial); spacing grows by in/out so the physical extent is kept. */
export function resizeCase(c: Case, outShape: readonly number[]): Case {
  if (outShape.length !== c.shape.length) {
    throw new SslRuntimeError(msg('SSL121', 'resizeAxes', { size: outShape.join(', '), axes: outShape.length, id: c.id, caseAxes: c.shape.length }));
  }
  for (const s of outShape) {
    if (!Number.isInteger(s) || s < 1) throw new SslRuntimeError(msg('SSL121', 'resizeNotPositive', { size: outShape.join(', ') }));
  }
  if (outShape.every((s, i) => s === c.shape[i])) return c;
  const image = resizeImage(c.image, c.shape, c.channels, outShape);
  const mask = c.mask ? resizeLabels(c.mask, c.shape, outShape) : null;
  const spacing = c.spacing.map((s, i) => (s * c.shape[i]!) / outShape[i]!);
  let affine = c.affine ?? null;
  if (affine && c.shape.length === 3) {
    // Output voxel i maps to input (i + 0.5)·k − 0.5 with k = in/out per axis (voxel centres aligned).
    const k = [c.shape[2]! / outShape[2]!, c.shape[1]! / outShape[1]!, c.shape[0]! / outShape[0]!];
    affine = affine.map((row, r) =>
      r < 3 ? [row[0]! * k[0]!, row[1]! * k[1]!, row[2]! * k[2]!, row[3]! + row[0]! * (0.5 * k[0]! - 0.5) + row[1]! * (0.5 * k[1]! - 0.5) + row[2]! * (0.5 * k[2]! - 0.5)] : [...row],
    );
  }
  return { ...c, image, mask, shape: [...outShape], spacing, ...(c.affine !== undefined ? { affine } : {}) };
}

/** Min–max scaling of each channel to [0, 1] (a constant channel becomes 0). */
export function minMaxNormalize(image: Float32Array, channels: number): Float32Array {
  const C = channels;
  const n = image.length / C;
  const lo = new Array<number>(C).fill(Infinity);
  const hi = new Array<number>(C).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < C; c++) {
      const v = image[i * C + c]!;
      if (v < lo[c]!) lo[c] = v;
      if (v > hi[c]!) hi[c] = v;
    }
  }
  const out = new Float32Array(image.length);
  for (let c = 0; c < C; c++) {
    const range = hi[c]! - lo[c]!;
    const inv = range > 0 ? 1 / range : 0;
    for (let i = 0; i < n; i++) out[i * C + c] = (image[i * C + c]! - lo[c]!) * inv;
  }
  return out;
}

/**
 * Z-score per channel over the FOREGROUND: voxels where any channel is non-zero (the brain of a
 * skull-stripped MRI, the body of a cropped scan; BraTS and nnU-Net's `use_mask_for_norm`
 * convention). Background voxels stay 0. When under 1 % of the voxels are non-zero, or every voxel
 * is non-zero, statistics are taken over the whole volume and every voxel is normalised.
 */
export function zScoreNormalize(image: Float32Array, channels: number): Float32Array {
  const C = channels;
  const n = image.length / C;
  const fg = new Uint8Array(n);
  let nFg = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < C; c++) {
      if (image[i * C + c] !== 0) {
        fg[i] = 1;
        break;
      }
    }
    nFg += fg[i]!;
  }
  const useMask = nFg >= 0.01 * n && nFg < n;
  const out = new Float32Array(image.length);
  for (let c = 0; c < C; c++) {
    let sum = 0;
    let sq = 0;
    let cnt = 0;
    for (let i = 0; i < n; i++) {
      if (useMask && !fg[i]) continue;
      const v = image[i * C + c]!;
      sum += v;
      sq += v * v;
      cnt++;
    }
    const mean = cnt > 0 ? sum / cnt : 0;
    const sd = cnt > 0 ? Math.sqrt(Math.max(0, sq / cnt - mean * mean)) : 0;
    const inv = sd > 1e-8 ? 1 / sd : 0;
    for (let i = 0; i < n; i++) out[i * C + c] = useMask && !fg[i] ? 0 : (image[i * C + c]! - mean) * inv;
  }
  return out;
}

/** Run the whole preprocessing pipeline on one (raw) case. */
export function preprocessCase(raw: Case, spec: PreprocessSpec, file: string | null = null): Case {
  let c = raw;
  if (spec.channels) c = selectChannels(c, spec.channels, file);
  if (spec.window) c = { ...c, image: applyWindow(c.image, spec.window[0], spec.window[1]) };
  if (spec.crop) {
    if (spec.crop.margin < 0) throw new SslRuntimeError(msg('SSL121', 'negativeMargin', { margin: spec.crop.margin }));
    const box = foregroundBox(c.image, c.shape, c.channels, spec.crop.threshold, spec.crop.margin);
    // No voxel above the threshold: keep the whole volume rather than crop to nothing.
    if (box) c = cropCase(c, box);
  }
  if (spec.resize) c = resizeCase(c, spec.resize);
  if (spec.normalize === 'minmax') c = { ...c, image: minMaxNormalize(c.image, c.channels) };
  else if (spec.normalize === 'zscore') c = { ...c, image: zScoreNormalize(c.image, c.channels) };
  return c;
}

// Plain typed-array volumes and the crops every patch task needs (no tfjs here).
// A Vol is channels-last float32: 3D spatial shape [D,H,W], 2D [H,W], then C channels.
// Hand-written because the crops are simple strided copies; a library would add nothing.

import type { Rng } from '../../core/rng.js';
import { SslRuntimeError } from '../../core/errors.js';
import { gridCells, gridPatchSides } from '../../core/tasks/grid.js';
import { msg } from '../../core/codes/index.js';

export interface Vol {
  /** Spatial shape: [D,H,W] or [H,W]. */
  shape: number[];
  channels: number;
  data: Float32Array;
  /** Index of the case it came from (2D slices of one volume share it); absent for ad-hoc volumes. */
  source?: number;
}

export function volSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function makeVol(shape: number[], channels: number, data?: Float32Array): Vol {
  const n = volSize(shape) * channels;
  if (data && data.length !== n) throw new SslRuntimeError(msg('SSL154', 'volumeLength', { length: data.length, n, shape, channels }));
  return { shape: [...shape], channels, data: data ?? new Float32Array(n) };
}

/** Row-major strides of the spatial axes (in voxels, not counting channels). */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = (s[i + 1] as number) * (shape[i + 1] as number);
  return s;
}

/**
 * Copy the box [start, start+size) out of `v`. Parts of the box outside the volume are zero,
 * so the same function also pads (negative start or size beyond the edge).
 */
export function cropBox(v: Vol, start: readonly number[], size: readonly number[]): Vol {
  const nd = v.shape.length;
  if (start.length !== nd || size.length !== nd) throw new SslRuntimeError(msg('SSL154', 'cropValues', { nd }));
  const out = makeVol([...size], v.channels);
  const C = v.channels;
  const inS = strides(v.shape);
  const outS = strides(size);
  const total = volSize(size);
  const idx = new Array<number>(nd).fill(0);
  // Iterate innermost-axis runs: copy a contiguous row of the last axis at once.
  const last = nd - 1;
  const rowLen = size[last] as number;
  const rows = total / rowLen;
  for (let r = 0; r < rows; r++) {
    // decode r into idx[0..last-1]
    let rem = r;
    let inside = true;
    let inBase = 0;
    for (let a = last - 1; a >= 0; a--) {
      const sa = size[a] as number;
      idx[a] = rem % sa;
      rem = Math.floor(rem / sa);
    }
    for (let a = 0; a < last; a++) {
      const p = (start[a] as number) + (idx[a] as number);
      if (p < 0 || p >= (v.shape[a] as number)) { inside = false; break; }
      inBase += p * (inS[a] as number);
    }
    if (!inside) continue;
    let outBase = 0;
    for (let a = 0; a < last; a++) outBase += (idx[a] as number) * (outS[a] as number);
    const s0 = start[last] as number;
    const lo = Math.max(0, -s0);
    const hi = Math.min(rowLen, (v.shape[last] as number) - s0);
    if (hi <= lo) continue;
    const src = (inBase + s0 + lo) * C;
    out.data.set(v.data.subarray(src, src + (hi - lo) * C), (outBase + lo) * C);
  }
  return out;
}

/** Centre-crop or zero-pad `v` to `size` (per axis). */
export function centreFit(v: Vol, size: readonly number[]): Vol {
  if (size.every((s, i) => s === v.shape[i])) return v;
  const start = size.map((s, i) => Math.floor(((v.shape[i] as number) - s) / 2));
  return cropBox(v, start, size);
}

/** Zero-pad (centred) to a cube/square whose side is the largest spatial extent. */
export function padToCube(v: Vol): Vol {
  const side = Math.max(...v.shape);
  return centreFit(v, v.shape.map(() => side));
}

export interface GridGeometry {
  /** Patches per side. */
  grid: number;
  /** Cell size per axis (input side / grid, floored). */
  cell: number[];
  /** Patch size per axis (cell − 2·jitter, rounded down to a multiple of `multiple`). */
  patch: number[];
  jitter: number;
  /** Room for the random offset per axis (cell − patch; 2·jitter unless rounding added some). */
  slack: number[];
  /** Offset of the whole grid inside the volume (leftover voxels split evenly). */
  origin: number[];
}

/**
 * Grid of `grid` cells per axis with a jittered patch inside each cell, as in Doersch et al.:
 * patch = cell − 2·jitter, placed at a random offset in [0, 2·jitter] (training) or centred
 * (validation). Leftover voxels (side mod grid) are split evenly on both sides. `multiple`:
 * the encoder needs patch sides divisible by 2^poolings, so the patch is rounded down to a
 * multiple of it and the freed voxels widen the jitter range (`slack`).
 */
export function gridGeometry(shape: readonly number[], grid: number, jitter: number, multiple = 1): GridGeometry {
  if (!Number.isInteger(grid) || grid < 1) throw new SslRuntimeError(msg('SSL151', 'badGrid', { grid }));
  if (!Number.isInteger(jitter) || jitter < 0) throw new SslRuntimeError(msg('SSL151', 'badJitter', { jitter }));
  const cell = gridCells(shape, grid);
  const patch = gridPatchSides(shape, grid, jitter, multiple);
  if (patch.some((p) => p < Math.max(1, multiple))) {
    const why = multiple > 1 ? ` (the encoder needs patch sides that are multiples of ${multiple})` : '';
    throw new SslRuntimeError(msg('SSL150', 'gridDoesNotFit', { grid, jitter, shape, cell, patches: cell.map((c) => c - 2 * jitter), why }));
  }
  const slack = cell.map((c, i) => c - (patch[i] as number));
  const origin = shape.map((s, i) => Math.floor((s - grid * (cell[i] as number)) / 2));
  return { grid, cell, patch, jitter, slack, origin };
}

/** Number of cells in the grid (grid^dims). */
export function gridCount(g: GridGeometry): number {
  return g.grid ** g.cell.length;
}

/** Cell index → per-axis grid coordinates (C order, last axis fastest). */
export function cellCoords(index: number, grid: number, dims: number): number[] {
  const c = new Array<number>(dims).fill(0);
  let r = index;
  for (let a = dims - 1; a >= 0; a--) {
    c[a] = r % grid;
    r = Math.floor(r / grid);
  }
  return c;
}

/** Start corner of the patch in cell `index`; `rng` null → centred (validation). */
export function patchStart(g: GridGeometry, index: number, rng: Rng | null): number[] {
  const coords = cellCoords(index, g.grid, g.cell.length);
  return coords.map((c, a) => {
    const slack = g.slack[a] as number;
    const off = rng ? rng.int(slack + 1) : Math.floor(slack / 2);
    return (g.origin[a] as number) + c * (g.cell[a] as number) + off;
  });
}

/** Crop all grid patches (C order). Returns the patches and their start corners. */
export function cropGrid(v: Vol, g: GridGeometry, rng: Rng | null): { patches: Vol[]; starts: number[][] } {
  const n = gridCount(g);
  const patches: Vol[] = [];
  const starts: number[][] = [];
  for (let i = 0; i < n; i++) {
    const s = patchStart(g, i, rng);
    starts.push(s);
    patches.push(cropBox(v, s, g.patch));
  }
  return { patches, starts };
}

/** Take 2D slices of a 3D volume along `axis` at the given indices. */
export function sliceVolume(v: Vol, axis: 0 | 1 | 2, indices: readonly number[]): Vol[] {
  if (v.shape.length !== 3) throw new SslRuntimeError(msg('SSL154', 'sliceNot3d', { shape: v.shape }));
  const out: Vol[] = [];
  for (const k of indices) {
    if (k < 0 || k >= (v.shape[axis] as number)) throw new SslRuntimeError(msg('SSL154', 'sliceOutside', { k, axis, shape: v.shape[axis] }));
    const start = [0, 0, 0];
    const size = [...v.shape];
    start[axis] = k;
    size[axis] = 1;
    const s = cropBox(v, start, size);
    out.push({ shape: v.shape.filter((_, a) => a !== axis), channels: v.channels, data: s.data });
  }
  return out;
}

/** `perVolume` slice indices evenly spread over the central 60 % of an axis of length n (no repeats). */
export function sliceIndices(n: number, perVolume: number): number[] {
  if (perVolume < 1) throw new SslRuntimeError(msg('SSL151', 'badSlices', { perVolume }));
  if (perVolume === 1) return [Math.floor(n / 2)];
  const lo = Math.floor(0.2 * (n - 1));
  const hi = Math.ceil(0.8 * (n - 1));
  const out: number[] = [];
  for (let i = 0; i < perVolume; i++) out.push(Math.round(lo + ((hi - lo) * i) / (perVolume - 1)));
  // more slices than the central range holds: each slice once
  return [...new Set(out)];
}

/** Stack volumes of one shape into one channels-last batch buffer [N, ...shape, C]. */
export function stack(vols: readonly Vol[]): Float32Array {
  if (vols.length === 0) return new Float32Array(0);
  const first = vols[0] as Vol;
  const n = first.data.length;
  const out = new Float32Array(n * vols.length);
  vols.forEach((v, i) => {
    if (v.data.length !== n) throw new SslRuntimeError(msg('SSL154', 'unequalBatch', { firstShape: first.shape, shape: v.shape }));
    out.set(v.data, i * n);
  });
  return out;
}

export function volEqual(a: Vol, b: Vol): boolean {
  if (a.channels !== b.channels || a.shape.length !== b.shape.length || a.shape.some((s, i) => s !== b.shape[i])) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

// Helpers shared by the phantom generators: smooth random fields, slice repetition, size checks.
import { SslRuntimeError } from '../../contract.js';
import type { Rng } from '../../../core/rng.js';
import { msg } from '../../../core/codes/index.js';

/**
 * Smooth random field on a [D,H,W] grid: unit normals on a coarse lattice with `cells` cells per
 * axis, trilinearly interpolated (done separably, one axis at a time: ~1 ns per voxel).
 * Cheap low-frequency noise for deformations, textures and bias fields.
 */
export function smoothField(rng: Rng, shape: readonly number[], cells: number): Float32Array {
  const [D, H, W] = shape3(shape);
  const g = Math.max(1, Math.round(cells));
  const gd = D > 1 ? g : 0;
  const n0 = gd + 1;
  const n1 = g + 1;
  const n2 = g + 1;
  const lattice = new Float32Array(n0 * n1 * n2);
  for (let i = 0; i < lattice.length; i++) lattice[i] = rng.normal();
  const axis = (n: number, cellsOnAxis: number): { i0: Int32Array; f: Float32Array } => {
    const i0 = new Int32Array(n);
    const f = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const u = cellsOnAxis === 0 ? 0 : ((k + 0.5) / n) * cellsOnAxis;
      const base = Math.min(Math.floor(u), Math.max(0, cellsOnAxis - 1));
      i0[k] = base;
      f[k] = cellsOnAxis === 0 ? 0 : u - base;
    }
    return { i0, f };
  };
  const ad = axis(D, gd);
  const ah = axis(H, g);
  const aw = axis(W, g);
  // Pass 1: along W → [n0, n1, W].
  const p1 = new Float32Array(n0 * n1 * W);
  for (let r = 0; r < n0 * n1; r++) {
    const src = r * n2;
    const dst = r * W;
    for (let w = 0; w < W; w++) {
      const i = src + aw.i0[w]!;
      const f = aw.f[w]!;
      p1[dst + w] = lattice[i]! * (1 - f) + lattice[i + 1]! * f;
    }
  }
  // Pass 2: along H → [n0, H, W].
  const p2 = new Float32Array(n0 * H * W);
  for (let a = 0; a < n0; a++) {
    for (let h = 0; h < H; h++) {
      const f = ah.f[h]!;
      const s0 = (a * n1 + ah.i0[h]!) * W;
      const s1 = s0 + W;
      const dst = (a * H + h) * W;
      for (let w = 0; w < W; w++) p2[dst + w] = p1[s0 + w]! * (1 - f) + p1[s1 + w]! * f;
    }
  }
  if (gd === 0) return D === 1 ? p2 : repeatSlices(p2, D);
  // Pass 3: along D → [D, H, W].
  const HW = H * W;
  const out = new Float32Array(D * HW);
  for (let d = 0; d < D; d++) {
    const f = ad.f[d]!;
    const s0 = ad.i0[d]! * HW;
    const s1 = s0 + HW;
    const dst = d * HW;
    for (let k = 0; k < HW; k++) out[dst + k] = p2[s0 + k]! * (1 - f) + p2[s1 + k]! * f;
  }
  return out;
}

export function repeatSlices(slice: Float32Array, D: number): Float32Array {
  const out = new Float32Array(slice.length * D);
  for (let d = 0; d < D; d++) out.set(slice, d * slice.length);
  return out;
}

export function shape3(shape: readonly number[]): [number, number, number] {
  if (shape.length === 2) return [1, shape[0]!, shape[1]!];
  return [shape[0]!, shape[1]!, shape[2]!];
}

/** A table of standard normals indexed by cheap integer draws (much faster than Box–Muller per voxel). */
export function normalTable(rng: Rng, n = 8192): Float32Array {
  const t = new Float32Array(n);
  for (let i = 0; i < n; i++) t[i] = rng.normal();
  return t;
}

export function checkSize(size: readonly number[], min: number, what: string): void {
  for (const s of size) {
    if (!Number.isInteger(s) || s < min) {
      throw new SslRuntimeError(
        msg('SSL125', 'badSize', { what, size: size.join(', '), min }),
      );
    }
  }
}

/** One generated case. */
export interface PhantomVolume {
  shape: number[];
  channels: number;
  image: Float32Array;
  mask: Uint8Array | null;
  spacing: number[];
  grade: number | null;
  /** Names of the channels, e.g. ['t1', 'flair']. */
  channelNames: string[];
  /** Whether a lesion (tumour) was placed. */
  lesion: boolean;
}

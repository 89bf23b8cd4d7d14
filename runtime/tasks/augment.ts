// The Exemplar transformations (paper §3.5): random flip along an axis, random translation
// along an axis, random brightness, random contrast. Every transform in the list is applied
// with fresh random parameters, so a positive always differs from its source.

import type { Rng } from '../../core/rng.js';
import type { Vol } from './crop.js';
import { cropBox } from './crop.js';

export type TransformName = 'flip' | 'translate' | 'brightness' | 'contrast';

export interface AugmentOptions {
  /** Largest translation as a fraction of the axis length (default 0.1). */
  maxShift: number;
  /** Brightness offset drawn from U(−b, b) (default 0.125, as the authors' code). */
  brightness: number;
  /** Contrast factor drawn from U(lo, hi) around the mean (default 0.5–1.5). */
  contrast: [number, number];
}

export const DEFAULT_AUGMENT: AugmentOptions = { maxShift: 0.1, brightness: 0.125, contrast: [0.5, 1.5] };

export function flip(v: Vol, axis: number): Vol {
  const nd = v.shape.length;
  const C = v.channels;
  const out: Vol = { shape: [...v.shape], channels: C, data: new Float32Array(v.data.length) };
  const n = v.shape[axis] as number;
  let inner = C;
  for (let a = axis + 1; a < nd; a++) inner *= v.shape[a] as number;
  const outer = v.data.length / (inner * n);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < n; i++) {
      const src = (o * n + i) * inner;
      const dst = (o * n + (n - 1 - i)) * inner;
      out.data.set(v.data.subarray(src, src + inner), dst);
    }
  }
  return out;
}

/** Shift by `shift` voxels along `axis`, zero-filling what moves in. */
export function translate(v: Vol, axis: number, shift: number): Vol {
  const start = v.shape.map((_, a) => (a === axis ? -shift : 0));
  return cropBox(v, start, v.shape);
}

export function adjustBrightness(v: Vol, delta: number): Vol {
  const out = v.data.slice();
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + delta;
  return { shape: [...v.shape], channels: v.channels, data: out };
}

/** (x − mean_c)·factor + mean_c, per channel. */
export function adjustContrast(v: Vol, factor: number): Vol {
  const C = v.channels;
  const n = v.data.length / C;
  const mean = new Float64Array(C);
  for (let i = 0; i < v.data.length; i++) mean[i % C] = (mean[i % C] as number) + (v.data[i] as number);
  for (let c = 0; c < C; c++) mean[c] = (mean[c] as number) / n;
  const out = new Float32Array(v.data.length);
  for (let i = 0; i < out.length; i++) {
    const m = mean[i % C] as number;
    out[i] = ((v.data[i] as number) - m) * factor + m;
  }
  return { shape: [...v.shape], channels: C, data: out };
}

export interface AppliedTransform {
  name: TransformName;
  axis?: number;
  amount?: number;
}

/** Apply every listed transform with random parameters; returns the result and what was done. */
export function augment(v: Vol, transforms: readonly TransformName[], rng: Rng, opts: AugmentOptions = DEFAULT_AUGMENT): { vol: Vol; applied: AppliedTransform[] } {
  let out = v;
  const applied: AppliedTransform[] = [];
  for (const t of transforms) {
    if (t === 'flip') {
      const axis = rng.int(v.shape.length);
      out = flip(out, axis);
      applied.push({ name: t, axis });
    } else if (t === 'translate') {
      const axis = rng.int(v.shape.length);
      const max = Math.max(1, Math.floor(opts.maxShift * (v.shape[axis] as number)));
      let shift = rng.intIn(-max, max - 1);
      if (shift >= 0) shift++; // never 0
      out = translate(out, axis, shift);
      applied.push({ name: t, axis, amount: shift });
    } else if (t === 'brightness') {
      const d = rng.uniform(-opts.brightness, opts.brightness);
      out = adjustBrightness(out, d);
      applied.push({ name: t, amount: d });
    } else {
      const f = rng.uniform(opts.contrast[0], opts.contrast[1]);
      out = adjustContrast(out, f);
      applied.push({ name: t, amount: f });
    }
  }
  if (out === v) out = { shape: [...v.shape], channels: v.channels, data: v.data.slice() };
  return { vol: out, applied };
}

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Case } from '../../../runtime/data/types.js';
import { readNifti } from '../../../runtime/data/nifti.js';
import {
  applyWindow,
  cropCase,
  foregroundBox,
  minMaxNormalize,
  preprocessCase,
  resizeCase,
  resizeImage,
  resizeLabels,
  selectChannels,
  zScoreNormalize,
} from '../../../runtime/data/preprocess.js';
import { NO_PREPROCESS } from './helpers.js';

const FIX = join(import.meta.dirname, '../../fixtures/nifti');

function volume(shape: number[], channels: number, f: (d: number, h: number, w: number, c: number) => number, mask?: (d: number, h: number, w: number) => number): Case {
  const [D, H, W] = shape.length === 2 ? [1, shape[0]!, shape[1]!] : (shape as [number, number, number]);
  const image = new Float32Array(D * H * W * channels);
  const m = mask ? new Uint8Array(D * H * W) : null;
  let o = 0;
  for (let d = 0; d < D; d++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++, o++) {
        for (let c = 0; c < channels; c++) image[o * channels + c] = f(d, h, w, c);
        if (m && mask) m[o] = mask(d, h, w);
      }
  return { id: 'v', shape, channels, image, mask: m, grade: null, spacing: shape.map(() => 1) };
}

describe('resampling', () => {
  it('trilinear resize reproduces a linear ramp exactly (inside) and keeps the range', () => {
    const c = volume([4, 6, 8], 1, (d, h, w) => 2 * d + 3 * h + w);
    const out = resizeImage(c.image, c.shape, 1, [8, 12, 16]);
    // output voxel (d,h,w) centre maps to source (d+0.5)/2-0.5; pick an interior voxel
    const at = (d: number, h: number, w: number): number => out[(d * 12 + h) * 16 + w]!;
    expect(at(3, 5, 7)).toBeCloseTo(2 * 1.25 + 3 * 2.25 + 3.25, 5);
    const lo = Math.min(...out);
    const hi = Math.max(...out);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(2 * 3 + 3 * 5 + 7);
    // identity size is a copy
    expect(Array.from(resizeImage(c.image, c.shape, 1, [4, 6, 8]))).toEqual(Array.from(c.image));
  });

  it('label resize is nearest-neighbour: only existing values appear', () => {
    const c = volume([8, 8, 8], 1, () => 0, (d, h, w) => (d < 3 ? 2 : h < 4 ? 4 : w < 5 ? 1 : 0));
    for (const target of [[5, 7, 3], [16, 16, 16], [3, 3, 3]]) {
      const out = resizeLabels(c.mask!, c.shape, target);
      const vals = new Set(out);
      for (const v of vals) expect([0, 1, 2, 4]).toContain(v);
    }
    // Real labels: Brodmann crop resized to an odd size keeps a subset of its label values.
    return readNifti(join(FIX, 'colin27_crop48_brodmann.nii.gz')).then((b) => {
      const mask = Uint8Array.from(b.data);
      const out = resizeLabels(mask, b.shape, [17, 23, 29]);
      const src = new Set(mask);
      for (const v of new Set(out)) expect(src.has(v)).toBe(true);
      // upsampling by 2 keeps every label
      expect(new Set(resizeLabels(mask, b.shape, [96, 96, 96]))).toEqual(src);
    });
  });

  it('resizeCase updates spacing so the physical extent is unchanged', () => {
    const c = { ...volume([10, 20, 40], 2, () => 1, () => 1), spacing: [3, 1, 0.5] };
    const r = resizeCase(c, [5, 10, 10]);
    expect(r.spacing).toEqual([6, 2, 2]);
    expect(r.mask!.length).toBe(500);
    expect(r.image.length).toBe(1000);
  });

  it('crop and resize carry the voxel-to-world matrix along (NIfTI cases)', async () => {
    const t1 = await readNifti(join(FIX, 'itk_t1_crop.nii.gz'));
    const c: Case = { id: 'itk', shape: t1.shape, channels: 1, image: t1.data, mask: null, grade: null, spacing: t1.spacing, affine: t1.affine };
    const world = (a: number[][], x: number, y: number, z: number): number[] => [0, 1, 2].map((r) => a[r]![0]! * x + a[r]![1]! * y + a[r]![2]! * z + a[r]![3]!);
    const cropped = cropCase(c, { start: [3, 2, 5], end: [30, 18, 35] });
    expect(world(cropped.affine!, 0, 0, 0)).toEqual(world(t1.affine, 5, 2, 3));
    const r = resizeCase(cropped, [9, 8, 15]);
    const centreOld = world(cropped.affine!, (30 - 1) / 2, (16 - 1) / 2, (27 - 1) / 2);
    const centreNew = world(r.affine!, (15 - 1) / 2, (8 - 1) / 2, (9 - 1) / 2);
    for (let k = 0; k < 3; k++) expect(centreNew[k]).toBeCloseTo(centreOld[k]!, 6);
    // column norms = the new spacing (x = W, y = H, z = D)
    expect(Math.hypot(r.affine![0]![0]!, r.affine![1]![0]!, r.affine![2]![0]!)).toBeCloseTo(r.spacing[2]!, 6);
    expect(Math.hypot(r.affine![0]![2]!, r.affine![1]![2]!, r.affine![2]![2]!)).toBeCloseTo(r.spacing[0]!, 6);
  });

  it('2D cases resize bilinearly', () => {
    const c = volume([4, 4], 3, (_d, h, w, c) => h * 10 + w + c * 100);
    const r = resizeCase(c, [8, 2]);
    expect(r.shape).toEqual([8, 2]);
    expect(r.image.length).toBe(8 * 2 * 3);
  });
});

describe('crop, window, channels, normalisation', () => {
  it('foreground crop uses the image channels and applies the same box to the label', () => {
    const c = volume([10, 10, 10], 2, (d, h, w, ch) => (ch === 1 && d >= 2 && d < 5 && h >= 3 && h < 7 && w === 6 ? 9 : 0), (d, h, w) => (d === 3 && h === 4 && w === 6 ? 4 : 0));
    const box = foregroundBox(c.image, c.shape, 2, 0.5, 1)!;
    expect(box).toEqual({ start: [1, 2, 5], end: [6, 8, 8] });
    const cropped = cropCase(c, box);
    expect(cropped.shape).toEqual([5, 6, 3]);
    // the labelled voxel moves with the crop
    const idx = ((3 - 1) * 6 + (4 - 2)) * 3 + (6 - 5);
    expect(cropped.mask![idx]).toBe(4);
    expect(cropped.image[idx * 2 + 1]).toBe(9);
    expect(foregroundBox(c.image, c.shape, 2, 100, 0)).toBeNull();
  });

  it('crops a real skull-stripped head to the brain and keeps every brain-mask voxel', async () => {
    const t1 = await readNifti(join(FIX, 'colin27_4mm_t1.nii.gz'));
    const m = await readNifti(join(FIX, 'colin27_4mm_brainmask.nii.gz'));
    const stripped = t1.data.map((v, i) => v * m.data[i]!);
    const c: Case = { id: 'colin', shape: t1.shape, channels: 1, image: stripped, mask: Uint8Array.from(m.data), grade: null, spacing: t1.spacing };
    const before = c.mask!.reduce((a, b) => a + b, 0);
    const p = preprocessCase(c, { crop: { threshold: 0, margin: 2 }, resize: null, window: null, normalize: 'none', channels: null });
    const box = foregroundBox(m.data, m.shape, 1, 0.5, 2)!;
    expect(p.shape).toEqual(box.end.map((e, i) => e - box.start[i]!));
    expect(p.shape[0]! * p.shape[1]! * p.shape[2]!).toBeLessThan(0.8 * 46 * 55 * 46);
    expect(p.mask!.reduce((a, b) => a + b, 0)).toBe(before);
  });

  it('CT window clamps to [lo, hi] and precedes min-max', () => {
    expect(Array.from(applyWindow(Float32Array.from([-1000, -100, 40, 240, 1500]), -100, 240))).toEqual([-100, -100, 40, 240, 240]);
    const c = volume([2, 2, 2], 1, (d, h, w) => [-1000, 50, 400, 70][(d + h + w) % 4]!);
    const p = preprocessCase(c, { ...NO_PREPROCESS, window: [-100, 240], normalize: 'minmax' });
    expect(Math.min(...p.image)).toBe(0);
    expect(Math.max(...p.image)).toBe(1);
    expect(p.image[1]).toBeCloseTo(150 / 340, 6);
    expect(() => applyWindow(new Float32Array(1), 5, 5)).toThrow(/empty/);
  });

  it('min-max and z-score work per channel; z-score uses the non-zero foreground', () => {
    const c = volume([1, 4, 4], 2, (_d, h, w, ch) => (h === 0 ? 0 : ch === 0 ? h * 4 + w : 1000 + 10 * (h * 4 + w)));
    const mm = minMaxNormalize(c.image, 2);
    for (let ch = 0; ch < 2; ch++) {
      const vals = Array.from({ length: 16 }, (_, i) => mm[i * 2 + ch]!);
      expect(Math.min(...vals)).toBe(0);
      expect(Math.max(...vals)).toBe(1);
    }
    const z = zScoreNormalize(c.image, 2);
    for (let ch = 0; ch < 2; ch++) {
      const fg = Array.from({ length: 12 }, (_, i) => z[(i + 4) * 2 + ch]!);
      const mean = fg.reduce((a, b) => a + b, 0) / fg.length;
      const sd = Math.sqrt(fg.reduce((a, b) => a + (b - mean) ** 2, 0) / fg.length);
      expect(mean).toBeCloseTo(0, 5);
      expect(sd).toBeCloseTo(1, 4);
      // background row stays 0
      for (let i = 0; i < 4; i++) expect(z[i * 2 + ch]).toBe(0);
    }
  });

  it('channel selection reorders and rejects out-of-range channels', () => {
    const c = volume([1, 2, 2], 4, (_d, _h, _w, ch) => ch);
    const s = selectChannels(c, [3, 0]);
    expect(s.channels).toBe(2);
    expect(Array.from(s.image.subarray(0, 4))).toEqual([3, 0, 3, 0]);
    expect(() => selectChannels(c, [4])).toThrow(expect.objectContaining({ code: 'SSL115' }));
  });

  it('a wrong resize rank is SSL121', () => {
    const c = volume([2, 2, 2], 1, () => 0);
    expect(() => preprocessCase(c, { ...NO_PREPROCESS, resize: [4, 4] })).toThrow(expect.objectContaining({ code: 'SSL121' }));
  });
});

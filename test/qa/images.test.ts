// QA: 2D photographs as a researcher's folder holds them — EXIF-rotated JPEGs, RGBA and 16-bit PNGs,
// grey images in an RGB dataset — decode to the image as displayed, 0–255, with the declared channels.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImageCase } from '../../runtime/data/layouts.js';
import type { PreprocessSpec } from '../../core/graph.js';

const FUNDUS = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'fundus');
const NONE: PreprocessSpec = { crop: null, resize: null, window: null, normalize: 'none', channels: null };
let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ssl3d-qa-img-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const range = (a: Float32Array): [number, number] => a.reduce<[number, number]>(([lo, hi], v) => [Math.min(lo, v), Math.max(hi, v)], [Infinity, -Infinity]);

describe('QA: 2D image decoding', () => {
  it('applies the EXIF orientation (a portrait photo stored landscape loads as portrait)', async () => {
    const f = join(dir, 'exif6.jpg');
    // stored 96 wide × 64 high, EXIF 6 = display rotated 90° clockwise → 64 wide × 96 high
    await sharp(join(FUNDUS, 'retina128.jpg')).extract({ left: 0, top: 0, width: 96, height: 64 }).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toFile(f);
    const c = await loadImageCase('x', f, 3, null, NONE);
    expect(c.shape).toEqual([96, 64]);
    const shown = await sharp(f).rotate().removeAlpha().raw().toBuffer();
    expect(Array.from(c.image.subarray(0, 300))).toEqual(Array.from(shown.subarray(0, 300)));
  });

  it('RGBA and 16-bit PNGs, and grey images in an RGB dataset, give 0–255 values with the declared channels', async () => {
    await sharp(join(FUNDUS, 'retina128.jpg')).ensureAlpha().png().toFile(join(dir, 'rgba.png'));
    await sharp(join(FUNDUS, 'retina128.jpg')).toColourspace('rgb16').png().toFile(join(dir, 'rgb16.png'));
    for (const [f, ch] of [[join(dir, 'rgba.png'), 3], [join(dir, 'rgb16.png'), 3], [join(FUNDUS, 'microaneurysms.png'), 3], [join(FUNDUS, 'retina128.jpg'), 1]] as const) {
      const c = await loadImageCase('x', f, ch, null, { ...NONE, resize: [32, 32] });
      expect(c.channels).toBe(ch);
      expect(c.image.length).toBe(32 * 32 * ch);
      const [lo, hi] = range(c.image);
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(255);
      expect(hi).toBeGreaterThan(50);
    }
  });
});

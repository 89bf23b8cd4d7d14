// Writes the phantom pictures of docs/data.md into docs/img/ (PNG, each < 100 KB):
//   npx tsx scripts/data-figures.ts
// Axial slices are shown in neurological convention (patient right on the right, anterior up).

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { brainPhantom, fundusPhantom, pancreasPhantom, type PhantomVolume } from '../runtime/data/phantoms.js';
import { packageRoot } from '../runtime/version.js';

const OUT = join(packageRoot(), 'docs', 'img');
mkdirSync(OUT, { recursive: true });

type RGB = [number, number, number];
const LABEL_COLOURS: Record<number, RGB> = { 1: [230, 40, 40], 2: [60, 200, 60], 4: [250, 220, 40] };
const PANC_COLOURS: Record<number, RGB> = { 1: [60, 160, 255], 2: [255, 60, 60] };

interface Panel {
  w: number;
  h: number;
  rgb: Uint8Array;
}

/** Axial slice d of channel c, greyscale in [lo, hi], rows flipped so anterior is up. */
function slice(v: PhantomVolume, d: number, c: number, lo: number, hi: number, overlay?: Record<number, RGB>): Panel {
  const [, H, W] = v.shape as [number, number, number];
  const rgb = new Uint8Array(H * W * 3);
  for (let h = 0; h < H; h++) {
    for (let w = 0; w < W; w++) {
      const i = (d * H + h) * W + w;
      const g = Math.round(255 * Math.min(1, Math.max(0, (v.image[i * v.channels + c]! - lo) / (hi - lo))));
      const o = ((H - 1 - h) * W + w) * 3;
      let col: RGB = [g, g, g];
      const lab = v.mask ? v.mask[i]! : 0;
      if (overlay && lab && overlay[lab]) {
        const k = overlay[lab]!;
        col = [Math.round(0.45 * g + 0.55 * k[0]), Math.round(0.45 * g + 0.55 * k[1]), Math.round(0.45 * g + 0.55 * k[2])];
      }
      rgb.set(col, o);
    }
  }
  return { w: W, h: H, rgb };
}

function rgbPanel(v: PhantomVolume): Panel {
  const [H, W] = v.shape as [number, number];
  const rgb = new Uint8Array(H * W * 3);
  for (let i = 0; i < H * W; i++) for (let k = 0; k < 3; k++) rgb[i * 3 + k] = Math.round(255 * v.image[i * 3 + k]!);
  return { w: W, h: H, rgb };
}

/** Lay panels out in a grid (each upscaled by `scale`, nearest), with a 2-px gap. */
async function montage(file: string, rows: Panel[][], scale: number): Promise<void> {
  const gap = 2;
  const pw = Math.max(...rows.flat().map((p) => p.w)) * scale;
  const ph = Math.max(...rows.flat().map((p) => p.h)) * scale;
  const cols = Math.max(...rows.map((r) => r.length));
  const W = cols * pw + (cols - 1) * gap;
  const H = rows.length * ph + (rows.length - 1) * gap;
  const out = new Uint8Array(W * H * 3).fill(255);
  rows.forEach((row, r) =>
    row.forEach((p, c) => {
      for (let y = 0; y < p.h * scale; y++)
        for (let x = 0; x < p.w * scale; x++) {
          const src = (Math.floor(y / scale) * p.w + Math.floor(x / scale)) * 3;
          const dst = ((r * (ph + gap) + y) * W + c * (pw + gap) + x) * 3;
          out[dst] = p.rgb[src]!;
          out[dst + 1] = p.rgb[src + 1]!;
          out[dst + 2] = p.rgb[src + 2]!;
        }
    }),
  );
  await sharp(out, { raw: { width: W, height: H, channels: 3 } }).png({ compressionLevel: 9, palette: true, colours: 256, dither: 0 }).toFile(join(OUT, file));
  console.log('wrote', join('docs/img', file));
}

function busiestSlice(v: PhantomVolume, labels: number[]): number {
  const [D, H, W] = v.shape as [number, number, number];
  let best = Math.floor(D / 2);
  let bestN = -1;
  if (!v.mask) return best;
  for (let d = 0; d < D; d++) {
    let n = 0;
    for (let i = d * H * W; i < (d + 1) * H * W; i++) if (labels.includes(v.mask[i]!)) n++;
    if (n > bestN) {
      bestN = n;
      best = d;
    }
  }
  return best;
}

// Labelled brain (BraTS-like, 4 channels): 3 cases × (t1, t1ce, t2, flair, labels).
{
  const rows: Panel[][] = [];
  for (const seed of [1, 2, 3]) {
    const v = brainPhantom(seed, [64, 64, 64], 4, { tumour: true, labelled: true });
    const d = busiestSlice(v, [1, 4]);
    rows.push([0, 1, 2, 3].map((c) => slice(v, d, c, 0, 1)).concat([slice(v, d, 3, 0, 1, LABEL_COLOURS)]));
  }
  await montage('phantom-brain-labelled.png', rows, 2);
}
// Unlabelled corpus (UK Biobank-like, T1 + FLAIR): 4 cases, some with tumours; axial and sagittal.
{
  const rows: Panel[][] = [[], []];
  for (const seed of [10, 11, 12, 13, 14, 15]) {
    const v = brainPhantom(seed, [64, 64, 64], 2, { tumour: 'random', labelled: false });
    rows[0]!.push(slice(v, 36, 0, 0, 1));
    rows[1]!.push(slice(v, 36, 1, 0, 1));
  }
  await montage('phantom-brain-unlabelled.png', rows, 2);
}
// Pancreas CT: 4 cases, soft-tissue window [-160, 240] HU, with and without the label overlay.
{
  const rows: Panel[][] = [[], []];
  for (const seed of [1, 2, 3, 4]) {
    const v = pancreasPhantom(seed, [32, 96, 96], { tumour: 'random', labelled: true });
    const d = busiestSlice(v, [1, 2]);
    rows[0]!.push(slice(v, d, 0, -160, 240));
    rows[1]!.push(slice(v, d, 0, -160, 240, PANC_COLOURS));
  }
  await montage('phantom-pancreas.png', rows, 2);
}
// Fundus: one image per grade 0–4 (first seed that gives each grade).
{
  const row: Panel[] = [];
  for (let g = 0; g <= 4; g++) {
    for (let seed = 0; seed < 500; seed++) {
      const v = fundusPhantom(seed, [160, 160], 3);
      if (v.grade === g) {
        row.push(rgbPanel(v));
        console.log(`grade ${g}: seed ${seed}`, JSON.stringify(v.counts));
        break;
      }
    }
  }
  await montage('phantom-fundus-grades.png', [row], 1);
}

// Timings of the data layer, each next to a baseline measured in the same run:
//   npx tsx scripts/data-bench.ts [path/to/some.nii.gz]
// Phantoms: per-case generation vs. filling the same volume with seeded normal noise.
// NIfTI: our reader (node:zlib + nifti-reader-js header + RAS reorientation + float32) vs. the
// library's own path (its fflate gunzip + readImage, raw bytes only, no conversion).

import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nifti from 'nifti-reader-js';
import { brainPhantom, fundusPhantom, pancreasPhantom } from '../runtime/data/phantoms.js';
import { decodeNifti } from '../runtime/data/nifti.js';
import { resizeImage, resizeLabels } from '../runtime/data/preprocess.js';
import { loadDataset } from '../runtime/data/dataset.js';
import type { DatasetSpec } from '../core/graph.js';
import { Rng } from '../core/rng.js';
import { packageRoot } from '../runtime/version.js';

function time(label: string, runs: number, fn: (i: number) => void): number {
  fn(0); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn(i + 1);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const med = ms[Math.floor(ms.length / 2)]!;
  console.log(`${label.padEnd(52)} min ${ms[0]!.toFixed(1).padStart(7)} ms   median ${med.toFixed(1).padStart(7)} ms   (${runs} runs)`);
  return med;
}

function noise(n: number, seed: number): Float32Array {
  const r = new Rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r.normal();
  return a;
}

console.log('— phantoms (per case) —');
time('baseline: 32³×4 seeded normal noise', 20, (i) => noise(32 ** 3 * 4, i));
time('brain 32³, 4 channels, labelled', 20, (i) => brainPhantom(i, [32, 32, 32], 4, { tumour: true, labelled: true }));
time('baseline: 64³×4 seeded normal noise', 10, (i) => noise(64 ** 3 * 4, i));
time('brain 64³, 4 channels, labelled', 10, (i) => brainPhantom(i, [64, 64, 64], 4, { tumour: true, labelled: true }));
time('brain 64³, 2 channels, unlabelled', 10, (i) => brainPhantom(i, [64, 64, 64], 2, { tumour: 'random', labelled: false }));
time('pancreas CT 32×64×64', 10, (i) => pancreasPhantom(i, [32, 64, 64], { tumour: 'random', labelled: true }));
time('pancreas CT 64³', 10, (i) => pancreasPhantom(i, [64, 64, 64], { tumour: 'random', labelled: true }));
time('fundus 224² RGB', 10, (i) => fundusPhantom(i, [224, 224], 3));

const file = process.argv[2] ?? join(packageRoot(), 'test/fixtures/nifti/colin27_crop48_t1.nii.gz');
const bytes = readFileSync(file);
console.log(`— NIfTI load: ${file} (${(bytes.length / 1e6).toFixed(2)} MB on disk) —`);
time('baseline: nifti-reader-js decompress + readImage', 5, () => {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const raw = nifti.isCompressed(ab) ? (nifti.decompress(ab) as ArrayBuffer) : ab;
  const hdr = nifti.readHeader(raw);
  nifti.readImage(hdr, raw);
});
time('ssl3d decodeNifti (zlib, checks, RAS, float32)', 5, () => decodeNifti(bytes, file));

const vol = decodeNifti(bytes, file);
const out = [96, 96, 96];
console.log(`— resampling [${vol.shape.join(', ')}] → [${out.join(', ')}] —`);
time('baseline: copy the volume once (Float32Array.slice)', 5, () => vol.data.slice());
time('trilinear (image)', 5, () => resizeImage(vol.data, vol.shape, vol.channels, out));
const labels = Uint8Array.from(vol.data, (v) => (v > 100 ? 1 : 0));
time('nearest (labels)', 5, () => resizeLabels(labels, vol.shape, out));

// Whole-case load through loadDataset: decode + preprocess (crop, resize 96³, z-score) vs. a cache hit.
const work = mkdtempSync(join(tmpdir(), 'ssl3d-bench-'));
copyFileSync(file, join(work, 'case.nii.gz'));
const spec: DatasetSpec = {
  name: 'bench',
  source: { kind: 'nifti', images: ['case.nii.gz'], labels: null },
  preprocess: { crop: { threshold: 10, margin: 2 }, resize: [96, 96, 96], window: null, normalize: 'zscore', channels: null },
  split: { val: 0, test: 0, seed: 1 },
  dim: 3,
  channels: vol.channels,
  labels: { kind: 'none' },
  regions: {},
  knownCases: 1,
};
console.log('— loadDataset of that file (crop, resize 96³, z-score) —');
let n = 0;
const t0 = performance.now();
await loadDataset(spec, { baseDir: work, cacheDir: join(work, 'cache'), noCache: true });
console.log(`${'decode + preprocess (no cache)'.padEnd(52)} ${(performance.now() - t0).toFixed(1)} ms (1 run)`);
await loadDataset(spec, { baseDir: work, cacheDir: join(work, 'cache') });
const t1 = performance.now();
await loadDataset(spec, { baseDir: work, cacheDir: join(work, 'cache'), onDecode: () => n++ });
console.log(`${'cache hit (file hash + read)'.padEnd(52)} ${(performance.now() - t1).toFixed(1)} ms (1 run, ${n} decodes)`);
rmSync(work, { recursive: true, force: true });

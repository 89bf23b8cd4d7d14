// The dataset artifact: what a data node leaves in its output folder and every later node reads.
//
//   dataset.json   index: format, version, name, dim, channels, split, fingerprint, and per case
//                  { id, shape, channels, spacing, grade, image: [offset, length], mask: [offset, length] | null }
//                  (offsets/lengths in ELEMENTS of the packed file)
//   images.f32     every case's image, float32 little-endian, channels-last, concatenated in case order
//   masks.u8       every labelled case's mask, uint8, concatenated (absent when no case has a mask)
//
// fingerprint = sha256 over the canonical case metadata, the split and the packed bytes, so two
// artifacts with the same fingerprint hold exactly the same data.

import { createHash, type Hash } from 'node:crypto';
import { open, readFile, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { SslRuntimeError } from '../contract.js';
import type { Case, LoadedDataset } from './types.js';
import { msg } from '../../core/codes/index.js';

export const ARTIFACT_FORMAT = 'ssl3d-dataset';
export const ARTIFACT_VERSION = 1;

export interface ArtifactCaseEntry {
  id: string;
  shape: number[];
  channels: number;
  spacing: number[];
  grade: number | null;
  image: [number, number];
  mask: [number, number] | null;
  /** Voxel → world matrix of the preprocessed grid (NIfTI sources only). */
  affine?: number[][] | null;
  /** The grid the case was read on (before crop/resize), for predictions on the original grid. */
  sourceGrid?: { shape: number[]; affine: number[][] } | null;
}

export interface ArtifactIndex {
  format: typeof ARTIFACT_FORMAT;
  version: number;
  name: string;
  dim: 2 | 3;
  channels: number;
  fingerprint: string;
  split: { train: number[]; val: number[]; test: number[] };
  cases: ArtifactCaseEntry[];
  /** Free-form provenance (source kind, preprocessing, notes). */
  meta?: Record<string, unknown>;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes of a typed array as a Buffer view (float32 little-endian on every supported platform). */
function bytesOf(a: Float32Array | Uint8Array): Buffer {
  if (!LITTLE_ENDIAN && a instanceof Float32Array) {
    const b = Buffer.alloc(a.length * 4);
    for (let i = 0; i < a.length; i++) b.writeFloatLE(a[i]!, i * 4);
    return b;
  }
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function metaForHash(cases: readonly Case[], split: LoadedDataset['split']): string {
  return JSON.stringify({
    cases: cases.map((c) => ({ id: c.id, shape: c.shape, channels: c.channels, spacing: c.spacing.map((s) => Number(s.toPrecision(9))), grade: c.grade, mask: c.mask !== null, affine: c.affine ?? null })),
    split,
  });
}

function updateHash(h: Hash, cases: readonly Case[], split: LoadedDataset['split']): void {
  h.update(metaForHash(cases, split));
  for (const c of cases) h.update(bytesOf(c.image));
  for (const c of cases) if (c.mask) h.update(c.mask);
}

/** Content fingerprint (sha256 hex) of preprocessed cases + split. */
export function datasetFingerprint(cases: readonly Case[], split: LoadedDataset['split']): string {
  const h = createHash('sha256');
  updateHash(h, cases, split);
  return h.digest('hex');
}

/** Write a dataset into `dir` (which must exist). */
export async function writeDatasetArtifact(dir: string, ds: LoadedDataset, meta?: Record<string, unknown>): Promise<void> {
  const entries: ArtifactCaseEntry[] = [];
  let imgOff = 0;
  let maskOff = 0;
  for (const c of ds.cases) {
    entries.push({
      id: c.id,
      shape: c.shape,
      channels: c.channels,
      spacing: c.spacing,
      grade: c.grade,
      image: [imgOff, c.image.length],
      mask: c.mask ? [maskOff, c.mask.length] : null,
      ...(c.affine ? { affine: c.affine } : {}),
      ...(c.sourceGrid ? { sourceGrid: c.sourceGrid } : {}),
    });
    imgOff += c.image.length;
    if (c.mask) maskOff += c.mask.length;
  }
  const index: ArtifactIndex = {
    format: ARTIFACT_FORMAT,
    version: ARTIFACT_VERSION,
    name: ds.name,
    dim: ds.dim,
    channels: ds.channels,
    fingerprint: ds.fingerprint,
    split: ds.split,
    cases: entries,
    ...(meta ? { meta } : {}),
  };
  const img = await open(join(dir, 'images.f32'), 'w');
  try {
    for (const c of ds.cases) await img.write(bytesOf(c.image));
  } finally {
    await img.close();
  }
  if (maskOff > 0) {
    const m = await open(join(dir, 'masks.u8'), 'w');
    try {
      for (const c of ds.cases) if (c.mask) await m.write(c.mask);
    } finally {
      await m.close();
    }
  }
  await writeFile(join(dir, 'dataset.json'), JSON.stringify(index, null, 1) + '\n');
}

const count = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const range = (v: unknown): boolean => Array.isArray(v) && v.length === 2 && v.every(count);

/**
 * What makes an index unusable, or null. The checksums only say the files are the ones written;
 * an index edited with its checksums recomputed (or written by a bug) must still not reach the
 * loaders as undefined cases, negative offsets or a case trained on twice.
 */
function indexProblem(index: ArtifactIndex): string | null {
  if (index.dim !== 2 && index.dim !== 3) return `dim = ${JSON.stringify(index.dim)}, not 2 or 3`;
  if (!Number.isSafeInteger(index.channels) || index.channels < 1) return `channels = ${JSON.stringify(index.channels)}`;
  if (index.cases.length === 0) return 'it lists no case';
  for (const [i, e] of index.cases.entries()) {
    const where = `case ${i + 1}`;
    if (typeof e !== 'object' || e === null || typeof e.id !== 'string') return `${where} has no id`;
    if (!Array.isArray(e.shape) || e.shape.length < 2 || e.shape.length > 3 || !e.shape.every((x) => Number.isSafeInteger(x) && x >= 1)) return `${where} (${e.id}) has shape ${JSON.stringify(e.shape)}`;
    if (!Number.isSafeInteger(e.channels) || e.channels < 1) return `${where} (${e.id}) has channels = ${JSON.stringify(e.channels)}`;
    if (!Array.isArray(e.spacing) || !e.spacing.every((x) => typeof x === 'number' && Number.isFinite(x))) return `${where} (${e.id}) has spacing ${JSON.stringify(e.spacing)}`;
    if (!range(e.image)) return `${where} (${e.id}) has image range ${JSON.stringify(e.image)}`;
    if (e.mask !== null && !range(e.mask)) return `${where} (${e.id}) has mask range ${JSON.stringify(e.mask)}`;
  }
  const split = index.split as Partial<ArtifactIndex['split']> | undefined;
  const seen = new Set<number>();
  for (const part of ['train', 'val', 'test'] as const) {
    const ids = split?.[part];
    if (!Array.isArray(ids)) return `its split has no ${part} list`;
    for (const k of ids) {
      if (!Number.isSafeInteger(k) || k < 0 || k >= index.cases.length) return `split.${part} names case index ${JSON.stringify(k)} of ${index.cases.length}`;
      if (seen.has(k)) return `case index ${k} appears twice in the split`;
      seen.add(k);
    }
  }
  return null;
}

/** Read a dataset artifact written by writeDatasetArtifact (binary straight into typed arrays). */
export async function readDatasetArtifact(dir: string): Promise<LoadedDataset> {
  let index: ArtifactIndex;
  try {
    index = JSON.parse(await readFile(join(dir, 'dataset.json'), 'utf8')) as ArtifactIndex;
  } catch (e) {
    throw new SslRuntimeError(msg('SSL123', 'unreadable', { path: join(dir, 'dataset.json'), reason: (e as Error).message }), join(dir, 'dataset.json'));
  }
  if (index.format !== ARTIFACT_FORMAT || !Array.isArray(index.cases)) throw new SslRuntimeError(msg('SSL123', 'notIndex', { path: join(dir, 'dataset.json'), format: ARTIFACT_FORMAT }), join(dir, 'dataset.json'));
  if (index.version > ARTIFACT_VERSION) throw new SslRuntimeError(msg('SSL123', 'newerVersion', { path: join(dir, 'dataset.json'), version: index.version, max: ARTIFACT_VERSION }), join(dir, 'dataset.json'));
  const bad = indexProblem(index);
  if (bad) throw new SslRuntimeError(msg('SSL123', 'badIndex', { path: join(dir, 'dataset.json'), problem: bad }), join(dir, 'dataset.json'));
  // Each case is read straight into its own (aligned) typed array with positioned reads: no
  // whole-file buffer, so artifacts beyond Node's 2 GiB readFile limit (BraTS at 128³ × 4 is
  // ~10 GB) load too.
  const openOrFail = async (file: string): Promise<FileHandle> => {
    try {
      return await open(join(dir, file), 'r');
    } catch {
      throw new SslRuntimeError(msg('SSL123', 'missing', { path: join(dir, file) }), join(dir, file));
    }
  };
  const img = await openOrFail('images.f32');
  const needMasks = index.cases.some((c) => c.mask !== null);
  const msk = needMasks ? await openOrFail('masks.u8') : null;
  const readInto = async (fh: FileHandle, file: string, target: Uint8Array, position: number, caseId: string): Promise<void> => {
    let done = 0;
    while (done < target.byteLength) {
      const chunk = Math.min(target.byteLength - done, 1 << 30);
      const { bytesRead } = await fh.read(target, done, chunk, position + done);
      if (bytesRead === 0) throw new SslRuntimeError(msg('SSL123', 'short', { path: join(dir, file), caseId }), join(dir, file));
      done += bytesRead;
    }
  };
  const cases: Case[] = [];
  try {
    for (const e of index.cases) {
      const voxels = e.shape.reduce((a, b) => a * b, 1);
      if (e.image[1] !== voxels * e.channels) throw new SslRuntimeError(msg('SSL123', 'imageLength', { path: join(dir, 'dataset.json'), id: e.id, length: e.image[1], shape: e.shape.join(', '), channels: e.channels }), join(dir, 'dataset.json'));
      const image = new Float32Array(e.image[1]);
      await readInto(img, 'images.f32', new Uint8Array(image.buffer), e.image[0] * 4, e.id);
      if (!LITTLE_ENDIAN) {
        const dv = new DataView(image.buffer);
        for (let i = 0; i < image.length; i++) image[i] = dv.getFloat32(i * 4, true);
      }
      let mask: Uint8Array | null = null;
      if (e.mask && msk) {
        if (e.mask[1] !== voxels) throw new SslRuntimeError(msg('SSL123', 'maskLength', { path: join(dir, 'dataset.json'), id: e.id, length: e.mask[1] }), join(dir, 'dataset.json'));
        mask = new Uint8Array(e.mask[1]);
        await readInto(msk, 'masks.u8', mask, e.mask[0], e.id);
      }
      cases.push({ id: e.id, shape: e.shape, channels: e.channels, image, mask, grade: e.grade, spacing: e.spacing, ...(e.affine ? { affine: e.affine } : {}), ...(e.sourceGrid ? { sourceGrid: e.sourceGrid } : {}) });
    }
  } finally {
    await img.close();
    await msk?.close();
  }
  return { name: index.name, dim: index.dim, channels: index.channels, cases, split: index.split, fingerprint: index.fingerprint };
}

// What every dataset layout shares: the case source type, path helpers, and the NIfTI case loader
// (channel files on one grid, stacked channels-last, optional label map).
import { statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { SslRuntimeError } from '../../contract.js';
import { readNifti, type NiftiVolume } from '../nifti.js';
import type { Case } from '../types.js';
import { readInputFile, readProblem } from '../../files.js';
import { msg } from '../../../core/codes/index.js';

export interface CaseSource {
  id: string;
  /** Every input file of the case (hashed for the cache key), image channels first. */
  files: string[];
  labelFile?: string | null;
  /** Class label from a CSV, if any. */
  grade?: number | null;
  /** What decides how the files are read (part of the cache key). */
  reader: Record<string, unknown>;
  /** Preprocessing steps the loader already did (they are skipped afterwards). */
  done?: { crop: boolean; resize: boolean };
  /** Decode the raw case. */
  load(): Promise<Case>;
}

export const NII_EXT = /\.nii(\.gz)?$/i;

export function stripNiftiExt(name: string): string {
  return name.replace(NII_EXT, '');
}

export function resolvePath(baseDir: string, p: string): string {
  return isAbsolute(p) ? p : resolve(baseDir, p);
}

export function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function mustBeDir(p: string, what: string): void {
  if (!isDir(p)) throw new SslRuntimeError(msg('SSL110', 'notAFolder', { what, path: p }), p);
}

export async function listFiles(dir: string, test: (name: string) => boolean): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.') && test(e.name))
    .map((e) => join(dir, e.name))
    .sort();
}

function sameSpacing(a: readonly number[], b: readonly number[]): boolean {
  return a.every((v, i) => Math.abs(v - b[i]!) <= 1e-3 * Math.max(Math.abs(v), Math.abs(b[i]!)) + 1e-5);
}

const fmt = (xs: readonly number[]): string => xs.map((x) => (Number.isInteger(x) ? String(x) : x.toFixed(3))).join('×');

/** Convert a decoded label volume to uint8 label values (integers 0..255). */
export function labelsFromVolume(v: NiftiVolume, caseId: string, file: string): Uint8Array {
  if (v.channels !== 1) throw new SslRuntimeError(msg('SSL106', 'label4d', { caseId, file, channels: v.channels }), file);
  const out = new Uint8Array(v.data.length);
  for (let i = 0; i < v.data.length; i++) {
    const x = v.data[i]!;
    if (!Number.isInteger(x) || x < 0 || x > 255) {
      throw new SslRuntimeError(msg('SSL116', 'notByte', { caseId, file, value: x }), file);
    }
    out[i] = x;
  }
  return out;
}

/**
 * Read the channel files of one case (each 3D or 4D) and its optional label, check that they share
 * one grid, and stack the channels (channels-last).
 */
export async function loadNiftiCase(id: string, imageFiles: readonly string[], labelFile: string | null): Promise<Case> {
  const vols: NiftiVolume[] = [];
  for (const f of imageFiles) vols.push(await readNifti(f));
  const warned: string[] = [];
  const first = vols[0]!;
  const ref = imageFiles[0]!;
  const checkGrid = (v: NiftiVolume, f: string): void => {
    if (v.shape.some((s, i) => s !== first.shape[i])) {
      throw new SslRuntimeError(msg('SSL113', 'shapesDiffer', { id, file: f, shape: fmt(v.shape), ref, firstShape: fmt(first.shape) }), f);
    }
    if (!sameSpacing(v.spacing, first.spacing)) {
      throw new SslRuntimeError(msg('SSL114', 'spacingDiffers', { id, file: f, spacing: fmt(v.spacing), ref, firstSpacing: fmt(first.spacing) }), f);
    }
    // Same shape and spacing but placed elsewhere in the scanner: a different field of view.
    // Tolerances are loose (one voxel, ~3°) so float noise between sform/qform writers passes.
    const shift = Math.hypot(v.affine[0]![3]! - first.affine[0]![3]!, v.affine[1]![3]! - first.affine[1]![3]!, v.affine[2]![3]! - first.affine[2]![3]!);
    let turn = 0;
    for (let j = 0; j < 3; j++) {
      const na = Math.hypot(v.affine[0]![j]!, v.affine[1]![j]!, v.affine[2]![j]!) || 1;
      const nb = Math.hypot(first.affine[0]![j]!, first.affine[1]![j]!, first.affine[2]![j]!) || 1;
      for (let i = 0; i < 3; i++) turn = Math.max(turn, Math.abs(v.affine[i]![j]! / na - first.affine[i]![j]! / nb));
    }
    if (shift > Math.max(...first.spacing) || turn > 0.05) {
      throw new SslRuntimeError(
        shift > Math.max(...first.spacing) ? msg('SSL114', 'originMoved', { id, file: f, ref, shift: shift.toFixed(1) }) : msg('SSL114', 'axesTurned', { id, file: f, ref }),
        f,
      );
    }
  };
  vols.forEach((v, i) => checkGrid(v, imageFiles[i]!));
  const C = vols.reduce((a, v) => a + v.channels, 0);
  const nvox = first.shape[0] * first.shape[1] * first.shape[2];
  let image: Float32Array;
  if (vols.length === 1) image = first.data;
  else {
    image = new Float32Array(nvox * C);
    let c0 = 0;
    for (const v of vols) {
      const vc = v.channels;
      for (let i = 0; i < nvox; i++) for (let k = 0; k < vc; k++) image[i * C + c0 + k] = v.data[i * vc + k]!;
      c0 += vc;
    }
  }
  let mask: Uint8Array | null = null;
  if (labelFile) {
    const lv = await readNifti(labelFile);
    checkGrid(lv, labelFile);
    mask = labelsFromVolume(lv, id, labelFile);
    if (lv.warnings) warned.push(...lv.warnings);
  }
  for (const v of vols) if (v.warnings) warned.push(...v.warnings);
  return { id, shape: [...first.shape], channels: C, image, mask, grade: null, spacing: [...first.spacing], affine: first.affine.map((r) => [...r]), ...(warned.length ? { warnings: warned } : {}), sourceGrid: first.fileGrid
    ? { shape: [...first.fileGrid.shape], affine: first.fileGrid.affine.map((r) => [...r]) }
    : { shape: [...first.shape], affine: first.affine.map((r) => [...r]) } };
}

export function niftiSource(id: string, images: string[], label: string | null, kind: string): CaseSource {
  return {
    id,
    files: label ? [...images, label] : [...images],
    labelFile: label,
    reader: { kind, channels: images.length, labelled: label !== null },
    load: () => loadNiftiCase(id, images, label),
  };
}


export async function readJson<T>(file: string): Promise<T> {
  let text: string;
  try {
    text = (await readInputFile(file)).toString('utf8');
  } catch (e) {
    throw new SslRuntimeError((e as NodeJS.ErrnoException).code === 'ENOENT' ? msg('SSL117', 'missing', { file }) : msg('SSL117', 'cannotRead', { file, reason: readProblem(e) }), file);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new SslRuntimeError(msg('SSL117', 'notValidJson', { file, reason: (e as Error).message }), file);
  }
}


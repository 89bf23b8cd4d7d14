// Dataset layouts: turn a DataSource into a list of cases, each with its files and a loader that
// decodes the raw (not yet preprocessed) case. Supported:
//   nifti      one glob per channel (+ an optional label glob), cases matched by sorted order
//   brats      BraTS 2018: <root>/[HGG|LGG/]<case>/<case>_{t1,t1ce,t2,flair,seg}.nii.gz
//   decathlon  Medical Segmentation Decathlon: dataset.json, imagesTr/ (3D or 4D), labelsTr/
//   nnunet     nnU-Net raw: dataset.json, imagesTr/<case>_0000.nii.gz …, labelsTr/<case>.nii.gz
//   images     2D folder of PNG/JPEG (+ CSV `id_code,diagnosis`, APTOS 2019), decoded with sharp
// Every problem is an SslRuntimeError naming the case and the file or pattern.

import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import sharp from 'sharp';
import { glob } from 'tinyglobby';
import type { DataSource, DatasetSpec, PreprocessSpec } from '../../core/graph.js';
import { SslRuntimeError } from '../contract.js';
import { DATA_CODES } from '../../core/codes/data.js';
import { readNifti, type NiftiVolume } from './nifti.js';
import { foregroundBox } from './preprocess.js';
import type { Case } from './types.js';

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

const NII_EXT = /\.nii(\.gz)?$/i;

export function stripNiftiExt(name: string): string {
  return name.replace(NII_EXT, '');
}

function resolvePath(baseDir: string, p: string): string {
  return isAbsolute(p) ? p : resolve(baseDir, p);
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function mustBeDir(p: string, what: string): void {
  if (!isDir(p)) throw new SslRuntimeError(DATA_CODES.noMatch, `${what} ${p} does not exist or is not a folder`, p);
}

async function listFiles(dir: string, test: (name: string) => boolean): Promise<string[]> {
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
  if (v.channels !== 1) throw new SslRuntimeError(DATA_CODES.badDims, `case ${caseId}: label ${file} has ${v.channels} channels (4D); a label map must be 3D`, file);
  const out = new Uint8Array(v.data.length);
  for (let i = 0; i < v.data.length; i++) {
    const x = v.data[i]!;
    if (!Number.isInteger(x) || x < 0 || x > 255) {
      throw new SslRuntimeError(DATA_CODES.badLabelValues, `case ${caseId}: label ${file} holds the value ${x}; labels must be integers 0..255`, file);
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
      throw new SslRuntimeError(DATA_CODES.shapeMismatch, `case ${id}: ${f} has shape ${fmt(v.shape)} but ${ref} has ${fmt(first.shape)} (after RAS reorientation)`, f);
    }
    if (!sameSpacing(v.spacing, first.spacing)) {
      throw new SslRuntimeError(DATA_CODES.spacingMismatch, `case ${id}: ${f} has spacing ${fmt(v.spacing)} mm but ${ref} has ${fmt(first.spacing)} mm`, f);
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
        DATA_CODES.spacingMismatch,
        `case ${id}: ${f} is not on the grid of ${ref}: ` + (shift > Math.max(...first.spacing) ? `its origin is ${shift.toFixed(1)} mm away` : 'its axes point in other directions'),
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

function niftiSource(id: string, images: string[], label: string | null, kind: string): CaseSource {
  return {
    id,
    files: label ? [...images, label] : [...images],
    labelFile: label,
    reader: { kind, channels: images.length, labelled: label !== null },
    load: () => loadNiftiCase(id, images, label),
  };
}

// ───────────────────────── nifti (globs) ─────────────────────────

async function globFiles(baseDir: string, pattern: string): Promise<string[]> {
  const abs = isAbsolute(pattern);
  const files = await glob(pattern, { cwd: abs ? '/' : baseDir, absolute: true, onlyFiles: true, dot: false, expandDirectories: false });
  const found = files.filter((f) => !basename(f).startsWith('.')).sort();
  if (found.length === 0) throw new SslRuntimeError(DATA_CODES.noMatch, `no file matches ${pattern} (relative to ${baseDir})`, resolvePath(baseDir, pattern));
  return found;
}

/** Case id from a channel file: its name without .nii(.gz), or the relative path when names repeat. */
function idsFor(files: string[], baseDir: string): string[] {
  const names = files.map((f) => stripNiftiExt(basename(f)));
  if (new Set(names).size === names.length) return names;
  // One folder per subject (`ukb/<subject>/T1.nii.gz`): the folder names the case.
  const parents = files.map((f) => basename(dirname(f)));
  if (new Set(parents).size === parents.length) return parents;
  return files.map((f) => stripNiftiExt(relative(baseDir, f)).split(/[\\/]/).join('_'));
}

async function niftiLayout(src: Extract<DataSource, { kind: 'nifti' }>, baseDir: string): Promise<CaseSource[]> {
  if (src.images.length === 0) throw new SslRuntimeError(DATA_CODES.noMatch, 'nifti dataset has no image pattern');
  const perChannel: string[][] = [];
  for (const p of src.images) perChannel.push(await globFiles(baseDir, p));
  const n = perChannel[0]!.length;
  perChannel.forEach((files, c) => {
    if (files.length !== n) {
      const extra = files.length > n ? files[n]! : perChannel[0]![files.length]!;
      throw new SslRuntimeError(
        DATA_CODES.missingModality,
        `channel pattern ${src.images[c]} matches ${files.length} file(s) but ${src.images[0]} matches ${n}; cases are paired by sorted order (first unpaired: ${extra})`,
        extra,
      );
    }
  });
  let labels: string[] | null = null;
  if (src.labels) {
    labels = await globFiles(baseDir, src.labels);
    if (labels.length !== n) {
      const extra = labels.length > n ? labels[n]! : perChannel[0]![labels.length]!;
      throw new SslRuntimeError(DATA_CODES.missingLabel, `label pattern ${src.labels} matches ${labels.length} file(s) but ${src.images[0]} matches ${n} image(s) (first unpaired: ${extra})`, extra);
    }
  }
  const ids = idsFor(perChannel[0]!, baseDir);
  return ids.map((id, i) => niftiSource(id, perChannel.map((f) => f[i]!), labels ? labels[i]! : null, 'nifti'));
}

// ───────────────────────── BraTS ─────────────────────────

function findNifti(dir: string, stem: string): string | null {
  for (const ext of ['.nii.gz', '.nii']) {
    const p = join(dir, stem + ext);
    if (existsSync(p)) return p;
  }
  return null;
}

async function bratsCaseDirs(root: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (dir: string, depth: number): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = join(dir, e.name);
      const files = await readdir(p);
      if (files.some((f) => f.startsWith(e.name + '_') && NII_EXT.test(f))) out.push(p);
      else if (depth < 2) await visit(p, depth + 1); // HGG/ and LGG/ grouping folders
    }
  };
  await visit(root, 0);
  return out;
}

async function bratsLayout(src: Extract<DataSource, { kind: 'brats' }>, baseDir: string, labelled: boolean): Promise<CaseSource[]> {
  const root = resolvePath(baseDir, src.root);
  mustBeDir(root, 'BraTS folder');
  const dirs = await bratsCaseDirs(root);
  if (dirs.length === 0) throw new SslRuntimeError(DATA_CODES.noMatch, `BraTS folder ${root} holds no case folders (<case>/<case>_t1.nii.gz …)`, root);
  return dirs.map((dir) => {
    const id = basename(dir);
    const images = src.modalities.map((m) => {
      const f = findNifti(dir, `${id}_${m}`);
      if (!f) throw new SslRuntimeError(DATA_CODES.missingModality, `BraTS case ${id} has no ${m} image: ${join(dir, `${id}_${m}.nii.gz`)} is missing`, join(dir, `${id}_${m}.nii.gz`));
      return f;
    });
    let label: string | null = null;
    if (labelled) {
      label = findNifti(dir, `${id}_seg`);
      if (!label) throw new SslRuntimeError(DATA_CODES.missingLabel, `BraTS case ${id} has no segmentation: ${join(dir, `${id}_seg.nii.gz`)} is missing`, join(dir, `${id}_seg.nii.gz`));
    }
    return niftiSource(id, images, label, 'brats');
  });
}

// ───────────────────────── Decathlon ─────────────────────────

interface DecathlonJson {
  training?: Array<{ image?: string; label?: string }>;
}

async function readJson<T>(file: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new SslRuntimeError(DATA_CODES.badDatasetJson, `${file} is missing`, file);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new SslRuntimeError(DATA_CODES.badDatasetJson, `${file} is not valid JSON (${(e as Error).message})`, file);
  }
}

async function decathlonLayout(src: Extract<DataSource, { kind: 'decathlon' }>, baseDir: string): Promise<CaseSource[]> {
  const root = resolvePath(baseDir, src.root);
  mustBeDir(root, 'Decathlon folder');
  const imagesDir = join(root, src.imagesDir);
  mustBeDir(imagesDir, 'Decathlon images folder');
  const labelsDir = src.labelsDir ? join(root, src.labelsDir) : null;
  const jsonFile = join(root, 'dataset.json');
  let images: string[];
  // dataset.json's "training" list describes imagesTr/; any other images folder (imagesTs/) is listed.
  const useJson = existsSync(jsonFile) && src.imagesDir.replace(/^\.\//, '').replace(/\/$/, '') === 'imagesTr';
  if (useJson) {
    const js = await readJson<DecathlonJson>(jsonFile);
    if (!Array.isArray(js.training)) throw new SslRuntimeError(DATA_CODES.badDatasetJson, `${jsonFile} has no "training" list`, jsonFile);
    images = js.training.map((t, i) => {
      if (typeof t.image !== 'string') throw new SslRuntimeError(DATA_CODES.badDatasetJson, `${jsonFile}: training[${i}] has no "image"`, jsonFile);
      // Entries are like "./imagesTr/pancreas_001.nii.gz"; take the name and look in imagesDir.
      return join(imagesDir, basename(t.image));
    });
    for (const f of images) {
      if (!existsSync(f)) throw new SslRuntimeError(DATA_CODES.fileUnreadable, `${jsonFile} lists ${basename(f)}, but ${f} does not exist`, f);
    }
  } else {
    images = await listFiles(imagesDir, (n) => NII_EXT.test(n));
  }
  if (images.length === 0) throw new SslRuntimeError(DATA_CODES.noMatch, `Decathlon images folder ${imagesDir} holds no .nii.gz files`, imagesDir);
  if (labelsDir) mustBeDir(labelsDir, 'Decathlon labels folder');
  return images.sort().map((img) => {
    const id = stripNiftiExt(basename(img));
    let label: string | null = null;
    if (labelsDir) {
      label = join(labelsDir, basename(img));
      if (!existsSync(label)) throw new SslRuntimeError(DATA_CODES.missingLabel, `case ${id} has no label: ${label} is missing`, label);
    }
    return niftiSource(id, [img], label, 'decathlon');
  });
}

// ───────────────────────── nnU-Net raw ─────────────────────────

interface NnunetJson {
  channel_names?: Record<string, string>;
  modality?: Record<string, string>;
  file_ending?: string;
}

async function nnunetLayout(src: Extract<DataSource, { kind: 'nnunet' }>, baseDir: string, labelled: boolean): Promise<CaseSource[]> {
  const root = resolvePath(baseDir, src.root);
  mustBeDir(root, 'nnU-Net folder');
  const jsonFile = join(root, 'dataset.json');
  let ending = '.nii.gz';
  let declared: number | null = null;
  if (existsSync(jsonFile)) {
    const js = await readJson<NnunetJson>(jsonFile);
    if (js.file_ending !== undefined) {
      if (typeof js.file_ending !== 'string') throw new SslRuntimeError(DATA_CODES.badDatasetJson, `${jsonFile}: "file_ending" must be a string`, jsonFile);
      ending = js.file_ending;
    }
    const names = js.channel_names ?? js.modality;
    if (names && typeof names === 'object') declared = Object.keys(names).length;
  }
  if (ending !== '.nii.gz' && ending !== '.nii') throw new SslRuntimeError(DATA_CODES.badDatasetJson, `${jsonFile}: file_ending ${ending} is not supported (only .nii.gz and .nii)`, jsonFile);
  for (const c of src.channels) {
    if (declared !== null && c >= declared) {
      throw new SslRuntimeError(DATA_CODES.channelMismatch, `channel ${c} requested, but ${jsonFile} declares ${declared} channel(s)`, jsonFile);
    }
  }
  const imagesDir = join(root, 'imagesTr');
  mustBeDir(imagesDir, 'nnU-Net images folder');
  const firstSuffix = `_0000${ending}`;
  const all = await listFiles(imagesDir, (n) => n.endsWith(ending));
  const ids = all.filter((f) => f.endsWith(firstSuffix)).map((f) => basename(f).slice(0, -firstSuffix.length));
  if (ids.length === 0) throw new SslRuntimeError(DATA_CODES.noMatch, `nnU-Net folder ${imagesDir} holds no <case>_0000${ending} files`, imagesDir);
  const labelsDir = join(root, 'labelsTr');
  if (labelled) mustBeDir(labelsDir, 'nnU-Net labels folder');
  return ids.map((id) => {
    const images = src.channels.map((c) => {
      const f = join(imagesDir, `${id}_${String(c).padStart(4, '0')}${ending}`);
      if (!existsSync(f)) throw new SslRuntimeError(DATA_CODES.missingModality, `nnU-Net case ${id} has no channel ${c}: ${f} is missing`, f);
      return f;
    });
    let label: string | null = null;
    if (labelled) {
      label = join(labelsDir, `${id}${ending}`);
      if (!existsSync(label)) throw new SslRuntimeError(DATA_CODES.missingLabel, `nnU-Net case ${id} has no label: ${label} is missing`, label);
    }
    return niftiSource(id, images, label, 'nnunet');
  });
}

// ───────────────────────── 2D images + CSV ─────────────────────────

/** Minimal RFC-4180 CSV reader (quoted fields, commas, CRLF). Blank rows are skipped. */
export function parseCsv(text: string): string[][] {
  return parseCsvWithLines(text).rows;
}

/** As parseCsv, plus the 1-based file line on which each kept row starts (for located errors). */
export function parseCsvWithLines(text: string): { rows: string[][]; lines: number[] } {
  const rows: string[][] = [];
  const lines: number[] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let lineNo = 1;
  let rowStart = 1;
  const endRow = (): void => {
    row.push(field);
    field = '';
    if (row.some((f) => f.trim() !== '')) {
      rows.push(row);
      lines.push(rowStart);
    }
    row = [];
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') lineNo++;
        field += ch;
      }
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
      lineNo++;
      rowStart = lineNo;
    } else field += ch;
  }
  endRow();
  return { rows, lines };
}

/**
 * Decode a PNG/JPEG with sharp into a raw case: pixel values 0–255, 3 channels (sRGB) or 1 (grey)
 * as `channels` asks. When the preprocessing crops and/or resizes, both happen here on the
 * full-resolution image (sharp's resampler filters properly when shrinking a 1400-px photo to
 * 224 px, which a bilinear resize would alias); the crop box is computed on all channels.
 */
export async function loadImageCase(id: string, file: string, channels: 1 | 3, grade: number | null, pre: PreprocessSpec): Promise<Case> {
  let raw: { data: Buffer; info: sharp.OutputInfo };
  try {
    // rotate(): apply the EXIF orientation, so the pixels are the image as every viewer shows it
    // (phone and fundus-camera JPEGs often store it rotated; the rotation task depends on it).
    let img = sharp(file, { failOn: 'error' }).rotate().removeAlpha();
    img = channels === 1 ? img.greyscale() : img.toColourspace('srgb');
    raw = await img.raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new SslRuntimeError(DATA_CODES.imageDecode, `case ${id}: ${file} cannot be decoded as an image (${(e as Error).message})`, file);
  }
  let { width, height } = raw.info;
  let C = raw.info.channels;
  let data = raw.data;
  if (C !== channels) {
    // sharp keeps grey JPEGs single-channel even after toColourspace on some inputs: expand.
    const out = Buffer.alloc(width * height * channels);
    for (let i = 0; i < width * height; i++) for (let k = 0; k < channels; k++) out[i * channels + k] = data[i * C + Math.min(k, C - 1)]!;
    data = out;
    C = channels;
  }
  let spacing = [1, 1];
  let pipeline: sharp.Sharp | null = null;
  if (pre.crop) {
    const f = new Float32Array(data);
    const box = foregroundBox(f, [height, width], C, pre.crop.threshold, pre.crop.margin);
    if (box) {
      pipeline = sharp(data, { raw: { width, height, channels: C as 1 | 3 } }).extract({ left: box.start[1]!, top: box.start[0]!, width: box.end[1]! - box.start[1]!, height: box.end[0]! - box.start[0]! });
      width = box.end[1]! - box.start[1]!;
      height = box.end[0]! - box.start[0]!;
    }
  }
  if (pre.resize) {
    if (pre.resize.length !== 2) throw new SslRuntimeError(DATA_CODES.badPreprocess, `resize [${pre.resize.join(', ')}] for 2D images needs [H, W]`);
    const [H, W] = [pre.resize[0]!, pre.resize[1]!];
    spacing = [height / H, width / W];
    pipeline = (pipeline ?? sharp(data, { raw: { width, height, channels: C as 1 | 3 } })).resize(W, H, { fit: 'fill' });
    width = W;
    height = H;
  }
  if (pipeline) {
    const out = await pipeline.raw().toBuffer({ resolveWithObject: true });
    data = out.data;
  }
  const image = new Float32Array(width * height * C);
  for (let i = 0; i < image.length; i++) image[i] = data[i]!;
  return { id, shape: [height, width], channels: C, image, mask: null, grade, spacing };
}

async function imagesLayout(src: Extract<DataSource, { kind: 'images' }>, spec: DatasetSpec, baseDir: string): Promise<CaseSource[]> {
  const root = resolvePath(baseDir, src.root);
  mustBeDir(root, 'image folder');
  const exts = src.extensions.map((e) => (e.startsWith('.') ? e : '.' + e).toLowerCase());
  const files = await listFiles(root, (n) => exts.some((e) => n.toLowerCase().endsWith(e)));
  const channels: 1 | 3 = spec.preprocess.channels === null && spec.channels === 1 ? 1 : 3;
  const csvPath = src.csv ? resolvePath(baseDir, src.csv) : null;
  const make = (id: string, file: string, grade: number | null): CaseSource => ({
    id,
    files: [file],
    labelFile: csvPath,
    grade,
    reader: { kind: 'images', channels, crop: spec.preprocess.crop, resize: spec.preprocess.resize },
    done: { crop: true, resize: true },
    load: () => loadImageCase(id, file, channels, grade, spec.preprocess),
  });
  if (!src.csv) {
    if (files.length === 0) throw new SslRuntimeError(DATA_CODES.noMatch, `image folder ${root} holds no ${exts.join('/')} files`, root);
    return files.map((f) => make(basename(f).replace(/\.[^.]+$/, ''), f, null));
  }
  const csvFile = resolvePath(baseDir, src.csv);
  let text: string;
  try {
    text = await readFile(csvFile, 'utf8');
  } catch {
    throw new SslRuntimeError(DATA_CODES.fileUnreadable, `label CSV ${csvFile} cannot be read`, csvFile);
  }
  const { rows, lines: rowLines } = parseCsvWithLines(text.replace(/^\uFEFF/, ''));
  if (rows.length < 2) throw new SslRuntimeError(DATA_CODES.badCsv, `label CSV ${csvFile} has no data rows`, csvFile);
  const head = rows[0]!.map((h) => h.trim());
  const idCol = head.indexOf(src.idColumn);
  const labelCol = head.indexOf(src.labelColumn);
  if (idCol < 0) throw new SslRuntimeError(DATA_CODES.badCsv, `${csvFile}:1: no column "${src.idColumn}" (columns: ${head.join(', ')})`, csvFile);
  if (labelCol < 0) throw new SslRuntimeError(DATA_CODES.badCsv, `${csvFile}:1: no column "${src.labelColumn}" (columns: ${head.join(', ')})`, csvFile);
  const byStem = new Map<string, string>();
  for (const f of files) byStem.set(basename(f).replace(/\.[^.]+$/, ''), f);
  const out: CaseSource[] = [];
  const seenIds = new Map<string, number>();
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    const id = (row[idCol] ?? '').trim();
    const lab = (row[labelCol] ?? '').trim();
    const line = rowLines[r]!;
    if (!id) throw new SslRuntimeError(DATA_CODES.badCsv, `${csvFile}:${line}: empty ${src.idColumn}`, csvFile);
    if (!/^-?\d+$/.test(lab)) throw new SslRuntimeError(DATA_CODES.badCsv, `${csvFile}:${line}: ${src.labelColumn} "${lab}" of ${id} is not an integer class`, csvFile);
    const grade = Number(lab);
    // Range-check here, where the line is known (checkLabels later only knows the file).
    if (spec.labels.kind === 'classification' && (grade < 0 || grade >= spec.labels.classes)) {
      throw new SslRuntimeError(DATA_CODES.badLabelValues, `${csvFile}:${line}: ${src.labelColumn} ${grade} of ${id} is outside the declared classes 0..${spec.labels.classes - 1}`, csvFile);
    }
    const dup = seenIds.get(id);
    if (dup !== undefined) throw new SslRuntimeError(DATA_CODES.badCsv, `${csvFile}:${line}: ${src.idColumn} ${id} appears twice (first on line ${dup})`, csvFile);
    seenIds.set(id, line);
    const file = byStem.get(id);
    if (!file) throw new SslRuntimeError(DATA_CODES.badCsv, `${csvFile}:${line}: image ${id} is not in ${root} (looked for ${exts.map((e) => id + e).join(', ')})`, csvFile);
    out.push(make(id, file, grade));
  }
  return out;
}

// ───────────────────────── dispatch ─────────────────────────

/** Whether a file-based dataset expects label files (segmentation labels declared). */
export function expectsMasks(spec: DatasetSpec): boolean {
  return spec.labels.kind === 'segmentation';
}

export async function resolveCases(spec: DatasetSpec, baseDir: string): Promise<CaseSource[]> {
  const src = spec.source;
  switch (src.kind) {
    case 'nifti':
      return niftiLayout(src, baseDir);
    case 'brats':
      return bratsLayout(src, baseDir, expectsMasks(spec));
    case 'decathlon':
      return decathlonLayout(src, baseDir);
    case 'nnunet':
      return nnunetLayout(src, baseDir, expectsMasks(spec));
    case 'images':
      return imagesLayout(src, spec, baseDir);
    case 'phantom3d':
    case 'phantom2d':
      throw new RangeError('phantom datasets have no files; use phantomCase');
  }
}


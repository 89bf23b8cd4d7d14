// Layout `images`: a 2D folder of PNG/JPEG (+ a CSV `id_code,diagnosis`, APTOS 2019), decoded with sharp.
import { openRegularFile, readInputFile, readProblem } from '../../files.js';
import { basename } from 'node:path';
import sharp from 'sharp';
import type { DataSource, DatasetSpec, PreprocessSpec } from '../../../core/graph.js';
import { SslRuntimeError } from '../../contract.js';
import { foregroundBox } from '../preprocess.js';
import type { Case } from '../types.js';
import { listFiles, mustBeDir, resolvePath, type CaseSource } from './common.js';
import { msg } from '../../../core/codes/index.js';

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
    // sharp opens the path itself: a named pipe would hang it and a device feed it without end
    await (await openRegularFile(file)).close();
  } catch (e) {
    throw new SslRuntimeError(msg('SSL100', 'caseCannotRead', { id, file, reason: readProblem(e) }), file);
  }
  try {
    // rotate(): apply the EXIF orientation, so the pixels are the image as every viewer shows it
    // (phone and fundus-camera JPEGs often store it rotated; the rotation task depends on it).
    let img = sharp(file, { failOn: 'error' }).rotate().removeAlpha();
    img = channels === 1 ? img.greyscale() : img.toColourspace('srgb');
    raw = await img.raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new SslRuntimeError(msg('SSL119', 'undecodable', { id, file, reason: (e as Error).message }), file);
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
    if (pre.resize.length !== 2) throw new SslRuntimeError(msg('SSL121', 'resize2d', { resize: pre.resize.join(', ') }));
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

export async function imagesLayout(src: Extract<DataSource, { kind: 'images' }>, spec: DatasetSpec, baseDir: string): Promise<CaseSource[]> {
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
    if (files.length === 0) throw new SslRuntimeError(msg('SSL110', 'noImages', { root, exts: exts.join('/') }), root);
    return files.map((f) => make(basename(f).replace(/\.[^.]+$/, ''), f, null));
  }
  const csvFile = resolvePath(baseDir, src.csv);
  let text: string;
  try {
    text = (await readInputFile(csvFile)).toString('utf8');
  } catch (e) {
    throw new SslRuntimeError(msg('SSL100', 'labelCsvCannotRead', { csvFile, reason: readProblem(e) }), csvFile);
  }
  const { rows, lines: rowLines } = parseCsvWithLines(text.replace(/^\uFEFF/, ''));
  if (rows.length < 2) throw new SslRuntimeError(msg('SSL118', 'noRows', { csvFile }), csvFile);
  const head = rows[0]!.map((h) => h.trim());
  const idCol = head.indexOf(src.idColumn);
  const labelCol = head.indexOf(src.labelColumn);
  if (idCol < 0) throw new SslRuntimeError(msg('SSL118', 'noIdColumn', { csvFile, idColumn: src.idColumn, head: head.join(', ') }), csvFile);
  if (labelCol < 0) throw new SslRuntimeError(msg('SSL118', 'noLabelColumn', { csvFile, labelColumn: src.labelColumn, head: head.join(', ') }), csvFile);
  const byStem = new Map<string, string>();
  for (const f of files) byStem.set(basename(f).replace(/\.[^.]+$/, ''), f);
  const out: CaseSource[] = [];
  const seenIds = new Map<string, number>();
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    const id = (row[idCol] ?? '').trim();
    const lab = (row[labelCol] ?? '').trim();
    const line = rowLines[r]!;
    if (!id) throw new SslRuntimeError(msg('SSL118', 'emptyId', { csvFile, line, idColumn: src.idColumn }), csvFile);
    if (!/^-?\d+$/.test(lab)) throw new SslRuntimeError(msg('SSL118', 'notIntegerClass', { csvFile, line, labelColumn: src.labelColumn, label: lab, id }), csvFile);
    const grade = Number(lab);
    // Range-check here, where the line is known (checkLabels later only knows the file).
    if (spec.labels.kind === 'classification' && (grade < 0 || grade >= spec.labels.classes)) {
      throw new SslRuntimeError(msg('SSL116', 'csvClassOutside', { csvFile, line, labelColumn: src.labelColumn, grade, id, last: spec.labels.classes - 1 }), csvFile);
    }
    const dup = seenIds.get(id);
    if (dup !== undefined) throw new SslRuntimeError(msg('SSL118', 'duplicateId', { csvFile, line, idColumn: src.idColumn, id, dup }), csvFile);
    seenIds.set(id, line);
    const file = byStem.get(id);
    if (!file) throw new SslRuntimeError(msg('SSL118', 'imageMissing', { csvFile, line, id, root, exts: exts.map((e) => id + e).join(', ') }), csvFile);
    out.push(make(id, file, grade));
  }
  return out;
}

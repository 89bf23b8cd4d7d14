// On-disk cache of preprocessed cases, keyed by a content hash of (the bytes of every input file,
// the preprocessing parameters, how the layout reads the case, and the data-code version), so a
// second run with the same inputs reads the cached case instead of decoding and preprocessing.
// Entries are written atomically (temp file + rename) and carry a sha256 of their voxel data that
// is checked on every read; a corrupt entry is reported (the data node warns with SSL182) and rebuilt.

import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Case } from './types.js';
import { PREPROCESS_VERSION } from './preprocess.js';
import { readInputFile, readProblem } from '../files.js';

/** Bumped when the readers or the cache format change in a way that alters cached cases. */
export const DATA_CODE_VERSION = `data-3/pre-${PREPROCESS_VERSION}`;

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Cache key of one case. `fileHashes` are sha256 of the raw input files. */
export function caseCacheKey(parts: { fileHashes: string[]; preprocess: unknown; reader: unknown }): string {
  return sha256Hex(JSON.stringify({ v: DATA_CODE_VERSION, ...parts }));
}

interface CachedHeader {
  id: string;
  shape: number[];
  channels: number;
  spacing: number[];
  grade: number | null;
  imageLength: number;
  maskLength: number;
  affine?: number[][] | null;
  sourceGrid?: { shape: number[]; affine: number[][] } | null;
  /** sha256 of everything after the header (image and mask bytes). */
  sha256: string;
}

// Format 02 added the payload checksum; an entry of format 01 is an ordinary miss (rebuilt quietly).
const MAGIC = 'SSL3DC02';
const OLD_MAGIC = 'SSL3DC01';

function entryPath(cacheDir: string, key: string): string {
  return join(cacheDir, key.slice(0, 2), `${key}.case`);
}

/**
 * The cached case for `key`, or null on a miss. An entry that exists but fails its checks
 * (truncated, bad header, payload checksum mismatch) is a miss too, and `onCorrupt` says why, so
 * the caller can warn before rebuilding it.
 */
export async function readCachedCase(cacheDir: string, key: string, onCorrupt?: (reason: string, path: string) => void): Promise<Case | null> {
  const path = entryPath(cacheDir, key);
  let buf: Buffer;
  try {
    buf = await readInputFile(path);
  } catch (e) {
    // missing: a miss; anything else (a folder, a pipe, a link to a device put there): corrupt
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') onCorrupt?.(readProblem(e), path);
    return null;
  }
  const bad = (reason: string): null => {
    onCorrupt?.(reason, path);
    return null;
  };
  try {
    const magic = buf.toString('latin1', 0, 8);
    if (magic === OLD_MAGIC) return null;
    if (magic !== MAGIC) return bad('it does not start with the cache-file signature');
    const hlen = buf.readUInt32LE(8);
    if (12 + hlen > buf.length) return bad('its header is truncated');
    const header = JSON.parse(buf.toString('utf8', 12, 12 + hlen)) as CachedHeader;
    const imgStart = 12 + hlen + ((4 - ((12 + hlen) % 4)) % 4);
    const imgBytes = header.imageLength * 4;
    if (imgStart + imgBytes + header.maskLength !== buf.length) return bad(`it has ${buf.length} bytes, its header describes ${imgStart + imgBytes + header.maskLength}`);
    const sum = sha256Hex(buf.subarray(imgStart));
    if (sum !== header.sha256) return bad(`its voxel data has sha256 ${sum.slice(0, 8)}…, the header says ${String(header.sha256).slice(0, 8)}…`);
    // Copy into fresh, aligned arrays (the read buffer may be pooled / unaligned).
    const image = new Float32Array(header.imageLength);
    new Uint8Array(image.buffer).set(buf.subarray(imgStart, imgStart + imgBytes));
    const mask = header.maskLength > 0 ? new Uint8Array(buf.subarray(imgStart + imgBytes)) : null;
    return { id: header.id, shape: header.shape, channels: header.channels, spacing: header.spacing, grade: header.grade, image, mask, ...(header.affine ? { affine: header.affine } : {}), ...(header.sourceGrid ? { sourceGrid: header.sourceGrid } : {}) };
  } catch (e) {
    return bad(`its header cannot be read (${(e as Error).message})`);
  }
}

/** Store a preprocessed case under `key`. */
export async function writeCachedCase(cacheDir: string, key: string, c: Case): Promise<void> {
  const header: CachedHeader = {
    id: c.id,
    shape: c.shape,
    channels: c.channels,
    spacing: c.spacing,
    grade: c.grade,
    imageLength: c.image.length,
    maskLength: c.mask ? c.mask.length : 0,
    affine: c.affine ?? null,
    sourceGrid: c.sourceGrid ?? null,
    sha256: '',
  };
  const imageBytes = new Uint8Array(c.image.buffer, c.image.byteOffset, c.image.byteLength);
  const h = createHash('sha256').update(imageBytes);
  if (c.mask) h.update(c.mask);
  header.sha256 = h.digest('hex');
  const hjson = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (4 - ((12 + hjson.length) % 4)) % 4;
  const head = Buffer.alloc(12 + hjson.length + pad);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(hjson.length, 8);
  hjson.copy(head, 12);
  const parts: Uint8Array[] = [head, imageBytes];
  if (c.mask) parts.push(c.mask);
  const path = entryPath(cacheDir, key);
  await mkdir(join(cacheDir, key.slice(0, 2)), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, Buffer.concat(parts));
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }); // never leave a half-written temp file (e.g. on a full disk)
    throw e;
  }
}

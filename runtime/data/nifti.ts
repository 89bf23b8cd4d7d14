// NIfTI-1 / NIfTI-2 reading (.nii, .nii.gz) and NIfTI-1 writing.
//
// Header parsing is nifti-reader-js; gzip is node:zlib (about 5–10× faster than the library's
// own inflate). This file adds what the library leaves to callers: datatype → values (with
// endianness), scl_slope/scl_inter, 4D → channels, validation with located errors, and the
// orientation.
//
// Canonical orientation: every volume is brought to RAS+ by permuting and flipping voxel axes
// (no resampling): voxel axis x (fastest) points Right, y Anterior, z Superior. The voxel-to-world
// matrix is taken from the sform when sform_code > 0, else from the qform when qform_code > 0,
// else diag(pixdim) (Analyze-style, assumed RAS). In memory a volume is channels-last float32
// with spatial shape [D,H,W] = [z,y,x] (so W is x, the fastest axis, as in the file).

import type { Code } from '../../core/codes/index.js';
import { constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';
import { readFile, writeFile } from 'node:fs/promises';
import * as nifti from 'nifti-reader-js';
import { SslRuntimeError } from '../contract.js';
import { DATA_CODES } from '../../core/codes/data.js';

export type Mat4 = number[][];

export interface NiftiVolume {
  /** Spatial shape [D,H,W] = [z,y,x] of the canonical (RAS+) grid. */
  shape: [number, number, number];
  channels: number;
  /** Channels-last float32 values (scl_slope/scl_inter applied). */
  data: Float32Array;
  /** Voxel size in mm along [D,H,W]. */
  spacing: [number, number, number];
  /** 4×4 voxel (x=W, y=H, z=D index) → world (RAS mm) matrix of the canonical grid. */
  affine: Mat4;
  /** Orientation codes of the file's own voxel axes before canonicalisation, e.g. 'LPS', 'RAS'. */
  sourceOrientation: string;
  /**
   * The file's own grid: spatial shape [D,H,W] = [nz,ny,nx] in the file's voxel order and its
   * voxel → world matrix (before canonicalisation), so results can be written back exactly as the
   * input file is laid out.
   */
  fileGrid?: { shape: [number, number, number]; affine: Mat4 };
  datatype: string;
  version: 1 | 2;
  /** Header oddities that were tolerated (NaN scl_slope, zero/NaN pixdim), one sentence each. */
  warnings?: string[];
}

interface DatatypeInfo {
  name: string;
  bytes: number;
  /** Values per voxel (3 for RGB24). */
  components: number;
  float: boolean;
}

export const NIFTI_DATATYPES: Record<number, DatatypeInfo> = {
  2: { name: 'uint8', bytes: 1, components: 1, float: false },
  4: { name: 'int16', bytes: 2, components: 1, float: false },
  8: { name: 'int32', bytes: 4, components: 1, float: false },
  16: { name: 'float32', bytes: 4, components: 1, float: true },
  64: { name: 'float64', bytes: 8, components: 1, float: true },
  128: { name: 'rgb24', bytes: 3, components: 3, float: false },
  256: { name: 'int8', bytes: 1, components: 1, float: false },
  512: { name: 'uint16', bytes: 2, components: 1, float: false },
  768: { name: 'uint32', bytes: 4, components: 1, float: false },
  1024: { name: 'int64', bytes: 8, components: 1, float: false },
  1280: { name: 'uint64', bytes: 8, components: 1, float: false },
};

const UNSUPPORTED_NAMES: Record<number, string> = {
  1: 'binary (1 bit)',
  32: 'complex64',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'rgba32',
};

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function err(code: Code, file: string, what: string): SslRuntimeError {
  return new SslRuntimeError(code, `${file}: ${what}`, file);
}

/** The most voxel data a header may declare (Float32Array / Buffer limits; far beyond any scan). */
const MAX_DECLARED_BYTES = 2 ** 32;

/**
 * Where the voxel data of a (decompressed) NIfTI-1/-2 header prefix start and how many bytes the
 * header declares in all (vox_offset + voxels × bytes), or null when the prefix is no NIfTI header.
 */
function declaredLayout(head: Uint8Array): { version: 1 | 2; le: boolean; voxOffset: number; total: number } | null {
  if (head.length < 348) return null;
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const sz = dv.getInt32(0, true);
  const szBE = dv.getInt32(0, false);
  const le = sz === 348 || sz === 540;
  const size = le ? sz : szBE;
  if (size !== 348 && size !== 540) return null;
  if (size === 540 && head.length < 540) return null;
  const v2 = size === 540;
  const dims: number[] = [];
  for (let k = 0; k < 8; k++) dims.push(v2 ? Number(dv.getBigInt64(16 + k * 8, le)) : dv.getInt16(40 + k * 2, le));
  const code = v2 ? dv.getInt16(12, le) : dv.getInt16(70, le);
  const bytes = NIFTI_DATATYPES[code]?.bytes ?? 8;
  const voxOffset = v2 ? Number(dv.getBigInt64(168, le)) : dv.getFloat32(108, le);
  let count = 1;
  const ndim = dims[0]!;
  for (let k = 1; k <= Math.min(Math.max(ndim, 1), 7); k++) count *= Math.max(1, dims[k]!);
  return { version: v2 ? 2 : 1, le, voxOffset, total: Math.max(voxOffset, v2 ? 544 : 352) + count * bytes };
}

/**
 * Gunzip when the bytes start with the gzip magic; otherwise return them unchanged. The output is
 * capped by the size the header declares (read from the first decompressed bytes), so a small
 * file that inflates to gigabytes (a gzip bomb) is refused before it is inflated whole.
 */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const fail = (e: unknown): never => {
      const msg = (e as Error).message;
      const what = /unexpected end/i.test(msg) ? 'gzip stream is truncated (the file was cut short)' : `gzip data is corrupt (${msg})`;
      throw err(DATA_CODES.badGzip, file, what);
    };
    // 1. the header: inflate a short prefix only (at most ~1 MB out of 1 KB in)
    let head: Uint8Array;
    try {
      head = gunzipSync(bytes.subarray(0, Math.min(bytes.length, 1024)), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch (e) {
      return fail(e);
    }
    const layout = declaredLayout(head);
    let cap = MAX_DECLARED_BYTES;
    if (layout) {
      if (!(layout.total <= MAX_DECLARED_BYTES)) {
        throw err(DATA_CODES.badDims, file, `the header declares ${layout.total} bytes of data (over ${MAX_DECLARED_BYTES}); its dimensions are wrong`);
      }
      cap = layout.total + 65536; // a little room for trailing bytes some writers leave
    }
    // 2. the whole file, never more than the header declares
    try {
      return gunzipSync(bytes, { maxOutputLength: cap });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
        throw err(
          DATA_CODES.badGzip,
          file,
          `decompresses to more than ${cap} bytes, more than its header declares${layout ? ` (${layout.total} bytes)` : ''}; refusing to inflate it (a gzip bomb or a wrong header)`,
        );
      }
      return fail(e);
    }
  }
  // Not gzipped (also a `.nii.gz` name without the gzip magic, which some tools write): plain NIfTI.
  return bytes;
}

function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** Read `count` values of `dt` at `offset` into a Float64-free Float32Array (source order). */
function readValues(bytes: Uint8Array, offset: number, count: number, code: number, littleEndian: boolean, file: string): Float32Array {
  const info = NIFTI_DATATYPES[code]!;
  const out = new Float32Array(count * info.components);
  const nBytes = count * info.bytes;
  const src = bytes.subarray(offset, offset + nBytes);
  if (code === 2) {
    out.set(src);
    return out;
  }
  if (code === 256) {
    out.set(new Int8Array(src.buffer, src.byteOffset, src.byteLength));
    return out;
  }
  if (code === 128) {
    // RGB24 is stored voxel-interleaved (r,g,b per voxel).
    out.set(src);
    return out;
  }
  if (littleEndian === HOST_LE && code !== 1024 && code !== 1280) {
    const aligned = new Uint8Array(nBytes);
    aligned.set(src);
    const buf = aligned.buffer;
    const typed =
      code === 4 ? new Int16Array(buf) : code === 8 ? new Int32Array(buf) : code === 16 ? new Float32Array(buf) : code === 64 ? new Float64Array(buf) : code === 512 ? new Uint16Array(buf) : new Uint32Array(buf);
    out.set(typed);
    return out;
  }
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const le = littleEndian;
  const LIMIT = 2 ** 53;
  for (let i = 0; i < count; i++) {
    const p = i * info.bytes;
    switch (code) {
      case 4: out[i] = dv.getInt16(p, le); break;
      case 8: out[i] = dv.getInt32(p, le); break;
      case 16: out[i] = dv.getFloat32(p, le); break;
      case 64: out[i] = dv.getFloat64(p, le); break;
      case 512: out[i] = dv.getUint16(p, le); break;
      case 768: out[i] = dv.getUint32(p, le); break;
      case 1024:
      case 1280: {
        const v = code === 1024 ? dv.getBigInt64(p, le) : dv.getBigUint64(p, le);
        const n = Number(v);
        if (Math.abs(n) > LIMIT) throw err(DATA_CODES.unsupportedDatatype, file, `64-bit voxel value ${v} at index ${i} does not fit a float without losing precision`);
        out[i] = n;
        break;
      }
    }
  }
  return out;
}

function quaternToMat(b: number, c: number, d: number, qx: number, qy: number, qz: number, dx: number, dy: number, dz: number, qfac: number): Mat4 {
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    const s = 1 / Math.sqrt(b * b + c * c + d * d);
    b *= s;
    c *= s;
    d *= s;
    a = 0;
  } else a = Math.sqrt(a);
  const zs = qfac < 0 ? -dz : dz;
  return [
    [(a * a + b * b - c * c - d * d) * dx, 2 * (b * c - a * d) * dy, 2 * (b * d + a * c) * zs, qx],
    [2 * (b * c + a * d) * dx, (a * a + c * c - b * b - d * d) * dy, 2 * (c * d - a * b) * zs, qy],
    [2 * (b * d - a * c) * dx, 2 * (c * d + a * b) * dy, (a * a + d * d - c * c - b * b) * zs, qz],
    [0, 0, 0, 1],
  ];
}

/** Quaternion parameters (b, c, d, qfac) and voxel sizes of a rigid-ish 4×4 matrix (nifti_mat44_to_quatern). */
export function matToQuatern(m: Mat4): { b: number; c: number; d: number; qfac: number; dx: number; dy: number; dz: number } {
  const col = (j: number): number[] => [m[0]![j]!, m[1]![j]!, m[2]![j]!];
  const norm = (v: number[]): number => Math.hypot(v[0]!, v[1]!, v[2]!) || 1;
  const c0 = col(0), c1 = col(1), c2 = col(2);
  const dx = norm(c0), dy = norm(c1), dz = norm(c2);
  const r = [c0.map((v) => v / dx), c1.map((v) => v / dy), c2.map((v) => v / dz)]; // r[j][i] = R[i][j]
  const R = (i: number, j: number): number => r[j]![i]!;
  const det = R(0, 0) * (R(1, 1) * R(2, 2) - R(1, 2) * R(2, 1)) - R(0, 1) * (R(1, 0) * R(2, 2) - R(1, 2) * R(2, 0)) + R(0, 2) * (R(1, 0) * R(2, 1) - R(1, 1) * R(2, 0));
  let qfac = 1;
  if (det < 0) {
    qfac = -1;
    r[2] = r[2]!.map((v) => -v);
  }
  const r11 = R(0, 0), r12 = R(0, 1), r13 = R(0, 2), r21 = R(1, 0), r22 = R(1, 1), r23 = R(1, 2), r31 = R(2, 0), r32 = R(2, 1), r33 = R(2, 2);
  let a = r11 + r22 + r33 + 1;
  let b: number, c: number, d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r32 - r23)) / a;
    c = (0.25 * (r13 - r31)) / a;
    d = (0.25 * (r21 - r12)) / a;
  } else {
    const xd = 1 + r11 - (r22 + r33);
    const yd = 1 + r22 - (r11 + r33);
    const zd = 1 + r33 - (r11 + r22);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r12 + r21)) / b;
      d = (0.25 * (r13 + r31)) / b;
      a = (0.25 * (r32 - r23)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r12 + r21)) / c;
      d = (0.25 * (r23 + r32)) / c;
      a = (0.25 * (r13 - r31)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r13 + r31)) / d;
      c = (0.25 * (r23 + r32)) / d;
      a = (0.25 * (r21 - r12)) / d;
    }
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return { b, c, d, qfac, dx, dy, dz };
}

/**
 * For each world axis (R, A, S) the voxel axis that runs most nearly along it and whether it runs
 * backwards (like nibabel's io_orientation): pick the largest |entry| of the 3×3 part, remove its
 * row and column, repeat.
 */
export function axisPermutation(m: Mat4): { perm: [number, number, number]; flip: [boolean, boolean, boolean] } {
  const used = { rows: new Set<number>(), cols: new Set<number>() };
  const perm: [number, number, number] = [0, 1, 2];
  const flip: [boolean, boolean, boolean] = [false, false, false];
  for (let k = 0; k < 3; k++) {
    let best = -1, bi = -1, bj = -1;
    for (let i = 0; i < 3; i++) {
      if (used.rows.has(i)) continue;
      for (let j = 0; j < 3; j++) {
        if (used.cols.has(j)) continue;
        const v = Math.abs(m[i]![j]!);
        if (v > best) {
          best = v;
          bi = i;
          bj = j;
        }
      }
    }
    used.rows.add(bi);
    used.cols.add(bj);
    perm[bi] = bj;
    flip[bi] = m[bi]![bj]! < 0;
  }
  return { perm, flip };
}

function orientationCodes(m: Mat4): string {
  const { perm, flip } = axisPermutation(m);
  const codes = ['', '', ''];
  const pos = ['R', 'A', 'S'];
  const neg = ['L', 'P', 'I'];
  for (let w = 0; w < 3; w++) codes[perm[w]!] = flip[w] ? neg[w]! : pos[w]!;
  return codes.join('');
}

function det3(m: Mat4): number {
  const a = m[0]!, b = m[1]!, c = m[2]!;
  return a[0]! * (b[1]! * c[2]! - b[2]! * c[1]!) - a[1]! * (b[0]! * c[2]! - b[2]! * c[0]!) + a[2]! * (b[0]! * c[1]! - b[1]! * c[0]!);
}

export interface DecodeOptions {
  /** Reorient to RAS+ (default true). */
  canonical?: boolean;
  /** Reject NaN/±Inf voxels (default true). */
  rejectNonFinite?: boolean;
}

/** Decode NIfTI bytes (gzipped or not). `file` names the source in errors. */
export function decodeNifti(input: Uint8Array, file: string, opts: DecodeOptions = {}): NiftiVolume {
  const bytes = maybeGunzip(input, file);
  if (bytes.length < 348) throw err(DATA_CODES.notNifti, file, `only ${bytes.length} bytes, shorter than a NIfTI header (348)`);
  // The header buffer reaches up to the voxel data: a header extension (NIfTI-1 at 352, NIfTI-2 at
  // 544) lies between the header and vox_offset, and the parser reads it.
  const layout = declaredLayout(bytes);
  if (layout && !(Number.isFinite(layout.voxOffset) && layout.voxOffset >= 0)) {
    throw err(DATA_CODES.notNifti, file, `vox_offset = ${layout.voxOffset}; the voxel data cannot start before the file does`);
  }
  const headEnd = layout ? Math.min(bytes.length, Math.max(544, Math.floor(layout.voxOffset))) : Math.min(bytes.length, 544);
  const ab = toArrayBuffer(bytes.subarray(0, headEnd));
  if (!nifti.isNIFTI(ab)) {
    const dv = new DataView(ab);
    const sz = dv.getInt32(0, true);
    const szBE = dv.getInt32(0, false);
    const magic = String.fromCharCode(bytes[344]!, bytes[345]!, bytes[346]!);
    if ((sz === 348 || szBE === 348) && magic === 'ni1') throw err(DATA_CODES.notNifti, file, 'is the header half of a .hdr/.img pair; convert it to a single .nii file');
    throw err(DATA_CODES.notNifti, file, 'is not a NIfTI-1 or NIfTI-2 file (no valid header size and magic)');
  }
  let hdr: nifti.NIFTI1 | nifti.NIFTI2;
  try {
    hdr = nifti.readHeader(ab);
  } catch (e) {
    throw err(DATA_CODES.notNifti, file, `header cannot be parsed (${(e as Error).message})`);
  }
  const version: 1 | 2 = hdr instanceof nifti.NIFTI2 ? 2 : 1;
  const dims = hdr.dims;
  const ndim = dims[0]!;
  if (!(ndim >= 1 && ndim <= 7)) throw err(DATA_CODES.badDims, file, `dim[0] = ${ndim}; it must be 1..7`);
  const size = (k: number): number => (k <= ndim ? dims[k]! : 1);
  const nx = size(1), ny = size(2), nz = size(3);
  let extra = 1;
  for (let k = 4; k <= ndim; k++) extra *= size(k);
  for (let k = 1; k <= ndim; k++) {
    const v = dims[k]!;
    if (!Number.isInteger(v) || v < 1) throw err(DATA_CODES.badDims, file, `dim[${k}] = ${v}; every dimension must be a positive integer`);
  }
  const code = hdr.datatypeCode;
  const info = NIFTI_DATATYPES[code];
  if (!info) {
    const name = UNSUPPORTED_NAMES[code] ?? `code ${code}`;
    throw err(DATA_CODES.unsupportedDatatype, file, `datatype ${name} is not supported (use uint8, int8, int16, uint16, int32, uint32, int64, float32, float64 or rgb24)`);
  }
  const nvox = nx * ny * nz;
  const count = nvox * extra;
  const voxOffset = Math.max(Number(hdr.vox_offset), version === 2 ? 544 : 352);
  const need = count * info.bytes;
  const have = bytes.length - voxOffset;
  if (have < need) {
    throw err(
      DATA_CODES.truncatedData,
      file,
      `holds ${Math.max(0, have)} bytes of voxel data but the header needs ${need} (${[nx, ny, nz, ...(extra > 1 ? [extra] : [])].join('×')} ${info.name} voxels of ${info.bytes} byte(s)); the file is truncated or its header is wrong`,
    );
  }
  const raw = readValues(bytes, voxOffset, count, code, hdr.littleEndian, file);
  const channels = extra * info.components;
  const warnings: string[] = [];
  // scl_slope = 0 means "no scaling" in NIfTI; a NaN slope too (as nibabel reads it), with a warning.
  let slope = hdr.scl_slope;
  const inter = hdr.scl_inter;
  if (Number.isNaN(slope)) {
    warnings.push(`${file}: scl_slope is NaN; read as no scaling`);
    slope = 0;
  } else if (!Number.isFinite(slope)) {
    throw err(DATA_CODES.nonFinite, file, `scl_slope = ${slope}; the intensity scaling is not finite`);
  } else if (slope !== 0 && !(slope === 1 && inter === 0) && !Number.isFinite(inter) && !Number.isNaN(inter)) {
    throw err(DATA_CODES.nonFinite, file, `scl_inter = ${inter}; the intensity offset is not finite`);
  }
  if (Number.isFinite(slope) && slope !== 0 && !(slope === 1 && (inter === 0 || !Number.isFinite(inter)))) {
    const b = Number.isFinite(inter) ? inter : 0;
    for (let i = 0; i < raw.length; i++) raw[i] = raw[i]! * slope + b;
  }
  if (opts.rejectNonFinite !== false && (info.float || slope !== 1)) {
    let bad = 0;
    let first = -1;
    for (let i = 0; i < raw.length; i++) {
      const v = raw[i]!;
      if (v - v !== 0) {
        if (first < 0) first = i;
        bad++;
      }
    }
    if (bad > 0) {
      const vi = info.components > 1 ? Math.floor(first / info.components) : first % nvox;
      const x = vi % nx, y = Math.floor(vi / nx) % ny, z = Math.floor(vi / (nx * ny)) % nz;
      throw err(DATA_CODES.nonFinite, file, `${bad} NaN/Inf voxel value(s), the first at voxel (${x}, ${y}, ${z}); replace them before training`);
    }
  }
  // Voxel → world matrix: sform first, then qform, then pixdim.
  const dv = new DataView(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 544));
  const le = hdr.littleEndian;
  const pd = hdr.pixDims;
  const px = Math.abs(pd[1] || 1), py = Math.abs(pd[2] || 1), pz = Math.abs(pd[3] || 1);
  if (hdr.sform_code <= 0) {
    // pixdim sets the voxel size here (qform or no orientation at all): say when it was unusable.
    const badPd = [1, 2, 3].filter((k) => !(Number.isFinite(pd[k]) && pd[k] !== 0));
    if (badPd.length) warnings.push(`${file}: ${badPd.map((k) => `pixdim[${k}] = ${pd[k]}`).join(', ')}; a voxel size of 1 mm is assumed`);
  }
  let affine: Mat4;
  if (hdr.sform_code > 0) {
    affine = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => (version === 1 ? dv.getFloat32(280 + (r * 4 + c) * 4, le) : dv.getFloat64(400 + (r * 4 + c) * 8, le))));
    affine.push([0, 0, 0, 1]);
  } else if (hdr.qform_code > 0) {
    affine = quaternToMat(hdr.quatern_b, hdr.quatern_c, hdr.quatern_d, hdr.qoffset_x, hdr.qoffset_y, hdr.qoffset_z, px, py, pz, pd[0]! < 0 ? -1 : 1);
  } else {
    affine = [
      [px, 0, 0, 0],
      [0, py, 0, 0],
      [0, 0, pz, 0],
      [0, 0, 0, 1],
    ];
  }
  if (!affine.every((row) => row.every(Number.isFinite)) || Math.abs(det3(affine)) < 1e-12) {
    throw err(DATA_CODES.badOrientation, file, `the ${hdr.sform_code > 0 ? 'sform' : hdr.qform_code > 0 ? 'qform' : 'pixdim'} voxel-to-world matrix is singular or not finite`);
  }
  const sourceOrientation = orientationCodes(affine);
  const n = [nx, ny, nz];
  const colNorm = (j: number): number => Math.hypot(affine[0]![j]!, affine[1]![j]!, affine[2]![j]!);
  let perm: [number, number, number] = [0, 1, 2];
  let flip: [boolean, boolean, boolean] = [false, false, false];
  if (opts.canonical !== false) ({ perm, flip } = axisPermutation(affine));
  // Canonical axis w (0=x,1=y,2=z) reads source axis perm[w], backwards when flip[w].
  const stride = [1, nx, nx * ny];
  const cn = [n[perm[0]]!, n[perm[1]]!, n[perm[2]]!];
  const start = [0, 1, 2].map((w) => (flip[w] ? (n[perm[w]!]! - 1) * stride[perm[w]!]! : 0));
  const step = [0, 1, 2].map((w) => (flip[w] ? -stride[perm[w]!]! : stride[perm[w]!]!));
  const C = channels;
  const identity = perm[0] === 0 && perm[1] === 1 && perm[2] === 2 && !flip[0] && !flip[1] && !flip[2];
  // Already RAS+ with one plain channel: the file-order values are the answer (no copy).
  const data = identity && C === 1 && info.components === 1 ? raw : new Float32Array(nvox * C);
  const s0 = step[0]!, s1 = step[1]!, s2 = step[2]!;
  const base0 = start[0]! + start[1]! + start[2]!;
  let o = 0;
  if (data !== raw) for (let z = 0; z < cn[2]!; z++) {
    for (let y = 0; y < cn[1]!; y++) {
      let src = base0 + z * s2 + y * s1;
      for (let x = 0; x < cn[0]!; x++, o++, src += s0) {
        if (info.components > 1) {
          // RGB24 (possibly × extra dims): components interleaved per voxel, extra dims as planes.
          for (let t = 0; t < extra; t++) for (let k = 0; k < 3; k++) data[o * C + t * 3 + k] = raw[(t * nvox + src) * 3 + k]!;
        } else if (C === 1) data[o] = raw[src]!;
        else for (let t = 0; t < C; t++) data[o * C + t] = raw[t * nvox + src]!;
      }
    }
  }
  // New affine = old affine · T, where T maps canonical voxel indices to source indices.
  const T: Mat4 = [
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 1],
  ];
  for (let w = 0; w < 3; w++) {
    const v = perm[w]!;
    T[v]![w] = flip[w] ? -1 : 1;
    T[v]![3] = flip[w] ? n[v]! - 1 : 0;
  }
  const canon: Mat4 = affine.map((row) => [0, 1, 2, 3].map((c) => row[0]! * T[0]![c]! + row[1]! * T[1]![c]! + row[2]! * T[2]![c]! + row[3]! * T[3]![c]!));
  const sp = [colNorm(perm[0]), colNorm(perm[1]), colNorm(perm[2])];
  return {
    shape: [cn[2]!, cn[1]!, cn[0]!],
    channels,
    data,
    spacing: [sp[2]!, sp[1]!, sp[0]!],
    affine: canon,
    sourceOrientation,
    fileGrid: { shape: [nz, ny, nx], affine: affine.map((r) => [...r]) },
    datatype: info.name,
    version,
    ...(warnings.length ? { warnings } : {}),
  };
}

/** Read a NIfTI file from disk (SSL100 if it cannot be read). */
export async function readNifti(file: string, opts: DecodeOptions = {}): Promise<NiftiVolume> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw err(DATA_CODES.fileUnreadable, file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return decodeNifti(bytes, file, opts);
}

// ───────────────────────── writing ─────────────────────────

export interface RawNiftiSpec {
  /** [nx, ny, nz] or [nx, ny, nz, nt]. */
  dims: number[];
  /** NIfTI datatype code (2 uint8, 4 int16, 16 float32, …; see NIFTI_DATATYPES). */
  datatype: number;
  /** Values in file order (x fastest, then y, z, t; RGB24: r,g,b per voxel). */
  values: ArrayLike<number>;
  pixdim: [number, number, number];
  /** sform (4×4); when null sform_code is 0. */
  sform: Mat4 | null;
  /** qform matrix (rigid part is used); when null qform_code is 0. */
  qform?: Mat4 | null;
  sclSlope?: number;
  sclInter?: number;
  version?: 1 | 2;
  littleEndian?: boolean;
  description?: string;
}

/** Encode a NIfTI-1 or NIfTI-2 single-file image (uncompressed bytes). Used by writeNifti and tests. */
export function encodeNiftiRaw(spec: RawNiftiSpec): Buffer {
  const version = spec.version ?? 1;
  const le = spec.littleEndian ?? true;
  const info = NIFTI_DATATYPES[spec.datatype];
  if (!info) throw new RangeError(`cannot write datatype ${spec.datatype}`);
  const hsize = version === 1 ? 348 : 540;
  const voxOffset = version === 1 ? 352 : 544;
  const count = spec.dims.reduce((a, b) => a * b, 1);
  const buf = Buffer.alloc(voxOffset + count * info.bytes);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const q = spec.qform ? matToQuatern(spec.qform) : null;
  const pixdim = [q ? q.qfac : 1, ...spec.pixdim, 1, 1, 1, 1];
  const dim = [spec.dims.length, ...spec.dims, 1, 1, 1, 1, 1, 1, 1].slice(0, 8);
  const srow = spec.sform ?? [
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
  ];
  const writeStr = (off: number, s: string, max: number): void => {
    buf.write(s.slice(0, max - 1), off, 'latin1');
  };
  if (version === 1) {
    dv.setInt32(0, hsize, le);
    for (let i = 0; i < 8; i++) dv.setInt16(40 + i * 2, dim[i]!, le);
    dv.setInt16(70, spec.datatype, le);
    dv.setInt16(72, info.bytes * 8, le);
    for (let i = 0; i < 8; i++) dv.setFloat32(76 + i * 4, pixdim[i]!, le);
    dv.setFloat32(108, voxOffset, le);
    dv.setFloat32(112, spec.sclSlope ?? 1, le);
    dv.setFloat32(116, spec.sclInter ?? 0, le);
    buf[123] = 2 | 8; // mm, seconds
    writeStr(148, spec.description ?? 'ssl3d', 80);
    dv.setInt16(252, q ? 1 : 0, le);
    dv.setInt16(254, spec.sform ? 1 : 0, le);
    if (q && spec.qform) {
      dv.setFloat32(256, q.b, le);
      dv.setFloat32(260, q.c, le);
      dv.setFloat32(264, q.d, le);
      dv.setFloat32(268, spec.qform[0]![3]!, le);
      dv.setFloat32(272, spec.qform[1]![3]!, le);
      dv.setFloat32(276, spec.qform[2]![3]!, le);
    }
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) dv.setFloat32(280 + (r * 4 + c) * 4, srow[r]![c]!, le);
    buf.write('n+1\0', 344, 'latin1');
  } else {
    dv.setInt32(0, hsize, le);
    buf.write('n+2\0\r\n\x1a\n', 4, 'latin1');
    dv.setInt16(12, spec.datatype, le);
    dv.setInt16(14, info.bytes * 8, le);
    for (let i = 0; i < 8; i++) dv.setBigInt64(16 + i * 8, BigInt(dim[i]!), le);
    for (let i = 0; i < 8; i++) dv.setFloat64(104 + i * 8, pixdim[i]!, le);
    dv.setBigInt64(168, BigInt(voxOffset), le);
    dv.setFloat64(176, spec.sclSlope ?? 1, le);
    dv.setFloat64(184, spec.sclInter ?? 0, le);
    writeStr(240, spec.description ?? 'ssl3d', 80);
    dv.setInt32(344, q ? 1 : 0, le);
    dv.setInt32(348, spec.sform ? 1 : 0, le);
    if (q && spec.qform) {
      dv.setFloat64(352, q.b, le);
      dv.setFloat64(360, q.c, le);
      dv.setFloat64(368, q.d, le);
      dv.setFloat64(376, spec.qform[0]![3]!, le);
      dv.setFloat64(384, spec.qform[1]![3]!, le);
      dv.setFloat64(392, spec.qform[2]![3]!, le);
    }
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) dv.setFloat64(400 + (r * 4 + c) * 8, srow[r]![c]!, le);
    dv.setInt32(500, 2 | 8, le); // xyzt_units: mm, seconds
  }
  const v = spec.values;
  const n = spec.datatype === 128 ? count * 3 : count;
  for (let i = 0; i < n; i++) {
    const p = voxOffset + i * (spec.datatype === 128 ? 1 : info.bytes);
    const x = v[i]!;
    switch (spec.datatype) {
      case 2: case 128: dv.setUint8(p, x); break;
      case 256: dv.setInt8(p, x); break;
      case 4: dv.setInt16(p, x, le); break;
      case 512: dv.setUint16(p, x, le); break;
      case 8: dv.setInt32(p, x, le); break;
      case 768: dv.setUint32(p, x, le); break;
      case 16: dv.setFloat32(p, x, le); break;
      case 64: dv.setFloat64(p, x, le); break;
      case 1024: dv.setBigInt64(p, BigInt(Math.round(x)), le); break;
      case 1280: dv.setBigUint64(p, BigInt(Math.round(x)), le); break;
    }
  }
  return buf;
}

export interface WritableVolume {
  /** Spatial shape [D,H,W] (or [H,W]) of a canonical channels-last volume. */
  shape: number[];
  channels?: number;
  data: Float32Array | Uint8Array | Int16Array;
  /** Voxel size [D,H,W] in mm. */
  spacing: number[];
  /** Voxel (x=W, y=H, z=D) → world; default diag(spacing) at the origin. */
  affine?: Mat4 | null;
}

/**
 * Encode a canonical volume as NIfTI-1 (sform and qform both set, code 1 = scanner). Uint8 data
 * (masks) is written as uint8, Int16 as int16, Float32 as float32. Gzipped unless `gzip` is false.
 */
export function encodeNifti(vol: WritableVolume, gzip = true): Buffer {
  const sh = vol.shape.length === 2 ? [1, vol.shape[0]!, vol.shape[1]!] : vol.shape;
  const [D, H, W] = [sh[0]!, sh[1]!, sh[2]!];
  const C = vol.channels ?? 1;
  const sp = vol.spacing.length === 2 ? [1, vol.spacing[0]!, vol.spacing[1]!] : vol.spacing;
  const affine: Mat4 = vol.affine ?? [
    [sp[2]!, 0, 0, 0],
    [0, sp[1]!, 0, 0],
    [0, 0, sp[0]!, 0],
    [0, 0, 0, 1],
  ];
  const nvox = D * H * W;
  if (vol.data.length !== nvox * C) throw new RangeError(`volume data has ${vol.data.length} values, shape needs ${nvox * C}`);
  let values: ArrayLike<number> = vol.data;
  if (C > 1) {
    const planar = new Float64Array(nvox * C);
    for (let i = 0; i < nvox; i++) for (let c = 0; c < C; c++) planar[c * nvox + i] = vol.data[i * C + c]!;
    values = planar;
  }
  const datatype = vol.data instanceof Uint8Array ? 2 : vol.data instanceof Int16Array ? 4 : 16;
  const raw = encodeNiftiRaw({
    dims: C > 1 ? [W, H, D, C] : [W, H, D],
    datatype,
    values,
    pixdim: [sp[2]!, sp[1]!, sp[0]!],
    sform: affine,
    qform: affine,
  });
  return gzip ? gzipSync(raw) : raw;
}

/** Write a canonical volume (e.g. a predicted mask) to `file` (.nii.gz gzipped, .nii plain). */
export async function writeNifti(file: string, vol: WritableVolume): Promise<void> {
  await writeFile(file, encodeNifti(vol, !file.endsWith('.nii')));
}

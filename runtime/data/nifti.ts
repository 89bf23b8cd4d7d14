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

import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import * as nifti from 'nifti-reader-js';
import { SslRuntimeError } from '../contract.js';
import { NIFTI_DATATYPES } from './nifti/datatypes.js';
import { axisPermutation, det3, orientationCodes, quaternToMat, type Mat4 } from './nifti/geometry.js';
import { readInputFile, readProblem } from '../files.js';
import { msg } from '../../core/codes/index.js';

// Geometry helpers and writing live in nifti/ (one concern per file); re-exported here.
export { NIFTI_DATATYPES } from './nifti/datatypes.js';
export { axisPermutation, matToQuatern, type Mat4 } from './nifti/geometry.js';
export { encodeNifti, encodeNiftiRaw, writeNifti, type RawNiftiSpec, type WritableVolume } from './nifti/write.js';

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

const UNSUPPORTED_NAMES: Record<number, string> = {
  1: 'binary (1 bit)',
  32: 'complex64',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'rgba32',
};

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The most voxel data a header may declare (Float32Array / Buffer limits; far beyond any scan). */
const MAX_DECLARED_BYTES = 2 ** 32;

/**
 * Where the voxel data of a (decompressed) NIfTI-1/-2 header prefix start and how many bytes the
 * header declares in all (vox_offset + voxels × bytes), or null when the prefix is no NIfTI header.
 */
function declaredLayout(head: Uint8Array): { version: 1 | 2; le: boolean; voxOffset: number; total: number; dims: number[] } | null {
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
  return { version: v2 ? 2 : 1, le, voxOffset, total: Math.max(voxOffset, v2 ? 544 : 352) + count * bytes, dims };
}

/**
 * Refuse a header whose layout is impossible before anything is inflated or allocated, each with
 * the field at fault: vox_offset negative, not finite or past any real file; dim[0] outside 1..7;
 * a dimension that is not a positive integer; more voxel data than MAX_DECLARED_BYTES.
 */
function checkLayout(layout: NonNullable<ReturnType<typeof declaredLayout>>, file: string): void {
  const { voxOffset, dims } = layout;
  if (!(Number.isFinite(voxOffset) && voxOffset >= 0)) throw new SslRuntimeError(msg('SSL102', 'badVoxOffset', { file, voxOffset }), file);
  if (!(voxOffset <= MAX_DECLARED_BYTES)) throw new SslRuntimeError(msg('SSL102', 'hugeVoxOffset', { file, voxOffset, max: MAX_DECLARED_BYTES }), file);
  const ndim = dims[0]!;
  if (!(ndim >= 1 && ndim <= 7)) throw new SslRuntimeError(msg('SSL106', 'badRank', { file, ndim }), file);
  for (let k = 1; k <= ndim; k++) {
    const v = dims[k]!;
    if (!Number.isInteger(v) || v < 1) throw new SslRuntimeError(msg('SSL106', 'badDim', { file, k, v }), file);
  }
  if (!(layout.total <= MAX_DECLARED_BYTES)) throw new SslRuntimeError(msg('SSL106', 'tooManyBytes', { file, total: layout.total, max: MAX_DECLARED_BYTES }), file);
}

/**
 * Gunzip when the bytes start with the gzip magic; otherwise return them unchanged. The output is
 * capped by the size the header declares (read from the first decompressed bytes), so a small
 * file that inflates to gigabytes (a gzip bomb) is refused before it is inflated whole.
 */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const fail = (e: unknown): never => {
      const reason = (e as Error).message;
      throw new SslRuntimeError(/unexpected end/i.test(reason) ? msg('SSL101', 'truncated', { file }) : msg('SSL101', 'corrupt', { file, reason }), file);
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
      checkLayout(layout, file);
      cap = layout.total + 65536; // a little room for trailing bytes some writers leave
    }
    // 2. the whole file, never more than the header declares
    try {
      return gunzipSync(bytes, { maxOutputLength: cap });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
        throw new SslRuntimeError(msg('SSL101', 'gzipBomb', { file, cap, declared: layout ? ` (${layout.total} bytes)` : '' }), file);
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
        if (Math.abs(n) > LIMIT) throw new SslRuntimeError(msg('SSL103', 'int64Precision', { file, value: v, index: i }), file);
        out[i] = n;
        break;
      }
    }
  }
  return out;
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
  if (bytes.length < 348) throw new SslRuntimeError(msg('SSL102', 'tooShort', { file, bytes: bytes.length }), file);
  // The header buffer reaches up to the voxel data: a header extension (NIfTI-1 at 352, NIfTI-2 at
  // 544) lies between the header and vox_offset, and the parser reads it.
  const layout = declaredLayout(bytes);
  if (layout) checkLayout(layout, file);
  const headEnd = layout ? Math.min(bytes.length, Math.max(544, Math.floor(layout.voxOffset))) : Math.min(bytes.length, 544);
  const ab = toArrayBuffer(bytes.subarray(0, headEnd));
  if (!nifti.isNIFTI(ab)) {
    const dv = new DataView(ab);
    const sz = dv.getInt32(0, true);
    const szBE = dv.getInt32(0, false);
    const magic = String.fromCharCode(bytes[344]!, bytes[345]!, bytes[346]!);
    if ((sz === 348 || szBE === 348) && magic === 'ni1') throw new SslRuntimeError(msg('SSL102', 'hdrImgPair', { file }), file);
    throw new SslRuntimeError(msg('SSL102', 'noMagic', { file }), file);
  }
  let hdr: nifti.NIFTI1 | nifti.NIFTI2;
  try {
    hdr = nifti.readHeader(ab);
  } catch (e) {
    throw new SslRuntimeError(msg('SSL102', 'unparsable', { file, reason: (e as Error).message }), file);
  }
  const version: 1 | 2 = hdr instanceof nifti.NIFTI2 ? 2 : 1;
  const dims = hdr.dims;
  const ndim = dims[0]!;
  if (!(ndim >= 1 && ndim <= 7)) throw new SslRuntimeError(msg('SSL106', 'badRank', { file, ndim }), file);
  const size = (k: number): number => (k <= ndim ? dims[k]! : 1);
  const nx = size(1), ny = size(2), nz = size(3);
  let extra = 1;
  for (let k = 4; k <= ndim; k++) extra *= size(k);
  for (let k = 1; k <= ndim; k++) {
    const v = dims[k]!;
    if (!Number.isInteger(v) || v < 1) throw new SslRuntimeError(msg('SSL106', 'badDim', { file, k, v }), file);
  }
  const code = hdr.datatypeCode;
  const info = NIFTI_DATATYPES[code];
  if (!info) {
    const name = UNSUPPORTED_NAMES[code] ?? `code ${code}`;
    throw new SslRuntimeError(msg('SSL103', 'unsupported', { file, name }), file);
  }
  const nvox = nx * ny * nz;
  const count = nvox * extra;
  const voxOffset = Math.max(Number(hdr.vox_offset), version === 2 ? 544 : 352);
  const need = count * info.bytes;
  const have = bytes.length - voxOffset;
  if (have < need) {
    throw new SslRuntimeError(msg('SSL104', 'shortData', { file, have: Math.max(0, have), need, voxels: [nx, ny, nz, ...(extra > 1 ? [extra] : [])].join('×'), datatype: info.name, bytes: info.bytes }), file);
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
    throw new SslRuntimeError(msg('SSL105', 'badSlope', { file, slope }), file);
  } else if (slope !== 0 && !(slope === 1 && inter === 0) && !Number.isFinite(inter) && !Number.isNaN(inter)) {
    throw new SslRuntimeError(msg('SSL105', 'badIntercept', { file, inter }), file);
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
      throw new SslRuntimeError(msg('SSL105', 'nonFinite', { file, bad, x, y, z }), file);
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
    throw new SslRuntimeError(msg('SSL107', 'singular', { file, matrix: hdr.sform_code > 0 ? 'sform' : hdr.qform_code > 0 ? 'qform' : 'pixdim' }), file);
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
    bytes = await readInputFile(file);
  } catch (e) {
    throw new SslRuntimeError(msg('SSL100', 'cannotRead', { file, reason: readProblem(e) }), file);
  }
  return decodeNifti(bytes, file, opts);
}

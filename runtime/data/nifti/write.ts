// Writing NIfTI-1 files: raw headers (any datatype, sform and qform) and float/label volumes
// on a given grid, gzipped unless the name ends in .nii.
import { gzipSync } from 'node:zlib';
import { writeFile } from 'node:fs/promises';
import { NIFTI_DATATYPES } from './datatypes.js';
import { matToQuatern, type Mat4 } from './geometry.js';

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
  // quatern_b/c/d and the qform offsets (when there is a qform), then the three sform rows; as
  // float32 (NIfTI-1) or float64 (NIfTI-2) from the given offsets
  const writeOrientation = (quatern: number, srows: number, width: 4 | 8): void => {
    const put = (off: number, x: number): void => (width === 4 ? dv.setFloat32(off, x, le) : dv.setFloat64(off, x, le));
    if (q && spec.qform) [q.b, q.c, q.d, spec.qform[0]![3]!, spec.qform[1]![3]!, spec.qform[2]![3]!].forEach((x, i) => put(quatern + i * width, x));
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) put(srows + (r * 4 + c) * width, srow[r]![c]!);
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
    writeOrientation(256, 280, 4);
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
    writeOrientation(352, 400, 8);
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

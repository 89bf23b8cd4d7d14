// Rotation targets: exact, voxel-permuting 90° rotations (no interpolation).
//
// 3D, 10 classes (the numbering follows the authors' code so runs can be compared):
//   0 identity
//   1, 2, 3  90°, 180°, 270° in the plane of axes (0,1)  — about axis 2
//   4, 5, 6  90°, 180°, 270° in the plane of axes (1,2)  — about axis 0
//   7, 8, 9  90°, 180°, 270° in the plane of axes (0,2)  — about axis 1
// 2D, 4 classes: k·90° in the (0,1) plane, k = 0..3.
// A 90° rotation in plane (a,b) needs equal extents on a and b, so volumes are made cubic first
// (centred zero padding to the largest side, see `padToCube`).
// Variant `authors-code-bug`: class 9 is the identity too — the code behind the published numbers
// tested `rot == 10`, which never occurs (fixed upstream in April 2021).

import type { Vol } from './crop.js';
import { makeVol, strides, volSize } from './crop.js';
import { SslRuntimeError } from '../../core/errors.js';
import { rotationClasses } from '../../core/tasks/rotation.js';
import { msg } from '../../core/codes/index.js';

export type RotationVariant = 'paper' | 'authors-code' | 'authors-code-bug';

/** Rotate by k·90° in the plane of spatial axes (a, b), like numpy.rot90(v, k, axes=(a, b)). */
export function rot90(v: Vol, k: number, a: number, b: number): Vol {
  const kk = ((k % 4) + 4) % 4;
  if (kk === 0) return { shape: [...v.shape], channels: v.channels, data: v.data.slice() };
  const nd = v.shape.length;
  if (a === b || a < 0 || b < 0 || a >= nd || b >= nd) throw new SslRuntimeError(msg('SSL151', 'badPlane', { a, b, nd }));
  const na = v.shape[a] as number;
  const nb = v.shape[b] as number;
  if (kk !== 2 && na !== nb) throw new SslRuntimeError(msg('SSL150', 'unequalSides', { a, b, na, nb }));
  const out = makeVol([...v.shape], v.channels);
  const S = strides(v.shape);
  const C = v.channels;
  const n = volSize(v.shape);
  const idx = new Array<number>(nd).fill(0);
  for (let o = 0; o < n; o++) {
    let r = o;
    for (let d = nd - 1; d >= 0; d--) {
      const s = v.shape[d] as number;
      idx[d] = r % s;
      r = Math.floor(r / s);
    }
    const p = idx[a] as number;
    const q = idx[b] as number;
    // source coordinates for out[p, q] (numpy rot90 semantics)
    let sa: number, sb: number;
    if (kk === 1) { sa = q; sb = nb - 1 - p; }
    else if (kk === 2) { sa = na - 1 - p; sb = nb - 1 - q; }
    else { sa = na - 1 - q; sb = p; }
    let src = 0;
    for (let d = 0; d < nd; d++) {
      const c = d === a ? sa : d === b ? sb : (idx[d] as number);
      src += c * (S[d] as number);
    }
    for (let c = 0; c < C; c++) out.data[o * C + c] = v.data[src * C + c] as number;
  }
  return out;
}

export { rotationClasses };

/** (plane, k) of a class; plane null = identity. */
export function rotationOf(cls: number, dim: 2 | 3, variant: RotationVariant = 'paper'): { plane: [number, number] | null; k: number } {
  const n = rotationClasses(dim);
  if (!Number.isInteger(cls) || cls < 0 || cls >= n) throw new SslRuntimeError(msg('SSL151', 'rotationClass', { cls, last: n - 1 }));
  if (dim === 2) return { plane: cls === 0 ? null : [0, 1], k: cls };
  if (cls === 0) return { plane: null, k: 0 };
  if (cls === 9 && variant === 'authors-code-bug') return { plane: null, k: 0 };
  const planes: Array<[number, number]> = [[0, 1], [1, 2], [0, 2]];
  return { plane: planes[Math.floor((cls - 1) / 3)] as [number, number], k: ((cls - 1) % 3) + 1 };
}

/** Apply rotation class `cls`. 3D volumes must be cubic, 2D images square (pad first). */
export function rotate(v: Vol, cls: number, variant: RotationVariant = 'paper'): Vol {
  const dim = v.shape.length as 2 | 3;
  if (dim !== 2 && dim !== 3) throw new SslRuntimeError(msg('SSL154', 'rotationDims', { shape: v.shape }));
  const { plane, k } = rotationOf(cls, dim, variant);
  if (!plane) return { shape: [...v.shape], channels: v.channels, data: v.data.slice() };
  return rot90(v, k, plane[0], plane[1]);
}

/** Undo rotation class `cls` (the inverse of k·90° is (4−k)·90° in the same plane). */
export function unrotate(v: Vol, cls: number, variant: RotationVariant = 'paper'): Vol {
  const dim = v.shape.length as 2 | 3;
  const { plane, k } = rotationOf(cls, dim, variant);
  if (!plane) return { shape: [...v.shape], channels: v.channels, data: v.data.slice() };
  return rot90(v, 4 - k, plane[0], plane[1]);
}

// NIfTI orientation geometry: quaternion ↔ matrix (the qform), the axis permutation and flips
// that bring a grid to RAS+, orientation codes and determinants.
/** A 4×4 matrix, row-major. */
export type Mat4 = number[][];

export function quaternToMat(b: number, c: number, d: number, qx: number, qy: number, qz: number, dx: number, dy: number, dz: number, qfac: number): Mat4 {
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

export function orientationCodes(m: Mat4): string {
  const { perm, flip } = axisPermutation(m);
  const codes = ['', '', ''];
  const pos = ['R', 'A', 'S'];
  const neg = ['L', 'P', 'I'];
  for (let w = 0; w < 3; w++) codes[perm[w]!] = flip[w] ? neg[w]! : pos[w]!;
  return codes.join('');
}

export function det3(m: Mat4): number {
  const a = m[0]!, b = m[1]!, c = m[2]!;
  return a[0]! * (b[1]! * c[2]! - b[2]! * c[1]!) - a[1]! * (b[0]! * c[2]! - b[2]! * c[0]!) + a[2]! * (b[0]! * c[1]! - b[1]! * c[0]!);
}

// Predictions back on the original image grid. The network predicts on the preprocessed grid
// (cropped and resized); nnU-Net and MONAI users expect the saved mask to have the input image's
// shape and affine, so that it overlays the image voxel for voxel. Hand-written: the mapping is one
// affine composition and a nearest-neighbour lookup (labels must never be interpolated), which no
// Node library offers for channels-last label volumes.

/** Inverse of a 4×4 affine [[R t],[0 1]]: [[R⁻¹, −R⁻¹t],[0 1]]. Throws on a singular R. */
export function invertAffine(a: number[][]): number[][] {
  const [r0, r1, r2] = [a[0]!, a[1]!, a[2]!];
  const m = [
    [r0[0]!, r0[1]!, r0[2]!],
    [r1[0]!, r1[1]!, r1[2]!],
    [r2[0]!, r2[1]!, r2[2]!],
  ];
  const c00 = m[1]![1]! * m[2]![2]! - m[1]![2]! * m[2]![1]!;
  const c01 = m[1]![2]! * m[2]![0]! - m[1]![0]! * m[2]![2]!;
  const c02 = m[1]![0]! * m[2]![1]! - m[1]![1]! * m[2]![0]!;
  const det = m[0]![0]! * c00 + m[0]![1]! * c01 + m[0]![2]! * c02;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) throw new RangeError('affine is singular');
  const inv = [
    [c00 / det, (m[0]![2]! * m[2]![1]! - m[0]![1]! * m[2]![2]!) / det, (m[0]![1]! * m[1]![2]! - m[0]![2]! * m[1]![1]!) / det],
    [c01 / det, (m[0]![0]! * m[2]![2]! - m[0]![2]! * m[2]![0]!) / det, (m[0]![2]! * m[1]![0]! - m[0]![0]! * m[1]![2]!) / det],
    [c02 / det, (m[0]![1]! * m[2]![0]! - m[0]![0]! * m[2]![1]!) / det, (m[0]![0]! * m[1]![1]! - m[0]![1]! * m[1]![0]!) / det],
  ];
  const t = [r0[3]!, r1[3]!, r2[3]!];
  return [
    [...inv[0]!, -(inv[0]![0]! * t[0]! + inv[0]![1]! * t[1]! + inv[0]![2]! * t[2]!)],
    [...inv[1]!, -(inv[1]![0]! * t[0]! + inv[1]![1]! * t[1]! + inv[1]![2]! * t[2]!)],
    [...inv[2]!, -(inv[2]![0]! * t[0]! + inv[2]![1]! * t[1]! + inv[2]![2]! * t[2]!)],
    [0, 0, 0, 1],
  ];
}

function mul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => [0, 1, 2, 3].map((j) => row[0]! * b[0]![j]! + row[1]! * b[1]![j]! + row[2]! * b[2]![j]! + row[3]! * b[3]![j]!));
}

/**
 * Resample a label volume predicted on grid (shape [D,H,W], affine `from`) onto the grid
 * (`toShape`, `to`) by nearest neighbour in world space; voxels outside the predicted grid (e.g.
 * removed by the foreground crop) are background (0).
 */
export function labelsToGrid(pred: Uint8Array, shape: readonly number[], from: number[][], toShape: readonly number[], to: number[][]): Uint8Array {
  const [D, H, W] = [shape[0]!, shape[1]!, shape[2]!];
  const [oD, oH, oW] = [toShape[0]!, toShape[1]!, toShape[2]!];
  // target voxel (x, y, z) → source voxel: inv(from) · to
  const m = mul(invertAffine(from), to);
  const out = new Uint8Array(oD * oH * oW);
  for (let z = 0; z < oD; z++) {
    for (let y = 0; y < oH; y++) {
      const bx = m[0]![1]! * y + m[0]![2]! * z + m[0]![3]!;
      const by = m[1]![1]! * y + m[1]![2]! * z + m[1]![3]!;
      const bz = m[2]![1]! * y + m[2]![2]! * z + m[2]![3]!;
      const row = (z * oH + y) * oW;
      for (let x = 0; x < oW; x++) {
        const sx = Math.round(bx + m[0]![0]! * x);
        const sy = Math.round(by + m[1]![0]! * x);
        const sz = Math.round(bz + m[2]![0]! * x);
        if (sx < 0 || sy < 0 || sz < 0 || sx >= W || sy >= H || sz >= D) continue;
        out[row + x] = pred[(sz * H + sy) * W + sx]!;
      }
    }
  }
  return out;
}

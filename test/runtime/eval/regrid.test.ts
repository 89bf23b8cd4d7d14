// Predictions written back on the original image grid: crop + resize, then labelsToGrid, lands
// every label where it was (exactly for an integer down/up-sampling, background outside the crop).
import { describe, expect, it } from 'vitest';
import { cropCase, resizeCase } from '../../../runtime/data/preprocess.js';
import type { Case } from '../../../runtime/data/types.js';
import { invertAffine, labelsToGrid } from '../../../runtime/eval/regrid.js';

const N = 16;
function sourceCase(): Case {
  const mask = new Uint8Array(N ** 3);
  // a 2-voxel-aligned block of label 2 with a label-4 core, so 2× down/up-sampling is lossless
  for (let z = 4; z < 12; z++) for (let y = 6; y < 14; y++) for (let x = 2; x < 10; x++) mask[(z * N + y) * N + x] = z >= 6 && z < 10 && x >= 4 && x < 8 ? 4 : 2;
  // an oblique-ish affine: 1.5 mm voxels, a flip on x, an origin far away
  const affine = [
    [-1.5, 0, 0, 90],
    [0, 1.5, 0, -120],
    [0, 0, 1.5, -60],
    [0, 0, 0, 1],
  ];
  return { id: 'c', shape: [N, N, N], channels: 1, image: new Float32Array(N ** 3), mask, grade: null, spacing: [1.5, 1.5, 1.5], affine, sourceGrid: { shape: [N, N, N], affine } };
}

describe('labelsToGrid', () => {
  it('inverts an affine', () => {
    const a = sourceCase().affine!;
    const i = invertAffine(a);
    const p = [3, 5, 7];
    const w = [0, 1, 2].map((r) => a[r]![0]! * p[0]! + a[r]![1]! * p[1]! + a[r]![2]! * p[2]! + a[r]![3]!);
    const back = [0, 1, 2].map((r) => i[r]![0]! * w[0]! + i[r]![1]! * w[1]! + i[r]![2]! * w[2]! + i[r]![3]!);
    back.forEach((v, k) => expect(v).toBeCloseTo(p[k]!, 10));
  });

  it('crop + 2× downsample → back on the source grid reproduces the labels; outside the crop is background', () => {
    const src = sourceCase();
    const cropped = cropCase(src, { start: [2, 4, 0], end: [14, 16, 12] });
    const small = resizeCase(cropped, [6, 6, 6]);
    expect(small.sourceGrid).toEqual(src.sourceGrid); // carried through crop and resize
    const back = labelsToGrid(small.mask!, small.shape, small.affine!, src.sourceGrid!.shape, src.sourceGrid!.affine);
    expect(back.length).toBe(N ** 3);
    let diff = 0;
    for (let i = 0; i < back.length; i++) if (back[i] !== src.mask![i]) diff++;
    expect(diff).toBe(0);
    // a voxel outside the crop box (x = 14) is background even if the prediction were all label 2
    const full = labelsToGrid(new Uint8Array(small.mask!.length).fill(2), small.shape, small.affine!, [N, N, N], src.sourceGrid!.affine);
    expect(full[(8 * N + 8) * N + 14]).toBe(0);
    expect(full[(8 * N + 8) * N + 5]).toBe(2);
  });
});

describe('labelsToGrid on a non-RAS file', () => {
  it('maps canonical (RAS+) labels back to the LSA file\'s own voxel order exactly', async () => {
    const { readNifti } = await import('../../../runtime/data/nifti.js');
    const { fileURLToPath } = await import('node:url');
    const f = fileURLToPath(new URL('../../fixtures/nifti/itk_tissue_crop.nii.gz', import.meta.url));
    const canon = await readNifti(f);
    const raw = await readNifti(f, { canonical: false });
    expect(canon.sourceOrientation).toBe('LSA');
    expect(canon.fileGrid!.shape).toEqual(raw.shape);
    const back = labelsToGrid(Uint8Array.from(canon.data), canon.shape, canon.affine, canon.fileGrid!.shape, canon.fileGrid!.affine);
    expect(Array.from(back)).toEqual(Array.from(raw.data));
  });
});

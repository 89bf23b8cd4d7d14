// In-memory dataset types shared by data loading, tasks, fine-tuning and evaluation.
// All images are channels-last float32: 3D [D, H, W, C], 2D [H, W, C].

import type { Dim } from '../../core/graph.js';

export interface Case {
  /** Stable case id (file stem, BraTS case folder, APTOS id_code, `phantom-0007`). */
  id: string;
  /** Spatial shape [D,H,W] or [H,W] (no channel axis). */
  shape: number[];
  channels: number;
  /** Preprocessed image, channels-last, length = prod(shape) * channels. */
  image: Float32Array;
  /** Segmentation mask with raw label values (same spatial shape), or null. */
  mask: Uint8Array | null;
  /** Class label (e.g. retinopathy grade 0–4), or null. */
  grade: number | null;
  /** Voxel spacing in mm after preprocessing (per spatial axis). */
  spacing: number[];
  /** Oddities of the source files that were tolerated (read, not cached), one sentence each. */
  warnings?: string[];
  /**
   * 4×4 voxel → world (RAS+ mm) matrix of the preprocessed 3D grid, columns in NIfTI order
   * (x = W index, y = H index, z = D index); follows crops and resizes, so predictions can be
   * written as NIfTI in the scanner's space. Absent for phantoms and 2D images.
   */
  affine?: number[][] | null;
  /**
   * The grid the case was read on, before crop and resize: its shape [D,H,W] and voxel → world
   * matrix (RAS+ canonical voxel order). Lets evaluation write predictions back on the original
   * image grid, as nnU-Net and MONAI do. Absent for phantoms and 2D images.
   */
  sourceGrid?: { shape: number[]; affine: number[][] } | null;
}

export interface LoadedDataset {
  name: string;
  dim: Dim;
  channels: number;
  /** All cases, in a stable order (sorted by id). */
  cases: Case[];
  /** Indices into `cases` of the fixed splits (disjoint; `train` is what label fractions subsample). */
  split: { train: number[]; val: number[]; test: number[] };
  /** Content fingerprint (sha256 hex) of the preprocessed data. */
  fingerprint: string;
}

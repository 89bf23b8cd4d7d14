// What every dataset layout is, in one typed table over the graph's DataSource kinds: whether
// its cases come from files (and which reader) or are generated. Runtime (inputs, verification,
// evaluation on the original label grids) and reports read it instead of listing kinds.
import type { DataSource } from './graph.js';

export type LayoutKind = DataSource['kind'];
export type SyntheticSource = Extract<DataSource, { kind: 'phantom3d' | 'phantom2d' }>;

export interface LayoutFacts {
  /** 'nifti': medical volumes with scanner geometry; 'images': 2D pictures; null: generated. */
  readonly files: 'nifti' | 'images' | null;
}

export const LAYOUT_FACTS: { readonly [K in LayoutKind]: LayoutFacts } = {
  nifti: { files: 'nifti' },
  brats: { files: 'nifti' },
  decathlon: { files: 'nifti' },
  nnunet: { files: 'nifti' },
  images: { files: 'images' },
  phantom3d: { files: null },
  phantom2d: { files: null },
};

/** Generated data (the phantoms): no files, no input signature. */
export function isSynthetic(src: DataSource): src is SyntheticSource {
  return LAYOUT_FACTS[src.kind].files === null;
}

/** NIfTI volumes on disk, with the scanner geometry of their original label grids. */
export function readsNifti(src: DataSource): boolean {
  return LAYOUT_FACTS[src.kind].files === 'nifti';
}

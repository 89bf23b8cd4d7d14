// CPC's patch grid, as numbers: how many patches per side, how large, how far apart, how many
// rows are predicted and how the border is treated, in the paper's variant (declared
// parameters) and the authors' code (fixed by dimension). The compiler checks and costs it
// (compiler/tasks/cpc.ts), the runtime lays the grid out from it (runtime/tasks/cpc.ts).
import { en, int, num } from '../json-schema.js';
import { taskContract } from './contract.js';

export interface CpcParams {
  task: 'cpc';
  /** Patches per side of the grid. */
  grid: number;
  /** Patch size in voxels/pixels (per side). */
  patch: number;
  /** Overlap between neighbouring patches as a fraction of the patch (0 = none, 0.5 = half). */
  overlap: number;
  codeSize: number;
  /** GRU context size. */
  contextSize: number;
  /** Number of patch rows predicted below the context. */
  predictTerms: number;
  /** InfoNCE negatives per positive (paper); authors' code uses 1. */
  negatives: number;
  /**
   * Where the negatives come from: other cells of the same volume (the paper: "other locations
   * in the input image", the default) or patches of the other volumes of the batch.
   */
  negativesFrom?: 'same-volume' | 'other-volumes';
}

/** The graph contract of the task's parameters (registered in core/tasks/index.ts). */
export const cpcContract = taskContract<CpcParams>({ grid: int(1), patch: int(1), overlap: num, codeSize: int(1), contextSize: int(1), predictTerms: int(1), negatives: int(1), negativesFrom: en('same-volume', 'other-volumes') }, ['negativesFrom']);

export type CpcVariant = 'paper' | 'authors-code';

export interface CpcParamsIn {
  grid: number;
  patch: number;
  overlap: number;
  /** Rows predicted below the context. */
  terms: number;
}

export interface CpcRows {
  grid: number;
  terms: number;
  /** Rows skipped between the anchor and the first target. */
  skip: number;
  border: 'mirror' | 'zero';
}

export interface CpcLayout extends CpcRows {
  patch: number;
  step: number;
  /** Anchor rows (axis-0 index of the "current" patch). */
  rows: number[];
}

/** Patches `round(patch·(1 − overlap))` apart (at least 1). */
export function cpcStep(patch: number, overlap: number): number {
  return Math.max(1, Math.round(patch * (1 - overlap)));
}

/** Voxels a grid of `grid` patches spans along one axis. */
export function cpcSpan(grid: number, patch: number, step: number): number {
  return (grid - 1) * step + patch;
}

/** Grid, predicted rows, skip and border: declared (paper) or the authors' code's (3D 4 rows mirrored; 2D 5 rows, one skipped, zero border). */
export function cpcRows(dims: number, p: Pick<CpcParamsIn, 'grid' | 'terms'>, variant: CpcVariant): CpcRows {
  if (variant === 'authors-code') return dims === 3 ? { grid: 4, terms: 2, skip: 0, border: 'mirror' } : { grid: 5, terms: 2, skip: 1, border: 'zero' };
  return { grid: p.grid, terms: p.terms, skip: 0, border: 'mirror' };
}

/**
 * The whole layout for an input whose shortest side is `side`. Authors' code: 3D side/4 patches
 * without overlap; 2D 50 %-overlapping patches, step = side/(grid + 1); only row 1 anchors.
 * Paper: the declared patch and overlap; every row with room above and below anchors. Not
 * validated here: the runtime throws, the compiler reports, on a layout that does not fit.
 */
export function cpcLayout(dims: number, side: number, p: CpcParamsIn, variant: CpcVariant): CpcLayout {
  const r = cpcRows(dims, p, variant);
  if (variant === 'authors-code') {
    if (dims === 3) {
      const patch = Math.floor(side / 4);
      return { ...r, patch, step: patch, rows: [1] };
    }
    const step = Math.floor(side / (r.grid + 1));
    return { ...r, patch: 2 * step, step, rows: [1] };
  }
  const rows: number[] = [];
  for (let i = 1; i + r.terms + r.skip <= r.grid - 1; i++) rows.push(i);
  return { ...r, patch: p.patch, step: cpcStep(p.patch, p.overlap), rows };
}

/** The patch the encoder sees: the grid patch rounded down to the encoder's divisor. */
export function cpcEncoderPatch(patch: number, divisor: number): number {
  return Math.floor(patch / divisor) * divisor;
}

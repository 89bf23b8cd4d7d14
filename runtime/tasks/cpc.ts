// CPC targets: the patch grid, the inverted-pyramid context of each anchor, the target cells
// below it, and the negatives of every prediction. Pure index bookkeeping (no tfjs).
//
// Grid: `grid` patches of `patch` voxels per axis, `step = round(patch·(1 − overlap))` apart,
// centred in the input. "Rows" run along axis 0 (top → bottom). Cells are numbered in C order.
// Anchor (i, col): context = the 3×3 (2D: 1×3) block of row i−1 around col, then the anchor
// cell (i, col) itself → 10 (2D: 4) context terms, in that order. Targets = the cells
// (i + 1 + skip + t, col) for t = 0..terms−1.
// Paper variant: every row i with room above and below is an anchor row, skip = 0, and a
// neighbour outside the grid is mirrored (−1 → 1, grid → grid − 2).
// Authors' code: only row 1 anchors; 3D: 4×4×4 grid of side/4 patches without overlap, 2
// targets, mirrored borders; 2D: 5×5 grid of 50 %-overlapping patches (step = side/(grid+1)),
// one row skipped, out-of-grid neighbours are all-zero patches (index −1).

import type { Rng } from '../../core/rng.js';
import type { Vol } from './crop.js';
import { cellCoords, cropBox } from './crop.js';
import { SslRuntimeError } from '../../core/errors.js';
import { cpcLayout, cpcSpan } from '../../core/tasks/cpc.js';
import { msg } from '../../core/codes/index.js';

export interface CpcGeometry {
  dims: 2 | 3;
  grid: number;
  patch: number;
  step: number;
  origin: number[];
  terms: number;
  skip: number;
  border: 'mirror' | 'zero';
  /** Anchor rows (axis-0 index of the "current" patch). */
  rows: number[];
}

export interface CpcPlan {
  geometry: CpcGeometry;
  cells: number;
  contextLength: number;
  /** Anchors: row + column coordinates (length dims − 1). */
  anchors: Array<{ row: number; col: number[] }>;
  /** [anchors × contextLength] cell indices (−1 = zero patch). */
  context: Int32Array;
  /** [anchors × terms] target cell indices. */
  targets: Int32Array;
}

export interface CpcGeometryInput {
  grid: number;
  patch: number;
  overlap: number;
  terms: number;
}

/** The paper geometry from the declared parameters, checked against the input size. */
export function cpcGeometry(shape: readonly number[], p: CpcGeometryInput, variant: 'paper' | 'authors-code'): CpcGeometry {
  const dims = shape.length as 2 | 3;
  if (dims !== 2 && dims !== 3) throw new SslRuntimeError(msg('SSL154', 'cpcDims', { shape }));
  const side = Math.min(...shape);
  if (variant !== 'authors-code' && !(p.overlap >= 0 && p.overlap < 1)) throw new SslRuntimeError(msg('SSL151', 'cpcOverlap', { overlap: p.overlap }));
  // the numbers (core/tasks/cpc.ts, shared with the compiler's checks and cost), then their checks
  const { grid, patch, step, terms, skip, border, rows } = cpcLayout(dims, side, p, variant);
  if (!Number.isInteger(grid) || grid < 3) throw new SslRuntimeError(msg('SSL151', 'cpcGrid', { grid }));
  if (!Number.isInteger(terms) || terms < 1) throw new SslRuntimeError(msg('SSL151', 'cpcTerms', { terms }));
  if (rows.length === 0) throw new SslRuntimeError(msg('SSL151', 'cpcNoRoom', { grid, terms }));
  if (!Number.isInteger(patch) || patch < 1) throw new SslRuntimeError(msg('SSL150', 'cpcPatchNotPositive', { patch }));
  const covered = cpcSpan(grid, patch, step);
  if (shape.some((s) => s < covered)) {
    throw new SslRuntimeError(msg('SSL150', 'cpcGridTooLarge', { grid, patch, step, covered, shape }));
  }
  const origin = shape.map((s) => Math.floor((s - covered) / 2));
  return { dims, grid, patch, step, origin, terms, skip, border, rows };
}

function cellIndex(coords: readonly number[], grid: number): number {
  return coords.reduce((acc, c) => acc * grid + c, 0);
}

/** Mirror an out-of-range coordinate (−1 → 1, grid → grid − 2), or null for zero borders. */
function borderCoord(c: number, grid: number, border: 'mirror' | 'zero'): number | null {
  if (c >= 0 && c < grid) return c;
  if (border === 'zero') return null;
  return c < 0 ? -c : 2 * (grid - 1) - c;
}

export function cpcPlan(g: CpcGeometry): CpcPlan {
  const { dims, grid } = g;
  const cells = grid ** dims;
  const colDims = dims - 1;
  const cols: number[][] = [];
  for (let i = 0; i < grid ** colDims; i++) cols.push(cellCoords(i, grid, colDims));
  const anchors: Array<{ row: number; col: number[] }> = [];
  for (const row of g.rows) for (const col of cols) anchors.push({ row, col });
  const contextLength = 3 ** colDims + 1;
  const context = new Int32Array(anchors.length * contextLength);
  const targets = new Int32Array(anchors.length * g.terms);
  const offsets: number[][] = [];
  for (let i = 0; i < 3 ** colDims; i++) offsets.push(cellCoords(i, 3, colDims).map((x) => x - 1));
  anchors.forEach((a, ai) => {
    offsets.forEach((off, k) => {
      const c = a.col.map((x, d) => borderCoord(x + (off[d] as number), grid, g.border));
      context[ai * contextLength + k] = c.some((x) => x === null) ? -1 : cellIndex([a.row - 1, ...(c as number[])], grid);
    });
    context[ai * contextLength + contextLength - 1] = cellIndex([a.row, ...a.col], grid);
    for (let t = 0; t < g.terms; t++) targets[ai * g.terms + t] = cellIndex([a.row + 1 + g.skip + t, ...a.col], grid);
  });
  return { geometry: g, cells, contextLength, anchors, context, targets };
}

/** Start corner of a cell's patch. */
export function cpcCellStart(g: CpcGeometry, cell: number): number[] {
  return cellCoords(cell, g.grid, g.dims).map((c, a) => (g.origin[a] as number) + c * g.step);
}

/** Crop every grid cell of a volume (C order). */
export function cpcPatches(v: Vol, g: CpcGeometry): Vol[] {
  const out: Vol[] = [];
  const size = new Array<number>(g.dims).fill(g.patch);
  for (let c = 0; c < g.grid ** g.dims; c++) out.push(cropBox(v, cpcCellStart(g, c), size));
  return out;
}

export interface CpcBatchIndices {
  /** Number of predictions Q = batch · anchors · terms (paper) or batch · anchors (authors' pairs). */
  queries: number;
  /** Per query: the context rows (global patch index, −1 → zero patch), [Q_ctx × contextLength]. */
  context: Int32Array;
  /** Anchors × batch in order (b, anchor); each owns `terms` predictions. */
  contexts: number;
  /** Global index (b·cells + cell) of the positive latent of each prediction, [contexts × terms]. */
  positives: Int32Array;
  /** Global indices of the negatives: paper [contexts × terms × (negatives)], authors [contexts × terms]. */
  negatives: Int32Array;
  negativesPerQuery: number;
}

/**
 * Indices of one batch of `batch` volumes. Patch p of volume b has global index b·cells + p.
 * Paper: each prediction gets `negatives` distinct negatives, never the positive itself, drawn
 * - `same-volume` (the default, the paper's "other locations in the input image"): from the
 *   other cells of the prediction's own volume (image or slice);
 * - `other-volumes`: from the patches of other volumes of the batch — of other cases when
 *   `sources` says which entries share a case (2D slices) and the batch has another case — or
 *   from other cells of the same volume when the batch has one volume.
 * Authors' code: one negative context-free pairing — the targets of a random different
 * (volume, anchor) of the batch.
 */
export function cpcBatchIndices(
  plan: CpcPlan,
  batch: number,
  negatives: number,
  variant: 'paper' | 'authors-code',
  rng: Rng,
  /** Case of each batch entry (2D slices of one volume share it); default: all different. */
  sources?: readonly number[],
  from: 'same-volume' | 'other-volumes' = 'same-volume',
): CpcBatchIndices {
  const { cells, contextLength } = plan;
  const A = plan.anchors.length;
  const T = plan.geometry.terms;
  const contexts = batch * A;
  const context = new Int32Array(contexts * contextLength);
  const positives = new Int32Array(contexts * T);
  for (let b = 0; b < batch; b++) {
    for (let a = 0; a < A; a++) {
      const ci = b * A + a;
      for (let k = 0; k < contextLength; k++) {
        const c = plan.context[a * contextLength + k] as number;
        context[ci * contextLength + k] = c < 0 ? -1 : b * cells + c;
      }
      for (let t = 0; t < T; t++) positives[ci * T + t] = b * cells + (plan.targets[a * T + t] as number);
    }
  }
  if (variant === 'authors-code') {
    if (contexts < 2) throw new SslRuntimeError(msg('SSL151', 'cpcTwoAnchors'));
    const neg = new Int32Array(contexts * T);
    for (let ci = 0; ci < contexts; ci++) {
      let other = rng.int(contexts - 1);
      if (other >= ci) other++;
      for (let t = 0; t < T; t++) neg[ci * T + t] = positives[other * T + t] as number;
    }
    return { queries: contexts, context, contexts, positives, negatives: neg, negativesPerQuery: 1 };
  }
  if (!Number.isInteger(negatives) || negatives < 1) throw new SslRuntimeError(msg('SSL151', 'cpcNegatives', { negatives }));
  // Entries whose patches may serve as negatives of entry b: those of other cases; if the batch
  // holds no other case, the other entries; if it holds one entry, its other cells.
  const src = (b: number): number => sources?.[b] ?? b;
  const donors: number[][] = [];
  for (let b = 0; b < batch; b++) {
    if (from === 'same-volume') {
      donors.push([]);
      continue;
    }
    const others = Array.from({ length: batch }, (_, i) => i).filter((i) => i !== b);
    const otherCases = others.filter((i) => src(i) !== src(b));
    donors.push(otherCases.length > 0 ? otherCases : others);
  }
  const poolOf = (b: number): number => ((donors[b] as number[]).length > 0 ? (donors[b] as number[]).length * cells : cells - 1);
  const smallest = Math.min(...Array.from({ length: batch }, (_, b) => poolOf(b)));
  if (negatives > smallest) {
    throw new SslRuntimeError(from === 'same-volume' ? msg('SSL151', 'cpcFewSameVolume', { negatives, smallest, cells }) : msg('SSL151', 'cpcFewOtherVolumes', { negatives, smallest, batch, cells }));
  }
  const neg = new Int32Array(contexts * T * negatives);
  const chosen = new Set<number>();
  for (let ci = 0; ci < contexts; ci++) {
    const b = Math.floor(ci / A);
    const d = donors[b] as number[];
    for (let t = 0; t < T; t++) {
      const pos = positives[ci * T + t] as number;
      chosen.clear();
      const base = (ci * T + t) * negatives;
      let n = 0;
      while (n < negatives) {
        let g: number;
        if (d.length > 0) {
          // a patch of another volume of the batch
          const r = rng.int(d.length * cells);
          g = (d[Math.floor(r / cells)] as number) * cells + (r % cells);
        } else {
          const r = rng.int(cells - 1);
          const local = pos % cells;
          g = b * cells + (r >= local ? r + 1 : r);
        }
        if (g === pos || chosen.has(g)) continue;
        chosen.add(g);
        neg[base + n] = g;
        n++;
      }
    }
  }
  return { queries: contexts * T, context, contexts, positives, negatives: neg, negativesPerQuery: negatives };
}

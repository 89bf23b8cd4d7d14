// Relative patch location targets (Doersch et al., 3D by Taleb et al.).
//
// A grid×grid(×grid) grid of jittered patches; the centre cell c = (grid^d − 1)/2 is the
// reference and one of the other grid^d − 1 cells is the query. Label ↔ cell: label l names
// cell l when l < c and cell l + 1 otherwise (cells in C order, last axis fastest). For the
// default 3×3×3 grid the label's offset from the centre is cellCoords(cell) − (1,1,1); e.g.
// label 0 = offset (−1,−1,−1), label 12 = (0,0,−1), label 13 = (0,0,+1), label 25 = (+1,+1,+1).

import type { Rng } from '../../core/rng.js';
import type { GridGeometry, Vol } from './crop.js';
import { cellCoords, cropBox, gridCount, patchStart } from './crop.js';
import { SslRuntimeError } from '../../core/errors.js';
import { rplClassCount } from '../../core/tasks/rpl.js';
import { msg } from '../../core/codes/index.js';

export function rplCentre(g: GridGeometry): number {
  if (g.grid % 2 !== 1) throw new SslRuntimeError(msg('SSL151', 'rplEvenGrid', { grid: g.grid }));
  return (gridCount(g) - 1) / 2;
}

export function rplClasses(g: GridGeometry): number {
  return rplClassCount(g.grid, g.cell.length);
}

export function rplLabelToCell(label: number, g: GridGeometry): number {
  const c = rplCentre(g);
  return label < c ? label : label + 1;
}

export function rplCellToLabel(cell: number, g: GridGeometry): number {
  const c = rplCentre(g);
  if (cell === c) throw new SslRuntimeError(msg('SSL151', 'rplCentre'));
  return cell < c ? cell : cell - 1;
}

/** Offset of the query cell from the centre cell, per axis (each in −h..h, h = (grid−1)/2). */
export function rplOffset(label: number, g: GridGeometry): number[] {
  const dims = g.cell.length;
  const h = (g.grid - 1) / 2;
  return cellCoords(rplLabelToCell(label, g), g.grid, dims).map((x) => x - h);
}

export interface RplSample {
  centre: Vol;
  query: Vol;
  label: number;
  /** Start corners of the two patches in the source volume (for tests and debugging). */
  centreStart: number[];
  queryStart: number[];
}

/** One (centre, query) pair; `rng` drives label and jitter, `jitterRng` null → centred patches. */
export function rplSample(v: Vol, g: GridGeometry, rng: Rng, jitter: boolean): RplSample {
  const label = rng.int(rplClasses(g));
  const cell = rplLabelToCell(label, g);
  const c = rplCentre(g);
  const centreStart = patchStart(g, c, jitter ? rng : null);
  const queryStart = patchStart(g, cell, jitter ? rng : null);
  return { centre: cropBox(v, centreStart, g.patch), query: cropBox(v, queryStart, g.patch), label, centreStart, queryStart };
}

// Relative patch location: the centre patch of an odd grid is the reference, each other cell a class.
import { gridTiles } from './grid.js';

/** The RPL classes: every cell but the centre (26 for a 3×3×3 grid, 8 for 3×3). */
export function rplClassCount(grid: number, dims: number): number {
  return gridTiles(grid, dims) - 1;
}

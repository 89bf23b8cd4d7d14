// Relative patch location: the centre patch of an odd grid is the reference, each other cell a class.
import { int } from '../json-schema.js';
import { taskContract } from './contract.js';
import { gridTiles } from './grid.js';

export interface RplParams {
  task: 'rpl';
  grid: number;
  /** Jitter in voxels per side (patch = cell − 2·jitter). */
  jitter: number;
}

/** The graph contract of the task's parameters (registered in core/tasks/index.ts). */
export const rplContract = taskContract<RplParams>({ grid: int(1), jitter: int(0) });

/** The RPL classes: every cell but the centre (26 for a 3×3×3 grid, 8 for 3×3). */
export function rplClassCount(grid: number, dims: number): number {
  return gridTiles(grid, dims) - 1;
}

// What RPL and Jigsaw share: a grid of jittered patches with a centre (check and encoder input).
import { gridCells, gridPatchSides } from '../../core/tasks/grid.js';
import { num } from '../json.js';
import type { TaskCheckInput } from './types.js';
import { msg } from '../../core/codes/index.js';

export function checkJitteredGrid({ json: j, dim, side, needs, error, checkPatch }: TaskCheckInput, title: string): { grid: number; jitter: number } {
  const vx = dim === 2 ? 'pixel' : 'voxel';
  const unit = dim === 2 ? 'px' : 'voxels';
  const grid = num(j.grid) ?? 3;
  const jitter = num(j.jitter) ?? (dim === 3 ? 3 : 8);
  if (grid % 2 === 0) error(msg('SSL042', 'evenGrid', { title, grid }), '/grid', `use ${[grid - 1, grid + 1].filter((g) => g >= 3).join(' or ')}`);
  const cell = gridCells([side], grid)[0]!;
  const patch = gridPatchSides([side], grid, jitter)[0]!;
  if (patch < 1)
    error(
      msg('SSL041', 'cellsTooSmall', { grid, side, vx, cell, jitter, patch }),
      j.jitter !== undefined ? '/jitter' : '/grid',
      // the largest jitter that still leaves a patch the encoder accepts
      cell - needs.min >= 0 ? `use jitter = ${Math.floor((cell - needs.min) / 2)} ${unit}` : `use a smaller grid, or resize the data`,
    );
  else checkPatch(patch, `the patch (cell ${cell} − 2 × jitter ${jitter})`, j.jitter !== undefined ? '/jitter' : '/grid');
  return { grid, jitter };
}

/** The encoder's patch (core/tasks/grid.ts, as runtime/tasks/crop.ts gridGeometry crops it), at least the divisor for the cost of a grid the checks reject. */
export function gridPatch(spatial: number[], grid: number, jitter: number, div: number): number[] {
  return gridPatchSides(spatial, grid, jitter, div).map((p) => Math.max(div, p));
}

// The jittered patch grid of RPL and Jigsaw (Doersch et al.), as numbers: `grid` cells per axis
// of floor(side / grid) voxels, one patch of cell − 2·jitter voxels inside each, rounded down to
// a multiple of the encoder's divisor. The compiler checks and costs it (compiler/tasks/
// grid-tasks.ts), the runtime crops it (runtime/tasks/crop.ts gridGeometry); both read this.

/** Cell size per axis: side / grid, rounded down (leftover voxels are split around the grid). */
export function gridCells(shape: readonly number[], grid: number): number[] {
  return shape.map((s) => Math.floor(s / grid));
}

/** Patch size per axis: cell − 2·jitter, rounded down to a multiple of `multiple` (the encoder's divisor). May be < 1 when it does not fit. */
export function gridPatchSides(shape: readonly number[], grid: number, jitter: number, multiple = 1): number[] {
  return gridCells(shape, grid).map((c) => Math.floor((c - 2 * jitter) / multiple) * multiple);
}

/** Cells of a grid with `grid` per side in `dims` dimensions. */
export function gridTiles(grid: number, dims: number): number {
  return grid ** dims;
}

// Rotation: inputs are zero-padded to a cube (3D) or square (2D) and turned by one of the classes.

/** Number of rotation classes: 10 (3D: identity + 3 axes × 3 angles) or 4 (2D: k·90°). */
export function rotationClasses(dim: number): number {
  return dim === 3 ? 10 : 4;
}

/** The side of the cube the input is padded to: its longest spatial side. */
export function rotationCubeSide(spatial: readonly number[]): number {
  return Math.max(...spatial);
}

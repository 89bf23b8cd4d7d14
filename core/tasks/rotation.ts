// Rotation: inputs are zero-padded to a cube (3D) or square (2D) and turned by one of the classes.
import { int } from '../json-schema.js';
import { taskContract } from './contract.js';

export interface RotationParams {
  task: 'rotation';
  /** Rotated copies per volume in a batch. */
  copies: number;
  /**
   * Side (voxels/pixels) of a cube cut from inside each input before it is rotated: at a random
   * offset around the centre in training, centred for validation. Absent: the whole input,
   * zero-padded to a cube (the paper). A declared option, not in the paper or the authors' code.
   */
  crop?: number;
}

/** The graph contract of the task's parameters (registered in core/tasks/index.ts). */
export const rotationContract = taskContract<RotationParams>({ copies: int(1), crop: int(1) }, ['crop']);

/** Number of rotation classes: 10 (3D: identity + 3 axes × 3 angles) or 4 (2D: k·90°). */
export function rotationClasses(dim: number): number {
  return dim === 3 ? 10 : 4;
}

/** The side of the cube the input is padded to: its longest spatial side. */
export function rotationCubeSide(spatial: readonly number[]): number {
  return Math.max(...spatial);
}

// Pretext task `rotation`: which of the 10 (3D) or 4 (2D) rotations turned the input.
import type { RotationParams } from '../../core/graph.js';
import { rotationClasses, rotationCubeSide } from '../../core/tasks/rotation.js';
import { num } from '../json.js';
import { int } from '../schemas/common.js';
import type { PretextTaskDef } from './types.js';

export const rotation: PretextTaskDef<RotationParams> = {
  name: 'rotation',
  title: 'Rotation',
  fields: { copies: int(1, 64, 'rotated copies per volume, ≥ 1') },
  wholeInput: true,
  authorsCodeBug: true,
  check({ json: j, authors }) {
    // the paper creates several rotated copies of each volume; the authors' code one per sample
    return { task: 'rotation', copies: num(j.copies) ?? (authors ? 1 : 4) };
  },
  encoderInput(params, _authors, spatial) {
    // inputs are zero-padded to a cube of the longest side
    const side = rotationCubeSide(spatial);
    return { patch: spatial.map(() => side), runs: params.copies };
  },
  heads(params, h, { features, hidden, d }) {
    // features → hidden (ReLU) → 10 (3D) / 4 (2D) rotation classes, per rotated copy
    h.runs(params.copies, (p) => {
      p.dense(features, hidden);
      p.norm([], hidden, 'batch');
      p.dense(hidden, rotationClasses(d));
    });
  },
};

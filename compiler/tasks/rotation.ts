// Pretext task `rotation`: which of the 10 (3D) or 4 (2D) rotations turned the input.
import type { RotationParams } from '../../core/graph.js';
import { rotationClasses, rotationCubeSide } from '../../core/tasks/rotation.js';
import { num } from '../json.js';
import { int, qty } from '../schemas/common.js';
import type { PretextTaskDef } from './types.js';
import { msg } from '../../core/codes/index.js';

export const rotation: PretextTaskDef<RotationParams> = {
  name: 'rotation',
  title: 'Rotation',
  fields: {
    copies: int(1, 64, 'rotated copies per volume, ≥ 1'),
    crop: qty('voxels', { integer: true, min: 1, example: '16 voxels' }),
  },
  // with a crop the encoder sees the crop, not the whole input
  wholeInput: (params) => params.crop === undefined,
  authorsCodeBug: true,
  check({ json: j, dim, authors, side, needs, encoderName, error, checkPatch }) {
    // the paper creates several rotated copies of each volume; the authors' code one per sample
    const params: RotationParams = { task: 'rotation', copies: num(j.copies) ?? (authors ? 1 : 4) };
    const crop = num(j.crop);
    if (crop === undefined) return params;
    const vx = dim === 2 ? 'pixel' : 'voxel';
    const fits = Math.floor(side / needs.divisor) * needs.divisor;
    if (crop > side) error(msg('SSL041', 'cropTooLarge', { crop, vx, side }), '/crop', `use crop = ${fits} ${vx}s or less`);
    else if (crop % needs.divisor !== 0) error(msg('SSL053', 'cropDivisor', { crop, vx, divisor: needs.divisor, encoder: encoderName }), '/crop', `use crop = ${Math.max(needs.divisor, Math.floor(crop / needs.divisor) * needs.divisor)} ${vx}s`);
    else checkPatch(crop, 'the rotation crop', '/crop');
    return { ...params, crop };
  },
  encoderInput(params, _authors, spatial) {
    // inputs are zero-padded to a cube of the longest side, or cut to the crop cube
    const side = params.crop ?? rotationCubeSide(spatial);
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

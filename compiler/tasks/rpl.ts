// Pretext task `rpl`: relative patch location (which of the neighbours of the centre patch).
import type { RplParams } from '../../core/graph.js';
import { rplClassCount } from '../../core/tasks/rpl.js';
import { grid, jitter, patchClassifierHead } from './common.js';
import { checkJitteredGrid, gridPatch } from './grid-tasks.js';
import type { PretextTaskDef } from './types.js';

export const rpl: PretextTaskDef<RplParams> = {
  name: 'rpl',
  title: 'RPL',
  fields: { grid, jitter },
  wholeInput: false,
  check(input) {
    const { grid, jitter } = checkJitteredGrid(input, 'RPL');
    return { task: 'rpl', grid, jitter };
  },
  encoderInput(params, _authors, spatial, div) {
    return { patch: gridPatch(spatial, params.grid, params.jitter, div), runs: 2 };
  },
  heads(params, h, ctx) {
    // per patch: features → 64 (patch embedding); then [centre ‖ query] 128 → hidden (ReLU) → grid^d − 1
    patchClassifierHead(h, ctx, 2, 2, rplClassCount(params.grid, ctx.d));
  },
};

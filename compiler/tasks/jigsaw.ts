// Pretext task `jigsaw`: which permutation of a set shuffled the grid's tiles.
import type { JigsawParams } from '../../core/graph.js';
import { gridTiles } from '../../core/tasks/grid.js';
import { JIGSAW_MAX_PERMUTATIONS, jigsawClassCount, orderings } from '../../core/tasks/jigsaw.js';
import { num, word } from '../json.js';
import { int, oneOfWords } from '../schemas/common.js';
import { grid, jitter, patchClassifierHead } from './common.js';
import { checkJitteredGrid, gridPatch } from './grid-tasks.js';
import type { PretextTaskDef } from './types.js';
import { msg } from '../../core/codes/index.js';

export const jigsaw: PretextTaskDef<JigsawParams> = {
  name: 'jigsaw',
  title: 'Jigsaw',
  fields: {
    grid,
    jitter,
    permutations: int(2, JIGSAW_MAX_PERMUTATIONS, `the number of permutations, 2 to ${JIGSAW_MAX_PERMUTATIONS}, e.g. 100`),
    selection: oneOfWords(['max-hamming', 'random']),
  },
  wholeInput: false,
  check(input) {
    const { json: j, dim, authors, error } = input;
    const { grid, jitter } = checkJitteredGrid(input, 'Jigsaw');
    const cells = gridTiles(grid, dim);
    const permutations = num(j.permutations) ?? (authors ? 100 : 1000);
    const limit = orderings(cells);
    if (permutations > limit) error(msg('SSL043', 'tooManyPermutations', { permutations, cells, limit }), j.permutations !== undefined ? '/permutations' : '/grid');
    return { task: 'jigsaw', grid, jitter, permutations, selection: (word(j.selection) ?? (authors ? 'random' : 'max-hamming')) as 'max-hamming' | 'random' };
  },
  encoderInput(params, _authors, spatial, div) {
    return { patch: gridPatch(spatial, params.grid, params.jitter, div), runs: params.grid ** spatial.length };
  },
  heads(params, h, ctx) {
    // per tile: features → 64; then the tiles' embeddings concatenated → hidden (ReLU) → permutations
    const tiles = gridTiles(params.grid, ctx.d);
    patchClassifierHead(h, ctx, tiles, tiles, jigsawClassCount(params.permutations, ctx.authors, tiles));
  },
};

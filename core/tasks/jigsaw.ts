// Jigsaw: the grid's tiles shuffled by one of a set of permutations, the permutation is the class.
import { en, int } from '../json-schema.js';
import { taskContract } from './contract.js';

export interface JigsawParams {
  task: 'jigsaw';
  grid: number;
  jitter: number;
  permutations: number;
  /** How the permutation set is built: maximal Hamming distance (paper) or uniform random (authors' code). */
  selection: 'max-hamming' | 'random';
}

/**
 * The largest permutation set: building a max-Hamming set and its pairwise statistics take time
 * growing with the square of its size (10 000: about 40 s once, then cached; 10⁵ ran for hours,
 * 10⁶ died with "Set maximum size exceeded" after 2.6 GB), far above the paper's 100 or 1000.
 */
export const JIGSAW_MAX_PERMUTATIONS = 10_000;

/** The graph contract of the task's parameters (registered in core/tasks/index.ts). */
export const jigsawContract = taskContract<JigsawParams>({ grid: int(1), jitter: int(0), permutations: { ...int(1), maximum: JIGSAW_MAX_PERMUTATIONS }, selection: en('max-hamming', 'random') });

/** n!, or Infinity past the safe integers (the number of orderings of n tiles). */
export function orderings(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) {
    f *= i;
    if (f > Number.MAX_SAFE_INTEGER) return Infinity;
  }
  return f;
}

/** Permutations asked of the set: the declared number, or 100 in the authors' code (whatever the declaration says). */
export function jigsawPermutationCount(declared: number, authors: boolean): number {
  return authors ? 100 : declared;
}

/** The classes of the head: the permutations of the set, at most the orderings of `tiles` tiles. */
export function jigsawClassCount(declared: number, authors: boolean, tiles: number): number {
  return Math.min(jigsawPermutationCount(declared, authors), orderings(tiles));
}

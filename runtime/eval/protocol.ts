// The downstream evaluation protocol: nested, seeded label-fraction subsets of the training
// cases, fixed validation/test sets, per-repetition seeds, and aggregation over repetitions.
//
// Differences from the authors' code (research/official-impl.md §0.7), on purpose:
// - subsets are a seeded permutation of the SORTED training ids, not `os.listdir` order;
// - validation and test sets come from the dataset's split and never move with the fraction;
// - subsets are re-drawn only when the compiler gives a node a different `subsetSeed`.

import { deriveSeed, Rng } from '../../core/rng.js';
import type { LoadedDataset } from '../data/types.js';

/**
 * Number of training cases a label fraction selects: ⌊f·N⌋ (as the authors' `int(N·p)` and the
 * compiler's cost model), at least 1, at most N.
 */
export function subsetSize(fraction: number, n: number): number {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`label fraction must be in (0, 1], got ${fraction}`);
  if (n <= 0) return 0;
  // The small epsilon keeps 0.35·20 = 6.999999999999999 at 7.
  return Math.min(n, Math.max(1, Math.floor(fraction * n + 1e-9)));
}

/**
 * The order in which training cases enter the label-fraction subsets for `subsetSeed`: a
 * seeded permutation of the ids sorted lexicographically. Every fraction takes a prefix of
 * this order, so subsets are nested (1% ⊂ 10% ⊂ 100%) and identical for every method that
 * shares the seed, whatever order the ids were passed in.
 */
export function subsetOrder(trainIds: readonly string[], subsetSeed: number): string[] {
  const sorted = [...trainIds].sort();
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1]) throw new RangeError(`duplicate training case id '${sorted[i]}'`);
  }
  const rng = new Rng(deriveSeed(subsetSeed, 'label-fraction'));
  return rng.shuffle(sorted);
}

/** The label-fraction subset (case ids, in subset order) for a fraction and subset seed. */
export function labelFractionSubset(trainIds: readonly string[], fraction: number, subsetSeed: number): string[] {
  const order = subsetOrder(trainIds, subsetSeed);
  return order.slice(0, subsetSize(fraction, order.length));
}

export interface ProtocolSplit {
  /** Indices into `dataset.cases` of the label-fraction training subset. */
  train: number[];
  /** Fixed validation and test indices (from the dataset's split; independent of the fraction). */
  val: number[];
  test: number[];
  trainIds: string[];
  valIds: string[];
  testIds: string[];
}

/** Apply the protocol to a loaded dataset. */
export function protocolSplit(dataset: LoadedDataset, fraction: number, subsetSeed: number): ProtocolSplit {
  const ids = dataset.cases.map((c) => c.id);
  const byId = new Map(ids.map((id, i) => [id, i] as const));
  const trainPool = dataset.split.train.map((i) => ids[i]!);
  const trainIds = labelFractionSubset(trainPool, fraction, subsetSeed);
  const valIds = dataset.split.val.map((i) => ids[i]!);
  const testIds = dataset.split.test.map((i) => ids[i]!);
  return {
    train: trainIds.map((id) => byId.get(id)!),
    val: [...dataset.split.val],
    test: [...dataset.split.test],
    trainIds,
    valIds,
    testIds,
  };
}

/** Seeds of one repetition, derived from the fine-tune node's seed (the seed tree). */
export interface RepetitionSeeds {
  /** Weight initialisation of the decoder/head (and the encoder for `scratch`). */
  init: number;
  /** Data augmentation. */
  augment: number;
  /** Sample order (shuffling) per epoch. */
  order: number;
  /** Dropout. */
  dropout: number;
}

export function repetitionSeeds(nodeSeed: number): RepetitionSeeds {
  return {
    init: deriveSeed(nodeSeed, 'init'),
    augment: deriveSeed(nodeSeed, 'augment'),
    order: deriveSeed(nodeSeed, 'order'),
    dropout: deriveSeed(nodeSeed, 'dropout'),
  };
}

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); NaN when n < 2. */
  sd: number;
  min: number;
  max: number;
}

/** Mean ± sample sd and min/avg/max over repetitions; NaN values are left out. */
export function summarize(values: readonly number[]): Summary {
  const xs = values.filter((v) => Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { n: 0, mean: NaN, sd: NaN, min: NaN, max: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n < 2 ? NaN : Math.sqrt(xs.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (n - 1));
  return { n, mean, sd, min: Math.min(...xs), max: Math.max(...xs) };
}

// The downstream evaluation protocol: nested, seeded label-fraction subsets of the training
// cases, fixed validation/test sets, per-repetition seeds, and aggregation over repetitions.
//
// Differences from the authors' code (research/official-impl.md §0.7), on purpose:
// - subsets are a seeded permutation of the SORTED training ids, not `os.listdir` order;
// - validation and test sets come from the dataset's split and never move with the fraction;
// - subsets are re-drawn only when the compiler gives a node a different `subsetSeed`.

import { deriveSeed, Rng } from '../../core/rng.js';
import type { LoadedDataset } from '../data/types.js';
import { SslRuntimeError } from '../contract.js';
import { msg } from '../../core/codes/index.js';

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
  /** Cases the label fraction was drawn from (the train split, or the other folds). */
  trainPoolSize: number;
}

/** K-fold cross-validation of one repetition: the fold it tests on, of `count`, dealt with `seed`. */
export interface FoldChoice {
  count: number;
  seed: number;
  /** 0-based fold tested by this repetition (repetition r tests on fold r). */
  index: number;
}

/**
 * Deal case ids into `count` folds: a seeded permutation of the sorted ids, then round-robin —
 * by grade first when every case has one (stratified, so every fold sees every grade in about
 * the dataset's proportion). Fold sizes differ by at most one; the result is independent of the
 * order the ids were passed in.
 */
export function foldsOf(cases: ReadonlyArray<{ id: string; grade: number | null }>, count: number, seed: number): string[][] {
  if (!(Number.isInteger(count) && count >= 2)) throw new RangeError(`folds must be a whole number ≥ 2, got ${count}`);
  const byId = new Map(cases.map((c) => [c.id, c.grade] as const));
  if (byId.size !== cases.length) throw new RangeError('duplicate case id among the cross-validation cases');
  const order = new Rng(deriveSeed(seed, 'folds')).shuffle([...byId.keys()].sort());
  const graded = order.every((id) => byId.get(id) !== null);
  const dealt = graded ? [...order].sort((a, b) => byId.get(a)! - byId.get(b)!) : order; // stable: keeps the shuffle within a grade
  const folds: string[][] = Array.from({ length: count }, () => []);
  dealt.forEach((id, i) => folds[i % count]!.push(id));
  return folds;
}

/**
 * Apply the protocol to a loaded dataset. Without `fold` the training pool is the dataset's
 * train split and the test set its test split. With `fold` (cross-validation) the train and test
 * splits together are dealt into folds: the repetition tests on its fold and draws its label
 * fraction from the other folds; the validation split stays fixed either way.
 */
export function protocolSplit(dataset: LoadedDataset, fraction: number, subsetSeed: number, fold?: FoldChoice): ProtocolSplit {
  const ids = dataset.cases.map((c) => c.id);
  const byId = new Map(ids.map((id, i) => [id, i] as const));
  let trainPool = dataset.split.train.map((i) => ids[i]!);
  let testIds = dataset.split.test.map((i) => ids[i]!);
  if (fold) {
    if (!(Number.isInteger(fold.index) && fold.index >= 0 && fold.index < fold.count)) {
      throw new RangeError(`repetition ${fold.index + 1} has no fold to test on: there are ${fold.count} folds`);
    }
    const pool = [...dataset.split.train, ...dataset.split.test].map((i) => ({ id: ids[i]!, grade: dataset.cases[i]!.grade ?? null }));
    const folds = foldsOf(pool, fold.count, fold.seed);
    testIds = folds[fold.index]!;
    trainPool = folds.filter((_, k) => k !== fold.index).flat();
  }
  const trainIds = labelFractionSubset(trainPool, fraction, subsetSeed);
  const valIds = dataset.split.val.map((i) => ids[i]!);
  return {
    train: trainIds.map((id) => byId.get(id)!),
    val: [...dataset.split.val],
    test: testIds.map((id) => byId.get(id)!),
    trainIds,
    valIds,
    testIds,
    trainPoolSize: trainPool.length,
  };
}

/** The cross-validation fold a node's repetition tests on, or undefined when the protocol has none. */
export function foldOf(evaluation: { folds?: { count: number; seed: number } }, repetition: number): FoldChoice | undefined {
  const f = evaluation.folds;
  if (!f) return undefined;
  if (!(Number.isInteger(repetition) && repetition >= 0 && repetition < f.count)) {
    throw new SslRuntimeError(msg('SSL161', 'noFold', { repetition: repetition + 1, count: f.count }));
  }
  return { count: f.count, seed: f.seed, index: repetition };
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

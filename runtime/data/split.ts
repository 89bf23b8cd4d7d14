// The fixed train/val/test split of a dataset. Chosen once from the split seed over the cases in
// sorted-id order, so it never moves with the label fraction, the method or the experiment seed.

import type { SplitSpec } from '../../core/graph.js';
import { splitCounts } from '../../core/geometry.js';
import { Rng } from '../../core/rng.js';

export interface Split {
  train: number[];
  val: number[];
  test: number[];
}

export interface SplitResult extends Split {
  /** Set when the requested fractions had to be reduced to keep at least one training case. */
  note: string | null;
}

/**
 * Split `n` cases (indices 0..n-1, in sorted-id order). test = round(test·n) cases, val =
 * round(val·n) cases (each at least 1 when its fraction is > 0 and enough cases exist), the rest
 * train. At least one case always stays in train: with ≤ 3 cases the held-out sets shrink (val
 * first, then test) and `note` says so.
 */
export function computeSplit(n: number, spec: SplitSpec): SplitResult {
  if (n <= 0) return { train: [], val: [], test: [], note: 'no cases to split' };
  const counts = splitCounts(n, spec);
  const nTest = counts.test;
  const nVal = counts.val;
  const requested = { nVal: counts.requested.val, nTest: counts.requested.test };
  const perm = new Rng(spec.seed >>> 0).permutation(n);
  const sorted = (xs: number[]): number[] => xs.sort((a, b) => a - b);
  const test = sorted(perm.slice(0, nTest));
  const val = sorted(perm.slice(nTest, nTest + nVal));
  const train = sorted(perm.slice(nTest + nVal));
  const note =
    nVal !== requested.nVal || nTest !== requested.nTest
      ? `only ${n} case(s): split reduced to train ${train.length} / val ${val.length} / test ${test.length} ` +
        `(asked for val ${requested.nVal}, test ${requested.nTest}) so that at least one case is left to train on`
      : null;
  return { train, val, test, note };
}

// Pure geometry that the compiler (checks, costs) and the runtime (data, models, tasks) must
// agree on, kept in one place so the two cannot drift: split sizes, the spatial divisor of an
// encoder, how a bottleneck becomes a feature vector, and the patch embedding size.

import type { DatasetSpec, EncoderSpec, SplitSpec } from './graph.js';

export interface SplitCounts {
  train: number;
  val: number;
  test: number;
  /** The held-out sizes the fractions asked for, before shrinking to keep one training case. */
  requested: { val: number; test: number };
}

/**
 * Sizes of the train/val/test split of `n` cases: test = round(test·n) and val = round(val·n)
 * cases (each at least 1 when its fraction is > 0), the rest train. At least one case always
 * stays in train: with few cases the held-out sets shrink (val first, then test).
 */
export function splitCounts(n: number, split: Pick<SplitSpec, 'val' | 'test'>): SplitCounts {
  const want = (f: number): number => (f > 0 ? Math.max(1, Math.round(f * n)) : 0);
  let test = want(split.test);
  let val = want(split.val);
  const requested = { val, test };
  while (n - test - val < 1 && val > 0) val--;
  while (n - test - val < 1 && test > 0) test--;
  return { train: n - test - val, val, test, requested };
}

/**
 * Training cases of a dataset of known size, as the runtime splits it (data/split.ts). A label
 * fraction f then trains on floor(f × that) cases, which must be ≥ 1 (compiler SSL045; the
 * runtime would round 0 up to 1).
 */
export function trainCases(d: Pick<DatasetSpec, 'knownCases' | 'split'>): number | null {
  const n = d.knownCases;
  if (n === null) return null;
  return splitCounts(n, d.split).train;
}

/**
 * What pretraining trains on, in words (for `plan` and reports): the training split of the
 * pretraining dataset; the validation cases only monitor the pretext loss, the test cases are kept
 * for evaluation (an unlabelled corpus has none by default).
 */
export function pretrainCorpusText(d: Pick<DatasetSpec, 'name' | 'split' | 'knownCases' | 'labels'>): string {
  const n = d.knownCases;
  const unlabelled = d.labels.kind === 'none';
  if (n === null) {
    const held = [d.split.val > 0 ? `${+(d.split.val * 100).toPrecision(6)}% validate the pretext task` : null, d.split.test > 0 ? `${+(d.split.test * 100).toPrecision(6)}% withheld as test cases${unlabelled ? '' : ' (they evaluate fine-tuning)'}` : null].filter(Boolean);
    return `pretrains on ${held.length ? `the training split of ${d.name} (${held.join(', ')})` : `all of ${d.name}`}`;
  }
  const c = splitCounts(n, d.split);
  const held = [c.val > 0 ? `${c.val} validate the pretext task` : null, c.test > 0 ? `${c.test} withheld as test cases${unlabelled ? '' : ' (they evaluate fine-tuning)'}` : unlabelled ? 'no test split: the corpus is unlabelled' : null].filter(Boolean);
  return `pretrains on ${c.train === n ? 'all' : c.train} of ${n} cases of ${d.name}${held.length ? ` (${held.join('; ')})` : ''}`;
}

/** Spatial divisor the encoder needs (2^poolings for U-Nets; DenseNet pads, so 1). */
export function encoderDivisor(spec: EncoderSpec): number {
  if (spec.kind === 'densenet2d') return 1;
  return 2 ** (spec.levels - 1 + (spec.finalPool === 'none' ? 0 : 1));
}

/** Smallest spatial side the encoder accepts, and the factor every side must be divisible by. */
export function encoderNeeds(spec: EncoderSpec): { min: number; divisor: number } {
  if (spec.kind === 'densenet2d') return { min: 4 * 2 ** (spec.blocks.length - 1), divisor: 1 };
  const d = encoderDivisor(spec);
  return { min: d, divisor: d };
}

/** Largest bottleneck (elements per sample) that is flattened; larger ones are average-pooled. */
export const FLATTEN_LIMIT = 8192;

/**
 * How a bottleneck of `total` values with `channels` channels becomes a task's feature vector:
 * flattened when it has at most FLATTEN_LIMIT values, else global-average-pooled (DenseNet always
 * pooled, as the authors' keras.applications DenseNet121 with `pooling`).
 */
export function featureModeOf(total: number, channels: number, encoder: EncoderSpec['kind']): { mode: 'flatten' | 'gap'; size: number } {
  if (total <= FLATTEN_LIMIT && encoder !== 'densenet2d') return { mode: 'flatten', size: total };
  return { mode: 'gap', size: channels };
}

/** Size of the per-patch embedding of RPL and Jigsaw (paper appendix). */
export const PATCH_EMBEDDING = 64;

/**
 * Sane limits (#17.7): far above any real experiment, below what breaks the runtime (typed
 * arrays beyond 2^32 elements, epoch counters beyond 2^53). The compiler reports a value over a
 * limit as SSL077; a saved graph over one is refused when loaded (core/graph-schema.ts), so
 * `ssl3d run graph.json` cannot bring back what `check` refuses.
 */
export const LIMITS = {
  epochs: 100_000,
  batch: 4096,
  stepsPerEpoch: 1_000_000,
  side: { 3: 1024, 2: 16384 } as Record<number, number>,
  slicesPerVolume: 4096,
  /** Cases of a generated (phantom) dataset: the block schemas' cap. */
  generatedCases: 10_000_000,
};

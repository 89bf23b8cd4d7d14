// Exemplar triplets. Paper: anchor = the sample, positive = a transformed copy, negative =
// another sample (another case of the batch — a derangement — or a random other training case).
// Authors' code: anchor = the transformed copy, positive = the untransformed sample.

import type { Rng } from '../../core/rng.js';
import type { Vol } from './crop.js';
import type { AugmentOptions, TransformName } from './augment.js';
import { augment, DEFAULT_AUGMENT } from './augment.js';
import { SslRuntimeError } from '../../core/errors.js';
import { msg } from '../../core/codes/index.js';

/** A uniformly random derangement (no fixed points) of 0..n−1 (Sattolo's algorithm gives a single cycle). */
export function derangement(n: number, rng: Rng): number[] {
  if (n < 2) throw new SslRuntimeError(msg('SSL152', 'exemplarBatch', { n }));
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i); // j < i: Sattolo
    [p[i], p[j]] = [p[j] as number, p[i] as number];
  }
  return p;
}

export interface Triplet {
  anchor: Vol;
  positive: Vol;
  negative: Vol;
  /** Pool indices of the source sample and the negative sample. */
  source: number;
  negativeSource: number;
}

/**
 * Triplets for `picked` (indices into `pool`). negatives 'batch': another picked sample
 * (a derangement); 'dataset': a random pool sample other than the source.
 */
export function exemplarTriplets(
  pool: readonly Vol[],
  picked: readonly number[],
  opts: { transforms: readonly TransformName[]; negatives: 'batch' | 'dataset'; variant: 'paper' | 'authors-code'; augment?: AugmentOptions },
  rng: Rng,
): Triplet[] {
  if (pool.length < 2) throw new SslRuntimeError(msg('SSL152', 'exemplarSamples', { count: pool.length }));
  const perm = opts.negatives === 'batch' ? derangement(picked.length, rng) : null;
  // samples of one case (2D slices of a volume) share `source`: a negative comes from another case
  // whenever the pool has one
  const caseOf = (i: number): number => (pool[i] as Vol).source ?? i;
  const cases = new Set(pool.map((_, i) => caseOf(i)));
  const sameCase = (a: number, b: number): boolean => a === b || (cases.size > 1 && caseOf(a) === caseOf(b));
  return picked.map((src, i) => {
    let negSrc = perm ? (picked[perm[i] as number] as number) : -1;
    if (!perm || sameCase(negSrc, src)) {
      // dataset negatives (or a batch that repeats a sample/case): any sample of another case
      do {
        negSrc = rng.int(pool.length - 1);
        if (negSrc >= src) negSrc++;
      } while (sameCase(negSrc, src));
    }
    const x = pool[src] as Vol;
    const t = augment(x, opts.transforms, rng, opts.augment ?? DEFAULT_AUGMENT).vol;
    const negative = pool[negSrc] as Vol;
    return opts.variant === 'authors-code'
      ? { anchor: t, positive: x, negative, source: src, negativeSource: negSrc }
      : { anchor: x, positive: t, negative, source: src, negativeSource: negSrc };
  });
}

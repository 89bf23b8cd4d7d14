// Exact evaluation metrics: Dice and IoU per region or class, HD95 in millimetres, and
// quadratic-weighted kappa + accuracy for graded classification.
//
// Conventions (documented in docs/evaluation.md and printed in every report):
// - Segmentation metrics are computed PER VOLUME and then averaged over volumes (BraTS
//   challenge style), never pooled over the concatenated test set as the authors' code did.
// - Background is never part of a Dice/IoU average: a region is a set of label values
//   (BraTS ET = {4}, TC = {1,4}, WT = {1,2,4}); a class k is the region {k}.
// - Empty masks: see `EmptyPolicy`.

import type { EvalSpec, MetricSpec } from '../../core/graph.js';
import { metricOfKey } from '../../core/metrics.js';
import { squaredEdt } from './edt.js';

/** How empty reference and/or prediction masks are scored. */
export interface EmptyPolicy {
  /**
   * Both reference and prediction empty: 'one' scores Dice = IoU = 1 and HD95 = 0 (nnU-Net /
   * BraTS convention); 'exclude' leaves the case out of that metric's average (value NaN).
   */
  bothEmpty: 'one' | 'exclude';
  /**
   * Exactly one side empty: Dice = IoU = 0 always. HD95 is undefined there: `null` leaves the
   * case out (NaN, counted in `<key>__excluded`), a number scores it as that distance in mm
   * (BraTS 2018 used 373.13 mm).
   */
  hd95OneEmpty: number | null;
}

export const DEFAULT_EMPTY_POLICY: EmptyPolicy = { bothEmpty: 'one', hd95OneEmpty: null };

/** One-line description of an empty policy, printed in metrics.json and every report. */
export function describeEmptyPolicy(p: EmptyPolicy): string {
  const both = p.bothEmpty === 'one' ? 'both empty → Dice/IoU 1, HD95 0 mm' : 'both empty → case excluded from that metric';
  const one = p.hd95OneEmpty === null
    ? 'one side empty → Dice/IoU 0, HD95 excluded (counted)'
    : `one side empty → Dice/IoU 0, HD95 ${p.hd95OneEmpty} mm`;
  return `${both}; ${one}`;
}

/** The metric key used in metrics.json, histories and reports: `dice_ET`, `hd95_2`, `qwk`. */
export function metricKey(spec: MetricSpec): string {
  return spec.region === null ? spec.metric : `${spec.metric}_${spec.region}`;
}

/** Whether larger is better for a metric key (HD95 is a distance: smaller is better); from the registry. */
export function higherIsBetter(key: string): boolean {
  return metricOfKey(key)?.higherIsBetter ?? true;
}

/**
 * Resolve a metric's region to the label values it covers: a named region of the dataset,
 * or a class value written as a number ('1'). Null (no region) means every foreground class.
 */
export function resolveRegion(region: string | null, regions: Record<string, number[]>, classes: number[]): number[] | 'per-class-mean' {
  if (region === null) return 'per-class-mean';
  const named = regions[region];
  if (named) return named;
  if (/^\d+$/.test(region)) {
    const v = Number(region);
    if (classes.length === 0 || classes.includes(v)) return [v];
  }
  throw new RangeError(`unknown region '${region}' (named regions: ${Object.keys(regions).join(', ') || 'none'}; classes: ${classes.join(', ')})`);
}

/** A binary mask of the voxels whose label is one of `values`. */
export function regionMask(labels: ArrayLike<number>, values: readonly number[]): Uint8Array {
  const lut = new Uint8Array(256);
  for (const v of values) if (v >= 0 && v < 256) lut[v] = 1;
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = lut[labels[i]! & 255]!;
  return out;
}

export interface Overlap {
  tp: number;
  fp: number;
  fn: number;
  refCount: number;
  predCount: number;
}

export function overlap(ref: ArrayLike<number>, pred: ArrayLike<number>): Overlap {
  if (ref.length !== pred.length) throw new RangeError(`overlap: reference has ${ref.length} voxels, prediction ${pred.length}`);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i] ? 1 : 0;
    const p = pred[i] ? 1 : 0;
    if (r && p) tp++;
    else if (p) fp++;
    else if (r) fn++;
  }
  return { tp, fp, fn, refCount: tp + fn, predCount: tp + fp };
}

/** Dice = 2|A∩B| / (|A|+|B|); NaN means "excluded" under the policy (both empty, exclude). */
export function dice(ref: ArrayLike<number>, pred: ArrayLike<number>, policy: EmptyPolicy = DEFAULT_EMPTY_POLICY): number {
  const o = overlap(ref, pred);
  const denom = o.refCount + o.predCount;
  if (denom === 0) return policy.bothEmpty === 'one' ? 1 : NaN;
  return (2 * o.tp) / denom;
}

/** IoU (Jaccard) = |A∩B| / |A∪B|, same empty policy as Dice. */
export function iou(ref: ArrayLike<number>, pred: ArrayLike<number>, policy: EmptyPolicy = DEFAULT_EMPTY_POLICY): number {
  const o = overlap(ref, pred);
  const union = o.tp + o.fp + o.fn;
  if (union === 0) return policy.bothEmpty === 'one' ? 1 : NaN;
  return o.tp / union;
}

/**
 * Surface (border) voxels of a binary mask: foreground voxels with at least one face-connected
 * neighbour that is background, where outside the volume counts as background (the MedPy /
 * scipy `binary_erosion` convention with a cross-shaped structuring element).
 */
export function surface(mask: ArrayLike<number>, shape: readonly number[]): Uint8Array {
  const total = shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(total);
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((x, y) => x * y, 1));
  const coord = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < total; i++) {
    if (mask[i]) {
      let border = false;
      for (let a = 0; a < shape.length && !border; a++) {
        const c = coord[a]!;
        const s = strides[a]!;
        if (c === 0 || c === shape[a]! - 1 || !mask[i - s] || !mask[i + s]) border = true;
      }
      if (border) out[i] = 1;
    }
    // advance the row-major coordinate
    for (let a = shape.length - 1; a >= 0; a--) {
      coord[a] = coord[a]! + 1;
      if (coord[a]! < shape[a]!) break;
      coord[a] = 0;
    }
  }
  return out;
}

/** Linear-interpolation percentile (NumPy's default `method='linear'`), q in [0, 100]. */
export function percentile(values: ArrayLike<number>, q: number): number {
  const xs = Float64Array.from(values).sort();
  if (xs.length === 0) return NaN;
  const pos = ((xs.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return xs[lo]! + (xs[hi]! - xs[lo]!) * (pos - lo);
}

/** Distances (mm) from every voxel set in `fromSurface` to the nearest voxel set in `toSurface`. */
function directedDistances(fromSurface: Uint8Array, toSurface: Uint8Array, shape: readonly number[], spacing: readonly number[]): Float64Array {
  const dt = squaredEdt(toSurface, shape, spacing);
  let n = 0;
  for (let i = 0; i < fromSurface.length; i++) if (fromSurface[i]) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < fromSurface.length; i++) if (fromSurface[i]) out[k++] = Math.sqrt(dt[i]!);
  return out;
}

/**
 * Surface distances (mm) from every surface voxel of `from` to the nearest surface voxel of `to`.
 */
export function surfaceDistances(from: ArrayLike<number>, to: ArrayLike<number>, shape: readonly number[], spacing: readonly number[]): Float64Array {
  return directedDistances(surface(from, shape), surface(to, shape), shape, spacing);
}

/**
 * 95th-percentile symmetric Hausdorff distance in mm (MedPy `hd95`): the 95th percentile of
 * the pooled directed surface distances pred→ref and ref→pred. Distances use the voxel
 * spacing per axis (anisotropic voxels are measured exactly). NaN = excluded by the policy.
 */
export function hd95(ref: ArrayLike<number>, pred: ArrayLike<number>, shape: readonly number[], spacing: readonly number[], policy: EmptyPolicy = DEFAULT_EMPTY_POLICY): number {
  let refAny = false;
  let predAny = false;
  for (let i = 0; i < ref.length && !refAny; i++) if (ref[i]) refAny = true;
  for (let i = 0; i < pred.length && !predAny; i++) if (pred[i]) predAny = true;
  if (!refAny && !predAny) return policy.bothEmpty === 'one' ? 0 : NaN;
  if (!refAny || !predAny) return policy.hd95OneEmpty === null ? NaN : policy.hd95OneEmpty;
  const sRef = surface(ref, shape);
  const sPred = surface(pred, shape);
  const a = directedDistances(sPred, sRef, shape, spacing);
  const b = directedDistances(sRef, sPred, shape, spacing);
  const all = new Float64Array(a.length + b.length);
  all.set(a, 0);
  all.set(b, a.length);
  return percentile(all, 95);
}

// ─────────────────────────── classification ───────────────────────────

/** Confusion matrix O[ref][pred] over classes 0..k−1 (values outside are rejected). */
export function confusionMatrix(ref: readonly number[], pred: readonly number[], k: number): number[][] {
  if (ref.length !== pred.length) throw new RangeError(`confusion: ${ref.length} references vs ${pred.length} predictions`);
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]!;
    const p = pred[i]!;
    if (!(r >= 0 && r < k && p >= 0 && p < k && Number.isInteger(r) && Number.isInteger(p))) {
      throw new RangeError(`confusion: grade out of range 0..${k - 1} (reference ${r}, prediction ${p})`);
    }
    m[r]![p]!++;
  }
  return m;
}

/**
 * Cohen's kappa with quadratic weights w_ij = (i−j)²/(k−1)² (Cohen 1968), the Kaggle/APTOS
 * metric and sklearn's `cohen_kappa_score(weights='quadratic', labels=range(k))`:
 * κ = 1 − Σ w·O / Σ w·E with E the outer product of the marginals / N. Undefined (0/0, e.g. a
 * single grade in both reference and prediction) → NaN, as sklearn.
 */
export function quadraticWeightedKappa(ref: readonly number[], pred: readonly number[], k: number): number {
  if (ref.length === 0) return NaN;
  if (k < 2) return NaN;
  const o = confusionMatrix(ref, pred, k);
  const n = ref.length;
  const rowSum = o.map((r) => r.reduce((a, b) => a + b, 0));
  const colSum = Array.from({ length: k }, (_, j) => o.reduce((a, r) => a + r[j]!, 0));
  let num = 0;
  let den = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const w = ((i - j) * (i - j)) / ((k - 1) * (k - 1));
      num += w * o[i]![j]!;
      den += (w * rowSum[i]! * colSum[j]!) / n;
    }
  }
  if (den === 0) return NaN;
  return 1 - num / den;
}

export function accuracy(ref: readonly number[], pred: readonly number[]): number {
  if (ref.length !== pred.length) throw new RangeError(`accuracy: ${ref.length} references vs ${pred.length} predictions`);
  if (ref.length === 0) return NaN;
  let ok = 0;
  for (let i = 0; i < ref.length; i++) if (ref[i] === pred[i]) ok++;
  return ok / ref.length;
}

// ─────────────────────────── per-case evaluation ───────────────────────────

export interface SegCase {
  id: string;
  /** Reference label volume (raw label values). */
  reference: ArrayLike<number>;
  /** Predicted label volume (raw label values). */
  prediction: ArrayLike<number>;
  shape: number[];
  spacing: number[];
}

export interface SegMetricContext {
  regions: Record<string, number[]>;
  /** Label values including background 0. */
  classes: number[];
  policy: EmptyPolicy;
}

/** One segmentation metric on one case. Region null = mean over foreground classes. */
export function segmentationMetric(spec: MetricSpec, c: SegCase, ctx: SegMetricContext): number {
  const target = resolveRegion(spec.region, ctx.regions, ctx.classes);
  const one = (values: number[]): number => {
    const r = regionMask(c.reference, values);
    const p = regionMask(c.prediction, values);
    switch (spec.metric) {
      case 'dice':
        return dice(r, p, ctx.policy);
      case 'iou':
        return iou(r, p, ctx.policy);
      case 'hd95':
        return hd95(r, p, c.shape, c.spacing, ctx.policy);
      default:
        throw new RangeError(`'${spec.metric}' is a classification metric, not a segmentation metric`);
    }
  };
  if (target !== 'per-class-mean') return one(target);
  const fg = ctx.classes.filter((k) => k !== 0);
  const vals = fg.map((k) => one([k])).filter((v) => !Number.isNaN(v));
  return vals.length === 0 ? NaN : vals.reduce((a, b) => a + b, 0) / vals.length;
}

export interface MetricsTable {
  aggregate: Record<string, number>;
  perCase: Array<{ id: string; values: Record<string, number> }>;
}

/**
 * Every declared segmentation metric on every case, and the aggregate over cases: the mean of
 * the non-excluded values under `<key>`, and the count of excluded (NaN) cases under
 * `<key>__excluded`.
 */
export function evaluateSegmentation(specs: readonly MetricSpec[], cases: readonly SegCase[], ctx: SegMetricContext): MetricsTable {
  const perCase = cases.map((c) => {
    const values: Record<string, number> = {};
    for (const s of specs) values[metricKey(s)] = segmentationMetric(s, c, ctx);
    return { id: c.id, values };
  });
  const aggregate: Record<string, number> = {};
  for (const s of specs) {
    const key = metricKey(s);
    const vals = perCase.map((p) => p.values[key]!);
    const kept = vals.filter((v) => !Number.isNaN(v));
    aggregate[key] = kept.length === 0 ? NaN : kept.reduce((a, b) => a + b, 0) / kept.length;
    aggregate[`${key}__excluded`] = vals.length - kept.length;
  }
  return { aggregate, perCase };
}

/** Classification metrics (qwk, accuracy) over all cases; grades are 0..k−1. */
export function evaluateClassification(specs: readonly MetricSpec[], ref: readonly number[], pred: readonly number[], k: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of specs) {
    if (s.metric === 'qwk') out[metricKey(s)] = quadraticWeightedKappa(ref, pred, k);
    else if (s.metric === 'accuracy') out[metricKey(s)] = accuracy(ref, pred);
    else throw new RangeError(`'${s.metric}' is a segmentation metric, not a classification metric`);
  }
  return out;
}

/** Argmax over the last axis of a channels-last probability map, as label values. */
export function argmaxLabels(probs: ArrayLike<number>, classes: readonly number[]): Uint8Array {
  const out = new Uint8Array(probs.length / classes.length);
  argmaxInto(probs, classes, out);
  return out;
}

/** Argmax of `probs` ([n, K] channels-last) written as label values into `out` from `offset`. */
export function argmaxInto(probs: ArrayLike<number>, classes: readonly number[], out: Uint8Array, offset = 0): void {
  const k = classes.length;
  const n = probs.length / k;
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bv = probs[i * k]!;
    for (let c = 1; c < k; c++) {
      const v = probs[i * k + c]!;
      if (v > bv) {
        bv = v;
        best = c;
      }
    }
    out[offset + i] = classes[best]!;
  }
}

/**
 * The empty-mask policy an EvalSpec declares: `empty-masks` for both sides empty, `hd95-empty`
 * for HD95 with exactly one side empty (absent or 'exclude': the case is left out and counted).
 * Used alike by the per-epoch validation metric and the final test evaluation.
 */
export function emptyPolicyOf(spec: EvalSpec): EmptyPolicy {
  const one = spec.hd95Empty;
  return { bothEmpty: spec.emptyPolicy, hd95OneEmpty: one === undefined || one === 'exclude' ? null : one };
}

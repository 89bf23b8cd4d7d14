import { describe, expect, it } from 'vitest';
import { edt, squaredEdt } from '../../../runtime/eval/edt.js';
import {
  accuracy,
  argmaxLabels,
  dice,
  evaluateSegmentation,
  hd95,
  iou,
  metricKey,
  percentile,
  quadraticWeightedKappa,
  regionMask,
  segmentationMetric,
  surface,
  type EmptyPolicy,
} from '../../../runtime/eval/metrics.js';
import { Rng } from '../../../core/rng.js';

const BRATS = { ET: [4], TC: [1, 4], WT: [1, 2, 4] };
const one: EmptyPolicy = { bothEmpty: 'one', hd95OneEmpty: null };
const exclude: EmptyPolicy = { bothEmpty: 'exclude', hd95OneEmpty: null };

function vol(shape: number[], on: number[][]): Uint8Array {
  const m = new Uint8Array(shape.reduce((a, b) => a * b, 1));
  for (const c of on) {
    let i = 0;
    for (let a = 0; a < shape.length; a++) i = i * shape[a]! + c[a]!;
    m[i] = 1;
  }
  return m;
}

describe('Dice and IoU', () => {
  it('match hand-computed values', () => {
    // tp = 1, |A| = 2, |B| = 2 → Dice 2/4, IoU 1/3
    expect(dice([1, 1, 0, 0], [1, 0, 1, 0])).toBe(0.5);
    expect(iou([1, 1, 0, 0], [1, 0, 1, 0])).toBeCloseTo(1 / 3, 12);
    expect(dice([1, 0, 0], [1, 0, 0])).toBe(1);
  });

  it('BraTS regions ET={4}, TC={1,4}, WT={1,2,4}', () => {
    const ref = [0, 1, 2, 4, 4, 0, 2, 1];
    const pred = [0, 1, 1, 4, 0, 2, 2, 4];
    const c = { id: 'c', reference: ref, prediction: pred, shape: [8], spacing: [1] };
    const ctx = { regions: BRATS, classes: [0, 1, 2, 4], policy: one };
    // ET: ref {3,4}, pred {3,7}: tp 1 → 2/4
    expect(segmentationMetric({ metric: 'dice', region: 'ET' }, c, ctx)).toBe(0.5);
    // TC: ref {1,3,4,7}, pred {1,2,3,7}: tp 3 → 6/8
    expect(segmentationMetric({ metric: 'dice', region: 'TC' }, c, ctx)).toBe(0.75);
    // WT: ref {1,2,3,4,6,7}, pred {1,2,3,5,6,7}: tp 5 → 10/12
    expect(segmentationMetric({ metric: 'dice', region: 'WT' }, c, ctx)).toBeCloseTo(10 / 12, 12);
    // class '2' as a region: ref {2,6}, pred {5,6} → 2/4
    expect(segmentationMetric({ metric: 'dice', region: '2' }, c, ctx)).toBe(0.5);
    // per-class mean (background excluded): class1 ref{1,7} pred{1,2}: 1/2; class2: 1/2; class4 ref{3,4} pred{3,7}: 1/2
    expect(segmentationMetric({ metric: 'dice', region: null }, c, ctx)).toBe(0.5);
    expect(() => segmentationMetric({ metric: 'dice', region: 'XX' }, c, ctx)).toThrow(/unknown region/);
  });

  it('empty policy: both empty → 1 or excluded; one empty → 0', () => {
    expect(dice([0, 0], [0, 0], one)).toBe(1);
    expect(iou([0, 0], [0, 0], one)).toBe(1);
    expect(dice([0, 0], [0, 0], exclude)).toBeNaN();
    expect(dice([0, 1], [0, 0], one)).toBe(0);
    expect(dice([0, 0], [1, 0], exclude)).toBe(0);
  });

  it('one-voxel objects', () => {
    const shape = [3, 3, 5];
    const a = vol(shape, [[1, 1, 1]]);
    const b = vol(shape, [[1, 1, 3]]);
    expect(dice(a, a)).toBe(1);
    expect(dice(a, b)).toBe(0);
    expect(hd95(a, a, shape, [1, 1, 2.5])).toBe(0);
    // two voxels apart along the last axis with 2.5 mm spacing → 5 mm
    expect(hd95(a, b, shape, [1, 1, 2.5])).toBeCloseTo(5, 12);
  });

  it('averages per volume and counts exclusions', () => {
    const cases = [
      { id: 'a', reference: [4, 0], prediction: [4, 0], shape: [2], spacing: [1] },
      { id: 'b', reference: [0, 0], prediction: [0, 0], shape: [2], spacing: [1] },
      { id: 'c', reference: [4, 4], prediction: [4, 0], shape: [2], spacing: [1] },
    ];
    const specs = [{ metric: 'dice' as const, region: 'ET' }];
    const ctx = { regions: BRATS, classes: [0, 1, 2, 4], policy: exclude };
    const r = evaluateSegmentation(specs, cases, ctx);
    // per case: 1, excluded, 2/3 → mean 5/6, one excluded
    expect(r.aggregate.dice_ET).toBeCloseTo((1 + 2 / 3) / 2, 12);
    expect(r.aggregate.dice_ET__excluded).toBe(1);
    const r1 = evaluateSegmentation(specs, cases, { ...ctx, policy: one });
    expect(r1.aggregate.dice_ET).toBeCloseTo((1 + 1 + 2 / 3) / 3, 12);
    expect(r1.aggregate.dice_ET__excluded).toBe(0);
    expect(metricKey({ metric: 'hd95', region: 'WT' })).toBe('hd95_WT');
    expect(metricKey({ metric: 'qwk', region: null })).toBe('qwk');
  });

  it('regionMask and argmax', () => {
    expect([...regionMask([0, 1, 2, 4], [1, 4])]).toEqual([0, 1, 0, 1]);
    // two voxels, classes [0,1,2,4]
    expect([...argmaxLabels([0.1, 0.2, 0.3, 0.4, 0.9, 0.05, 0.03, 0.02], [0, 1, 2, 4])]).toEqual([4, 0]);
  });
});

describe('EDT', () => {
  it('matches brute force on random anisotropic 3D masks', () => {
    const rng = new Rng(7);
    for (const shape of [[4, 5, 6], [1, 7, 3], [6, 1, 1]]) {
      const spacing = [0.7, 1.9, 3.1];
      const n = shape.reduce((a, b) => a * b, 1);
      const m = new Uint8Array(n);
      for (let i = 0; i < n; i++) m[i] = rng.next() < 0.1 ? 1 : 0;
      m[rng.int(n)] = 1;
      const d = squaredEdt(m, shape, spacing);
      const coords = (i: number): number[] => [Math.floor(i / (shape[1]! * shape[2]!)), Math.floor(i / shape[2]!) % shape[1]!, i % shape[2]!];
      for (let i = 0; i < n; i++) {
        let best = Infinity;
        const ci = coords(i);
        for (let j = 0; j < n; j++) {
          if (!m[j]) continue;
          const cj = coords(j);
          let s = 0;
          for (let a = 0; a < 3; a++) s += ((ci[a]! - cj[a]!) * spacing[a]!) ** 2;
          best = Math.min(best, s);
        }
        expect(d[i]).toBeCloseTo(best, 9);
      }
    }
  });

  it('is infinite without features, exact in 2D', () => {
    expect([...edt([0, 0, 0], [3], [1])]).toEqual([Infinity, Infinity, Infinity]);
    const d = edt(vol([3, 4], [[0, 0]]), [3, 4], [2, 0.5]);
    expect(d[2 * 4 + 3]).toBeCloseTo(Math.sqrt(16 + 2.25), 12);
  });
});

describe('HD95', () => {
  it('surface of a 3×3×3 cube has 26 voxels', () => {
    const on: number[][] = [];
    for (let z = 1; z < 4; z++) for (let y = 1; y < 4; y++) for (let x = 1; x < 4; x++) on.push([z, y, x]);
    const s = surface(vol([5, 5, 5], on), [5, 5, 5]);
    expect(s.reduce((a, b) => a + b, 0)).toBe(26);
  });

  it('uses anisotropic spacing in mm', () => {
    const shape = [3, 4];
    const a = vol(shape, [[0, 0]]);
    const b = vol(shape, [[2, 3]]);
    // Δ = (2 rows × 2 mm, 3 columns × 0.5 mm)
    expect(hd95(a, b, shape, [2, 0.5])).toBeCloseTo(Math.sqrt(16 + 2.25), 12);
  });

  it('is the 95th percentile (linear interpolation) of pooled surface distances', () => {
    const shape = [1, 5];
    const ref = vol(shape, [[0, 0], [0, 4]]);
    const pred = vol(shape, [[0, 0]]);
    // pred→ref: [0]; ref→pred: [0, 4]; pooled sorted [0,0,4], position 2·0.95 = 1.9 → 0 + 0.9·4
    expect(hd95(ref, pred, shape, [1, 1])).toBeCloseTo(3.6, 12);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
  });

  it('empty policy for HD95', () => {
    const shape = [2, 2];
    const e = new Uint8Array(4);
    const f = vol(shape, [[0, 0]]);
    expect(hd95(e, e, shape, [1, 1], one)).toBe(0);
    expect(hd95(e, e, shape, [1, 1], exclude)).toBeNaN();
    expect(hd95(f, e, shape, [1, 1], one)).toBeNaN();
    expect(hd95(e, f, shape, [1, 1], { bothEmpty: 'one', hd95OneEmpty: 373.13 })).toBe(373.13);
  });
});

describe('quadratic-weighted kappa and accuracy', () => {
  it('hand-computed 3-grade example', () => {
    // O = [[1,1,0],[0,1,1],[1,0,1]], w = (i−j)²/4: Σ w·O = 1/4 + 1/4 + 1 = 1.5.
    // Marginals all 2, N = 6 → E_ij = 2/3: Σ w·E = 2/3 · Σ w = 2/3 · 3 = 2.  κ = 1 − 1.5/2 = 0.25.
    expect(quadraticWeightedKappa([0, 0, 1, 1, 2, 2], [0, 1, 1, 2, 2, 0], 3)).toBeCloseTo(0.25, 12);
  });

  it('hand-computed 5-grade (DR-grade) example', () => {
    // 10 cases, grades 0..4 (Cohen 1968 weighted kappa with w_ij = (i−j)²/16).
    const ref = [0, 0, 0, 1, 1, 2, 2, 3, 4, 4];
    const pred = [0, 0, 1, 1, 2, 2, 2, 4, 3, 4];
    // Off-diagonal cells: (0,1), (1,2), (3,4), (4,3), each once and w = 1/16 → Σ w·O = 4/16 = 0.25.
    // Row sums r = [3,2,2,1,2], column sums c = [2,2,3,1,2], N = 10.
    // Σ_ij w_ij r_i c_j / N: computed term by term:
    //   i=0: 3·(0·2 + 1·2 + 4·3 + 9·1 + 16·2)/16 = 3·55/16 = 165/16
    //   i=1: 2·(1·2 + 0·2 + 1·3 + 4·1 + 9·2)/16 = 2·27/16 = 54/16
    //   i=2: 2·(4·2 + 1·2 + 0·3 + 1·1 + 4·2)/16 = 2·19/16 = 38/16
    //   i=3: 1·(9·2 + 4·2 + 1·3 + 0·1 + 1·2)/16 = 31/16
    //   i=4: 2·(16·2 + 9·2 + 4·3 + 1·1 + 0·2)/16 = 2·63/16 = 126/16
    //   total = 414/16, / N = 41.4/16 = 2.5875.   κ = 1 − 0.25/2.5875 = 0.903381642…
    expect(quadraticWeightedKappa(ref, pred, 5)).toBeCloseTo(1 - 0.25 / 2.5875, 12);
    expect(accuracy(ref, pred)).toBeCloseTo(0.6, 12);
  });

  it('edge cases (as sklearn cohen_kappa_score, weights="quadratic")', () => {
    expect(quadraticWeightedKappa([0, 1, 2, 3, 4], [0, 1, 2, 3, 4], 5)).toBe(1);
    // complete reversal of 5 grades: Σ w·O = 40/16, Σ w·E = 100/(5·16) → κ = −1
    expect(quadraticWeightedKappa([0, 1, 2, 3, 4], [4, 3, 2, 1, 0], 5)).toBeCloseTo(-1, 12);
    // a single grade everywhere: 0/0 → NaN
    expect(quadraticWeightedKappa([2, 2, 2], [2, 2, 2], 5)).toBeNaN();
    // symmetric in its arguments
    const a = [0, 1, 1, 3, 4, 2];
    const b = [1, 1, 2, 3, 3, 0];
    expect(quadraticWeightedKappa(a, b, 5)).toBeCloseTo(quadraticWeightedKappa(b, a, 5), 12);
    expect(() => quadraticWeightedKappa([0, 5], [0, 1], 5)).toThrow(/out of range/);
  });
});

import { describe, expect, it } from 'vitest';
import { labelFractionSubset, protocolSplit, repetitionSeeds, subsetOrder, subsetSize, summarize } from '../../../runtime/eval/protocol.js';
import type { LoadedDataset } from '../../../runtime/data/types.js';

const ids = Array.from({ length: 37 }, (_, i) => `case-${String(i).padStart(3, '0')}`);

describe('label-fraction subsets', () => {
  it('are nested across fractions', () => {
    const f = [0.01, 0.05, 0.1, 0.25, 0.5, 1];
    const subsets = f.map((x) => labelFractionSubset(ids, x, 42));
    for (let i = 1; i < subsets.length; i++) {
      const big = new Set(subsets[i]);
      for (const id of subsets[i - 1]!) expect(big.has(id)).toBe(true);
      expect(subsets[i]!.length).toBeGreaterThanOrEqual(subsets[i - 1]!.length);
    }
    expect(new Set(subsets[5]).size).toBe(ids.length);
  });

  it('have at least one case and ⌊f·N⌋ cases', () => {
    expect(labelFractionSubset(ids, 0.01, 1)).toHaveLength(1);
    expect(subsetSize(0.1, 37)).toBe(3);
    expect(subsetSize(0.25, 37)).toBe(9);
    expect(subsetSize(0.1, 30)).toBe(3);
    expect(subsetSize(0.35, 20)).toBe(7);
    expect(subsetSize(1, 5)).toBe(5);
    expect(() => subsetSize(0, 5)).toThrow();
  });

  it('depend only on the seed and the set of training ids (same for every method)', () => {
    const shuffled = [...ids].reverse();
    expect(labelFractionSubset(shuffled, 0.25, 9)).toEqual(labelFractionSubset(ids, 0.25, 9));
    expect(subsetOrder(ids, 9)).toEqual(subsetOrder(ids, 9));
    expect(subsetOrder(ids, 9)).not.toEqual(subsetOrder(ids, 10));
  });

  it('keep validation and test fixed whatever the fraction', () => {
    const ds: LoadedDataset = {
      name: 'd',
      dim: 3,
      channels: 1,
      cases: ids.map((id) => ({ id, shape: [1, 1, 1], channels: 1, image: new Float32Array(1), mask: null, grade: 0, spacing: [1, 1, 1] })),
      split: { train: ids.map((_, i) => i).filter((i) => i % 5 > 1), val: [0, 5, 10], test: [1, 6, 11] },
      fingerprint: 'x',
    };
    const a = protocolSplit(ds, 0.1, 3);
    const b = protocolSplit(ds, 1, 3);
    expect(a.val).toEqual(b.val);
    expect(a.test).toEqual(b.test);
    expect(a.valIds).toEqual(['case-000', 'case-005', 'case-010']);
    for (const i of a.train) expect(b.train).toContain(i);
    for (const i of b.train) {
      expect(ds.split.val).not.toContain(i);
      expect(ds.split.test).not.toContain(i);
    }
    expect(a.trainIds).toEqual(a.train.map((i) => ids[i]));
  });
});

describe('repetitions and aggregation', () => {
  it('re-seed init, augmentation and order per node seed', () => {
    const s1 = repetitionSeeds(1);
    const s2 = repetitionSeeds(2);
    expect(s1).toEqual(repetitionSeeds(1));
    expect(s1.init).not.toBe(s2.init);
    expect(new Set(Object.values(s1)).size).toBe(4);
  });

  it('mean ± sample sd and min/avg/max', () => {
    const s = summarize([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(s.mean).toBe(5);
    expect(s.sd).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect([s.min, s.max, s.n]).toEqual([2, 9, 8]);
    expect(summarize([0.5]).sd).toBeNaN();
    expect(summarize([NaN, 1, 3]).mean).toBe(2);
  });
});

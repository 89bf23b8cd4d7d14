import { describe, expect, it } from 'vitest';
import { foldOf, foldsOf, labelFractionSubset, protocolSplit, repetitionSeeds, subsetOrder, subsetSize, summarize } from '../../../runtime/eval/protocol.js';
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

describe('k-fold cross-validation (folds = K)', () => {
  const grades = (i: number): number => [0, 0, 0, 1, 2, 2, 3, 4][i % 8]!;
  const ds: LoadedDataset = {
    name: 'aptos',
    dim: 2,
    channels: 3,
    cases: ids.map((id, i) => ({ id, shape: [1, 1], channels: 3, image: new Float32Array(3), mask: null, grade: grades(i), spacing: [1, 1] })),
    split: { val: [0, 1], test: ids.map((_, i) => i).filter((i) => i >= 2 && i % 4 === 0), train: ids.map((_, i) => i).filter((i) => i >= 2 && i % 4 !== 0) },
    fingerprint: 'x',
  };
  const ev = { folds: { count: 5, seed: 77 } };

  it('repetition r tests on fold r; the folds partition train ∪ test; val stays fixed', () => {
    const pool = new Set([...ds.split.train, ...ds.split.test]);
    const tested: number[] = [];
    for (let r = 0; r < 5; r++) {
      const s = protocolSplit(ds, 1, 3, foldOf(ev, r));
      expect(s.val).toEqual([0, 1]);
      expect(s.test.length).toBeGreaterThanOrEqual(6);
      expect(s.test.length).toBeLessThanOrEqual(7);
      for (const i of s.test) expect(s.train).not.toContain(i); // never trains on its test fold
      expect(s.train.length + s.test.length).toBe(pool.size); // 100 %: every other fold
      expect(s.trainPoolSize).toBe(pool.size - s.test.length);
      tested.push(...s.test);
    }
    expect(tested.sort((a, b) => a - b)).toEqual([...pool].sort((a, b) => a - b)); // each case tested exactly once
  });

  it('label fractions come from the other folds, nested, with the same test fold for every fraction', () => {
    const small = protocolSplit(ds, 0.25, 3, foldOf(ev, 2));
    const all = protocolSplit(ds, 1, 3, foldOf(ev, 2));
    expect(small.test).toEqual(all.test);
    expect(small.train.length).toBe(Math.floor(0.25 * all.trainPoolSize));
    for (const i of small.train) expect(all.train).toContain(i);
  });

  it('are stratified by grade and independent of the input order', () => {
    const pool = [...ds.split.train, ...ds.split.test].map((i) => ({ id: ids[i]!, grade: grades(i) }));
    const folds = foldsOf(pool, 5, 77);
    expect(foldsOf([...pool].reverse(), 5, 77)).toEqual(folds);
    expect(foldsOf(pool, 5, 78)).not.toEqual(folds);
    for (let g = 0; g <= 4; g++) {
      const per = folds.map((f) => f.filter((id) => grades(ids.indexOf(id)) === g).length);
      expect(Math.max(...per) - Math.min(...per)).toBeLessThanOrEqual(1);
    }
  });

  it('a repetition beyond the last fold is a located error, no fold means the fixed split', () => {
    expect(() => foldOf(ev, 5)).toThrow(/SSL080|no fold/);
    expect(foldOf({}, 3)).toBeUndefined();
    expect(protocolSplit(ds, 1, 3, foldOf({}, 3)).test).toEqual(ds.split.test);
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

import { describe, expect, it } from 'vitest';
import { Rng, deriveSeed } from '../../core/rng.js';

describe('Rng', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = new Rng(7), b = new Rng(7), c = new Rng(8);
    const xa = Array.from({ length: 5 }, () => a.nextU32());
    const xb = Array.from({ length: 5 }, () => b.nextU32());
    const xc = Array.from({ length: 5 }, () => c.nextU32());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
  });
  it('restores its state exactly', () => {
    const a = new Rng(1);
    a.next();
    const s = a.getState();
    const first = [a.next(), a.next()];
    a.setState(s);
    expect([a.next(), a.next()]).toEqual(first);
  });
  it('gives uniform numbers in range with a plausible mean', () => {
    const r = new Rng(3);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const x = r.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      sum += x;
    }
    expect(sum / 20000).toBeCloseTo(0.5, 1);
  });
  it('derives distinct child seeds along the seed tree', () => {
    expect(deriveSeed(1, 'a')).toBe(deriveSeed(1, 'a'));
    expect(deriveSeed(1, 'a')).not.toBe(deriveSeed(1, 'b'));
    expect(deriveSeed(1, 'a', 0)).not.toBe(deriveSeed(2, 'a', 0));
  });
  it('permutes', () => {
    const p = new Rng(5).permutation(10);
    expect([...p].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

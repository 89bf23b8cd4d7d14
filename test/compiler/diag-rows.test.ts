// The compiler's diagnostics past the first of each file kept as rows (#17.11): finishing them
// gives exactly what finishing them all as objects gives (sorted, de-duplicated, 50 per file
// with the count of the rest), or null when a diagnostic to show lost its object.
import { describe, expect, it } from 'vitest';
import { Diagnostics } from '../../compiler/diag.js';
import { randomDiagnostics, type RandomShape } from '../helpers/random-diagnostics.js';

const shape: RandomShape = {
  codes: ['SSL013', 'SSL020', 'SSL028', 'SSL040', 'SSL067'],
  place: (_, r) => ({ file: r % 5 === 0 ? 'b.ssl' : 'a.ssl', offset: (r >> 3) % 300, line: 1 }),
  messages: 4,
  warnings: true,
};

describe('compiler diagnostics as rows (#17.11)', () => {
  it('finish exactly as objects do, also when merged from a block list', () => {
    let compared = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const ds = randomDiagnostics(seed, 30 + (seed % 9) * 60, shape);
      const inOrder = [...ds.filter((_, i) => i % 2 === 0), ...ds.filter((_, i) => i % 2 === 1)];
      const all = new Diagnostics();
      for (const d of inOrder) all.add(d);
      const expected = all.finish();
      expect(expected).not.toBeNull();
      for (const keep of [1, 60, 100, 400]) {
        const direct = new Diagnostics(keep);
        for (const d of inOrder) direct.add(d);
        const merged = new Diagnostics(keep);
        const local = new Diagnostics(keep);
        ds.forEach((d, i) => (i % 2 === 0 ? merged : local).add(d));
        merged.addAll(local);
        for (const g of [direct, merged]) {
          expect([g.length, g.errorCount]).toEqual([all.length, all.errorCount]);
          const f = g.finish();
          if (f === null) continue;
          expect(f).toEqual(expected);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(400);
  });
});

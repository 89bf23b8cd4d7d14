// The compiler's diagnostics past the first of each file kept as rows (#17.11): finishing them
// gives exactly what finishing them all as objects gives (sorted, de-duplicated, 50 per file
// with the count of the rest), or null when a diagnostic to show lost its object.
import { describe, expect, it } from 'vitest';
import { Diagnostics } from '../../compiler/diag.js';
import type { Diagnostic } from '../../core/diagnostics.js';

function random(seed: number, n: number): Diagnostic[] {
  const codes = ['SSL013', 'SSL020', 'SSL028', 'SSL040', 'SSL067'] as const;
  const out: Diagnostic[] = [];
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const offset = (seed >> 3) % 300;
    const file = seed % 5 === 0 ? 'b.ssl' : 'a.ssl';
    out.push({ code: codes[(seed >> 11) % codes.length]!, severity: seed % 3 === 0 ? 'warning' : 'error', message: `m${(seed >> 15) % 4}`, span: { file, startOffset: offset, endOffset: offset, startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 } });
  }
  return out;
}

describe('compiler diagnostics as rows (#17.11)', () => {
  it('finish exactly as objects do, also when merged from a block list', () => {
    let compared = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const ds = random(seed, 30 + (seed % 9) * 60);
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

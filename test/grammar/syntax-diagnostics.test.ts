// Syntax diagnostics kept as rows of numbers past the first ones (#17.11): finishing them gives
// exactly what finishing the same diagnostics as objects gives, or null (parse() then starts
// over with objects) when a row would have to be shown.
import { describe, expect, it } from 'vitest';
import { parse } from '../../grammar/index.js';
import { DiagnosticRows, finishDiagnostics, Interner } from '../../grammar/syntax-diagnostics.js';
import { randomDiagnostics, type RandomShape } from '../helpers/random-diagnostics.js';

// reported roughly in text order, as the parser and the builder report them
const shape: RandomShape = {
  codes: ['SSL001', 'SSL008', 'SSL009', 'SSL010', 'SSL011', 'SSL018'],
  place: (i, r) => {
    const offset = Math.floor(i * 2.5) + (r % 6);
    return { file: 'f.ssl', offset, line: Math.floor(offset / 12) + 1 };
  },
  messages: 3,
  warnings: false,
};

describe('syntax diagnostics as rows (#17.11)', () => {
  it('finish the same as objects, or ask for objects', () => {
    let compared = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const all = randomDiagnostics(seed, 20 + (seed % 7) * 40, shape);
      const head = all.slice(0, 10);
      const expected = finishDiagnostics([head, all.slice(10)]);
      expect(expected).not.toBeNull();
      for (const keep of [0, 5, 60, 100, 200]) {
        const names = new Interner();
        const rows = new DiagnosticRows(keep, names);
        for (const d of all.slice(10)) rows.push(d);
        const got = finishDiagnostics([head, rows], undefined, names);
        if (got !== null) {
          expect(got).toEqual(expected);
          compared++;
        } else expect(keep).toBeLessThan(all.length);
      }
    }
    expect(compared).toBeGreaterThan(400);
  });

  it('a flood of 200 000 doubled separators shows 50 and counts the rest exactly', () => {
    const r = parse('dataset d = phantom3d {\n' + ',\n'.repeat(200_000) + '}\n', 'flood.ssl');
    expect(r.diagnostics).toHaveLength(50);
    expect(r.diagnostics.every((d) => d.code === 'SSL010')).toBe(true);
    expect(r.diagnostics[49]!.notes?.at(-1)?.message).toBe('199950 more syntax problems in this file are not shown');
  });
});

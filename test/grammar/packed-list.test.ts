// Long lists of plain numbers are packed (grammar/packed-list.ts, #17.11: a list of 800 000
// numbers kept ≈ 150 bytes per number; 4 MB of it took 261 MB to check, now 152). Packed or not,
// the document, diagnostics, formatting and compile result must be the same; the compiler reads
// the numbers and locates a problem in one item without making the list's items.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compileSource } from '../../compiler/index.js';
import { format, packedNumbers, parse } from '../../grammar/index.js';
import type { ListValue } from '../../grammar/ast.js';
import { AstBuilder } from '../../grammar/ast-builder.js';

const quickstart = readFileSync(join(__dirname, '..', '..', 'experiments', 'quickstart.ssl'), 'utf8');

/** f() with no number kept as its token (so no list packed). */
function unpacked<T>(f: () => T): T {
  const spy = vi.spyOn(AstBuilder.prototype as unknown as { plainNumber(): null }, 'plainNumber').mockReturnValue(null);
  try {
    return f();
  } finally {
    spy.mockRestore();
  }
}

const numbers = (n: number, f: (i: number) => string = (i) => String((i % 97) / 4 - 3)): string => Array.from({ length: n }, (_, i) => f(i)).join(', ');
const both = (text: string): string => {
  const r = parse(text, 'f.ssl');
  return JSON.stringify([r, format(r.document)]);
};
const compiled = (text: string): string => JSON.stringify(compileSource(text, 'f.ssl', { readFile: () => '' }));

describe('packed lists of plain numbers', () => {
  afterEach(() => vi.restoreAllMocks());

  it('parse and format exactly as an ordinary list, whatever the list holds', () => {
    const texts = [
      `dataset d = phantom3d {\n  values = [${numbers(1000)}]\n}\n`,
      `dataset d = phantom3d {\n  values = [${numbers(300, (i) => (i % 3 === 0 ? `${i}e-3` : `-${i}.25`))}]\n}\n`,
      // a string, a unit, a percentage, a range, a name or a malformed number among them
      ...['"s"', '25 epochs', '10%', '1..4', 'adam', '1e', '[1, 2]'].map((odd) => `x { v = [${numbers(299)}, ${odd}, ${numbers(5)}] }\n`),
      // separators: a missing comma, a doubled one, one before the first item; comments and lines
      `x { v = [, ${numbers(300)} 7, 8,, 9 // c\n, ${numbers(10)} /* d */ ] }\n`,
      `x { v = [\n  ${numbers(400).replace(/, /g, ',\n  ')}\n] }\n`,
      `x { v = [[${numbers(300)}], [${numbers(2)}]] }\n`,
    ];
    for (const text of texts) expect(both(text), text.slice(0, 60)).toBe(unpacked(() => both(text)));
  });

  it('packs the list (its items are made only when read, then kept)', () => {
    const list = parse(`x { v = [${numbers(1000)}] }\n`, 'f.ssl').document.declarations[0]!.entries[0]!.value as ListValue;
    const packed = packedNumbers(list);
    expect(packed?.length).toBe(1000);
    expect(Array.from(packed!.values.slice(0, 3))).toEqual([-3, -2.75, -2.5]);
    const items = list.items;
    expect(items).toHaveLength(1000);
    expect(items[1]).toMatchObject({ kind: 'number', value: -2.75, unit: null, raw: '-2.75' });
    expect(list.items).toBe(items);
    expect(packedNumbers(list)).toBeUndefined();
    expect(packedNumbers(parse(`x { v = [${numbers(10)}] }\n`, 'f.ssl').document.declarations[0]!.entries[0]!.value as ListValue)).toBeUndefined();
  });

  it('compiles to the same graph and diagnostics, a problem in one item located at that item', () => {
    const weights = (bad: string): string => quickstart.replace('loss = dice-ce', `loss = dice-ce\n  class-weights = [${numbers(300, (i) => (i === 217 ? bad : String(i % 5)))}]`);
    for (const text of [weights('1'), weights('2e6'), `${quickstart}\ndataset big = phantom3d {\n  values = [${numbers(5000)}]\n}\n`]) {
      expect(compiled(text)).toBe(unpacked(() => compiled(text)));
    }
    const r = compileSource(weights('2e6'), 'f.ssl', { readFile: () => '' });
    const at = r.diagnostics.find((d) => d.span.startOffset === weights('2e6').indexOf('2e6'));
    expect(at, JSON.stringify(r.diagnostics.map((d) => [d.code, d.message]))).toBeDefined();
    expect(at!.span.endOffset - at!.span.startOffset).toBe(3);
  });
});

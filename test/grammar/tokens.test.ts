// The compact lexer (grammar/tokens.ts) must cut a text exactly as the Chevrotain lexer of
// grammar/lexer.ts does with the same patterns: the same tokens (type, offsets), comments and
// error runs, on the repository's experiments and on seeded random texts (#17.11).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lexOffsets } from '../../grammar/lexer.js';
import { lexCompact, TokenTable } from '../../grammar/tokens.js';

const root = join(__dirname, '..', '..');

function viaChevrotain(text: string): string[] {
  const r = lexOffsets(text);
  return [
    ...r.tokens.map((t) => `${t.tokenType.name}@${t.startOffset}:${t.image}`),
    ...r.comments.map((t) => `comment ${t.tokenType.name}@${t.startOffset}:${t.image}`),
    ...r.errors.map((e) => `error@${e.offset}+${e.length}`),
  ];
}

function viaTable(text: string): string[] {
  const r = lexCompact(text);
  const out: string[] = [];
  for (let i = 0; i < r.tokens.length; i++) {
    const t = r.tokens.at(i)!;
    expect([t.startOffset, t.image, t.tokenType]).toEqual([r.tokens.start(i), r.tokens.image(i), r.tokens.type(i)]);
    expect(r.tokens.end(i)).toBe(t.startOffset + t.image.length);
    out.push(`${t.tokenType.name}@${t.startOffset}:${t.image}`);
  }
  out.push(...r.comments.map((t) => `comment ${t.tokenType.name}@${t.startOffset}:${t.image}`));
  for (let i = 0; i < r.errors.length; i++) out.push(`error@${r.errors.offset(i)}+${r.errors.size(i)}`);
  return out;
}

describe('compact lexer (#17.11)', () => {
  it('cuts the experiments and 3000 seeded random texts exactly as the Chevrotain lexer', () => {
    const texts = readdirSync(join(root, 'experiments'))
      .filter((f) => f.endsWith('.ssl'))
      .map((f) => readFileSync(join(root, 'experiments', f), 'utf8'));
    expect(texts.length).toBeGreaterThan(3);
    const pieces = ['{', '}', '[', ']', '=', ',', ';', '.', '..', '"', '\\"', '/*', '*/', '//', '#', '\n', '\r\n', ' ', '\t', 'x', 'X', '×', '1', '-2', '1.5', '3%', '1e', '1e-3', '.5', '0x1F', '64x64', '64x', '64 x 64', 'abc', 'a-b', '_', '@', ':', '(', "'", '“', 'é', '\u00a0', '\ufeff', '\u0000', '\u001b', '😀'];
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 3000; i++) {
      let t = '';
      for (let k = rand(40); k > 0; k--) t += pieces[rand(pieces.length)];
      texts.push(t);
    }
    for (const text of texts) expect(viaTable(text)).toEqual(viaChevrotain(text));
  });

  it('a table grows past its first capacity and answers lookups by offset', () => {
    const t = new TokenTable('a b c d e', 1);
    for (let i = 0; i < 5; i++) t.push(11, 2 * i, 2 * i + 1);
    expect(t.length).toBe(5);
    expect([t.image(4), t.indexAt(3), t.indexAt(4), t.indexAt(99), t.at(5)]).toEqual(['e', 2, 2, 5, undefined]);
  });
});

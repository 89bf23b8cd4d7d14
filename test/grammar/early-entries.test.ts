// A block's entries built as soon as the parser has them (grammar/ast-builder.ts `entry`,
// #17.11: a block of 300 000 `key = value` entries held every entry's parse tree until its last
// entry was built: 4 MB of such a block took 515 MB to check, now 400). The builder takes only
// entries whose AST nothing else decides (no comment between the block's `{` and the end of the
// entry's line, a plain value, every earlier entry of the block taken too); the document,
// diagnostics and formatted text must be exactly those of building every entry with its block.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { format, parse } from '../../grammar/index.js';
import { AstBuilder } from '../../grammar/ast-builder.js';
import { seededMutants } from '../helpers/mutants.js';

const root = join(__dirname, '..', '..');
const experiments = readdirSync(join(root, 'experiments'))
  .filter((f) => f.endsWith('.ssl'))
  .map((f) => [f, readFileSync(join(root, 'experiments', f), 'utf8')] as const);

/** parse and format with no entry built early (the builder declines every one). */
function withBlocksOnly<T>(f: () => T): T {
  const spy = vi.spyOn(AstBuilder.prototype, 'entry').mockReturnValue(null);
  try {
    return f();
  } finally {
    spy.mockRestore();
  }
}

const both = (text: string, name: string): string => {
  const r = parse(text, name);
  return JSON.stringify([r, format(r.document)]);
};
const same = (text: string, name: string): void => {
  const late = withBlocksOnly(() => both(text, name));
  expect(both(text, name)).toBe(late);
};

describe('entries built as soon as they are parsed', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(experiments)('%s: same document, diagnostics and formatting', (name, text) => same(text, name));

  it('on 600 seeded mutants (comments, blank lines, separators, junk, nesting): the same', () => {
    const pieces = ['=', '{', '}', '[', ']', ',', ';', ',,', '"s"', '3', '2x2', 'k', 'k = 1', '\n', '\n\n', '//c\n', '# c\n', '/* c */', '@', '..', 'a.b', '10%', 'x { y = 1 }'];
    for (const { name, text, m } of seededMutants(experiments, 600, pieces, 4)) {
      same(text, `${name}#${m}`);
    }
  });

  it('takes the entries of a comment-free block, and leaves those a comment decides', () => {
    const taken = vi.spyOn(AstBuilder.prototype, 'entry');
    const text = 'dataset d = phantom3d {\n  a = 1\n  b = x.y, c = "s"\n\n  d = 2x2\n}\ndataset e = phantom3d { // note\n  a = 1\n  b = 2 // b\n}\n';
    const r = parse(text, 'f.ssl');
    const built = taken.mock.results.filter((x) => x.value !== null).length;
    expect(built).toBe(4); // a, b, c, d of the first block; the second block has comments
    const [d, e] = r.document.declarations;
    expect(d!.entries.map((x) => x.key)).toEqual(['a', 'b', 'c', 'd']);
    expect(d!.entries[3]!.blankLineBefore).toBe(true);
    expect(e!.comments.concat(e!.entries.map((x) => x.trailingComment ?? ''))).toContain('// b');
    taken.mockRestore();
    same(text, 'f.ssl');
  });

  it('a comment inside a declaration\'s head is its first entry\'s, as before', () => {
    // (found by bench/front-end-diff.ts: the comment between the kind and `{` went missing)
    for (const text of ['dataset d // c\n = phantom3d {\n  a = 1\n  b = 2\n}\n', 'dataset /* c */ d = phantom3d { a = 1 }\n', 'x = { a = 1 } // c\ndataset d = phantom3d { a = 1 }\n']) {
      same(text, 'f.ssl');
    }
    expect(parse('dataset d // c\n = phantom3d {\n  a = 1\n}\n', 'f.ssl').document.declarations[0]!.entries[0]!.comments).toEqual(['// c']);
  });
});

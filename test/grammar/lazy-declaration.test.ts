// Lazy declarations (grammar/lazy-declaration.ts, #17.11): the compiler's parse keeps only the
// head of each declaration without a syntax problem and parses its entries again when read.
// What it reads again must be what the first parse built (comments aside, which the compiler
// does not read), and a problem in a lazy declaration must be located as precisely as before.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/index.js';
import { forgetRecentEntries, parse } from '../../grammar/index.js';
import type { Declaration, Entry } from '../../grammar/ast.js';
import { LazyDeclaration } from '../../grammar/lazy-declaration.js';
import { seededMutants } from '../helpers/mutants.js';

const root = join(__dirname, '..', '..');

/** Entries as JSON without what only `fmt` reads (comments and blank lines). */
function entriesJson(entries: readonly Entry[]): string {
  return JSON.stringify(entries, (key, v: unknown) => (key === 'comments' || key === 'trailingComment' || key === 'blankLineBefore' || key === 'trailingComments' ? undefined : v));
}

function head(d: Declaration): string {
  return JSON.stringify([d.kind, d.kindSpan, d.name, d.nameSpan, d.type, d.typeSpan, d.span, d.comments, d.trailingComments, d.trailingComment]);
}

const experiments = readdirSync(join(root, 'experiments'))
  .filter((f) => f.endsWith('.ssl'))
  .map((f) => [f, readFileSync(join(root, 'experiments', f), 'utf8')] as const);

describe('lazy declarations', () => {
  it.each(experiments)('%s: every declaration is lazy and reads back the entries the first parse built', (name, text) => {
    const eager = parse(text, name);
    const lazy = parse(text, name, { lazy: true });
    expect(lazy.diagnostics).toEqual(eager.diagnostics);
    expect(lazy.document.declarations.length).toBe(eager.document.declarations.length);
    lazy.document.declarations.forEach((d, i) => {
      const e = eager.document.declarations[i]!;
      expect(d).toBeInstanceOf(LazyDeclaration);
      expect(head(d)).toBe(head(e));
      expect(entriesJson(d.entries)).toBe(entriesJson(e.entries));
    });
    forgetRecentEntries();
  });

  it('on 400 seeded mutants of the experiments, every lazy declaration reads back what the first parse built', () => {
    const pieces = ['=', '{', '}', '[', ']', ',', ';', '"s"', '3', '2x2', 'k', 'k = 1', '\n', '//c\n', '@', '..', 'a.b', '10%'];
    let lazyCount = 0;
    for (const { name, text, m } of seededMutants(experiments, 400, pieces, 3)) {
      const eager = parse(text, name);
      const lazy = parse(text, name, { lazy: true });
      expect(JSON.stringify(lazy.diagnostics)).toBe(JSON.stringify(eager.diagnostics));
      expect(lazy.document.declarations.length).toBe(eager.document.declarations.length);
      lazy.document.declarations.forEach((d, i) => {
        const e = eager.document.declarations[i]!;
        expect(head(d)).toBe(head(e));
        if (d instanceof LazyDeclaration) lazyCount++;
        expect(entriesJson(d.entries), `mutant ${m}, declaration ${i}`).toBe(entriesJson(e.entries));
      });
      forgetRecentEntries();
    }
    expect(lazyCount).toBeGreaterThan(400);
  });

  it('keeps the entries of a declaration with a syntax problem, and of a big one, as built', () => {
    const big = `dataset big = phantom3d {\n  note = "${'x'.repeat(70_000)}"\n}\n`;
    const text = `experiment e { seed = 1 }\ndataset ok = phantom3d { cases = 4 }\ndataset bad = phantom3d { cases = = 4 }\n${big}`;
    const r = parse(text, 'f.ssl', { lazy: true });
    const [exp, ok, bad, large] = r.document.declarations;
    expect(exp).toBeInstanceOf(LazyDeclaration);
    expect(ok).toBeInstanceOf(LazyDeclaration);
    expect(bad).not.toBeInstanceOf(LazyDeclaration);
    expect(large).not.toBeInstanceOf(LazyDeclaration);
    expect(entriesJson(ok!.entries)).toBe(entriesJson(parse(text, 'f.ssl').document.declarations[1]!.entries));
  });

  it('a file with a bad character or an unbalanced bracket is parsed eagerly throughout', () => {
    for (const text of ['experiment e { seed = 1 }\ndataset d = phantom3d { cases = 4 }\n@\n', 'experiment e { seed = 1 }\ndataset d = phantom3d { cases = 4 }\ndataset x = phantom3d {\n']) {
      for (const d of parse(text, 'f.ssl', { lazy: true }).document.declarations) expect(d).not.toBeInstanceOf(LazyDeclaration);
    }
  });

  it('entries set on a lazy declaration are kept (an edited list is not parsed again)', () => {
    const d = parse('dataset d = phantom3d { cases = 4 }\n', 'f.ssl', { lazy: true }).document.declarations[0]!;
    const entries = d.entries;
    d.entries = entries;
    entries.push({ ...entries[0]!, key: 'channels' });
    forgetRecentEntries();
    expect(d.entries.map((e) => e.key)).toEqual(['cases', 'channels']);
  });

  it('locates a problem deep in one of many lazy declarations exactly (and --set still edits them)', () => {
    const decls = Array.from({ length: 300 }, (_, i) => `dataset d${i} = phantom3d {\n  anatomy = brain\n  cases = 8\n  preprocess { resize = 24x24x24 }\n}\n`);
    decls[217] = 'dataset d217 = phantom3d {\n  anatomy = brain\n  cases = 8\n  preprocess { resize = 24x24x24, bogus = 3 }\n}\n';
    const text = `experiment e { seed = 1 }\n${decls.join('')}`;
    const r = compileSource(text, 'many.ssl', { readFile: () => '', overrides: ['d3.cases=-1'] });
    const unknown = r.diagnostics.find((d) => d.code === 'SSL023');
    expect(unknown?.message).toContain("'bogus'");
    // line: 1 (experiment) + 217 declarations of 5 lines + 4th line of the 218th
    expect(unknown?.span).toMatchObject({ startLine: 1 + 217 * 5 + 4, startColumn: 35, endColumn: 40 });
    const cases = r.diagnostics.find((d) => d.span.file === '--set[1]');
    expect(cases, JSON.stringify(r.diagnostics.map((d) => [d.code, d.message]))).toBeDefined();
  });
});

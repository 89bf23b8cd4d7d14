// #17 compiler side: --set injection (8), control characters in diagnostics (3), NUL in a path (11).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/index.js';
import { renderDiagnostics } from '../../grammar/diagnostics.js';

const quickstart = join(__dirname, '..', '..', 'experiments', 'quickstart.ssl');
const text = readFileSync(quickstart, 'utf8');
const compile = (src: string, overrides: string[] = []) => compileSource(src, 'experiments/quickstart.ssl', { overrides });

describe('--set is exactly one value (#17.8)', () => {
  it("'3 } dataset evil = phantom3d { cases = 1' is an error, not a value plus a new declaration", () => {
    const r = compile(text, ['rot3d.train.epochs=3 } dataset evil = phantom3d { cases = 1']);
    expect(r.graph).toBeNull();
    const d = r.diagnostics.find((x) => x.span.file === '--set[1]');
    expect(d).toMatchObject({ code: 'SSL001', severity: 'error', message: expect.stringMatching(/expected a single value/) });
    expect(r.diagnostics.filter((x) => x.severity === 'error')).toHaveLength(1);
    for (const v of ['3 }', '3 } import "x.ssl"', '{ lr = 1 } }', '3 } }']) {
      expect(compile(text, [`rot3d.train.epochs=${v}`]).graph, v).toBeNull();
    }
    // one honest value still works
    expect(compile(text, ['rot3d.train.epochs=3']).graph).not.toBeNull();
  });
});

describe('control characters are shown, never sent to the terminal (#17.3)', () => {
  it('ESC/BEL/CR/bidi in a diagnostic source line, message and hint come out as visible pictures', () => {
    const hostile = text.replace('  seed = 42', '  seed = "\u001b]0;pwned\u0007\u001b[2J\r\u202e"');
    const r = compile(hostile);
    expect(r.diagnostics.some((d) => d.severity === 'error')).toBe(true);
    const out = renderDiagnostics(r.diagnostics, (f) => r.sources[f] ?? null);
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
    expect(out).toContain('␛]0;pwned␇␛[2J␍\\u{202e}');
  });
});

describe('NUL byte in a path string (#17.11)', () => {
  it('is a located check error SSL090', () => {
    const hostile = text.replace('dataset corpus = phantom3d {', 'dataset corpus = nifti {\n  images = ["data/\\u0000../../etc/*.nii.gz"]\n}\ndataset unused = phantom3d {');
    const r = compile(hostile.includes('\\u0000') ? hostile.replace('\\u0000', '\u0000') : hostile);
    const d = r.diagnostics.find((x) => x.code === 'SSL090');
    expect(d).toMatchObject({ severity: 'error', message: expect.stringMatching(/NUL byte/) });
    expect(d!.span.startLine).toBeGreaterThan(1);
  });
});

describe('__proto__, constructor and prototype are ordinary keys (#17.9)', () => {
  for (const key of ['__proto__', 'constructor', 'prototype']) {
    it(`optimizer = adam { ${key} = { lr = 5 } } is an unknown key, and lr stays unset`, () => {
      const hostile = text.replace('optimizer = adam { lr = 1e-3 }', `optimizer = adam { ${key} = { lr = 5 } }`);
      const r = compile(hostile);
      expect(r.graph).toBeNull();
      expect(r.diagnostics.find((d) => d.severity === 'error' && d.message.includes(key))).toBeDefined();
    });
  }
  it('a duplicate __proto__ key is reported twice-set, like any key', () => {
    const hostile = text.replace('optimizer = adam { lr = 1e-3 }', 'optimizer = adam { __proto__ = 1, __proto__ = 2 }');
    expect(compile(hostile).diagnostics.some((d) => d.code === 'SSL027')).toBe(true);
  });
});

describe('past the nesting limit (#17.11)', () => {
  it('only the nesting error is reported, not a spurious "declares no experiment" (SSL036)', () => {
    const deep = text + '\ndataset d = phantom3d { x = ' + '{ a = '.repeat(150) + '1' + ' }'.repeat(150) + ' }\n';
    const r = compile(deep);
    expect(r.graph).toBeNull();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['SSL001']);
    expect(r.diagnostics[0]!.message).toContain('nested more than 100 levels');
  });
});

describe('Object.prototype names as region names (#17.9)', () => {
  for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    it(`dice.${key} is an unknown region unless the dataset declares it`, () => {
      const hostile = text.replace('metrics = [dice.WT, dice.TC, dice.ET]', `metrics = [dice.WT, dice.${key}]`);
      const r = compile(hostile);
      expect(r.graph).toBeNull();
      expect(r.diagnostics.find((d) => d.code === 'SSL050')?.message).toBe(`no region '${key}' in the fine-tuning data (regions: ET, TC, WT)`);
      const declared = hostile.replace('regions { ET = [4], TC = [1, 4], WT = [1, 2, 4] }', `regions { ET = [4], TC = [1, 4], WT = [1, 2, 4], ${key} = [1] }`);
      const ok = compile(declared);
      expect(ok.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const ev = ok.graph!.nodes.find((n) => n.kind === 'evaluate')!;
      expect(ev.kind === 'evaluate' && Object.keys(ev.params.regions)).toContain(key);
    });
  }
  it("a region named like a result's excluded-case count (WT__excluded) is refused", () => {
    const r = compile(text.replace('WT = [1, 2, 4] }', 'WT = [1, 2, 4], WT__excluded = [1] }'));
    expect(r.diagnostics.find((d) => d.code === 'SSL049')).toMatchObject({ message: expect.stringMatching(/'WT__excluded': names ending in '__excluded' are reserved/) });
  });
});

describe('huge values and lines in diagnostics (#17.3)', () => {
  it('a 300 000-character string value gives a message and an excerpt of a few hundred characters', () => {
    const hostile = text.replace('anatomy = brain\n  cases = 96', `anatomy = "${'A'.repeat(300_000)}"\n  cases = 96`);
    const r = compile(hostile);
    const d = r.diagnostics.find((x) => x.code === 'SSL025' || x.code === 'SSL030');
    expect(d?.message).toMatch(/got "A+… \(300002 characters\)$/);
    expect(d!.message.length).toBeLessThan(400);
    const out = renderDiagnostics([d!], (f) => r.sources[f] ?? null);
    expect(out.length).toBeLessThan(1200);
    // a span far into a long line: the window holds it, and the caret sits under it
    const far = text.replace('anatomy = brain\n  cases = 96', `description = "${'B'.repeat(5000)}", anatomy = brainz\n  cases = 96`);
    const r2 = compile(far);
    const d2 = r2.diagnostics.find((x) => x.message.includes('brainz'))!;
    const lines = renderDiagnostics([d2], (f) => r2.sources[f] ?? null).split('\n');
    const src = lines[2]!;
    const caret = lines[3]!;
    expect(src.length).toBeLessThan(260);
    expect(src.slice(caret.indexOf('^'), caret.indexOf('^') + 6)).toBe('brainz');
  });

  it('an item of a size literal given with --set is located in the --set text, not at the declaration', () => {
    const r = compile(text, ['corpus.size=0x24x24']);
    expect(r.diagnostics.find((d) => d.severity === 'error')?.span).toMatchObject({ file: '--set[1]', startColumn: 13 });
  });
});

describe('compiler error floods (#17.11)', () => {
  it('5000 unknown keys: 50 diagnostics come back, the last says exactly how many more', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `  k${i} = 1\n`).join('');
    const r = compile(text.replace('dataset corpus = phantom3d {\n', `dataset corpus = phantom3d {\n${keys}`));
    expect(r.graph).toBeNull();
    expect(r.diagnostics).toHaveLength(50);
    expect(r.diagnostics.every((d) => d.code === 'SSL023')).toBe(true);
    expect(r.diagnostics[49]!.notes?.at(-1)?.message).toBe('4950 more problems in this file are not shown (4950 errors)');
    // the summary counts every problem, not only the 50 shown
    expect(renderDiagnostics(r.diagnostics, () => null).trimEnd().split('\n').at(-1)).toBe('5000 errors (50 shown)');
  });

  it('syntax problems the parser left out count in the summary too', () => {
    const junk = Array.from({ length: 120 }, () => '  = = =\n').join('');
    const r = compile(text.replace('dataset corpus = phantom3d {\n', `dataset corpus = phantom3d {\n${junk}`));
    const shown = r.diagnostics.length;
    const left = r.diagnostics.reduce((n, d) => n + (d.omitted ? d.omitted.errors : 0), 0);
    expect(shown).toBe(50);
    expect(left).toBeGreaterThan(0);
    expect(renderDiagnostics(r.diagnostics, () => null).trimEnd().split('\n').at(-1)).toBe(`${shown + left} errors (50 shown)`);
  });
});

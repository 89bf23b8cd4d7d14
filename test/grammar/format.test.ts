// `format`: canonical layout rules, idempotence, AST preservation, comment preservation.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { format, parse } from '../../grammar/index.js';
import { here, sampleFiles, stripSpans } from './helpers.js';

function fmt(src: string): string {
  const r = parse(src, 'f.ssl');
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return format(r.document);
}

describe('format', () => {
  it('is idempotent and keeps the AST on every sample file', () => {
    for (const { name, text } of sampleFiles()) {
      const once = fmt(text);
      const twice = fmt(once);
      expect(twice, name).toBe(once);
      expect(stripSpans(parse(once, name).document), name).toEqual(stripSpans(parse(text, name).document));
    }
  });

  it('is idempotent and keeps the AST on the example experiments', () => {
    const dir = join(here, '..', '..', 'experiments');
    const files = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.ssl'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      const once = fmt(text);
      expect(fmt(once), f).toBe(once);
      expect(stripSpans(parse(once, f).document), f).toEqual(stripSpans(parse(text, f).document));
    }
  });

  it('normalises spacing, separators and indentation', () => {
    expect(fmt('dataset  x=y{a=1,,b=[1,2 ,3,];c="s"}')).toBe('dataset x = y {\n  a = 1\n  b = [1, 2, 3]\n  c = "s"\n}\n');
  });

  it('keeps blocks in the shape they were written, breaking one-line blocks that are too long', () => {
    const src = 'x y {\n  train { epochs = 10, optimizer = adam { lr = 1e-3 } }\n  split {\n    val = 10%\n    test = 20%\n  }\n}';
    expect(fmt(src)).toBe('x y {\n  train { epochs = 10, optimizer = adam { lr = 1e-3 } }\n  split {\n    val = 10%\n    test = 20%\n  }\n}\n');
    const wide = `x y { b { ${Array.from({ length: 12 }, (_, i) => `key${i} = ${i}`).join(', ')} } }`;
    const out = fmt(wide);
    expect(out.split('\n').slice(0, 4)).toEqual(['x y {', '  b {', '    key0 = 0', '    key1 = 1']);
    expect(fmt(out)).toBe(out);
  });

  it('puts a list on one line when it fits, else fills rows of plain items to the width', () => {
    expect(fmt('x y {\n  a = [\n    1,\n    2,\n  ]\n}')).toBe('x y {\n  a = [1, 2]\n}\n');
    const names = Array.from({ length: 30 }, (_, i) => `task${i}`);
    const out = fmt(`x y { tasks = [${names.join(', ')}] }`);
    const lines = out.split('\n');
    expect(lines[1]).toBe('  tasks = [');
    expect(lines[2]!.startsWith('    task0, task1, task2,')).toBe(true);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
    const rows = lines.slice(2, lines.indexOf('  ]'));
    expect(rows.length).toBeGreaterThan(1);
    for (const r of rows) expect(r.endsWith(',')).toBe(true);
    expect(rows.join(' ').replace(/,/g, '').trim().split(/\s+/)).toEqual(names);
    expect(fmt(out)).toBe(out);
  });

  it('keeps the rows a long list of plain items was written in', () => {
    const src = 'x y {\n  methods = [cpc3d, rpl3d, jigsaw3d, rotation3d, exemplar3d,\n     cpc2d, rpl2d, jigsaw2d, rotation2d, exemplar2d, scratch, another-long-name]\n}';
    const out = fmt(src);
    expect(out).toBe(
      'x y {\n  methods = [\n    cpc3d, rpl3d, jigsaw3d, rotation3d, exemplar3d,\n    cpc2d, rpl2d, jigsaw2d, rotation2d, exemplar2d, scratch, another-long-name,\n  ]\n}\n',
    );
    expect(fmt(out)).toBe(out);
    // lists holding blocks or lists still take one item per line
    const nested = `x y { a = [${Array.from({ length: 8 }, (_, i) => `[${i}, ${i + 1}, ${i + 2}, ${i + 3}]`).join(', ')}] }`;
    expect(fmt(nested).split('\n')[2]).toBe('    [0, 1, 2, 3],');
  });

  it('aligns trailing comments of consecutive one-line entries', () => {
    expect(fmt('x y {\n  a = 1 // one\n  long-key = 2   // two\n\n  c = 3      // alone\n}')).toBe(
      'x y {\n  a = 1        // one\n  long-key = 2 // two\n\n  c = 3 // alone\n}\n',
    );
  });

  it('writes numbers, units, sizes, ranges and strings as written (strings re-escaped)', () => {
    expect(fmt('x y { a = 1e-3, b = 25   epochs, c = 10%, d = 64x64x64, e = 1..4   step 1, f = "q\\"\\t" }')).toBe(
      'x y {\n  a = 1e-3\n  b = 25 epochs\n  c = 10%\n  d = 64x64x64\n  e = 1..4 step 1\n  f = "q\\"\\t"\n}\n',
    );
  });

  it('keeps `key = T { … }` and `key T { … }` as written', () => {
    expect(fmt('x y {\n  opt = adam { lr = 1 }\n  table regions { rows = m }\n}')).toBe('x y {\n  opt = adam { lr = 1 }\n  table regions { rows = m }\n}\n');
  });

  it('preserves every comment and single blank lines', () => {
    const src = '// head\n\nexperiment e { // after brace\n  a = 1 // tail\n\n\n  # section\n  b = [x, /* inside */ y]\n  c {\n    // closing\n  } // after c\n}\n// end\n';
    const out = fmt(src);
    for (const c of ['// head', '// after brace', '// tail', '# section', '/* inside */', '// closing', '// after c', '// end']) expect(out).toContain(c);
    expect(out).not.toContain('\n\n\n');
    expect(out).toContain('a = 1 // tail\n\n  # section');
    expect(fmt(out)).toBe(out);
  });

  it('formats an empty document to the empty string and empty bodies as {}', () => {
    expect(fmt('')).toBe('');
    expect(fmt('experiment e { }')).toBe('experiment e {}\n');
    expect(fmt('x y {\n  a {\n  }\n}')).toBe('x y {\n  a {}\n}\n');
  });
});

// Parser behaviour beyond the golden files: lexical corner cases, value forms, recovery with
// several located errors, parseValue for command-line overrides, speed of a 200-line file.
import { describe, expect, it } from 'vitest';
import type { Entry, Value } from '../../grammar/index.js';
import { format, parse, parseValue } from '../../grammar/index.js';
import { sampleFiles, stripSpans } from './helpers.js';

function entries(src: string): Entry[] {
  const r = parse(src, 't.ssl');
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.document.declarations[0]!.entries;
}

function value(src: string): Value {
  return entries(`x y { v = ${src}\n}`)[0]!.value;
}

describe('values', () => {
  it('numbers, percentages, units and exponents', () => {
    expect(value('3')).toMatchObject({ kind: 'number', value: 3, unit: null, raw: '3' });
    expect(value('-0.5')).toMatchObject({ kind: 'number', value: -0.5, raw: '-0.5' });
    expect(value('1e-3')).toMatchObject({ kind: 'number', value: 0.001, raw: '1e-3' });
    expect(value('10%')).toMatchObject({ kind: 'number', value: 10, unit: '%', raw: '10' });
    expect(value('25 epochs')).toMatchObject({ kind: 'number', value: 25, unit: 'epochs' });
    expect(value('2 voxels')).toMatchObject({ kind: 'number', value: 2, unit: 'voxels' });
    expect(value('30 min')).toMatchObject({ kind: 'number', value: 30, unit: 'min' });
  });

  it('a unit word that starts the next entry is not a unit', () => {
    const es = entries('x y {\n  a = 25\n  epochs = 3\n  b = 4\n  steps { n = 1 }\n  c = 5\n  s label { }\n}');
    expect(es.map((e) => e.key)).toEqual(['a', 'epochs', 'b', 'steps', 'c', 's']);
    expect(es[0]!.value).toMatchObject({ kind: 'number', value: 25, unit: null });
    expect(es[5]!.value).toMatchObject({ kind: 'block', type: 'label' });
  });

  it('sizes, strings, names, paths and booleans', () => {
    expect(value('64x64x64')).toMatchObject({ kind: 'size', dims: [64, 64, 64] });
    expect(value('224x224')).toMatchObject({ kind: 'size', dims: [224, 224] });
    expect(value('"a \\"b\\" \\\\ \\n \\u00e9 \\u{1F600}"')).toMatchObject({ kind: 'string', value: 'a "b" \\ \n é 😀' });
    expect(value('authors-code-bug')).toMatchObject({ kind: 'ident', name: 'authors-code-bug', path: ['authors-code-bug'] });
    expect(value('brats.regions.ET')).toMatchObject({ kind: 'ident', name: 'brats.regions.ET', path: ['brats', 'regions', 'ET'] });
    expect(value('true')).toMatchObject({ kind: 'bool', value: true });
    expect(value('false')).toMatchObject({ kind: 'bool', value: false });
  });

  it('ranges with and without step', () => {
    expect(value('1..4')).toMatchObject({ kind: 'range', from: { value: 1 }, to: { value: 4 }, step: null });
    expect(value('0.1..1.0 step 0.1')).toMatchObject({ kind: 'range', from: { value: 0.1 }, to: { raw: '1.0' }, step: { value: 0.1 } });
    expect(value('10%..100%')).toMatchObject({ kind: 'range', from: { unit: '%' }, to: { unit: '%', value: 100 } });
  });

  it('lists span lines and accept a trailing comma', () => {
    const v = value('[\n  cpc3d,\n  rpl3d,\n]');
    expect(v).toMatchObject({ kind: 'list', items: [{ name: 'cpc3d' }, { name: 'rpl3d' }] });
    expect(value('[]')).toMatchObject({ kind: 'list', items: [] });
  });

  it('blocks: plain, typed with and without =, labelled entries, separators', () => {
    const es = entries('x y {\n  split { val = 10%, test = 20% }\n  optimizer = adam { lr = 1e-3 }\n  table regions { rows = method }; table fractions { rows = fraction }\n  e = {}\n}');
    expect(es.map((e) => [e.key, e.value.kind, e.value.kind === 'block' ? e.value.type : null])).toEqual([
      ['split', 'block', null],
      ['optimizer', 'block', 'adam'],
      ['table', 'block', 'regions'],
      ['table', 'block', 'fractions'],
      ['e', 'block', null],
    ]);
  });

  it('declarations, imports and spans', () => {
    const src = 'import "a.ssl"\nimport "b c.ssl" as common\n\ndataset ukb = phantom3d {\n  size = 64x64x64\n}\n';
    const r = parse(src, 'f.ssl');
    expect(r.diagnostics).toEqual([]);
    expect(r.document.imports.map((i) => [i.path, i.alias])).toEqual([
      ['a.ssl', null],
      ['b c.ssl', 'common'],
    ]);
    const d = r.document.declarations[0]!;
    expect([d.kind, d.name, d.type]).toEqual(['dataset', 'ukb', 'phantom3d']);
    expect(d.kindSpan).toMatchObject({ file: 'f.ssl', startLine: 4, startColumn: 1, endColumn: 8 });
    expect(d.nameSpan).toMatchObject({ startLine: 4, startColumn: 9 });
    expect(d.typeSpan).toMatchObject({ startLine: 4, startColumn: 15, endColumn: 24 });
    expect(d.span).toMatchObject({ startLine: 4, endLine: 6, endColumn: 2 });
    const e = d.entries[0]!;
    expect(src.slice(e.value.span.startOffset, e.value.span.endOffset)).toBe('64x64x64');
  });

  it('comments of all three kinds are kept, CRLF files parse the same as LF', () => {
    const lf = '# hash\n// slash\n/* block */\nexperiment e {\n  seed = 1 // trailing\n}\n';
    const crlf = lf.replace(/\n/g, '\r\n');
    const a = parse(lf, 'a.ssl');
    const b = parse(crlf, 'a.ssl');
    expect(a.diagnostics).toEqual([]);
    expect(b.diagnostics).toEqual([]);
    expect(a.document.declarations[0]!.comments).toEqual(['# hash', '// slash', '/* block */']);
    expect(a.document.declarations[0]!.entries[0]!.trailingComment).toBe('// trailing');
    expect(stripSpans(b.document)).toEqual(stripSpans(a.document));
  });
});

describe('error recovery', () => {
  const broken = [
    'experiment demo {', //             1
    '  seed = 1', //                    2
    '  backend = @', //                 3  SSL011 + SSL009
    '}', //                             4
    'dataset ukb = phantom3d {', //     5
    '  size = 64x64x', //               6  SSL007
    '  split { val = 10% test = }', //  7  SSL011
    '  epochs 10', //                   8  SSL008
    '}', //                             9
    'pretext rot = rotation {', //      10
    '  train { epochs = 10', //         11 SSL004 (the inner block)
    '  batch = 4', //                   12
    '}', //                             13
    'encoder e = unet3d { levels = 5,, filters = [32 64] }', // 14 SSL010 + SSL017
    'report r { table t { rows = method }', // 15 SSL004 (end of file)
    '',
  ].join('\n');

  it('reports several located errors in one file, without cascades', () => {
    const r = parse(broken, 'broken.ssl');
    expect(r.diagnostics.map((d) => `${d.span.startLine}:${d.code}`)).toEqual([
      '3:SSL011',
      '3:SSL009',
      '6:SSL007',
      '7:SSL011',
      '8:SSL008',
      '11:SSL004',
      '14:SSL010',
      '14:SSL017',
      '15:SSL004',
    ]);
    // the declarations after each error are still there
    expect(r.document.declarations.map((d) => d.name)).toEqual(['demo', 'ukb', 'rot', 'e', 'r']);
    expect(r.document.declarations[3]!.entries.map((e) => e.key)).toEqual(['levels', 'filters']);
  });

  it('never reports bracket errors for a balanced but oddly indented file', () => {
    const r = parse('dataset x {\n    a {\n  b = 1\n}\n      }\n', 'x.ssl');
    expect(r.diagnostics).toEqual([]);
  });

  it('handles empty, blank, comment-only and binary input', () => {
    for (const src of ['', '   \n\n', '// only a comment\n', '\u0000\u0001\u0002', '\uFEFFexperiment e {}']) {
      const r = parse(src, 'e.ssl');
      expect(r.document.file).toBe('e.ssl');
      for (const d of r.diagnostics) expect(d.span.endOffset).toBeLessThanOrEqual(src.length);
    }
    expect(parse('// only a comment\n', 'e.ssl').document.trailingComments).toEqual(['// only a comment']);
  });

  it('counts lines the same way everywhere, also with lone carriage returns', () => {
    const src = 'x y {\r  a = 1\r\n  b = [1 2]\n}';
    const r = parse(src, 'cr.ssl');
    expect(r.diagnostics.map((d) => [d.code, d.span.startLine, d.span.startColumn])).toEqual([['SSL017', 2, 10]]);
  });

  it('caps the diagnostics of a hopeless file and says how many were left out', () => {
    const r = parse('x y {\n' + '  a = 1e\n'.repeat(80) + '}', 'many.ssl');
    expect(r.diagnostics).toHaveLength(50);
    expect(r.diagnostics[49]!.notes?.[0]?.message).toBe('30 more syntax problems in this file are not shown');
  });

  it('survives deep nesting and long inputs', () => {
    const ok = 'x y { ' + 'a { '.repeat(90) + '}'.repeat(90) + ' }';
    expect(parse(ok, 'd.ssl').diagnostics).toEqual([]);
    const deep = 'x y { ' + 'a { '.repeat(5000) + '}'.repeat(5000) + ' }';
    expect(parse(deep, 'd.ssl').diagnostics.map((d) => d.message)).toEqual([expect.stringContaining('nested more than 100 levels')]);
    const unbalanced = 'x y { ' + '[ '.repeat(300);
    expect(parse(unbalanced, 'd.ssl').diagnostics.length).toBeGreaterThan(0);
  });
});

describe('targeted messages for common mistakes', () => {
  function first(src: string): { code: string; message: string; hint?: string; col: number } {
    const d = parse(src, 'm.ssl').diagnostics[0]!;
    return { code: d.code, message: d.message, hint: d.hint, col: d.span.startColumn };
  }

  it('imports: unquoted path, single quotes, misspelt keyword or alias', () => {
    expect(first('import shared/datasets.ssl\n')).toMatchObject({ code: 'SSL015', hint: 'write: import "shared/datasets.ssl"', col: 8 });
    expect(first("import 'x.ssl'\n")).toMatchObject({ code: 'SSL015', hint: 'write: import "x.ssl"' });
    expect(first('import\nexperiment e {}\n')).toMatchObject({ code: 'SSL015', message: "expected a file path after 'import'" });
    expect(first('imprt "x.ssl"\n')).toMatchObject({ code: 'SSL015', hint: "did you mean 'import'?" });
    expect(first('import "x.ssl" sa common\nexperiment e {}\n')).toMatchObject({ code: 'SSL001', hint: expect.stringContaining("did you mean 'as'?") });
    // the declaration after a broken import is still parsed
    expect(parse('import "x.ssl" sa common\nexperiment e { seed = 1 }\n', 'm.ssl').document.declarations.map((d) => d.name)).toEqual(['e']);
  });

  it('entries: dotted key, colon, missing value before the next entry', () => {
    expect(first('x y { a.b = 1 }')).toMatchObject({ code: 'SSL001', hint: "nest it instead: 'a { b = … }'" });
    expect(first('x y {\n  anatomy: brain\n}')).toMatchObject({ code: 'SSL009', hint: "use '=' between a key and its value" });
    const r = parse('x y {\n  a =\n  b = 2\n}', 'm.ssl');
    expect(r.diagnostics.map((d) => [d.code, d.span.startLine])).toEqual([['SSL011', 2]]);
    expect(r.document.declarations[0]!.entries.map((e) => e.key)).toEqual(['a', 'b']);
  });

  it('a look-alike letter from another script names its code point (s6 attack)', () => {
    // 'cоrpus' with a Cyrillic о read as the name 'c' and an unexpected 'о' that looks like an o
    const d = parse('x y { data = c\u043Erpus }', 'm.ssl').diagnostics.find((x) => x.code === 'SSL009')!;
    expect(d.hint).toBe("'\u043E' is U+043E, not an ASCII letter or digit: names use A–Z, a–z, 0–9, _ and - (a look-alike letter?)");
    expect(first('x y { a = 1 } \u2211').hint).toBeUndefined();
  });

  it('declarations: quoted name, missing =, settings outside a declaration', () => {
    expect(first('dataset "ukb" = phantom3d { }')).toMatchObject({ code: 'SSL001', message: 'the name of a dataset is a bare word, not a string' });
    expect(first('dataset ukb phantom3d { }')).toMatchObject({ code: 'SSL008', hint: "write 'dataset ukb = phantom3d { … }'" });
    expect(first('seed = 42\n')).toMatchObject({ code: 'SSL001', message: "'seed = …' is outside any declaration" });
  });
});

describe('parseValue (command-line overrides)', () => {
  it('parses one value of any form', () => {
    expect(parseValue('20').value).toMatchObject({ kind: 'number', value: 20 });
    expect(parseValue('25 epochs').value).toMatchObject({ kind: 'number', unit: 'epochs' });
    expect(parseValue('[10%, 100%]').value).toMatchObject({ kind: 'list', items: [{ value: 10 }, { value: 100 }] });
    expect(parseValue('adam { lr = 1e-4 }').value).toMatchObject({ kind: 'block', type: 'adam' });
    expect(parseValue('cpu').value).toMatchObject({ kind: 'ident', name: 'cpu' });
    expect(parseValue('"a b"').value).toMatchObject({ kind: 'string', value: 'a b' });
  });

  it('spans are relative to the value text', () => {
    const r = parseValue('[1, 2]', '--set');
    expect(r.value!.span).toMatchObject({ file: '--set', startOffset: 0, endOffset: 6, startLine: 1, startColumn: 1 });
  });

  it('reports bad values with spans inside the text', () => {
    for (const bad of ['', '1e', '[1, 2', 'a b', '{', '}', 'x = 1', '"open']) {
      const r = parseValue(bad, '--set');
      expect(r.diagnostics.filter((d) => d.severity === 'error').length, bad).toBeGreaterThan(0);
      for (const d of r.diagnostics) {
        expect(d.span.startOffset).toBeGreaterThanOrEqual(0);
        expect(d.span.endOffset).toBeLessThanOrEqual(bad.length);
      }
    }
  });
});

describe('speed', () => {
  it('parses a 200-line file in a few milliseconds once warm', () => {
    const parts = sampleFiles().map((s) => s.text);
    let src = '';
    for (let i = 0; src.split('\n').length < 200; i++) src += parts[i % parts.length] + '\n';
    src = src.split('\n').slice(0, 200).join('\n');
    parse(src, 'big.ssl');
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) parse(src, 'big.ssl');
    const ms = (performance.now() - t0) / 20;
    // generous: ~5 ms on an idle 2-core machine; this only guards against a blow-up
    expect(ms).toBeLessThan(100);
    expect(format(parse(src, 'big.ssl').document).length).toBeGreaterThan(0);
  });
});

// diagnostics.ts: did-you-mean, rendering (caret line, hint, notes, colour), JSON output,
// and the code catalogue.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../grammar/index.js';
import { didYouMean, editDistance, KNOWN_KINDS, LineIndex, parse, renderDiagnostic, renderDiagnosticsJson, spanAt, syntaxCodes } from '../../grammar/index.js';
import { allCodes } from '../../core/codes/index.js';
import { diagnosticCases } from './diagnostic-cases.js';
import { here } from './helpers.js';

describe('didYouMean', () => {
  it('finds near misses: typos, transpositions, case', () => {
    expect(didYouMean('rotaton', ['rotation', 'jigsaw', 'cpc'])).toBe('rotation');
    expect(didYouMean('jigsw', ['rotation', 'jigsaw', 'cpc'])).toBe('jigsaw');
    expect(didYouMean('datset', KNOWN_KINDS)).toBe('dataset');
    expect(didYouMean('pertext', KNOWN_KINDS)).toBe('pretext');
    expect(didYouMean('Dataset', KNOWN_KINDS)).toBe('dataset');
    expect(didYouMean('finetuen', KNOWN_KINDS)).toBe('finetune');
  });

  it('stays quiet for unrelated words and exact matches', () => {
    expect(didYouMean('banana', KNOWN_KINDS)).toBeNull();
    expect(didYouMean('xy', ['ab', 'cd'])).toBeNull();
    expect(didYouMean('dataset', KNOWN_KINDS)).toBeNull();
    expect(didYouMean('', KNOWN_KINDS)).toBeNull();
  });

  it('counts a transposition as one edit', () => {
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('renderDiagnostic', () => {
  const text = 'experiment e {\n\tseed = x\n}\n';
  const d: Diagnostic = {
    code: 'SSL099',
    severity: 'error',
    message: 'bad seed',
    span: spanAt(text, 'e.ssl', 23, 24),
    hint: 'use a number',
    notes: [{ message: 'declared here', span: spanAt(text, 'e.ssl', 11, 12) }, { message: 'plain note' }],
  };

  it('prints location, source line, caret under the span (tabs expanded), hint and notes', () => {
    expect(renderDiagnostic(d, text, { color: false })).toBe(
      [
        'e.ssl:2:9: error SSL099: bad seed',
        '  |',
        '2 |     seed = x',
        '  |            ^',
        '  = hint: use a number',
        '  = note: declared here (e.ssl:1:12)',
        '  |',
        '1 | experiment e {',
        '  |            -',
        '  = note: plain note',
        '',
      ].join('\n'),
    );
  });

  it('colours only when asked, and works without the source text', () => {
    expect(renderDiagnostic(d, text, { color: true })).toContain('\u001b[31m');
    expect(renderDiagnostic(d, text, { color: false })).not.toContain('\u001b[');
    expect(renderDiagnostic(d, null, { color: false }).split('\n')[0]).toBe('e.ssl:2:9: error SSL099: bad seed');
  });

  it('JSON output carries code, severity, position and span', () => {
    const [j] = JSON.parse(renderDiagnosticsJson([d])) as Array<Record<string, unknown>>;
    expect(j).toMatchObject({ code: 'SSL099', severity: 'error', file: 'e.ssl', line: 2, column: 9, hint: 'use a number' });
  });

  it('LineIndex maps offsets to 1-based lines and columns', () => {
    const li = new LineIndex('ab\ncd\r\nef');
    expect(li.position(0)).toEqual({ line: 1, column: 1 });
    expect(li.position(3)).toEqual({ line: 2, column: 1 });
    expect(li.position(7)).toEqual({ line: 3, column: 1 });
    expect(li.lineText(2)).toBe('cd');
    expect(li.position(999)).toEqual({ line: 3, column: 3 });
  });
});

describe('code catalogue', () => {
  it('has SSL001-SSL019 with titles and long explanations, each with an example', () => {
    expect(syntaxCodes.map((c) => c.code)).toEqual(Array.from({ length: 19 }, (_, i) => `SSL${String(i + 1).padStart(3, '0')}`));
    for (const c of syntaxCodes) {
      expect(c.title.length, c.code).toBeGreaterThan(5);
      expect(c.explanation.length, c.code).toBeGreaterThan(120);
      expect(c.explanation, c.code).toMatch(/\n {4}\S/); // an indented example
    }
  });

  it('docs/syntax.md lists every syntax code', () => {
    const doc = readFileSync(join(here, '..', '..', 'docs', 'syntax.md'), 'utf8');
    for (const c of syntaxCodes) expect(doc, c.code).toContain(`| ${c.code} |`);
  });

  it('every code the parser emits is in the merged catalogue', () => {
    const known = new Set(allCodes().map((c) => c.code));
    for (const c of diagnosticCases) for (const d of parse(c.source, 'x.ssl').diagnostics) expect(known.has(d.code), d.code).toBe(true);
  });
});

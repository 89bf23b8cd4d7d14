// Golden tests: the AST of each sample file (spans written compactly as
// "line:col-line:col @start-end"), its canonical formatting, and the rendered diagnostics of
// one small source per syntax code. Regenerate with UPDATE=1 and review the diff.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { format, parse, renderDiagnostics } from '../../grammar/index.js';
import { codes } from '../../core/codes/syntax.js';
import { diagnosticCases } from './diagnostic-cases.js';
import { here, sampleFiles } from './helpers.js';

const update = !!process.env.UPDATE;
const goldenDir = join(here, 'golden');

function golden(rel: string, actual: string): void {
  const path = join(goldenDir, rel);
  if (update || !existsSync(path)) {
    if (!update) throw new Error(`missing golden file ${rel}; run with UPDATE=1 to create it`);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

function compactSpans(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(compactSpans);
  if (x && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if ('startOffset' in o && 'startLine' in o && 'file' in o) {
      return `${o.startLine}:${o.startColumn}-${o.endLine}:${o.endColumn} @${o.startOffset}-${o.endOffset}`;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = compactSpans(v);
    return out;
  }
  return x;
}

describe('AST golden files', () => {
  for (const { name, text } of sampleFiles()) {
    it(`${name}`, () => {
      const { document, diagnostics } = parse(text, name);
      expect(diagnostics).toEqual([]);
      golden(`ast/${name}.json`, JSON.stringify(compactSpans(document), null, 2) + '\n');
    });
  }
});

describe('fmt golden files', () => {
  for (const { name, text } of sampleFiles()) {
    it(`${name}`, () => {
      golden(`fmt/${name}`, format(parse(text, name).document));
    });
  }
});

describe('syntax diagnostics: one golden per code', () => {
  it('covers every syntax code exactly once', () => {
    expect(diagnosticCases.map((c) => c.code).sort()).toEqual(codes.map((c) => c.code).sort());
  });
  for (const c of diagnosticCases) {
    it(c.code, () => {
      const file = `${c.code}.ssl`;
      const { diagnostics } = parse(c.source, file);
      expect(diagnostics.map((d) => d.code)).toContain(c.code);
      const text = renderDiagnostics(diagnostics, () => c.source, { color: false });
      // every rendering has the location line, the source line and a caret underline
      expect(text).toMatch(new RegExp(`^${file}:\\d+:\\d+: (error|warning) ${c.code}: `, 'm'));
      expect(text).toMatch(/^ *\d+ \| .*\n *\| *\^~*/m);
      golden(`diagnostics/${c.code}.txt`, `--- source\n${c.source}--- diagnostics\n${text}`);
    });
  }
});

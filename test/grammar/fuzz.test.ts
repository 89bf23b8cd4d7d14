// Seeded mutation fuzzing of the parser: deletions, insertions and swaps of tokens, misspelt
// words and raw character noise over the sample files. For every mutant: `parse` does not
// throw, every diagnostic and every AST span lies inside the text with consistent line/column,
// rendering never throws, and a mutant without errors formats idempotently and round-trips.
import { describe, expect, it } from 'vitest';
import { format, parse, renderDiagnostic, renderDiagnosticsJson } from '../../grammar/index.js';
import { LineIndex } from '../../grammar/index.js';
import { lex } from '../../grammar/lexer.js';
import { Rng } from '../../core/rng.js';
import { allSpans, sampleFiles, spanProblem, stripSpans } from './helpers.js';

const POOL = ['{', '}', '[', ']', '=', ',', ';', '..', '.', '"', '"x', '/*', '*/', '//', '#', '@', '-', ':', '1e', '64x', '1.', 'x', 'step', 'epochs', 'import', 'as', 'true', '10%', '3', '\n', '\\', 'é', '\r\n', '\t', '\u0000', 'dataset', 'a.b', '1..', 'adam {'];

function misspell(rng: Rng, w: string): string {
  if (w.length === 0) return 'x';
  const i = rng.int(w.length);
  switch (rng.int(4)) {
    case 0:
      return w.slice(0, i) + w.slice(i + 1);
    case 1:
      return w.slice(0, i) + w[i] + w.slice(i);
    case 2:
      return i + 1 < w.length ? w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2) : w + 'e';
    default:
      return w.slice(0, i) + String.fromCharCode(97 + rng.int(26)) + w.slice(i + 1);
  }
}

function mutate(rng: Rng, text: string): string {
  const toks = lex(text).tokens;
  if (toks.length < 2) return text + POOL[rng.int(POOL.length)]!;
  const i = rng.int(toks.length - 1);
  const t = toks[i]!;
  const s = t.startOffset;
  const e = s + t.image.length;
  switch (rng.int(6)) {
    case 0: // delete a token
      return text.slice(0, s) + text.slice(e);
    case 1: // insert a token
      return text.slice(0, s) + POOL[rng.int(POOL.length)]! + ' ' + text.slice(s);
    case 2: {
      // swap with the next token
      const u = toks[i + 1]!;
      const us = u.startOffset;
      const ue = us + u.image.length;
      return text.slice(0, s) + u.image + text.slice(e, us) + t.image + text.slice(ue);
    }
    case 3: // misspell a word
      return text.slice(0, s) + misspell(rng, t.image) + text.slice(e);
    case 4: {
      // delete a character anywhere
      const k = rng.int(text.length);
      return text.slice(0, k) + text.slice(k + 1);
    }
    default: {
      // cut the file short
      return text.slice(0, rng.int(text.length));
    }
  }
}

describe('parser fuzz (seeded)', () => {
  it('never throws and always reports located diagnostics', () => {
    const samples = sampleFiles();
    expect(samples.length).toBeGreaterThanOrEqual(3);
    const rng = new Rng(20201206);
    const N = 2000;
    let withErrors = 0;
    let clean = 0;
    const t0 = performance.now();
    for (let n = 0; n < N; n++) {
      const base = samples[n % samples.length]!.text;
      let text = base;
      const k = 1 + rng.int(3);
      for (let j = 0; j < k; j++) text = mutate(rng, text);
      const file = `mutant-${n}.ssl`;
      let result: ReturnType<typeof parse>;
      try {
        result = parse(text, file);
      } catch (err) {
        throw new Error(`parse threw on mutant ${n}: ${String(err)}\n---\n${text}`);
      }
      const lines = new LineIndex(text);
      for (const d of result.diagnostics) {
        expect(d.code).toMatch(/^SSL0[0-1]\d$/);
        const p = spanProblem(d.span, text, file, lines);
        if (p) throw new Error(`mutant ${n}: diagnostic ${d.code} has a bad span (${p})\n---\n${text}`);
        for (const note of d.notes ?? []) if (note.span) expect(spanProblem(note.span, text, file, lines)).toBeNull();
        const rendered = renderDiagnostic(d, text, { color: n % 2 === 0 });
        expect(rendered.replace(/\u001b\[[0-9;]*m/g, '')).toContain(`${file}:${d.span.startLine}:${d.span.startColumn}: `);
      }
      renderDiagnosticsJson(result.diagnostics);
      for (const s of allSpans(result.document)) {
        const p = spanProblem(s, text, file, lines);
        if (p) throw new Error(`mutant ${n}: AST span problem (${p})\n---\n${text}`);
      }
      // formatting a best-effort document must not throw either
      const out = format(result.document);
      if (result.diagnostics.some((d) => d.severity === 'error')) {
        withErrors++;
        continue;
      }
      clean++;
      const again = parse(out, file);
      if (again.diagnostics.some((d) => d.severity === 'error')) {
        throw new Error(`mutant ${n}: formatted text does not parse: ${again.diagnostics[0]!.message}\n---\n${text}\n---\n${out}`);
      }
      expect(format(again.document)).toBe(out);
      expect(stripSpans(again.document)).toEqual(stripSpans(result.document));
    }
    const ms = performance.now() - t0;
    // the mutations must exercise both paths
    expect(withErrors).toBeGreaterThan(N / 3);
    expect(clean).toBeGreaterThan(N / 20);
    // a few seconds on an idle 2-core machine; the bound only catches pathological slow-downs
    expect(ms).toBeLessThan(60_000);
  });
});

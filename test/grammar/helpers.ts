// Shared helpers for the grammar tests.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Span } from '../../grammar/index.js';
import { LineIndex } from '../../grammar/index.js';

export const here = dirname(fileURLToPath(import.meta.url));
export const fixtureDir = join(here, '..', 'fixtures', 'ssl');

/** The syntax-level sample files (valid ones only: names not starting with 'err-'). */
export function sampleFiles(): Array<{ name: string; text: string }> {
  return readdirSync(fixtureDir)
    .filter((f) => f.endsWith('.ssl') && !f.startsWith('err-'))
    .sort()
    .map((f) => ({ name: f, text: readFileSync(join(fixtureDir, f), 'utf8') }));
}

function isSpan(x: unknown): x is Span {
  return !!x && typeof x === 'object' && 'startOffset' in x && 'endOffset' in x && 'startLine' in x;
}

/** A deep copy without spans (and, optionally, without comments and layout hints). */
export function stripSpans(x: unknown, dropLayout = false): unknown {
  if (Array.isArray(x)) return x.map((v) => stripSpans(v, dropLayout));
  if (x && typeof x === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) {
      if (isSpan(v) || k === 'span' || k.endsWith('Span')) continue;
      if (k === 'file') continue;
      if (dropLayout && (k === 'comments' || k === 'trailingComment' || k === 'trailingComments' || k === 'blankLineBefore')) continue;
      o[k] = stripSpans(v, dropLayout);
    }
    return o;
  }
  return x;
}

/** Every span found anywhere inside `x`. */
export function allSpans(x: unknown, out: Span[] = []): Span[] {
  if (Array.isArray(x)) for (const v of x) allSpans(v, out);
  else if (x && typeof x === 'object') {
    if (isSpan(x)) out.push(x);
    else for (const v of Object.values(x)) allSpans(v, out);
  }
  return out;
}

/** Why a span is not valid for `text`, or null when it is. */
export function spanProblem(span: Span, text: string, file: string, lines = new LineIndex(text)): string | null {
  if (span.file !== file) return `file ${span.file} != ${file}`;
  for (const k of ['startOffset', 'endOffset', 'startLine', 'startColumn', 'endLine', 'endColumn'] as const) {
    if (!Number.isInteger(span[k])) return `${k} is ${span[k]}`;
  }
  if (span.startOffset < 0 || span.endOffset < span.startOffset || span.endOffset > text.length) return `offsets ${span.startOffset}..${span.endOffset} outside 0..${text.length}`;
  const a = lines.position(span.startOffset);
  const b = lines.position(span.endOffset);
  if (a.line !== span.startLine || a.column !== span.startColumn) return `start ${span.startLine}:${span.startColumn} != ${a.line}:${a.column}`;
  if (b.line !== span.endLine || b.column !== span.endColumn) return `end ${span.endLine}:${span.endColumn} != ${b.line}:${b.column}`;
  return null;
}

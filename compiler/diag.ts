// Diagnostic helpers for the compiler. The Diagnostic shape is core/diagnostics.ts; every
// compiler diagnostic carries a message of the catalogue (`msg(code, key, params)` of core/codes/,
// so a code, message key or placeholder that is not listed there is a type error) and a source span.
import type { CodedMessage } from '../core/codes/index.js';
import type { Diagnostic } from '../core/diagnostics.js';
import type { Span } from '../core/span.js';

export type { Diagnostic };

export class Diagnostics {
  readonly list: Diagnostic[] = [];
  /** An error with a catalogue message (`msg(code, key, params)`) at `span`. */
  error(m: CodedMessage, span: Span, hint?: string): void {
    const d: Diagnostic = { code: m.code, severity: 'error', message: m.message, span };
    if (hint) d.hint = hint;
    this.list.push(d);
  }
  warning(m: CodedMessage, span: Span, hint?: string): void {
    const d: Diagnostic = { code: m.code, severity: 'warning', message: m.message, span };
    if (hint) d.hint = hint;
    this.list.push(d);
  }
  private counted = 0;
  private errors = 0;
  /** Errors so far; counts only what was added since the last call (checkers ask once per declaration). */
  get errorCount(): number {
    for (; this.counted < this.list.length; this.counted++) if (this.list[this.counted]!.severity === 'error') this.errors++;
    return this.errors;
  }
}

/** A span covering a whole (small) virtual file, used when no better location exists. */
export function fileSpan(file: string, text = ''): Span {
  const lines = text.split('\n');
  return {
    file,
    startOffset: 0,
    endOffset: Math.max(0, Math.min(text.length, (lines[0] ?? '').length)),
    startLine: 1,
    startColumn: 1,
    endLine: 1,
    endColumn: (lines[0] ?? '').length + 1,
  };
}

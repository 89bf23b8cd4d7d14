// Diagnostic helpers for the compiler. The Diagnostic shape is core/diagnostics.ts; every
// compiler diagnostic carries a code of the catalogue (core/codes/, so a code that is not listed
// there is a type error) and a source span.
import type { Code } from '../core/codes/index.js';
import type { Diagnostic } from '../core/diagnostics.js';
import type { Span } from '../core/span.js';

export type { Diagnostic };

export class Diagnostics {
  readonly list: Diagnostic[] = [];
  error(code: Code, message: string, span: Span, hint?: string): void {
    const d: Diagnostic = { code, severity: 'error', message, span };
    if (hint) d.hint = hint;
    this.list.push(d);
  }
  warning(code: Code, message: string, span: Span, hint?: string): void {
    const d: Diagnostic = { code, severity: 'warning', message, span };
    if (hint) d.hint = hint;
    this.list.push(d);
  }
  get errorCount(): number {
    return this.list.filter((d) => d.severity === 'error').length;
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

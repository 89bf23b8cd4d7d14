// The diagnostic types of the whole toolchain: what grammar/ and compiler/ report against a
// source span, and the entries of the error-code catalogue that `ssl3d explain` prints.

import type { Code } from './codes/index.js';
import { plainSpan, type Span } from './span.js';

export type Severity = 'error' | 'warning';

export interface DiagnosticNote {
  message: string;
  span?: Span;
}

export interface Diagnostic {
  /** Stable catalogue code (core/codes/), e.g. 'SSL004'; `ssl3d explain CODE` prints its long form. */
  code: Code;
  severity: Severity;
  message: string;
  span: Span;
  /** A short suggestion, e.g. "did you mean 'rotation'?". */
  hint?: string;
  /** Extra located remarks, e.g. "the block was opened here". */
  notes?: DiagnosticNote[];
  /**
   * Set on the last diagnostic shown when a file had more than the cap (50): how many further
   * errors and warnings were left out, so summaries count every problem, not only those shown.
   */
  omitted?: { errors: number; warnings: number };
}

export type { CodeInfo } from './codes/info.js';

/** The diagnostic with plain spans (see OffsetSpan in core/span.ts): what leaves the front end. */
export function withPlainSpans(d: Diagnostic): Diagnostic {
  const span = plainSpan(d.span);
  const notes = d.notes?.some((n) => n.span !== undefined && plainSpan(n.span) !== n.span) ? d.notes.map((n) => (n.span ? { ...n, span: plainSpan(n.span) } : n)) : d.notes;
  if (span === d.span && notes === d.notes) return d;
  return notes === undefined ? { ...d, span } : { ...d, span, notes };
}

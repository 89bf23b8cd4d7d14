// The diagnostic types of the whole toolchain: what grammar/ and compiler/ report against a
// source span, and the entries of the error-code catalogue that `ssl3d explain` prints.

import type { Code } from './codes/index.js';
import type { Span } from './span.js';

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

// The diagnostic types of the whole toolchain: what grammar/ and compiler/ report against a
// source span, and the entries of the error-code catalogue that `ssl3d explain` prints.

import type { Span } from './span.js';

export type Severity = 'error' | 'warning';

export interface DiagnosticNote {
  message: string;
  span?: Span;
}

export interface Diagnostic {
  /** Stable code, e.g. 'SSL004'; `ssl3d explain CODE` prints its long form. */
  code: string;
  severity: Severity;
  message: string;
  span: Span;
  /** A short suggestion, e.g. "did you mean 'rotation'?". */
  hint?: string;
  /** Extra located remarks, e.g. "the block was opened here". */
  notes?: DiagnosticNote[];
}

/**
 * One entry of a diagnostics/error-code catalogue. Each part keeps its own list in its folder
 * (`grammar/codes.ts`, `compiler/codes.ts`, `runtime/<part>/codes.ts`, `report/codes.ts`), in
 * its own range: SSL001–019 syntax, SSL020–099 compiler, SSL100–129 data, SSL130–149 models and
 * training, SSL150–159 tasks, SSL160–179 fine-tuning/evaluation/reports, SSL180–199 executor,
 * SSL200–209 backends. `ssl3d explain CODE` prints the long form from the merged catalogue.
 */
export interface CodeInfo {
  code: string;
  title: string;
  /** Long form: what it means, a small example, how to fix it. */
  explanation: string;
}

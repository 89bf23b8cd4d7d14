// Seeded random diagnostics for the tests of diagnostics kept as rows (#17.11).
import type { Code } from '../../core/codes/index.js';
import type { Diagnostic } from '../../core/diagnostics.js';

export interface RandomShape {
  codes: readonly Code[];
  /** Where the i-th diagnostic sits, from a fresh random number `r`. */
  place(i: number, r: number): { file: string; offset: number; line: number };
  /** How many different messages (per code). */
  messages: number;
  /** Whether warnings are mixed in. */
  warnings: boolean;
}

export function randomDiagnostics(seed: number, n: number, shape: RandomShape): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const { file, offset, line } = shape.place(i, seed);
    out.push({
      code: shape.codes[(seed >> 9) % shape.codes.length]!,
      severity: shape.warnings && seed % 3 === 0 ? 'warning' : 'error',
      message: `problem ${(seed >> 13) % shape.messages}`,
      span: { file, startOffset: offset, endOffset: offset + 1, startLine: line, startColumn: 1, endLine: line, endColumn: 2 },
    });
  }
  return out;
}

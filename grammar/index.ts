// Public API of the `.ssl` front end. Everything the compiler and the CLI need comes from here.
//
//   parse(text, file, {lazy}) → { document, diagnostics }   never throws, best-effort AST
//   parseValue(text, file?)  → { value, diagnostics }      one value, for `--set key=value`
//   format(document)         → canonical text (idempotent)
//   renderDiagnostic(s), renderDiagnosticsJson, didYouMean, … (diagnostics.ts)

export type * from './ast.js';
export { parse, parseValue } from './parse.js';
export type { ParseOptions, ParseResult } from './parse.js';
export { forgetRecentEntries } from './lazy-declaration.js';
export { packedNumbers } from './packed-list.js';
export { format, quoteString, MAX_WIDTH } from './format.js';
export {
  didYouMean,
  editDistance,
  hasErrors,
  joinSpans,
  LineIndex,
  renderDiagnostic,
  renderDiagnostics,
  renderDiagnosticsJson,
  sortDiagnostics,
  spanAt,
} from './diagnostics.js';
export type { Diagnostic, DiagnosticNote, RenderOptions, Severity } from './diagnostics.js';
export { KNOWN_KINDS } from './ast-builder.js';
export { UNIT_WORDS } from './lexer.js';
export { codes as syntaxCodes } from '../core/codes/syntax.js';

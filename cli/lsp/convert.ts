// Conversions between the compiler's spans and diagnostics and the LSP's ranges, URIs and
// diagnostics, and the quick-fix suggestion of a hint.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic, type Range } from 'vscode-languageserver/node.js';
import type { Span } from '../../grammar/ast.js';
import { visible, type Diagnostic } from '../../grammar/diagnostics.js';

export function toPath(uri: string): string | null {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : null;
  } catch {
    return null;
  }
}

export const toUri = (path: string): string => pathToFileURL(path).href;

export function rangeOf(span: Span): Range {
  return {
    start: { line: span.startLine - 1, character: span.startColumn - 1 },
    end: { line: span.endLine - 1, character: span.endColumn - 1 },
  };
}

/** The compiler's diagnostic in LSP form: the hint and span-less notes join the message, located
 *  notes become related information, and the code's title comes from the catalogue. */
export function toLsp(d: Diagnostic): LspDiagnostic {
  const extra: string[] = [];
  if (d.hint) extra.push(`hint: ${d.hint}`);
  for (const n of d.notes ?? []) if (!n.span) extra.push(`note: ${n.message}`);
  const related = (d.notes ?? []).flatMap((n) => (n.span ? [{ location: { uri: toUri(n.span.file), range: rangeOf(n.span) }, message: visible(n.message) }] : []));
  const out: LspDiagnostic = {
    range: rangeOf(d.span),
    severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: 'ssl3d',
    // shown as the CLI shows them: an editor's problem list is no place for a raw U+202E or ESC
    message: visible([d.message, ...extra].join('\n')),
    data: { hint: d.hint ?? null },
  };
  if (related.length > 0) out.relatedInformation = related;
  return out;
}

/** `did you mean 'x'?` / `did you mean "x.ssl"?` → x */
export function suggestionOf(hint: string | null | undefined): string | null {
  if (!hint) return null;
  const m = /did you mean '([^']+)'\?/.exec(hint) ?? /did you mean "([^"]+)"\?/.exec(hint);
  return m ? m[1]! : null;
}

/** The span of [start, end) in `text`. */
export function spanFromOffsets(text: string, file: string, start: number, end: number): Span {
  const pos = (off: number): { line: number; column: number } => {
    let line = 1;
    let last = -1;
    for (let i = text.indexOf('\n'); i >= 0 && i < off; i = text.indexOf('\n', i + 1)) {
      line++;
      last = i;
    }
    return { line, column: off - last };
  };
  const a = pos(start);
  const b = pos(end);
  return { file, startOffset: start, endOffset: end, startLine: a.line, startColumn: a.column, endLine: b.line, endColumn: b.column };
}

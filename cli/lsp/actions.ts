// Quick fixes from the compiler's "did you mean" hints, and formatting (as `ssl3d fmt`).
import { CodeActionKind, type CodeAction, type Connection, type Range } from 'vscode-languageserver/node.js';
import { format, hasErrors, parse } from '../../grammar/index.js';
import { suggestionOf, toPath } from './convert.js';
import type { Workspace } from './workspace.js';

export function registerActions(connection: Connection, ws: Workspace): void {
  connection.onCodeAction((params) => {
    const td = ws.documents.get(params.textDocument.uri);
    if (!td) return [];
    const actions: CodeAction[] = [];
    for (const d of params.context.diagnostics) {
      const data = d.data as { hint?: string | null } | undefined;
      const hint = data?.hint ?? /hint: (.*)/.exec(d.message)?.[1] ?? null;
      const suggestion = suggestionOf(hint);
      if (!suggestion) continue;
      const start = td.offsetAt(d.range.start);
      const end = td.offsetAt(d.range.end);
      const text = td.getText().slice(start, end);
      let range: Range = d.range;
      if (/^[A-Za-z_][\w.-]*$/.test(text)) {
        range = d.range;
      } else {
        // the span covers more than the word (an import statement): replace inside the quotes
        const q = text.indexOf('"');
        const q2 = q >= 0 ? text.indexOf('"', q + 1) : -1;
        if (q < 0 || q2 < 0) continue;
        range = { start: td.positionAt(start + q + 1), end: td.positionAt(start + q2) };
      }
      actions.push({
        title: `Change to '${suggestion}'`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: true,
        edit: { changes: { [td.uri]: [{ range, newText: suggestion }] } },
      });
    }
    return actions;
  });

  connection.onDocumentFormatting((params) => {
    const td = ws.documents.get(params.textDocument.uri);
    const path = toPath(params.textDocument.uri);
    if (!td || !path) return [];
    const text = td.getText();
    const { document, diagnostics } = parse(text, path);
    if (hasErrors(diagnostics)) return []; // like `ssl3d fmt`: a file with syntax errors is left alone
    const out = format(document);
    if (out === text) return [];
    return [{ range: { start: { line: 0, character: 0 }, end: td.positionAt(text.length) }, newText: out }];
  });
}

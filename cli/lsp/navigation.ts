// Navigation: go to definition, references, rename, and the outline (document symbols).
import { ResponseError, SymbolKind, type Connection, type DocumentSymbol, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver/node.js';
import type { Declaration, Entry } from '../../grammar/ast.js';
import { visible } from '../../grammar/diagnostics.js';
import { hitAt, importTarget, visibleDeclarations } from './ast.js';
import { rangeOf, toUri } from './convert.js';
import { declAt, declLocation, occurrences, requestDoc, type Workspace } from './workspace.js';

const SYMBOL_KIND: Record<string, SymbolKind> = {
  experiment: SymbolKind.Module,
  dataset: SymbolKind.Variable,
  encoder: SymbolKind.Class,
  pretext: SymbolKind.Function,
  finetune: SymbolKind.Function,
  evaluate: SymbolKind.Object,
  sweep: SymbolKind.Array,
  report: SymbolKind.File,
};

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*$/;

export function registerNavigation(connection: Connection, ws: Workspace): void {
  connection.onDefinition((params) => {
    const a = requestDoc(ws, params.textDocument.uri);
    if (!a || !a.doc) return null;
    const off = a.td.offsetAt(params.position);
    const hit = hitAt(a.doc, off);
    if (hit?.kind === 'import') {
      const target = importTarget(a.path, hit.imp);
      return { uri: toUri(target), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
    }
    const ref = declAt(ws, a.path, a.doc, off);
    return ref ? declLocation(ref) : null;
  });

  connection.onReferences((params) => {
    const a = requestDoc(ws, params.textDocument.uri);
    if (!a || !a.doc) return [];
    const ref = declAt(ws, a.path, a.doc, a.td.offsetAt(params.position));
    if (!ref) return [];
    return occurrences(ws, ref)
      .filter((o) => params.context.includeDeclaration || !o.isDecl)
      .map((o) => ({ uri: toUri(o.file), range: rangeOf(o.span) }));
  });

  connection.onPrepareRename((params) => {
    const a = requestDoc(ws, params.textDocument.uri);
    if (!a || !a.doc) return null;
    const off = a.td.offsetAt(params.position);
    const ref = declAt(ws, a.path, a.doc, off);
    if (!ref) return null;
    const here = occurrences(ws, ref).find((o) => o.file === a.path && off >= o.start && off <= o.end);
    return here ? { range: rangeOf(here.span), placeholder: ref.decl.name } : null;
  });

  connection.onRenameRequest((params) => {
    const a = requestDoc(ws, params.textDocument.uri);
    if (!a || !a.doc) return null;
    // a refusal says why (a bare null reads as "nothing to rename" in the editor)
    if (!NAME_RE.test(params.newName)) throw new ResponseError(-32602, `${JSON.stringify(visible(params.newName.slice(0, 80)))} is not a name: letters, digits, _ and inner -, not starting with a digit`);
    const ref = declAt(ws, a.path, a.doc, a.td.offsetAt(params.position));
    if (!ref) return null;
    // a name already taken where the declaration lives would leave two declarations of one name
    const home = ws.docOf(ref.file);
    const taken = home ? visibleDeclarations(ref.file, home, ws.docOf).find((v) => v.name === params.newName && v.decl !== ref.decl) : undefined;
    if (taken) throw new ResponseError(-32602, `'${params.newName}' is already the name of ${taken.decl.kind} ${params.newName}${taken.file !== ref.file ? ` (imported from ${taken.file})` : ''}`);
    const changes: Record<string, TextEdit[]> = {};
    for (const o of occurrences(ws, ref)) (changes[toUri(o.file)] ??= []).push({ range: rangeOf(o.span), newText: params.newName });
    const edit: WorkspaceEdit = { changes };
    return edit;
  });

  connection.onDocumentSymbol((params) => {
    const a = requestDoc(ws, params.textDocument.uri);
    if (!a || !a.doc) return [];
    const blockChildren = (entries: Entry[]): DocumentSymbol[] =>
      entries.flatMap((e) =>
        e.value.kind === 'block' && e.value.span.file === a.path
          ? [{ name: e.value.type && !e.equals ? `${e.key} ${e.value.type}` : e.key, kind: SymbolKind.Struct, range: rangeOf(e.span), selectionRange: rangeOf(e.keySpan), children: blockChildren(e.value.entries) }]
          : [],
      );
    return a.doc.declarations
      .filter((d: Declaration) => d.name)
      .map(
        (d): DocumentSymbol => ({
          name: d.name,
          detail: d.type ? `${d.kind} = ${d.type}` : d.kind,
          kind: SYMBOL_KIND[d.kind] ?? SymbolKind.Object,
          range: rangeOf(d.span),
          selectionRange: rangeOf(d.nameSpan),
          children: blockChildren(d.entries),
        }),
      );
  });
}

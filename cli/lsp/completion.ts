// Completion: declaration kinds and types, the keys a block takes, their values (words, units,
// references to visible declarations, metrics valid for the experiment).
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem, type Connection, type Range } from 'vscode-languageserver/node.js';
import { metricNames } from '../../core/metrics.js';
import { visibleDeclarations } from './ast.js';
import { cursorContext } from './context.js';
import { findKeyDoc } from './keydocs.js';
import { KIND_DOC, keyMarkdown } from './markdown.js';
import { describeKey, keySchema, keysAt, kindTypes, KINDS, valueChoices } from './schema.js';
import { requestDoc, type Workspace } from './workspace.js';

export function registerCompletion(connection: Connection, ws: Workspace): void {
  connection.onCompletion((params) => {
    const a = requestDoc(ws, params.textDocument.uri);
    if (!a) return [];
    const off = a.td.offsetAt(params.position);
    const ctx = cursorContext(a.text, off);
    const replace: Range = { start: a.td.positionAt(ctx.prefixStart), end: params.position };
    const items: CompletionItem[] = [];
    const push = (label: string, kind: CompletionItemKind, detail?: string, doc?: string, insert?: string, snippet = false): void => {
      const item: CompletionItem = { label, kind, textEdit: { range: replace, newText: insert ?? label } };
      if (detail) item.detail = detail;
      if (doc) item.documentation = { kind: MarkupKind.Markdown, value: doc };
      if (snippet) item.insertTextFormat = InsertTextFormat.Snippet;
      items.push(item);
    };
    const slot = ctx.slot;
    if (slot.kind === 'top') {
      for (const k of KINDS) {
        const types = kindTypes[k];
        const snippet = types ? `${k} \${1:name} = \${2|${types.join(',')}|} {\n\t$0\n}` : `${k} \${1:name} {\n\t$0\n}`;
        push(k, CompletionItemKind.Keyword, types ? `${k} NAME = ${types.join(' | ')} { … }` : `${k} NAME { … }`, KIND_DOC[k], snippet, true);
      }
      push('import', CompletionItemKind.Keyword, 'import "FILE.ssl" [as ALIAS]', 'Bring the declarations of another file into scope.', 'import "$1"', true);
    } else if (slot.kind === 'type') {
      for (const t of kindTypes[slot.declKind] ?? []) push(t, CompletionItemKind.Class, `${slot.declKind} type`);
    } else if (slot.kind === 'key') {
      for (const k of keysAt(ctx.frames)) {
        if (ctx.present.includes(k.key)) continue;
        const doc = findKeyDoc(ctx.frames, k.key);
        const insert = k.writtenAsBlock ? `${k.key} {\n\t$0\n}` : `${k.key} = $0`;
        push(k.key, CompletionItemKind.Property, k.expect || undefined, keyMarkdown(k.key, ctx.frames, k.expect, k.units, doc), insert, true);
      }
    } else if (slot.kind === 'value') {
      const schema = keySchema(ctx.frames, slot.key);
      const choices = valueChoices(schema);
      if (slot.afterNumber) {
        for (const u of choices.units) if (u !== '%') push(u, CompletionItemKind.Unit, `unit of ${slot.key}`);
        return items;
      }
      for (const w of choices.words) push(w, CompletionItemKind.EnumMember, describeKey(slot.key, schema ?? {}).expect);
      if (choices.bool) for (const w of ['true', 'false']) push(w, CompletionItemKind.Value);
      for (const t of choices.blockTypes) push(`${t} { … }`, CompletionItemKind.Struct, undefined, undefined, `${t} { $0 }`, true);
      if (choices.ref && a.doc) {
        for (const v of visibleDeclarations(a.path, a.doc, ws.docOf)) {
          if (v.decl.kind !== choices.ref) continue;
          push(v.name, CompletionItemKind.Reference, `${v.decl.kind} ${v.decl.name}${v.decl.type ? ' = ' + v.decl.type : ''}`, v.file === a.path ? undefined : `from ${v.file}`);
        }
        if (choices.ref === 'pretext' && slot.key === 'methods') push('scratch', CompletionItemKind.EnumMember, 'training from random initialisation');
      }
      if (choices.metric) {
        const known = ws.facts.get(a.path)?.metrics ?? [];
        const metrics = known.length > 0 ? known : metricNames();
        for (const m of metrics) push(m, CompletionItemKind.EnumMember, known.length > 0 ? 'valid for this experiment’s target' : 'metric');
      }
    }
    return items;
  });
}

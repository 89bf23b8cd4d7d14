// Hover: what a key expects, a declaration's source and plan facts, and the catalogue's
// explanation of a diagnostic under the cursor.
import { MarkupKind, type Connection } from 'vscode-languageserver/node.js';
import { findCode } from '../../core/codes/index.js';
import { visible } from '../../grammar/diagnostics.js';
import { hitAt, importTarget, resolveIdent, type DeclRef } from './ast.js';
import { findKeyDoc } from './keydocs.js';
import { KIND_DOC, keyMarkdown } from './markdown.js';
import { describeKey, keySchema, kindTypes } from './schema.js';
import { requestDoc, type Workspace } from './workspace.js';

export function registerHover(connection: Connection, ws: Workspace): void {
  connection.onHover((params) => {
    const a = requestDoc(ws, params.textDocument.uri);
    if (!a || !a.doc) return null;
    const off = a.td.offsetAt(params.position);
    const parts: string[] = [];
    const hit = hitAt(a.doc, off);
    const rootFacts = ws.facts.get(a.path);
    const declInfo = (ref: DeclRef): void => {
      const d = ref.decl;
      const text = ws.readText(ref.file) ?? '';
      const src = text.slice(d.span.startOffset, d.span.endOffset).split('\n');
      const shown = src.length > 14 ? [...src.slice(0, 12), '  …', src[src.length - 1]!] : src;
      parts.push(`**${d.kind} ${d.name}**${d.type ? ` = ${d.type}` : ''}${ref.file !== a.path ? ` — from \`${ref.file}\`` : ''}`);
      // a fence longer than any run of backticks in the source (a block comment holding ``` would
      // close a plain one and turn the rest into markdown: links, remote images)
      const fence = '`'.repeat(Math.max(3, ...(shown.join('\n').match(/`+/g) ?? []).map((r) => r.length + 1)));
      parts.push(`${fence}ssl\n${shown.join('\n')}\n${fence}`);
      const qualified = d.name;
      for (const line of rootFacts?.nodes[qualified] ?? []) parts.push(line);
    };
    if (hit?.kind === 'key') {
      const schema = keySchema(hit.frames, hit.entry.key);
      const info = schema ? describeKey(hit.entry.key, schema) : null;
      parts.push(keyMarkdown(hit.entry.key, hit.frames, info?.expect ?? '', info?.units ?? [], findKeyDoc(hit.frames, hit.entry.key)));
    } else if (hit?.kind === 'ident') {
      const r = resolveIdent(a.path, a.doc, hit.value, ws.docOf);
      if (r) declInfo(r.target);
      else if (hit.value.name === 'scratch') {
        parts.push('**scratch**: the baseline trained from random initialisation');
        for (const line of rootFacts?.nodes['scratch'] ?? []) parts.push(line);
      } else {
        const schema = keySchema(hit.frames, hit.key);
        const info = schema ? describeKey(hit.key, schema) : null;
        parts.push(`\`${hit.value.name}\` — value of ${keyMarkdown(hit.key, hit.frames, info?.expect ?? '', info?.units ?? [], findKeyDoc(hit.frames, hit.key))}`);
      }
    } else if (hit?.kind === 'value' || hit?.kind === 'blockType') {
      const schema = keySchema(hit.frames, hit.key);
      const info = schema ? describeKey(hit.key, schema) : null;
      parts.push(keyMarkdown(hit.key, hit.frames, info?.expect ?? '', info?.units ?? [], findKeyDoc(hit.frames, hit.key)));
    } else if (hit?.kind === 'declName') {
      declInfo({ file: a.path, decl: hit.decl });
    } else if (hit?.kind === 'declKind') {
      parts.push(`**${hit.decl.kind}** — ${KIND_DOC[hit.decl.kind] ?? 'a declaration'}`);
      if (hit.decl.kind === 'sweep' || hit.decl.kind === 'experiment') for (const line of rootFacts?.nodes['#graph'] ?? []) parts.push(line);
    } else if (hit?.kind === 'declType') {
      parts.push(`**${hit.decl.kind} type ${hit.decl.type}** — one of ${(kindTypes[hit.decl.kind] ?? []).join(', ')}`);
    } else if (hit?.kind === 'import') {
      parts.push(`imports \`${importTarget(a.path, hit.imp)}\`${hit.imp.alias ? ` as \`${hit.imp.alias}\`` : ''}`);
    }
    // the catalogue's explanation of a diagnostic under the cursor
    for (const d of ws.published.get(a.td.uri) ?? []) {
      const s = a.td.offsetAt(d.range.start);
      const e = a.td.offsetAt(d.range.end);
      if (off < s || off > e || typeof d.code !== 'string') continue;
      const info = findCode(d.code);
      if (info) parts.push(`**${info.code}** ${info.title}\n\n${info.explanation.split('\n\n')[0]}`);
    }
    if (parts.length === 0) return null;
    // control, bidi and invisible characters of the source shown as the CLI shows them (a U+202E in a
    // description would reorder the hover's text)
    return { contents: { kind: MarkupKind.Markdown, value: visible(parts.join('\n\n')) } };
  });
}

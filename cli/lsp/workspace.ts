// What the request handlers of the language server see of its state (server.ts owns it): the
// open documents, parses of any file, the plan facts and published diagnostics of the worker,
// and the navigation helpers built on them (the declaration under the cursor, every place that
// names a declaration).
import type { Location, TextDocuments, Diagnostic as LspDiagnostic } from 'vscode-languageserver/node.js';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Document, Span } from '../../grammar/ast.js';
import type { Facts } from './analyze.js';
import { hitAt, identValues, resolveIdent, segmentSpan, type DeclRef } from './ast.js';
import { rangeOf, spanFromOffsets, toPath, toUri } from './convert.js';

export interface Workspace {
  documents: TextDocuments<TextDocument>;
  /** Plan facts of the last compile, per file. */
  facts: Map<string, Facts>;
  /** The diagnostics published per document URI. */
  published: Map<string, LspDiagnostic[]>;
  /** The text of a path: its open buffer, else the file on disk; null when unreadable. */
  readText(path: string): string | null;
  /** The parsed document of a path (open buffer or disk); null when unreadable. */
  docOf(path: string): Document | null;
  /** Files of the workspace that import `path`. */
  importersOf(path: string): string[];
}

export interface Occurrence {
  file: string;
  start: number;
  end: number;
  span: Span;
  isDecl: boolean;
}

/** The open document of a request with its path, text and parse. */
export function requestDoc(ws: Workspace, uri: string): { path: string; text: string; td: TextDocument; doc: Document | null } | null {
  const td = ws.documents.get(uri);
  const path = toPath(uri);
  if (!td || !path) return null;
  return { path, text: td.getText(), td, doc: ws.docOf(path) };
}

export function declLocation(ref: DeclRef): Location {
  return { uri: toUri(ref.file), range: rangeOf(ref.decl.nameSpan) };
}

/** The declaration under the cursor: its name, or a reference to it. */
export function declAt(ws: Workspace, path: string, doc: Document, off: number): DeclRef | null {
  const hit = hitAt(doc, off);
  if (!hit) return null;
  if (hit.kind === 'declName') return { file: path, decl: hit.decl };
  if (hit.kind === 'ident') return resolveIdent(path, doc, hit.value, ws.docOf)?.target ?? null;
  return null;
}

/** Every place that names `target`: its declaration and the references in files that see it. */
export function occurrences(ws: Workspace, target: DeclRef): Occurrence[] {
  const out: Occurrence[] = [];
  out.push({ file: target.file, start: target.decl.nameSpan.startOffset, end: target.decl.nameSpan.endOffset, span: target.decl.nameSpan, isDecl: true });
  const files = [target.file, ...ws.importersOf(target.file)];
  for (const file of files) {
    const doc = ws.docOf(file);
    if (!doc) continue;
    for (const ident of identValues(doc)) {
      const r = resolveIdent(file, doc, ident, ws.docOf);
      if (!r || r.target.file !== target.file || r.target.decl.name !== target.decl.name) continue;
      const seg = segmentSpan(ident, r.segment);
      const text = ws.readText(file) ?? '';
      const span = spanFromOffsets(text, file, seg.start, seg.end);
      out.push({ file, start: seg.start, end: seg.end, span, isDecl: false });
    }
  }
  return out;
}

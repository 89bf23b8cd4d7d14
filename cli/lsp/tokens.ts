// Semantic tokens of a `.ssl` document: declarations, keys, values and references from the
// parse, comments from the lexer, encoded relative to each other as LSP wants.
import { SemanticTokensBuilder } from 'vscode-languageserver/node.js';
import type { Document, Span, Value } from '../../grammar/ast.js';
import { lex } from '../../grammar/lexer.js';
import { resolveIdent } from './ast.js';

export const TOKEN_TYPES = ['keyword', 'class', 'type', 'property', 'variable', 'enumMember', 'number', 'string', 'comment', 'namespace'] as const;
export const TOKEN_MODIFIERS = ['declaration'] as const;
const T = Object.fromEntries(TOKEN_TYPES.map((t, i) => [t, i])) as Record<(typeof TOKEN_TYPES)[number], number>;

/** Semantic tokens from the parsed document (declarations, keys, values, references) and the
 *  lexer's comments, encoded relative to each other as LSP wants. */
export function semanticTokens(path: string, text: string, doc: Document, docOf: (p: string) => Document | null): number[] {
  const toks: Array<{ line: number; col: number; len: number; type: number; mod: number }> = [];
  const add = (span: { startLine: number; startColumn: number; endLine: number; endColumn: number } | null, type: number, mod = 0): void => {
    if (!span || span.startLine !== span.endLine || span.endColumn <= span.startColumn) return;
    toks.push({ line: span.startLine - 1, col: span.startColumn - 1, len: span.endColumn - span.startColumn, type, mod });
  };
  const sub = (s: Span, from: number, to: number): Span => ({ ...s, startOffset: s.startOffset + from, endOffset: s.startOffset + to, startColumn: s.startColumn + from, endColumn: s.startColumn + to, endLine: s.startLine });
  const value = (v: Value): void => {
    switch (v.kind) {
      case 'number':
        if (v.span.startLine === v.span.endLine && v.unit && v.unit !== '%' && v.span.endOffset - v.span.startOffset > v.raw.length) {
          add(sub(v.span, 0, v.raw.length), T.number);
          const len = v.span.endOffset - v.span.startOffset;
          add(sub(v.span, len - v.unit.length, len), T.keyword);
        } else add(v.span, T.number);
        break;
      case 'size':
      case 'range':
        add(v.span, T.number);
        break;
      case 'string':
        add(v.span, T.string);
        break;
      case 'bool':
        add(v.span, T.keyword);
        break;
      case 'ident':
        add(v.span, resolveIdent(path, doc, v, docOf) ? T.variable : T.enumMember);
        break;
      case 'list':
        v.items.forEach(value);
        break;
      case 'block':
        if (v.typeSpan) add(v.typeSpan, T.type);
        for (const e of v.entries) {
          add(e.keySpan, T.property);
          value(e.value);
        }
        break;
    }
  };
  for (const imp of doc.imports) {
    const s = text.slice(imp.span.startOffset, imp.span.endOffset);
    const m = /^(import)(\s+)("[^"]*")?(?:(\s+)(as)(\s+)([\w-]+))?/.exec(s);
    if (!m) continue;
    add(sub(imp.span, 0, 6), T.keyword);
    if (m[3]) add(sub(imp.span, 6 + m[2]!.length, 6 + m[2]!.length + m[3].length), T.string);
    if (m[5] && m[7]) {
      const asAt = 6 + m[2]!.length + (m[3]?.length ?? 0) + m[4]!.length;
      add(sub(imp.span, asAt, asAt + 2), T.keyword);
      add(sub(imp.span, asAt + 2 + m[6]!.length, asAt + 2 + m[6]!.length + m[7].length), T.namespace);
    }
  }
  for (const d of doc.declarations) {
    add(d.kindSpan, T.keyword);
    if (d.name) add(d.nameSpan, T.class, 1);
    if (d.typeSpan) add(d.typeSpan, T.type);
    for (const e of d.entries) {
      add(e.keySpan, T.property);
      value(e.value);
    }
  }
  for (const c of lex(text).comments) {
    let line = (c.startLine ?? 1) - 1;
    let col = (c.startColumn ?? 1) - 1;
    for (const piece of c.image.split('\n')) {
      const len = piece.replace(/\r$/, '').length;
      if (len > 0) toks.push({ line, col, len, type: T.comment, mod: 0 });
      line++;
      col = 0;
    }
  }
  toks.sort((a, b) => a.line - b.line || a.col - b.col);
  const builder = new SemanticTokensBuilder();
  let lastLine = -1;
  let lastEnd = -1;
  for (const t of toks) {
    if (t.line === lastLine && t.col < lastEnd) continue; // overlapping: keep the first
    builder.push(t.line, t.col, t.len, t.type, t.mod);
    lastLine = t.line;
    lastEnd = t.col + t.len;
  }
  return builder.build().data;
}

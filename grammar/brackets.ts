// The bracket check run before the parser: matches `{ }` and `[ ]` over the token stream and
// reports unclosed or unmatched ones precisely (SSL004/SSL005 at the opener, SSL019), using the
// indentation to tell which block was really left open; returns the token stream repaired
// (closers inserted, strays dropped) so the parser does not cascade past them. Also the nesting
// limit (MAX_NESTING).

import type { IToken } from 'chevrotain';
import { KNOWN_KINDS } from './ast-builder.js';
import type { Diagnostic, LineIndex } from './diagnostics.js';
import { chevrotain } from './chevrotain.js';
import { RBrace, RBracket } from './lexer.js';
import { TokenTable } from './tokens.js';
import { msg } from '../core/codes/index.js';

const { createTokenInstance } = chevrotain;

/** The state parse() shares with the checks it runs. */
export interface Ctx {
  text: string;
  file: string;
  lines: LineIndex;
  /** The file's significant tokens (compact; `at(i)` makes a token object). */
  tokens: TokenTable;
  diagnostics: Diagnostic[];
}

export function end(t: IToken): number {
  return t.startOffset + t.image.length;
}

/** Match `{ }` and `[ ]` over the token stream. Returns the offsets of closers it reported, so
 *  parser errors at the same place are not reported twice. */
export interface BracketResult {
  /** Offsets of closers already explained (parser errors there are not repeated). */
  reported: Set<number>;
  /** The token stream with the bracket problems repaired (closers inserted where missing,
   *  unmatched closers dropped), so the parser does not cascade past them. */
  tokens: TokenTable;
}

export function bracketCheck(ctx: Ctx): BracketResult {
  // Plain matching first. Only when the brackets do not balance, try again with the indentation
  // heuristic (which names the block that was really left open) and keep that answer unless it
  // finds more problems. A balanced file never gets a bracket diagnostic, however it is indented.
  const plain: Diagnostic[] = [];
  const plainResult = matchBrackets({ ...ctx, diagnostics: plain }, false);
  if (plain.length === 0) return plainResult;
  const guided: Diagnostic[] = [];
  const guidedResult = matchBrackets({ ...ctx, diagnostics: guided }, true);
  if (guided.length <= plain.length) {
    ctx.diagnostics.push(...guided);
    return guidedResult;
  }
  ctx.diagnostics.push(...plain);
  return plainResult;
}

function matchBrackets(ctx: Ctx, useIndentation: boolean): BracketResult {
  const stack: IToken[] = [];
  const reported = new Set<number>();
  const insertBefore = new Map<number, IToken[]>();
  const drop = new Set<number>();
  let index = 0;
  const synth = (open: IToken, at: IToken | null): IToken => {
    const type = open.tokenType.name === 'LBrace' ? RBrace : RBracket;
    const offset = at ? at.startOffset : ctx.text.length;
    const pos = ctx.lines.position(offset);
    const t = createTokenInstance(type, '', offset, offset, pos.line, pos.line, pos.column, pos.column);
    t.isInsertedInRecovery = true;
    return t;
  };
  const insert = (open: IToken, at: IToken | null): void => {
    const key = at ? index : -1;
    const list = insertBefore.get(key) ?? [];
    list.push(synth(open, at));
    insertBefore.set(key, list);
  };
  const pairs: Record<string, string> = { RBrace: 'LBrace', RBracket: 'LBracket' };
  const unclosed = (open: IToken, at: IToken | null): void => {
    insert(open, at);
    const isBrace = open.tokenType.name === 'LBrace';
    const closer = isBrace ? '}' : ']';
    const where = at ? `before '${at.image}' at line ${ctx.lines.lineOf(at.startOffset)}` : 'before the end of the file';
    ctx.diagnostics.push({
      ...(isBrace ? msg('SSL004', 'unclosed', { open: open.image, closer, where }) : msg('SSL005', 'unclosed', { open: open.image, closer, where })),
      severity: 'error',
      span: ctx.lines.span(ctx.file, open.startOffset, end(open)),
      hint: `add the missing '${closer}'`,
      notes: [
        at
          ? { message: `found '${at.image}' here`, span: ctx.lines.span(ctx.file, at.startOffset, end(at)) }
          : { message: 'the file ends here', span: ctx.lines.span(ctx.file, ctx.text.length, ctx.text.length) },
      ],
    });
  };
  const unclosedInner = (open: IToken, closer: IToken, outer: IToken): void => {
    insert(open, closer);
    const isBrace = open.tokenType.name === 'LBrace';
    const closerText = isBrace ? '}' : ']';
    const line = ctx.lines.lineOf(closer.startOffset);
    ctx.diagnostics.push({
      ...(isBrace ? msg('SSL004', 'closedByOuter', { open: open.image, closer: closerText, line }) : msg('SSL005', 'closedByOuter', { open: open.image, closer: closerText, line })),
      severity: 'error',
      span: ctx.lines.span(ctx.file, open.startOffset, end(open)),
      hint: `add the missing '${closerText}'`,
      notes: [
        {
          message: `the '${closer.image}' on line ${ctx.lines.lineOf(closer.startOffset)} lines up with the '${outer.image}' on line ${ctx.lines.lineOf(outer.startOffset)}, so it closes that one`,
          span: ctx.lines.span(ctx.file, closer.startOffset, end(closer)),
        },
      ],
    });
  };
  for (index = 0; index < ctx.tokens.length; index++) {
    const name = ctx.tokens.type(index).name;
    // A declaration or import starting in column 1 (`dataset x = …`, `import "…"`) inside an
    // open block: that block was left open. Close it here, so one missing '}' is one error and
    // the rest of the file parses as the declarations it is.
    if (useIndentation && stack.length && startsDeclaration(ctx, index)) {
      const t = ctx.tokens.at(index)!;
      while (stack.length) unclosed(stack.pop()!, t);
    }
    if (name === 'LBrace' || name === 'LBracket') {
      stack.push(ctx.tokens.at(index)!);
    } else if (name === 'RBrace' || name === 'RBracket') {
      const t = ctx.tokens.at(index)!;
      const want = pairs[name]!;
      const top = stack[stack.length - 1];
      if (top && top.tokenType.name === want) {
        // A closer alone on its line that lines up with an outer opener's line rather than with
        // its own opener's line most likely closes the outer block: the inner one was left open.
        const ci = useIndentation ? ownLineIndent(ctx, t) : null;
        if (ci !== null && ci < lineIndent(ctx, top)) {
          for (let i = stack.length - 2; i >= 0; i--) {
            const outer = stack[i]!;
            if (outer.tokenType.name === want && lineIndent(ctx, outer) === ci) {
              while (stack.length > i + 1) unclosedInner(stack.pop()!, t, outer);
              break;
            }
            if (lineIndent(ctx, outer) < ci) break;
          }
        }
        stack.pop();
        continue;
      }
      // the matching opener further down: everything above it is unclosed
      let idx = -1;
      for (let i = stack.length - 1; i >= 0; i--) if (stack[i]!.tokenType.name === want) { idx = i; break; }
      if (idx >= 0) {
        while (stack.length > idx + 1) unclosed(stack.pop()!, t);
        stack.pop();
        reported.add(t.startOffset);
      } else {
        reported.add(t.startOffset);
        drop.add(index);
        ctx.diagnostics.push({
          ...msg('SSL019', 'unmatched', { bracket: t.image }),
          severity: 'error',
          span: ctx.lines.span(ctx.file, t.startOffset, end(t)),
          hint: `remove it, or add the '${name === 'RBrace' ? '{' : '['}' it is meant to close`,
        });
      }
    }
  }
  while (stack.length) unclosed(stack.shift()!, null);
  if (insertBefore.size === 0 && drop.size === 0) return { reported, tokens: ctx.tokens };
  const tokens = new TokenTable(ctx.text, ctx.tokens.length + insertBefore.size + 1);
  for (let i = 0; i < ctx.tokens.length; i++) {
    for (const made of insertBefore.get(i) ?? []) tokens.pushMade(made);
    if (!drop.has(i)) tokens.pushFrom(ctx.tokens, i);
  }
  // closers missing at the end: innermost first
  for (const made of (insertBefore.get(-1) ?? []).reverse()) tokens.pushMade(made);
  return { reported, tokens };
}

/** Deeper nesting than any real experiment needs; refusing it keeps the recursive-descent
 *  parser and the formatter far from the JavaScript stack limit. */
export const MAX_NESTING = 100;

export function nestingTooDeep(ctx: Ctx): Diagnostic | null {
  let depth = 0;
  for (let i = 0; i < ctx.tokens.length; i++) {
    const n = ctx.tokens.type(i).name;
    if (n === 'LBrace' || n === 'LBracket') {
      if (++depth > MAX_NESTING) {
        return {
          ...msg('SSL001', 'tooDeep', { max: MAX_NESTING }),
          severity: 'error',
          span: ctx.lines.span(ctx.file, ctx.tokens.start(i), ctx.tokens.end(i)),
          hint: 'flatten the structure; the file was not parsed further',
        };
      }
    } else if (n === 'RBrace' || n === 'RBracket') depth = Math.max(0, depth - 1);
  }
  return null;
}

/** Whether the token at `i` starts a top-level declaration or import in column 1. */
function startsDeclaration(ctx: Ctx, i: number): boolean {
  const ts = ctx.tokens;
  if (ts.type(i).name !== 'Ident' || ownLineIndent(ctx, ts.at(i)!) !== 0) return false;
  const n1 = i + 1 < ts.length ? ts.type(i + 1).name : undefined;
  const n2 = i + 2 < ts.length ? ts.type(i + 2).name : undefined;
  const image = ts.image(i);
  if (image === 'import') return n1 === 'StringLit';
  return KNOWN_KINDS.includes(image) && n1 === 'Ident' && (n2 === 'Equals' || n2 === 'LBrace');
}

/** Indentation (in columns, tabs count 4) of the line a token is on. */
function lineIndent(ctx: Ctx, t: IToken): number {
  const line = ctx.lines.lineText(ctx.lines.lineOf(t.startOffset));
  const m = /^[ \t]*/.exec(line)![0];
  return m.replace(/\t/g, '    ').length;
}

/** Indentation of a token's line when the token is the first thing on it, else null. */
function ownLineIndent(ctx: Ctx, t: IToken): number | null {
  const pos = ctx.lines.position(t.startOffset);
  const line = ctx.lines.lineText(pos.line);
  const col = pos.column - 1;
  return line.slice(0, col).trim() === '' ? lineIndent(ctx, t) : null;
}


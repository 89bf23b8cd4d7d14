// Text → AST + syntax diagnostics. Runs the lexer, a bracket check (precise "unclosed `{`"
// messages that point at the opener), the recovering parser, and the AST builder, then merges
// and de-duplicates their diagnostics. Never throws: any internal failure becomes a located
// SSL001 and an empty (but valid) document.

import type { IToken } from 'chevrotain';
import type { Document, Span, Value } from './ast.js';
import { AstBuilder, describeToken, KNOWN_KINDS } from './ast-builder.js';
import type { Diagnostic } from './diagnostics.js';
import { LineIndex, sortDiagnostics } from './diagnostics.js';
import { chevrotain } from './chevrotain.js';
import { lexOffsets, RBrace, RBracket } from './lexer.js';

const { createTokenInstance } = chevrotain;
import type { ParseErrorInfo } from './parser.js';
import { sslParser, type SslParser } from './parser.js';

export interface ParseResult {
  document: Document;
  diagnostics: Diagnostic[];
}

/** At most this many syntax diagnostics per file; the rest are cascades of the first ones. */
const MAX_DIAGNOSTICS = 50;

interface Ctx {
  text: string;
  file: string;
  lines: LineIndex;
  tokens: IToken[];
  diagnostics: Diagnostic[];
}

function end(t: IToken): number {
  return t.startOffset + t.image.length;
}

function lexDiagnostics(ctx: Ctx, comments: IToken[], errors: Array<{ offset: number; length: number }>): void {
  for (const e of errors) {
    const ch = ctx.text.slice(e.offset, e.offset + e.length);
    const first = ch.codePointAt(0) ?? 0;
    const shown = first < 32 || first === 127 ? `U+${first.toString(16).toUpperCase().padStart(4, '0')}` : ch.length > 20 ? ch.slice(0, 20) + '…' : ch;
    let hint: string | undefined;
    if (ch.startsWith('-')) hint = "a negative number is written without a space ('-1'); names may contain '-' only between letters or digits";
    else if (ch.startsWith('+')) hint = "write positive numbers without '+'";
    else if (ch.startsWith("'")) hint = 'strings use double quotes: "…"';
    else if (ch.startsWith(':')) hint = "use '=' between a key and its value";
    else if (/[“”‘’]/.test(ch)) hint = 'typographic quotes: use plain double quotes "…"';
    else if (ch.startsWith('(') || ch.startsWith(')')) hint = 'blocks use { … } and lists use [ … ]';
    ctx.diagnostics.push({
      code: 'SSL009',
      severity: 'error',
      message: `unexpected character${e.length > 1 ? 's' : ''} '${shown}'`,
      span: ctx.lines.span(ctx.file, e.offset, e.offset + e.length),
      ...(hint ? { hint } : {}),
    });
  }
  for (const c of comments) {
    if (c.tokenType.name === 'UnterminatedComment') {
      ctx.diagnostics.push({
        code: 'SSL003',
        severity: 'error',
        message: "unterminated block comment: '/*' has no matching '*/'",
        span: ctx.lines.span(ctx.file, c.startOffset, c.startOffset + 2),
        hint: "close it with '*/' (block comments do not nest); everything after '/*' was ignored",
      });
    }
  }
}

/** Match `{ }` and `[ ]` over the token stream. Returns the offsets of closers it reported, so
 *  parser errors at the same place are not reported twice. */
interface BracketResult {
  /** Offsets of closers already explained (parser errors there are not repeated). */
  reported: Set<number>;
  /** The token stream with the bracket problems repaired (closers inserted where missing,
   *  unmatched closers dropped), so the parser does not cascade past them. */
  tokens: IToken[];
}

function bracketCheck(ctx: Ctx): BracketResult {
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
      code: isBrace ? 'SSL004' : 'SSL005',
      severity: 'error',
      message: `unclosed '${open.image}': expected '${closer}' ${where}`,
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
    ctx.diagnostics.push({
      code: isBrace ? 'SSL004' : 'SSL005',
      severity: 'error',
      message: `unclosed '${open.image}': expected '${closerText}' before line ${ctx.lines.lineOf(closer.startOffset)}`,
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
    const t = ctx.tokens[index]!;
    const name = t.tokenType.name;
    // A declaration or import starting in column 1 (`dataset x = …`, `import "…"`) inside an
    // open block: that block was left open. Close it here, so one missing '}' is one error and
    // the rest of the file parses as the declarations it is.
    if (useIndentation && stack.length && startsDeclaration(ctx, index)) {
      while (stack.length) unclosed(stack.pop()!, t);
    }
    if (name === 'LBrace' || name === 'LBracket') {
      stack.push(t);
    } else if (name === 'RBrace' || name === 'RBracket') {
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
          code: 'SSL019',
          severity: 'error',
          message: `unmatched '${t.image}'`,
          span: ctx.lines.span(ctx.file, t.startOffset, end(t)),
          hint: `remove it, or add the '${name === 'RBrace' ? '{' : '['}' it is meant to close`,
        });
      }
    }
  }
  while (stack.length) unclosed(stack.shift()!, null);
  if (insertBefore.size === 0 && drop.size === 0) return { reported, tokens: ctx.tokens };
  const tokens: IToken[] = [];
  ctx.tokens.forEach((t, i) => {
    tokens.push(...(insertBefore.get(i) ?? []));
    if (!drop.has(i)) tokens.push(t);
  });
  // closers missing at the end: innermost first
  tokens.push(...(insertBefore.get(-1) ?? []).reverse());
  return { reported, tokens };
}

/** Deeper nesting than any real experiment needs; refusing it keeps the recursive-descent
 *  parser and the formatter far from the JavaScript stack limit. */
export const MAX_NESTING = 100;

function nestingTooDeep(ctx: Ctx): Diagnostic | null {
  let depth = 0;
  for (const t of ctx.tokens) {
    const n = t.tokenType.name;
    if (n === 'LBrace' || n === 'LBracket') {
      if (++depth > MAX_NESTING) {
        return {
          code: 'SSL001',
          severity: 'error',
          message: `blocks and lists are nested more than ${MAX_NESTING} levels deep here`,
          span: ctx.lines.span(ctx.file, t.startOffset, end(t)),
          hint: 'flatten the structure; the file was not parsed further',
        };
      }
    } else if (n === 'RBrace' || n === 'RBracket') depth = Math.max(0, depth - 1);
  }
  return null;
}

/** Whether the token at `i` starts a top-level declaration or import in column 1. */
function startsDeclaration(ctx: Ctx, i: number): boolean {
  const t = ctx.tokens[i]!;
  if (t.tokenType.name !== 'Ident' || ownLineIndent(ctx, t) !== 0) return false;
  const n1 = ctx.tokens[i + 1];
  const n2 = ctx.tokens[i + 2];
  if (t.image === 'import') return n1?.tokenType.name === 'StringLit';
  return KNOWN_KINDS.includes(t.image) && n1?.tokenType.name === 'Ident' && (n2?.tokenType.name === 'Equals' || n2?.tokenType.name === 'LBrace');
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

function decodeInfo(message: string): ParseErrorInfo | null {
  try {
    const v = JSON.parse(message) as ParseErrorInfo;
    return v && typeof v === 'object' && Array.isArray(v.expected) ? v : null;
  } catch {
    return null;
  }
}

function listOr(xs: string[]): string {
  if (xs.length <= 1) return xs[0] ?? 'something else';
  return xs.slice(0, -1).join(', ') + ' or ' + xs[xs.length - 1];
}

function tokenIndexAt(tokens: IToken[], offset: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.startOffset < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function parserDiagnostics(ctx: Ctx, errors: SslParser['errors'], bracketProblems: boolean, reportedClosers: Set<number>): void {
  const seen = new Set<number>();
  for (const err of errors) {
    const info = decodeInfo(err.message);
    const t = err.token;
    const atEof = !t || t.tokenType.name === 'EOF' || !Number.isFinite(t.startOffset);
    const expectsCloser = info ? info.expectedNames.some((n) => n === 'RBrace' || n === 'RBracket') && info.kind === 'mismatch' : false;
    // cascades of an unbalanced bracket are already explained by SSL004/SSL005/SSL019
    if (bracketProblems && (atEof || expectsCloser)) continue;
    if (!atEof && reportedClosers.has(t.startOffset)) continue;
    const offset = atEof ? ctx.text.length : t.startOffset;
    if (seen.has(offset)) continue;
    seen.add(offset);
    const prev = (err as { previousToken?: IToken }).previousToken;
    const span = atEof
      ? prev && Number.isFinite(prev.startOffset)
        ? ctx.lines.span(ctx.file, end(prev), end(prev))
        : ctx.lines.span(ctx.file, ctx.text.length, ctx.text.length)
      : ctx.lines.span(ctx.file, t.startOffset, end(t));
    const found = atEof ? 'end of file' : describeToken(t);
    const expected = info?.expected ?? [];
    const rule = info?.rule ?? '';

    if (rule === 'value' || (rule === 'entry' && info?.kind !== 'mismatch')) {
      // `key =` followed by something that is not a value
      const i = atEof ? ctx.tokens.length : tokenIndexAt(ctx.tokens, t.startOffset);
      const before = ctx.tokens[i - 1];
      const key = before?.tokenType.name === 'Equals' ? ctx.tokens[i - 2] : before;
      const keyName = key?.tokenType.name === 'Ident' ? key.image : null;
      ctx.diagnostics.push({
        code: 'SSL011',
        severity: 'error',
        message: `missing value${keyName ? ` for '${keyName}'` : ''}: found ${found}`,
        span: atEof || !before ? span : ctx.lines.span(ctx.file, t.startOffset, end(t)),
        hint: `write a value after '${before?.image ?? '='}', e.g. a number, a name, "text", [a, b] or { … }`,
      });
      continue;
    }
    if (atEof) {
      ctx.diagnostics.push({
        code: 'SSL018',
        severity: 'error',
        message: `unexpected end of file: expected ${listOr(expected)}`,
        span,
        ...(expected.includes("'{'") ? { hint: "a declaration needs a body: 'KIND NAME [= TYPE] { … }'" } : {}),
      });
      continue;
    }
    if (rule === 'document') {
      const next = ctx.tokens[tokenIndexAt(ctx.tokens, t.startOffset) + 1];
      if (t.tokenType.name === 'Ident' && next && next.tokenType.name === 'Equals') {
        ctx.diagnostics.push({
          code: 'SSL001',
          severity: 'error',
          message: `'${t.image} = …' is outside any declaration`,
          span,
          hint: `settings live inside a block, e.g. 'experiment NAME { ${t.image} = … }'`,
        });
        continue;
      }
    }
    if (rule === 'declaration' && expected.includes("'{'")) {
      ctx.diagnostics.push({
        code: 'SSL001',
        severity: 'error',
        message: `expected '{' to open the declaration body, found ${found}`,
        span,
        hint: "a declaration is 'KIND NAME [= TYPE] { … }'",
      });
      continue;
    }
    if (rule === 'declaration' && expected.includes('a name')) {
      ctx.diagnostics.push({
        code: 'SSL001',
        severity: 'error',
        message: `expected a type name after '=', found ${found}`,
        span,
        hint: "e.g. 'dataset ukb = phantom3d { … }'",
      });
      continue;
    }
    ctx.diagnostics.push({
      code: 'SSL001',
      severity: 'error',
      message: `unexpected ${found}${expected.length ? `: expected ${listOr(expected)}` : ''}`,
      span,
    });
  }
}

function emptyDocument(file: string): Document {
  return { file, imports: [], declarations: [], trailingComments: [], abandoned: true };
}

function dedupe(diags: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of sortDiagnostics(diags)) {
    const key = `${d.code}:${d.span.startOffset}:${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  // an SSL001 on the very token already explained by a more specific code is noise
  const specific = new Set(out.filter((d) => d.code !== 'SSL001' && d.code !== 'SSL018').map((d) => d.span.startOffset));
  const filtered = out.filter((d) => d.code !== 'SSL001' || !specific.has(d.span.startOffset));
  // after one structural error on a line, the rest of that line is usually its consequence
  const structural = new Set(['SSL001', 'SSL008', 'SSL011', 'SSL018']);
  const linesWithError = new Set<number>();
  const kept: Diagnostic[] = [];
  for (const d of filtered) {
    if (structural.has(d.code)) {
      if (linesWithError.has(d.span.startLine)) continue;
      linesWithError.add(d.span.startLine);
    }
    kept.push(d);
  }
  if (kept.length <= MAX_DIAGNOSTICS) return kept;
  const shown = kept.slice(0, MAX_DIAGNOSTICS);
  const last = shown[MAX_DIAGNOSTICS - 1]!;
  shown[MAX_DIAGNOSTICS - 1] = { ...last, notes: [...(last.notes ?? []), { message: `${kept.length - MAX_DIAGNOSTICS} more syntax problems in this file are not shown` }] };
  return shown;
}

/** Parse a whole `.ssl` file. Never throws; always returns a best-effort document. */
export function parse(text: string, file: string): ParseResult {
  const source = typeof text === 'string' ? text : String(text);
  const lines = new LineIndex(source);
  try {
    const lexed = lexOffsets(source);
    const ctx: Ctx = { text: source, file, lines, tokens: lexed.tokens, diagnostics: [] };
    lexDiagnostics(ctx, lexed.comments, lexed.errors);
    const tooDeep = nestingTooDeep(ctx);
    if (tooDeep) return { document: emptyDocument(file), diagnostics: sortDiagnostics([tooDeep, ...dedupe(ctx.diagnostics).slice(0, MAX_DIAGNOSTICS - 1)]) };
    const brackets = bracketCheck(ctx);
    const reportedClosers = brackets.reported;
    const bracketProblems = ctx.diagnostics.some((d) => d.code === 'SSL004' || d.code === 'SSL005' || d.code === 'SSL019');
    // the builder turns each top-level item into AST as soon as the parser has it
    const builder = new AstBuilder(source, file, lines, lexed.tokens, lexed.comments);
    sslParser.lines = lines;
    sslParser.onItem = (item) => builder.item(item);
    sslParser.input = brackets.tokens;
    let errors: SslParser['errors'];
    try {
      sslParser.document();
      errors = sslParser.errors;
    } finally {
      // the parser is a singleton: let go of this file's tokens
      sslParser.input = [];
      sslParser.lines = null;
      sslParser.onItem = null;
    }
    parserDiagnostics(ctx, errors, bracketProblems, reportedClosers);
    const document = builder.finish();
    const explained = (d: Diagnostic): boolean =>
      d.code === 'SSL009' && builder.suppressed.some(([a, b]) => d.span.startOffset >= a && d.span.startOffset < b);
    return { document, diagnostics: dedupe([...ctx.diagnostics.filter((d) => !explained(d)), ...builder.diagnostics]) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      document: emptyDocument(file),
      diagnostics: [{ code: 'SSL001', severity: 'error', message: `could not parse this file (${message})`, span: lines.span(file, 0, 0) }],
    };
  }
}

/**
 * Parse a single value, as given on the command line (`--set train.epochs=20`,
 * `--set fractions=[10%,100%]`). The text must be exactly one value.
 */
export function parseValue(text: string, file = '<value>'): { value: Value | null; diagnostics: Diagnostic[] } {
  const lines = new LineIndex(text);
  if (text.trim() === '') {
    return { value: null, diagnostics: [{ code: 'SSL011', severity: 'error', message: 'missing value', span: lines.span(file, 0, text.length) }] };
  }
  // Parse it as the value of an entry in a synthetic block and map spans back.
  const prefix = 'x __v__ { v = ';
  const wrapped = `${prefix}${text}\n}`;
  const r = parse(wrapped, file);
  const shift = (s: { startOffset: number; endOffset: number }): Span => lines.span(file, s.startOffset - prefix.length, s.endOffset - prefix.length);
  const fix = <T>(v: T): T => {
    if (Array.isArray(v)) return v.map(fix) as T;
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) o[k] = x && typeof x === 'object' && 'startOffset' in x && 'file' in x ? shift(x as { startOffset: number; endOffset: number }) : fix(x);
      return o as T;
    }
    return v;
  };
  const entries = r.document.declarations[0]?.entries ?? [];
  const extra = entries[1];
  const diagnostics: Diagnostic[] = [];
  for (const d of r.diagnostics) {
    if (d.code === 'SSL013') continue;
    // problems of what follows the first value are summed up as "expected a single value"
    if (extra && d.span.startOffset >= extra.span.startOffset) continue;
    const m = { ...d, message: d.message.replace(" for 'v'", '') };
    if (m.code === 'SSL004' || m.code === 'SSL005') {
      m.message = m.message.replace(/ before .*$/, ' before the end of the value');
      delete m.notes;
    }
    diagnostics.push(fix(m));
  }
  let value: Value | null = entries[0] ? fix(entries[0].value) : null;
  if (value && value.kind === 'ident' && value.path.length === 0) value = null;
  // A `}` in the text that closes the synthetic block would let the rest be read as new
  // declarations (`3 } dataset evil = …`): the text is then not one value, whatever follows.
  const decls = r.document.declarations;
  const closedAt = decls[0] ? decls[0].span.endOffset - prefix.length : text.length + 1;
  if (!extra && (decls.length > 1 || r.document.imports.length > 0 || closedAt <= text.length)) {
    const at = Math.max(0, Math.min(text.length, closedAt - 1));
    return {
      value: null,
      diagnostics: [
        {
          code: 'SSL001',
          severity: 'error',
          message: 'expected a single value; a `}` here would end the setting and the rest would be read as new declarations',
          span: lines.span(file, at, text.length),
          hint: 'a --set value is exactly one value: a number, a string, a list or a { … } block',
        },
      ],
    };
  }
  if (extra) {
    diagnostics.push({
      code: 'SSL001',
      severity: 'error',
      message: 'expected a single value',
      span: lines.span(file, extra.span.startOffset - prefix.length, text.length),
      hint: 'quote the value if it contains spaces: "…"',
    });
  }
  return { value, diagnostics: sortDiagnostics(diagnostics) };
}

// Text → AST + syntax diagnostics. Runs the lexer, a bracket check (precise "unclosed `{`"
// messages that point at the opener), the recovering parser, and the AST builder, then merges
// and de-duplicates their diagnostics. Never throws: any internal failure becomes a located
// SSL001 and an empty (but valid) document.

import type { IToken } from 'chevrotain';
import type { Document, Span, Value } from './ast.js';
import { AstBuilder, describeToken } from './ast-builder.js';
import { readTokensFrom } from './parse-tree.js';
import { bracketCheck, end, nestingTooDeep, type Ctx } from './brackets.js';
import type { Diagnostic } from './diagnostics.js';
import { LineIndex, sortDiagnostics } from './diagnostics.js';
import { lexCompact, type LexErrors, type TokenTable } from './tokens.js';
import type { ParseErrorInfo } from './parser.js';
import { sslParser, type SslParser } from './parser.js';
import { msg } from '../core/codes/index.js';
import { DiagnosticRows, finishDiagnostics, Interner, MAX_DIAGNOSTICS, type LexRest } from './syntax-diagnostics.js';
import { LazyDeclaration, type Reparser } from './lazy-declaration.js';
import type { Entry } from './ast.js';

export interface ParseOptions {
  /** Keep of each declaration without a syntax problem only its head; its entries are parsed
   *  again when read (grammar/lazy-declaration.ts; what the compiler asks for). */
  lazy?: boolean;
}

export interface ParseResult {
  document: Document;
  diagnostics: Diagnostic[];
}

/** The largest declaration (bytes of text) made lazy: a big one (a list of 10⁵ numbers) is read
 *  whole by the compiler anyway, and building its AST twice would raise the peak, not lower it. */
const LAZY_MAX_BYTES = 64 * 1024;

/** Syntax diagnostics of a stage kept as objects before the rest are kept as rows of numbers
 *  (grammar/syntax-diagnostics.ts); parse() starts over with every object in the rare case that
 *  a row would be shown. */
const KEEP_OBJECTS = 1000;

/** The SSL009 diagnostic of one run of characters the lexer could not read. */
function lexErrorDiagnostic(ctx: Ctx, e: { offset: number; length: number }): Diagnostic {
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
  else if (first > 127 && /^[\p{L}\p{N}]/u.test(ch))
    // a letter from another script that looks like a Latin one ('cоrpus' with a Cyrillic о)
    hint = `'${String.fromCodePoint(first)}' is U+${first.toString(16).toUpperCase().padStart(4, '0')}, not an ASCII letter or digit: names use A–Z, a–z, 0–9, _ and - (a look-alike letter?)`;
  return {
    ...msg('SSL009', 'unexpectedCharacter', { plural: e.length > 1 ? 's' : '', shown }),
    severity: 'error',
    span: ctx.lines.span(ctx.file, e.offset, e.offset + e.length),
    ...(hint ? { hint } : {}),
  };
}

/**
 * The lexer's errors that are not `explained` (by a better diagnostic of the builder): the first
 * MAX_DIAGNOSTICS as diagnostics, the rest only counted — a flood of 10⁶ bad characters must not
 * become 10⁶ objects. Those left out are SSL009s at their own offsets after MAX_DIAGNOSTICS
 * others, so none of them could be shown; `has` answers whether one sits at an offset (dedupe
 * drops an SSL001 there).
 */
function lexErrorDiagnostics(ctx: Ctx, errors: LexErrors, explained: (offset: number) => boolean): { shown: Diagnostic[]; rest: LexRest } {
  const shown: Diagnostic[] = [];
  let i = 0;
  for (; i < errors.length && shown.length < MAX_DIAGNOSTICS; i++) {
    if (!explained(errors.offset(i))) shown.push(lexErrorDiagnostic(ctx, { offset: errors.offset(i), length: errors.size(i) }));
  }
  const from = i;
  let count = 0;
  for (; i < errors.length; i++) if (!explained(errors.offset(i))) count++;
  const has = (offset: number): boolean => {
    let lo = from;
    let hi = errors.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (errors.offset(mid) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo < errors.length && errors.offset(lo) === offset && !explained(offset);
  };
  return { shown, rest: { count, has } };
}

function commentDiagnostics(ctx: Ctx, comments: IToken[]): void {
  for (const c of comments) {
    if (c.tokenType.name === 'UnterminatedComment') {
      ctx.diagnostics.push({
        ...msg('SSL003', 'unterminatedComment'),
        severity: 'error',
        span: ctx.lines.span(ctx.file, c.startOffset, c.startOffset + 2),
        hint: "close it with '*/' (block comments do not nest); everything after '/*' was ignored",
      });
    }
  }
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

function parserDiagnostics(ctx: Ctx, out: DiagnosticRows, errors: SslParser['errors'], bracketProblems: boolean, reportedClosers: Set<number>): void {
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
      const i = atEof ? ctx.tokens.length : ctx.tokens.indexAt(t.startOffset);
      const before = ctx.tokens.at(i - 1);
      const key = before?.tokenType.name === 'Equals' ? ctx.tokens.at(i - 2) : before;
      const keyName = key?.tokenType.name === 'Ident' ? key.image : null;
      out.push({
        ...msg('SSL011', 'missingValueFound', { forKey: keyName ? ` for '${keyName}'` : '', found }),
        severity: 'error',
        span: atEof || !before ? span : ctx.lines.span(ctx.file, t.startOffset, end(t)),
        hint: `write a value after '${before?.image ?? '='}', e.g. a number, a name, "text", [a, b] or { … }`,
      });
      continue;
    }
    if (atEof) {
      out.push({
        ...msg('SSL018', 'unexpectedEnd', { expected: listOr(expected) }),
        severity: 'error',
        span,
        ...(expected.includes("'{'") ? { hint: "a declaration needs a body: 'KIND NAME [= TYPE] { … }'" } : {}),
      });
      continue;
    }
    if (rule === 'document') {
      const next = ctx.tokens.at(ctx.tokens.indexAt(t.startOffset) + 1);
      if (t.tokenType.name === 'Ident' && next && next.tokenType.name === 'Equals') {
        out.push({
          ...msg('SSL001', 'outsideAnyDeclaration', { key: t.image }),
          severity: 'error',
          span,
          hint: `settings live inside a block, e.g. 'experiment NAME { ${t.image} = … }'`,
        });
        continue;
      }
    }
    if (rule === 'declaration' && expected.includes("'{'")) {
      out.push({
        ...msg('SSL001', 'expectedBody', { found }),
        severity: 'error',
        span,
        hint: "a declaration is 'KIND NAME [= TYPE] { … }'",
      });
      continue;
    }
    if (rule === 'declaration' && expected.includes('a name')) {
      out.push({
        ...msg('SSL001', 'expectedType', { found }),
        severity: 'error',
        span,
        hint: "e.g. 'dataset ukb = phantom3d { … }'",
      });
      continue;
    }
    out.push({
      ...msg('SSL001', 'unexpectedToken', { found, expected: expected.length ? `: expected ${listOr(expected)}` : '' }),
      severity: 'error',
      span,
    });
  }
}

function emptyDocument(file: string): Document {
  return { file, imports: [], declarations: [], trailingComments: [], abandoned: true };
}

/** Parse a whole `.ssl` file. Never throws; always returns a best-effort document. */
export function parse(text: string, file: string, options: ParseOptions = {}): ParseResult {
  const source = typeof text === 'string' ? text : String(text);
  const lines = new LineIndex(source);
  const lazy = options.lazy === true;
  try {
    // (null: a diagnostic to show was kept as a row; parse again keeping every one as an object)
    return parseKeeping(source, file, lines, KEEP_OBJECTS, lazy) ?? parseKeeping(source, file, lines, Infinity, lazy)!;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      document: emptyDocument(file),
      diagnostics: [{ ...msg('SSL001', 'parserFailed', { reason: message }), severity: 'error', span: lines.span(file, 0, 0) }],
    };
  }
}

/** parse() with the parser's and the builder's diagnostics past the first `keep` kept as rows. */
function parseKeeping(source: string, file: string, lines: LineIndex, keep: number, lazy: boolean): ParseResult | null {
  const lexed = lexCompact(source);
  const ctx: Ctx = { text: source, file, lines, tokens: lexed.tokens, diagnostics: [] };
  commentDiagnostics(ctx, lexed.comments);
  const tooDeep = nestingTooDeep(ctx);
  if (tooDeep) {
    const lexical = lexErrorDiagnostics(ctx, lexed.errors, () => false).shown;
    return { document: emptyDocument(file), diagnostics: sortDiagnostics([tooDeep, ...finishDiagnostics([ctx.diagnostics, lexical])!.slice(0, MAX_DIAGNOSTICS - 1)]) };
  }
  const brackets = bracketCheck(ctx);
  const reportedClosers = brackets.reported;
  const bracketProblems = ctx.diagnostics.some((d) => d.code === 'SSL004' || d.code === 'SSL005' || d.code === 'SSL019');
  const names = new Interner();
  const parserRows = new DiagnosticRows(keep, names);
  // the builder turns each top-level item into AST as soon as the parser has it
  const builder = new AstBuilder(source, file, lines, lexed.tokens, lexed.comments, new DiagnosticRows(keep, names));
  // Lazy declarations (see ParseOptions): only in a file the lexer and the bracket check read
  // without a problem, and only a declaration whose parse and build reported nothing (not even
  // a problem between items: a parse again of its text alone then gives the same entries).
  if (lazy && lexed.errors.length === 0 && ctx.diagnostics.length === 0) {
    const reparser = fileReparser(source, file, lines);
    let parserErrors = 0;
    let built = 0;
    builder.onDeclaration = (decl, n) => {
      const clean = !n.recovered && sslParser.errorCount() === parserErrors && builder.diagnostics.length === built;
      const small = decl.span.endOffset - decl.span.startOffset <= LAZY_MAX_BYTES;
      return clean && small ? new LazyDeclaration(decl, reparser) : decl;
    };
    sslParser.onItem = (item) => {
      builder.item(item);
      parserErrors = sslParser.errorCount();
      built = builder.diagnostics.length;
    };
  } else sslParser.onItem = (item) => builder.item(item);
  sslParser.lines = lines;
  sslParser.onListItem = (value) => builder.listItem(value);
  sslParser.onEntry = (entry, block, declaration) => builder.entry(entry, block, declaration);
  readTokensFrom(lexed.tokens);
  let errors: SslParser['errors'];
  try {
    // (the parser is a singleton: it lets go of this file's tokens when done)
    errors = sslParser.parseTokens(brackets.tokens, () => {
      sslParser.document();
      return sslParser.errors;
    });
  } finally {
    readTokensFrom(null);
    sslParser.lines = null;
    sslParser.onItem = null;
    sslParser.onListItem = null;
    sslParser.onEntry = null;
  }
  parserDiagnostics(ctx, parserRows, errors, bracketProblems, reportedClosers);
  const document = builder.finish();
  const explained = (offset: number): boolean => builder.suppressed.some(([a, b]) => offset >= a && offset < b);
  const lexical = lexErrorDiagnostics(ctx, lexed.errors, explained);
  const diagnostics = finishDiagnostics([ctx.diagnostics, parserRows, lexical.shown, builder.diagnostics], lexical.rest, names);
  return diagnostics ? { document, diagnostics } : null;
}

/** Parses the entries of a clean declaration of `text` again (LazyDeclaration). */
function fileReparser(text: string, file: string, lines: LineIndex): Reparser {
  return {
    entries(start: number, end: number): Entry[] {
      if (sslParser.busy) throw new Error('a declaration was read again while a file was being parsed');
      const lexed = lexCompact(text, start, end);
      const builder = new AstBuilder(text, file, lines, lexed.tokens, [], new DiagnosticRows(Infinity, new Interner()));
      sslParser.lines = lines;
      sslParser.onListItem = (value) => builder.listItem(value);
      sslParser.onEntry = (entry, block, declaration) => builder.entry(entry, block, declaration);
      readTokensFrom(lexed.tokens);
      try {
        const node = sslParser.parseTokens(lexed.tokens, () => sslParser.declaration());
        builder.item(node);
      } finally {
        readTokensFrom(null);
        sslParser.lines = null;
        sslParser.onListItem = null;
        sslParser.onEntry = null;
      }
      const decl = builder.finish().declarations[0];
      if (decl === undefined || decl.span.startOffset !== start || decl.span.endOffset !== end) throw new Error(`declaration at offset ${start} read again differently`);
      return decl.entries;
    },
  };
}

/**
 * Parse a single value, as given on the command line (`--set train.epochs=20`,
 * `--set fractions=[10%,100%]`). The text must be exactly one value.
 */
export function parseValue(text: string, file = '<value>'): { value: Value | null; diagnostics: Diagnostic[] } {
  const lines = new LineIndex(text);
  if (text.trim() === '') {
    return { value: null, diagnostics: [{ ...msg('SSL011', 'empty'), severity: 'error', span: lines.span(file, 0, text.length) }] };
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
          ...msg('SSL001', 'closingBraceInValue'),
          severity: 'error',
          span: lines.span(file, at, text.length),
          hint: 'a --set value is exactly one value: a number, a string, a list or a { … } block',
        },
      ],
    };
  }
  if (extra) {
    diagnostics.push({
      ...msg('SSL001', 'expectedSingleValue'),
      severity: 'error',
      span: lines.span(file, extra.span.startOffset - prefix.length, text.length),
      hint: 'quote the value if it contains spaces: "…"',
    });
  }
  return { value, diagnostics: sortDiagnostics(diagnostics) };
}

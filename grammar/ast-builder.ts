// Parse tree → AST. Builds the AST of grammar/ast.ts from the parser's (possibly
// error-recovered) ParseNodes, one top-level item at a time as the parser finishes it, with a
// span on everything; attaches comments for `fmt`, and reports the syntax problems the grammar
// accepts on purpose (missing `=`, missing name, doubled separators, …). It never throws on a
// partial tree: missing pieces are skipped or replaced by a best-effort value, and the parser
// has already reported why.

import type { IToken } from 'chevrotain';
import type { BlockValue, Declaration, Document, Entry, IdentValue, Import, ListValue, Span, Value } from './ast.js';
import { msg, type CodedMessage } from '../core/codes/index.js';
import type { Diagnostic } from './diagnostics.js';
import { didYouMean, LineIndex } from './diagnostics.js';
import { Comma, Semicolon } from './lexer.js';
import type { ParseNode } from './parser.js';
import type { TokenTable } from './tokens.js';
import type { DiagnosticRows } from './syntax-diagnostics.js';
import type { SpanSource } from '../core/span.js';
import { describeToken, eachOrdered, isBuilt, isBuiltEntry, isToken, kids, node, NO_COMMENTS, nodeRange, real, tok, tokenEnd, tokensIn } from './parse-tree.js';
import { JunkRun, numberValue, sizeValue, stringValue } from './ast-literals.js';
import { PACK_FROM, packedList, PackedNumbers } from './packed-list.js';
import { doubled } from '../core/rows.js';

export { describeToken };

/** Shared empty arrays a list starts its packed numbers with (`doubled` copies, never writes them). */
const NO_NUMBERS = new Float64Array(0);
const NO_OFFSETS = new Int32Array(0);

/** Declaration kinds the compiler understands; near-misses get a "did you mean" (SSL013). */
export const KNOWN_KINDS: readonly string[] = ['experiment', 'dataset', 'encoder', 'pretext', 'finetune', 'evaluate', 'sweep', 'report'];

interface CommentTok {
  text: string;
  start: number;
  end: number;
  line: number;
  taken: boolean;
}

export class AstBuilder {
  /** Ranges whose lexical errors (SSL009) are already explained by a better diagnostic. */
  readonly suppressed: Array<[number, number]> = [];
  private readonly comments: CommentTok[];
  /** What this file's compact spans look their file, lines and columns up in. */
  private readonly source: SpanSource;
  private commentCursor = 0;
  /** End offset of the last same-line trailing comment taken (for blank-line detection). */
  private lastTrailingEnd = -1;

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly lines: LineIndex,
    /** All significant tokens in order (to find what follows a trailing comment). */
    private readonly tokens: TokenTable,
    comments: IToken[],
    /** Where its diagnostics go (a flood of them is kept as rows of numbers). */
    readonly diagnostics: DiagnosticRows,
  ) {
    this.doc = { file, imports: [], declarations: [], trailingComments: [] };
    this.source = { file, position: (offset) => lines.position(offset) };
    this.comments = comments
      .filter(real)
      .map((c) => ({ text: c.image.replace(/[ \t\r]+$/, ''), start: c.startOffset, end: tokenEnd(c), line: lines.lineOf(c.startOffset), taken: false }))
      .sort((a, b) => a.start - b.start);
  }

  // ---- spans & diagnostics

  /** One string per distinct key or name of the file (a file of 10 000 declarations repeats
   *  the same few keys; each token's image is a string of its own). */
  private readonly names = new Map<string, string>();

  private intern(s: string): string {
    const known = this.names.get(s);
    if (known !== undefined) return known;
    this.names.set(s, s);
    return s;
  }

  /** AST spans are compact (offsets; lines and columns looked up when read, #17.11). */
  span(start: number, end: number): Span {
    return this.lines.offsetSpan(this.source, start, end);
  }

  tokSpan(t: IToken): Span {
    return this.span(t.startOffset, tokenEnd(t));
  }

  nodeSpan(n: ParseNode, fallback: number): Span {
    const r = nodeRange(n);
    return r ? this.span(r[0], r[1]) : this.span(fallback, fallback);
  }

  error(m: CodedMessage, span: Span, extra: Partial<Pick<Diagnostic, 'hint' | 'notes'>> = {}): void {
    this.diagnostics.push({ code: m.code, severity: 'error', message: m.message, span, ...extra });
  }

  warning(m: CodedMessage, span: Span, extra: Partial<Pick<Diagnostic, 'hint' | 'notes'>> = {}): void {
    this.diagnostics.push({ code: m.code, severity: 'warning', message: m.message, span, ...extra });
  }

  // ---- comments

  /** Comments that start before `offset` and have not been attached yet. An empty string
   *  stands for a blank line between two comments, or between the last comment and `offset`
   *  (so that `fmt` keeps paragraphs of comments apart). */
  private takeBefore(offset: number): string[] {
    const out: string[] = [];
    let prevEnd = -1;
    while (this.commentCursor < this.comments.length && this.comments[this.commentCursor]!.start < offset) {
      const c = this.comments[this.commentCursor++]!;
      if (!c.taken) {
        c.taken = true;
        if (prevEnd >= 0 && this.blankLineBetween(prevEnd, c.start)) out.push('');
        out.push(c.text);
        prevEnd = c.end;
      }
    }
    if (prevEnd >= 0 && Number.isFinite(offset) && this.blankLineBetween(prevEnd, offset)) out.push('');
    return out.length === 0 ? NO_COMMENTS : out;
  }

  /** A comment on the same line right after `end`, with no token between (`a = 1 // note`). */
  private takeTrailing(end: number): string | undefined {
    const c = this.comments[this.commentCursor];
    if (!c || c.taken || c.start < end) return undefined;
    const endLine = this.lines.position(end).line;
    if (c.line !== endLine) return undefined;
    const next = this.nextTokenAfter(end);
    if (next && next.startOffset < c.start) return undefined;
    c.taken = true;
    this.commentCursor++;
    this.lastTrailingEnd = c.end;
    return c.text;
  }

  private nextTokenAfter(offset: number): IToken | undefined {
    return this.tokens.at(this.tokens.indexAt(offset));
  }

  /** End of the last comment taken so far that ends before `offset`, for blank-line checks. */
  private blankLineBetween(from: number, to: number): boolean {
    if (!(to > from)) return false;
    return /\n[ \t\r]*\n/.test(this.text.slice(from, to));
  }

  private firstCommentStartBetween(from: number, to: number): number {
    let lo = 0;
    let hi = this.comments.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.comments[mid]!.start < from) lo = mid + 1;
      else hi = mid;
    }
    const c = this.comments[lo];
    return c && c.start < to ? c.start : to;
  }

  // ---- document

  private readonly doc: Document;
  private cursor = 0;

  /** What becomes of each declaration built (parse's lazy mode swaps in a LazyDeclaration). */
  onDeclaration: ((decl: Declaration, n: ParseNode) => Declaration) | null = null;

  /** Builds one top-level item (called by the parser as soon as it has parsed it). */
  item(n: ParseNode): void {
    if (!nodeRange(n)) return; // nothing of it is in the text
    const doc = this.doc;
    if (n.name === 'importStmt') {
      const imp = this.buildImport(n, this.cursor);
      if (imp) {
        doc.imports.push(imp);
        this.cursor = Math.max(imp.span.endOffset, imp.trailingComment !== undefined ? this.lastTrailingEnd : -1);
      }
    } else if (n.name === 'declaration') {
      const built = this.buildDeclaration(n);
      const decl = built && this.onDeclaration ? this.onDeclaration(built, n) : built;
      if (decl) {
        doc.declarations.push(decl);
        this.cursor = Math.max(decl.span.endOffset, decl.trailingComment !== undefined ? this.lastTrailingEnd : -1);
      }
    } else if (n.name === 'entry') {
      const e = this.buildEntry(n, this.cursor, true);
      if (e) {
        this.error(msg('SSL001', 'outsideAnyDeclaration', { key: e.key }), e.span, {
          hint: `settings live inside a block, e.g. 'experiment NAME { ${e.key} = … }'`,
        });
        // its comments stay with the next declaration
      }
    } else if (n.name === 'stray') {
      this.reportStray(n);
    }
  }

  /** The document, after the last item: comments after the last declaration are attached. */
  finish(): Document {
    this.doc.trailingComments = this.takeBefore(Infinity);
    return this.doc;
  }

  lineOf(t: IToken): number {
    return this.lines.lineOf(t.startOffset);
  }

  private reportStray(n: ParseNode): void {
    const ts = tokensIn(n);
    const first = ts[0];
    if (!first) return;
    // an unmatched `}` / `]` is reported by the bracket check (SSL019)
    if (first.tokenType.name === 'RBrace' || first.tokenType.name === 'RBracket') return;
    this.error(msg('SSL001', 'topLevel', { found: describeToken(first) }), this.nodeSpan(n, first.startOffset), {
      hint: 'every setting lives inside a declaration block: KIND NAME [= TYPE] { key = value }',
    });
  }

  private buildImport(n: ParseNode, cursor: number): Import | null {
    const kw = tok(n, 'keyword');
    const pathTok = tok(n, 'path');
    if (!kw) return null;
    const start = kw.startOffset;
    const comments = this.takeBefore(start);
    const rest = kids(n, 'rest').filter((e): e is IToken => isToken(e) && real(e)).sort((a, b) => a.startOffset - b.startOffset);
    const aliasTok = tok(n, 'alias');
    const end = Math.max(tokenEnd(kw), pathTok ? tokenEnd(pathTok) : 0, aliasTok ? tokenEnd(aliasTok) : 0, ...rest.map(tokenEnd));
    if (kw.image !== 'import' && KNOWN_KINDS.includes(kw.image)) {
      this.error(msg('SSL001', 'nameIsBareWord', { kind: kw.image }), pathTok ? this.tokSpan(pathTok) : this.tokSpan(kw), {
        hint: `write: ${kw.image} ${pathTok ? stringValue(this, pathTok, true).value.replace(/[^A-Za-z0-9_-]/g, '_') || 'NAME' : 'NAME'} … { … }`,
      });
    } else if (kw.image !== 'import') {
      const near = didYouMean(kw.image, ['import']);
      this.error(msg('SSL015', 'expectedImport', { found: kw.image }), this.tokSpan(kw), {
        hint: near ? `did you mean '${near}'?` : `write: import "FILE.ssl"`,
      });
    } else if (!pathTok) {
      // `import shared/datasets.ssl`, `import 'x.ssl'`: the whole rest of the line is the path
      const from = tokenEnd(kw);
      const nl = this.text.indexOf('\n', from);
      const lineRest = this.text.slice(from, nl < 0 ? this.text.length : nl);
      const code = lineRest.replace(/(\/\/|#).*$/, '');
      const lead = code.length - code.trimStart().length;
      const raw = code.trim();
      const span = raw ? this.span(from + lead, from + lead + raw.length) : this.tokSpan(kw);
      const guess = raw.replace(/^['"“”‘’]|['"“”‘’]$/g, '');
      this.error(raw ? msg('SSL015', 'unquotedPath') : msg('SSL015', 'missingPath'), span, {
        hint: `write: import "${guess || 'FILE.ssl'}"`,
      });
      this.suppressed.push([tokenEnd(kw), span.endOffset]);
    } else if (rest.length > 0) {
      const first = rest[0]!;
      const near = didYouMean(first.image, ['as']);
      this.error(msg('SSL001', 'afterImport', { found: describeToken(first) }), this.span(first.startOffset, tokenEnd(rest[rest.length - 1]!)), {
        hint: near ? `did you mean 'as'? (import "${pathTok ? stringValue(this, pathTok, true).value : ''}" as NAME)` : 'an import is: import "FILE.ssl" [as NAME]',
      });
    }
    const path = pathTok ? stringValue(this, pathTok).value : '';
    const imp: Import = { path, alias: aliasTok ? aliasTok.image : null, span: this.span(start, end), comments };
    const trailing = this.takeTrailing(end);
    if (trailing !== undefined) imp.trailingComment = trailing;
    if (this.blankLineBetween(cursor, this.firstCommentStartBetween(cursor, start)) && cursor > 0) imp.blankLineBefore = true;
    return imp;
  }

  private buildDeclaration(n: ParseNode): Declaration | null {
    const kindTok = tok(n, 'kind');
    if (!kindTok) return null;
    const start = kindTok.startOffset;
    const comments = this.takeBefore(start);
    const nameTok = tok(n, 'name');
    const typeTok = tok(n, 'type');
    const blockNode = node(n, 'block');

    if (!KNOWN_KINDS.includes(kindTok.image)) {
      const near = didYouMean(kindTok.image, KNOWN_KINDS);
      if (near) {
        this.error(msg('SSL013', 'unknownDeclarationKind', { kind: kindTok.image }), this.tokSpan(kindTok), {
          hint: `did you mean '${near}'?`,
          notes: [{ message: `declaration kinds are: ${KNOWN_KINDS.join(', ')}` }],
        });
      }
    }
    const eq = tok(n, 'Equals');
    if (typeTok && !eq) {
      this.error(msg('SSL008', 'expectedBeforeType', { type: typeTok.image }), this.tokSpan(typeTok), {
        hint: `write '${kindTok.image} ${nameTok ? nameTok.image : 'NAME'} = ${typeTok.image} { … }'`,
      });
    }
    if (!nameTok) {
      this.error(msg('SSL014', 'noName', { kind: kindTok.image }), this.tokSpan(kindTok), {
        hint: `give it a name to refer to it by: '${kindTok.image} NAME${typeTok ? ` = ${typeTok.image}` : ''} { … }'`,
      });
    }
    const body = blockNode ? this.buildBlockBody(blockNode) : null;
    const range = nodeRange(n);
    const end = Math.max(tokenEnd(kindTok), range ? range[1] : 0);
    const decl: Declaration = {
      kind: kindTok.image,
      kindSpan: this.tokSpan(kindTok),
      name: nameTok ? nameTok.image : '',
      nameSpan: nameTok ? this.tokSpan(nameTok) : this.span(tokenEnd(kindTok), tokenEnd(kindTok)),
      type: typeTok ? typeTok.image : null,
      typeSpan: typeTok ? this.tokSpan(typeTok) : null,
      entries: body ? body.entries : [],
      span: this.span(start, end),
      comments,
    };
    if (body && body.trailingComments.length > 0) decl.trailingComments = body.trailingComments;
    const trailing = this.takeTrailing(end);
    if (trailing !== undefined) decl.trailingComment = trailing;
    return decl;
  }

  /** Entries of a `{ … }` block plus the comments just before its `}`. */
  private buildBlockBody(n: ParseNode): { entries: Entry[]; trailingComments: string[]; span: Span } {
    const open = tok(n, 'LBrace');
    const close = tok(n, 'RBrace');
    const span = this.nodeSpan(n, open ? open.startOffset : 0);
    const entries: Entry[] = [];
    let cursor = open ? tokenEnd(open) : span.startOffset;
    let lastWasSeparator = true; // a leading separator counts as doubled
    let first = true;
    const junk = new JunkRun(this, 'here');
    eachOrdered(n, (name, el, at) => {
      if (isToken(el)) {
        const t = el;
        if (name === 'junk') {
          // a junk rule of one token, added as the token (SslParser.junkIn)
          junk.add([t], entries[entries.length - 1] ?? null);
          return;
        }
        if (t.tokenType === Comma || t.tokenType === Semicolon) {
          junk.flush();
          if (lastWasSeparator) {
            this.warning(first ? msg('SSL010', 'beforeFirstEntry', { separator: t.image }) : msg('SSL010', 'doubledSeparator', { separator: t.image }), this.tokSpan(t), {
              hint: 'remove it (entries are separated by a newline, a comma or a semicolon)',
            });
          }
          lastWasSeparator = true;
        }
        return;
      }
      if (isBuilt(el)) {
        // an entry built as soon as it was parsed (`entry` below)
        if (!isBuiltEntry(el)) return;
        entries.push(el);
        cursor = Math.max(el.span.endOffset, cursor);
        first = false;
        lastWasSeparator = false;
        return;
      }
      if (el.name === 'junk') {
        junk.add(tokensIn(el), entries[entries.length - 1] ?? null);
        return;
      }
      junk.flush();
      const entry = this.buildEntry(el, cursor, first);
      if (entry) {
        // the entry's AST stands in for its parse tree, which is garbage at once (a block of 300 000
        // entries need not hold every one until the last is built, #17.11); only where it covers
        // the same text, so a recovered declaration's span, read from its tree, stays the same
        if (!el.recovered && entry.span.startOffset === el.locStart && entry.span.endOffset === el.locEnd + 1) n.kids[at] = entry;
        entries.push(entry);
        cursor = Math.max(entry.span.endOffset, cursor, entry.trailingComment !== undefined ? this.lastTrailingEnd : -1);
        first = false;
      }
      lastWasSeparator = false;
    });
    junk.flush();
    const trailingComments = close ? this.takeBefore(close.startOffset) : [];
    // (an array grown by push keeps room for 16; most blocks hold a few entries)
    return { entries: entries.slice(), trailingComments, span };
  }

  /** An entry the parser hands over as soon as it parsed without an error (#17.11: a block of
   *  300 000 entries then never holds 300 000 parse trees): built now when nothing but itself
   *  decides its AST — its value is not a list or a block (which may hold comments), no comment
   *  starts between the start of its declaration and the end of the entry's line (comments
   *  before the declaration are the declaration's; any other could be this entry's or a
   *  neighbour's), and the entries before it in the block were built early too (the blank line
   *  before it is then measured from the last one's end); otherwise null: it is built with its
   *  block, exactly as before. */
  entry(n: ParseNode, block: ParseNode, declaration: number): Entry | null {
    if (!Number.isFinite(declaration)) return null;
    const value = node(n, 'value');
    if (value && (node(value, 'list') || node(value, 'block') || node(node(value, 'reference') ?? value, 'block'))) return null;
    const k = block.kids;
    if (k[0] !== 'LBrace' || typeof k[1] !== 'number') return null;
    const open = k[1];
    let prev: Entry | null = null;
    for (let j = k.length - 2; j >= 2 && prev === null; j -= 2) {
      const el = k[j + 1]!;
      if (k[j] === 'separator' && typeof el === 'number') continue;
      if (k[j] === 'entry' && typeof el === 'object' && isBuiltEntry(el)) prev = el;
      else return null; // junk, or an entry built with its block
    }
    const range = nodeRange(n);
    if (range === null) return null;
    const newline = this.text.indexOf('\n', range[1]);
    const lineEnd = newline < 0 ? this.text.length : newline;
    if (declaration > open || this.firstCommentStartBetween(declaration, lineEnd) < lineEnd) return null;
    return this.buildEntry(n, prev === null ? open + 1 : prev.span.endOffset, prev === null, true);
  }

  private buildEntry(n: ParseNode, cursor: number, first: boolean, early = false): Entry | null {
    const keyTok = tok(n, 'key');
    if (!keyTok) return null;
    const start = keyTok.startOffset;
    // (an entry built early has no comment before it, inside it or after it on its line)
    const comments = early ? NO_COMMENTS : this.takeBefore(start);
    const equals = tok(n, 'Equals');
    const valueNode = node(n, 'value');
    const keySpan = this.tokSpan(keyTok);
    let value: Value | null = valueNode ? this.buildValue(valueNode) : null;
    if (!value) {
      // keep the key with an empty placeholder value
      const at = equals ? tokenEnd(equals) : tokenEnd(keyTok);
      if (!valueNode) {
        if (equals) {
          this.error(msg('SSL011', 'missingValue', { key: keyTok.image }), this.tokSpan(equals), {
            hint: `write a value after '=', e.g. a number, a name, "text", [a, b] or { … }`,
          });
        } else {
          const next = this.nextTokenAfter(tokenEnd(keyTok));
          const after = next ? this.nextTokenAfter(tokenEnd(next)) : undefined;
          if (next && next.tokenType.name === 'Dot' && next.startOffset === tokenEnd(keyTok) && after && after.tokenType.name === 'Ident') {
            this.error(msg('SSL001', 'keyIsPath', { key: keyTok.image, after: after.image }), this.span(keyTok.startOffset, tokenEnd(after)), {
              hint: `nest it instead: '${keyTok.image} { ${after.image} = … }'`,
            });
          } else {
            this.error(msg('SSL011', 'hasNoValue', { key: keyTok.image }), keySpan, { hint: `write '${keyTok.image} = VALUE' or '${keyTok.image} { … }'` });
          }
        }
      }
      value = { kind: 'ident', name: '', path: [], span: this.span(at, at) };
    } else if (!equals && value.kind !== 'block' && this.onlySpaceBetween(tokenEnd(keyTok), value.span.startOffset)) {
      // (when something else sits between key and value, e.g. ':', it was reported already)
      const valueText = this.text.slice(value.span.startOffset, Math.min(value.span.endOffset, value.span.startOffset + 40));
      this.error(msg('SSL008', 'expectedBeforeValue', { key: keyTok.image }), value.span, {
        hint: `write '${keyTok.image} = ${valueText}'`,
      });
    }
    const end = Math.max(tokenEnd(keyTok), value.span.endOffset);
    // comments inside the value that nothing else claimed (inside a list, between key and
    // value) move above the entry so that `fmt` keeps them
    const inner = early ? NO_COMMENTS : this.takeBefore(end);
    const entryComments = comments.length + inner.length === 0 ? NO_COMMENTS : [...comments, ...inner];
    // (`equals` in the literal: added afterwards it would cost the object a property store)
    const span = this.span(start, end);
    const key = this.intern(keyTok.image);
    const entry: Entry = equals ? { key, keySpan, value, span, comments: entryComments, equals: true } : { key, keySpan, value, span, comments: entryComments };
    const trailing = early ? undefined : this.takeTrailing(end);
    if (trailing !== undefined) entry.trailingComment = trailing;
    if (!first && this.blankLineBetween(cursor, this.firstCommentStartBetween(cursor, start))) entry.blankLineBefore = true;
    return entry;
  }

  private onlySpaceBetween(a: number, b: number): boolean {
    const gap = this.text.slice(a, b).replace(/\/\*[\s\S]*?\*\/|(?:\/\/|#)[^\n]*/g, '');
    return gap.trim() === '';
  }

  // ---- values

  /** A list item the parser hands over as soon as it has parsed it without an error: built
   *  now when it is a plain value (number, range, size, string, name), so its parse tree is
   *  garbage at once; a list or block (which may hold comments, attached in text order) is
   *  built with its list. */
  listItem(n: ParseNode): Value | IToken | null {
    if (node(n, 'list') || node(n, 'block') || node(node(n, 'reference') ?? n, 'block')) return null;
    // a plain number stays its token in the tree (a number, no object): a long list of them is
    // packed (grammar/packed-list.ts), a short one built as usual
    const plain = this.plainNumber(n);
    return plain ?? this.buildValue(n);
  }

  /** The token of a value that is a plain number (`3`, `-0.5`, `1e-3`: no unit, no range, not
   *  malformed), which numberValue would make into { value: Number(image), unit: null }. */
  private plainNumber(n: ParseNode): IToken | null {
    const num = node(n, 'number');
    if (!num || n.kids.length !== 2 || num.kids.length !== 2) return null;
    const t = tok(num, 'from');
    if (!t || t.tokenType.name !== 'NumberLit' || t.image.endsWith('%') || !Number.isFinite(Number(t.image))) return null;
    return t;
  }

  buildValue(n: ParseNode): Value | null {
    const num = node(n, 'number');
    if (num) return this.buildNumberOrRange(num);
    const size = tok(n, 'SizeLit');
    if (size) return sizeValue(this, size);
    const str = tok(n, 'StringLit');
    if (str) return stringValue(this, str);
    const ref = node(n, 'reference');
    if (ref) return this.buildReference(ref);
    const list = node(n, 'list');
    if (list) return this.buildList(list);
    const block = node(n, 'block');
    if (block) {
      const body = this.buildBlockBody(block);
      const v: BlockValue = { kind: 'block', type: null, typeSpan: null, entries: body.entries, span: body.span };
      if (body.trailingComments.length > 0) v.trailingComments = body.trailingComments;
      return v;
    }
    return null;
  }



  private buildNumberOrRange(n: ParseNode): Value | null {
    const from = tok(n, 'from');
    if (!from) return null;
    const to = tok(n, 'to');
    const unitTok = tok(n, 'unit');
    const dotdot = tok(n, 'DotDot');
    if (!dotdot) return numberValue(this, from, unitTok);
    const fromV = numberValue(this, from, unitTok);
    if (unitTok) fromV.span = this.tokSpan(from);
    const toV = to ? numberValue(this, to, unitTok) : { ...fromV };
    if (to && unitTok) toV.span = this.tokSpan(to);
    const stepTok = tok(n, 'step');
    const step = stepTok ? numberValue(this, stepTok) : null;
    const end = Math.max(tokenEnd(dotdot), to ? tokenEnd(to) : 0, stepTok ? tokenEnd(stepTok) : 0, unitTok ? tokenEnd(unitTok) : 0);
    return { kind: 'range', from: fromV, to: toV, step, span: this.span(from.startOffset, end) };
  }





  private buildReference(n: ParseNode): Value | null {
    const segs = kids(n, 'segment').filter((e): e is IToken => isToken(e) && real(e));
    const blockNode = node(n, 'block');
    if (segs.length === 0) return null;
    const first = segs[0]!;
    const last = segs[segs.length - 1]!;
    const path = segs.map((s) => this.intern(s.image));
    const pathSpan = this.span(first.startOffset, tokenEnd(last));
    if (blockNode) {
      if (segs.length > 1) {
        this.error(msg('SSL016', 'typeIsPath', { path: path.join('.') }), pathSpan, {
          hint: `write '${last.image} { … }'`,
        });
      }
      const body = this.buildBlockBody(blockNode);
      const v: BlockValue = {
        kind: 'block',
        type: path.join('.'),
        typeSpan: pathSpan,
        entries: body.entries,
        span: this.span(first.startOffset, Math.max(body.span.endOffset, tokenEnd(last))),
      };
      if (body.trailingComments.length > 0) v.trailingComments = body.trailingComments;
      return v;
    }
    if (segs.length === 1 && (first.image === 'true' || first.image === 'false')) {
      return { kind: 'bool', value: first.image === 'true', span: pathSpan };
    }
    const v: IdentValue = { kind: 'ident', name: path.join('.'), path, span: pathSpan };
    return v;
  }

  private buildList(n: ParseNode): ListValue {
    const open = tok(n, 'LBracket');
    const span = this.nodeSpan(n, open ? open.startOffset : 0);
    // items as Values, or (while every item is a plain number, `listItem`) packed
    let items: Value[] | null = null;
    let count = 0;
    // (empty until the first plain number: most lists hold none)
    let values = NO_NUMBERS;
    let starts = NO_OFFSETS;
    let ends = NO_OFFSETS;
    // (`keep`: copies without the spare room, for a list that stays packed; else views, for
    // making the items at once)
    const packed = (keep = false): PackedNumbers => {
      const cut = <T extends Float64Array | Int32Array>(a: T): T => (keep ? a.slice(0, count) : a.subarray(0, count)) as T;
      return new PackedNumbers(cut(values), cut(starts), cut(ends), this.text, (a, b) => this.span(a, b));
    };
    const add = (v: Value | IToken): void => {
      if (items === null && isToken(v)) {
        if (count === values.length) {
          values = doubled(values);
          starts = doubled(starts);
          ends = doubled(ends);
        }
        values[count] = Number(v.image);
        starts[count] = v.startOffset;
        ends[count++] = tokenEnd(v);
        return;
      }
      if (items === null) {
        const p = packed();
        items = Array.from({ length: count }, (_, i) => p.item(i));
      }
      items.push(isToken(v) ? numberValue(this, v) : v);
    };
    let prev: 'open' | 'sep' | 'value' = 'open';
    let prevStart = -1;
    let prevEnd = -1;
    const junk = new JunkRun(this, 'in a list');
    eachOrdered(n, (name, el) => {
      if (isToken(el) && name !== 'value') {
        if (name === 'junk') {
          junk.add([el], null);
          return;
        }
        junk.flush();
        if (el.tokenType === Comma) {
          if (prev !== 'value') {
            this.warning(prev === 'open' ? msg('SSL010', 'beforeFirstListItem') : msg('SSL010', 'doubledListComma'), this.tokSpan(el), { hint: 'remove it' });
          }
          prev = 'sep';
        }
        return;
      }
      junk.flush();
      // (a token under 'value': a plain number, see listItem)
      const v = isToken(el) ? el : isBuilt(el) ? (el as Value) : this.buildValue(el);
      if (!v) return;
      const [start, end] = isToken(v) ? [v.startOffset, tokenEnd(v)] : [v.span.startOffset, v.span.endOffset];
      if (prev === 'value' && prevStart >= 0) {
        this.error(msg('SSL017', 'missingComma'), isToken(v) ? this.tokSpan(v) : v.span, {
          hint: `add a comma after '${this.text.slice(prevStart, Math.min(prevEnd, prevStart + 30))}'`,
        });
      }
      add(v);
      prev = 'value';
      prevStart = start;
      prevEnd = end;
    });
    junk.flush();
    if (items === null && count >= PACK_FROM) return packedList(packed(true), span);
    if (items === null) {
      const p = packed();
      return { kind: 'list', items: Array.from({ length: count }, (_, i) => p.item(i)), span };
    }
    return { kind: 'list', items: (items as Value[]).slice(), span };
  }
}

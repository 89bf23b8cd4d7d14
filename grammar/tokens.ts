// The parser's tokens, compactly (#17.11): a token is its type and its [start, end) offsets in
// three typed arrays (9 bytes) instead of a Chevrotain token object with its image (≈ 83 bytes,
// plus the array slot), and a file's lexical errors are offset/length pairs. Token objects are
// made only when something asks for one (`at`): the parser for the few tokens it looks ahead at
// and consumes, the diagnostics for the tokens they name. Lines and columns come from the
// file's LineIndex.
//
// `lexCompact` does what the Chevrotain lexer of grammar/lexer.ts does with the same patterns
// (the first pattern that matches at an offset wins; white space is skipped; comments go to
// their own list; after a character no pattern matches, the lexer skips ahead to the first
// offset where one matches again and records one error for the run), through one sticky
// regular expression per pattern: test/grammar/tokens.test.ts compares the two on seeded random texts.

import type { IToken, TokenType } from 'chevrotain';
import { allTokens, WhiteSpace } from './lexer.js';
import { doubled } from '../core/rows.js';

/** Token types by their index in the tables (the order of `allTokens`). */
const TYPES: readonly TokenType[] = allTokens;
const TYPE_INDEX = new Map<TokenType, number>(TYPES.map((t, i) => [t, i]));
const COMMENT_TYPES = new Set<TokenType>(allTokens.filter((t) => t.GROUP === 'comments'));
const WHITESPACE = TYPE_INDEX.get(WhiteSpace)!;

function patternSource(t: TokenType): string {
  const p = t.PATTERN;
  if (!(p instanceof RegExp) || p.flags !== '') throw new Error(`token ${t.name}: the compact lexer needs a plain regular expression`);
  return p.source;
}

/** Every pattern as a sticky regular expression of its own, tried in order: the first that
 *  matches wins, as Chevrotain tries the patterns. (`test` allocates nothing; one alternation
 *  with a capture group per pattern made an array of 22 slots and a string per token, most of
 *  what lexing a file allocated.) */
const PATTERNS: readonly RegExp[] = TYPES.map((t) => new RegExp(patternSource(t), 'y'));

/** The type of the token at `offset` (its end in `match.end`), or -1 when no pattern matches there. */
function matchAt(text: string, offset: number, match: { end: number }): number {
  for (let i = 0; i < PATTERNS.length; i++) {
    const re = PATTERNS[i]!;
    re.lastIndex = offset;
    if (re.test(text)) {
      match.end = re.lastIndex;
      return i;
    }
  }
  return -1;
}

/** Token objects a table remembers (a power of two). */
const CACHE = 64;

/** The token of one table entry, in the shape of a Chevrotain offset-only token. */
function makeToken(type: TokenType, text: string, start: number, end: number): IToken {
  return { image: text.slice(start, end), startOffset: start, tokenTypeIdx: type.tokenTypeIdx!, tokenType: type } as IToken;
}

/** A growable list of tokens as (type, start, end); entries made by the bracket repair are
 *  token objects of their own (`made`). */
export class TokenTable {
  length = 0;
  private types: Uint8Array;
  private starts: Int32Array;
  private ends: Int32Array;
  private made: Map<number, IToken> | null = null;
  // the last tokens handed out, by index (the parser asks for the same few over and over, the
  // AST builder for those of the item just parsed)
  private readonly cacheIndex = new Int32Array(CACHE).fill(-1);
  private readonly cache: Array<IToken | undefined> = new Array<IToken | undefined>(CACHE);

  constructor(
    readonly text: string,
    capacity = 64,
  ) {
    this.types = new Uint8Array(capacity);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  private grow(): void {
    this.types = doubled(this.types);
    this.starts = doubled(this.starts);
    this.ends = doubled(this.ends);
  }

  push(type: number, start: number, end: number): void {
    if (this.length === this.types.length) this.grow();
    this.types[this.length] = type;
    this.starts[this.length] = start;
    this.ends[this.length] = end;
    this.length++;
  }

  /** Adds a token object made elsewhere (a closer the bracket repair inserts). */
  pushMade(t: IToken): void {
    (this.made ??= new Map()).set(this.length, t);
    this.push(TYPE_INDEX.get(t.tokenType) ?? 0, t.startOffset, t.startOffset + t.image.length);
  }

  /** Appends entry `i` of `from` (same text). */
  pushFrom(from: TokenTable, i: number): void {
    const made = from.made?.get(i);
    if (made) this.pushMade(made);
    else this.push(from.types[i]!, from.starts[i]!, from.ends[i]!);
  }

  type(i: number): TokenType {
    return TYPES[this.types[i]!]!;
  }

  start(i: number): number {
    return this.starts[i]!;
  }

  end(i: number): number {
    return this.ends[i]!;
  }

  image(i: number): string {
    return this.text.slice(this.starts[i]!, this.ends[i]!);
  }

  /** The token at `i` (undefined past the end). */
  at(i: number): IToken | undefined {
    if (i < 0 || i >= this.length) return undefined;
    const slot = i & (CACHE - 1);
    if (this.cacheIndex[slot] === i) return this.cache[slot];
    const t = this.made?.get(i) ?? makeToken(TYPES[this.types[i]!]!, this.text, this.starts[i]!, this.ends[i]!);
    this.cacheIndex[slot] = i;
    this.cache[slot] = t;
    return t;
  }

  /** Index of the first token starting at or after `offset` (`length` when none). */
  indexAt(offset: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** A file's lexical errors: runs of characters no token pattern matches. */
export class LexErrors {
  length = 0;
  private data = new Int32Array(16);

  push(offset: number, length: number): void {
    if (2 * this.length === this.data.length) this.data = doubled(this.data);
    this.data[2 * this.length] = offset;
    this.data[2 * this.length + 1] = length;
    this.length++;
  }

  offset(i: number): number {
    return this.data[2 * i]!;
  }

  size(i: number): number {
    return this.data[2 * i + 1]!;
  }
}

export interface CompactLexResult {
  tokens: TokenTable;
  comments: IToken[];
  errors: LexErrors;
}

/** Tokenizes `text` (or its part [from, to), offsets staying those of the whole text) into a
 *  TokenTable (see the top of this file). */
export function lexCompact(text: string, from = 0, to = text.length): CompactLexResult {
  // (a whole file: room for a token per character at once, so the tables are never copied to
  // grow; pages never written are never resident, and a file of 4 MB has about a million tokens)
  const tokens = new TokenTable(text, from === 0 && to === text.length ? Math.max(1024, to + 1) : 64);
  const comments: IToken[] = [];
  const errors = new LexErrors();
  const n = to;
  const match = { end: 0 };
  let offset = from;
  while (offset < n) {
    const type = matchAt(text, offset, match);
    if (type < 0) {
      // skip to the first offset where some pattern matches again; one error for the run
      const from = offset;
      do offset++;
      while (offset < n && matchAt(text, offset, match) < 0);
      errors.push(from, offset - from);
      continue;
    }
    const end = match.end;
    if (type !== WHITESPACE) {
      const t = TYPES[type]!;
      if (COMMENT_TYPES.has(t)) comments.push(makeToken(t, text, offset, end));
      else tokens.push(type, offset, end);
    }
    offset = end;
  }
  return { tokens, comments, errors };
}

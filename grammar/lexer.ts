// Tokens of the `.ssl` language. Whitespace (newlines included) and comments are skipped by the
// parser; comments are kept in a separate group so the AST builder can attach them for `fmt`.
//
// A few "error tokens" match common malformed input (unterminated string or comment, a number
// like `1e` or `1.2.3`, a size like `64x64x`). They belong to the category of the token they
// were meant to be, so the parser carries on as if the input were well formed, while the
// lexing step reports one precise diagnostic for them.

import type { IToken, TokenType } from 'chevrotain';
import { chevrotain } from './chevrotain.js';

const { createToken, Lexer } = chevrotain;

// ---- skipped
export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\v\u00a0\ufeff]+/, group: Lexer.SKIPPED, line_breaks: true });
export const LineComment = createToken({ name: 'LineComment', pattern: /(?:\/\/|#)[^\n\r]*/, group: 'comments' });
export const BlockComment = createToken({ name: 'BlockComment', pattern: /\/\*[\s\S]*?\*\//, group: 'comments', line_breaks: true });
/** `/* ...` with no closing `*\/` before the end of the file (SSL003). */
export const UnterminatedComment = createToken({ name: 'UnterminatedComment', pattern: /\/\*[\s\S]*/, group: 'comments', line_breaks: true });

// ---- literals
export const StringLit = createToken({ name: 'StringLit', label: 'a string', pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*"/ });
/** `"abc` running into the end of the line (SSL002); parsed as a string. */
export const UnterminatedString = createToken({ name: 'UnterminatedString', label: 'a string', pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*\\?/, categories: [StringLit] });

export const SizeLit = createToken({ name: 'SizeLit', label: 'a size (e.g. 64x64x64)', pattern: /\d+(?:x\d+)+(?![\w]|\.\d)/ });
export const NumberLit = createToken({
  name: 'NumberLit',
  label: 'a number',
  pattern: /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?%?(?![\w%]|\.(?!\.))/,
});
/** `24 x 24 x 24`, `24×24` (SSL007: a size has no spaces and a plain x); parsed as the size it means. */
export const SpacedSize = createToken({ name: 'SpacedSize', label: 'a size (e.g. 64x64x64)', pattern: /\d+(?:[ \t]*[xX×][ \t]*\d+)+(?![\w]|\.\d)/, categories: [SizeLit] });
/** `64x`, `64x64x`, `64xx64` (SSL007); parsed as a size. */
export const BadSize = createToken({ name: 'BadSize', label: 'a size (e.g. 64x64x64)', pattern: /\d+x[\w.]*/, categories: [SizeLit] });
/** `1e`, `1.`, `1.2.3`, `12abc`, `0x1F`, `.5` (SSL006); parsed as a number. */
export const BadNumber = createToken({ name: 'BadNumber', label: 'a number', pattern: /-?\d[\w.]*%?|-?\.\d[\w.]*%?/, categories: [NumberLit] });

export const Ident = createToken({ name: 'Ident', label: 'a name', pattern: /[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*/ });

// ---- punctuation
export const DotDot = createToken({ name: 'DotDot', label: "'..'", pattern: /\.\./ });
export const Dot = createToken({ name: 'Dot', label: "'.'", pattern: /\./ });
export const Equals = createToken({ name: 'Equals', label: "'='", pattern: /=/ });
export const Comma = createToken({ name: 'Comma', label: "','", pattern: /,/ });
export const Semicolon = createToken({ name: 'Semicolon', label: "';'", pattern: /;/ });
export const LBrace = createToken({ name: 'LBrace', label: "'{'", pattern: /\{/ });
export const RBrace = createToken({ name: 'RBrace', label: "'}'", pattern: /\}/ });
export const LBracket = createToken({ name: 'LBracket', label: "'['", pattern: /\[/ });
export const RBracket = createToken({ name: 'RBracket', label: "']'", pattern: /\]/ });

/** Order matters: the first pattern that matches wins. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  BlockComment,
  UnterminatedComment,
  LineComment,
  StringLit,
  UnterminatedString,
  SizeLit,
  SpacedSize,
  NumberLit,
  BadSize,
  BadNumber,
  Ident,
  DotDot,
  Dot,
  Equals,
  Comma,
  Semicolon,
  LBrace,
  RBrace,
  LBracket,
  RBracket,
];

/** Unit words that may follow a number: `25 epochs`, `2 voxels`, `30 min`. */
export const UNIT_WORDS: readonly string[] = ['epochs', 'epoch', 'steps', 'step', 'voxels', 'voxel', 'vox', 'mm', 'px', 'cases', 'case', 'minutes', 'min', 's', 'GB'];

/** A lexer; `validate` runs Chevrotain's token-definition checks (a test does; the shared
 *  instances skip them to start faster). `positions`: 'full' gives every token its line and
 *  column (for callers of `lex`); 'onlyOffset' (the parser's) stores offsets only, which makes a
 *  token about 2.5 times smaller (83 instead of 219 bytes): lines and columns come from a
 *  LineIndex of the text when a diagnostic needs them. */
export function createLexer(validate = false, positions: 'full' | 'onlyOffset' = 'full'): InstanceType<typeof Lexer> {
  return new Lexer(allTokens, {
    positionTracking: positions,
    ensureOptimizations: false,
    skipValidations: !validate,
    // lines end at '\n' only (a '\r\n' pair ends one line; a lone '\r' is just white space),
    // exactly as LineIndex counts them for spans
    lineTerminatorsPattern: /\n/g,
    lineTerminatorCharacters: ['\n'],
    // parse() words its own message per error (SSL009) from the offset; Chevrotain's would be
    // one more string per bad character (a file of 500 000 stray characters has as many errors)
    errorMessageProvider: { buildUnexpectedCharactersMessage: () => 'unexpected character', buildUnableToPopLexerModeMessage: () => 'unable to pop a lexer mode' },
  });
}

/** The parser's lexer (offsets only). */
export const sslLexer = createLexer(false, 'onlyOffset');
let fullLexer: InstanceType<typeof Lexer> | null = null;

export interface LexResult {
  tokens: IToken[];
  comments: IToken[];
  errors: Array<{ offset: number; length: number; line?: number; column?: number }>;
}

/** Tokens with lines and columns (for editors); `parse` uses `lexOffsets`. */
export function lex(text: string): LexResult {
  fullLexer ??= createLexer(false, 'full');
  return toLexResult(fullLexer.tokenize(text));
}

/** Tokens with offsets only: `startLine`, `startColumn`, … are undefined. */
export function lexOffsets(text: string): LexResult {
  return toLexResult(sslLexer.tokenize(text));
}

function toLexResult(r: ReturnType<InstanceType<typeof Lexer>['tokenize']>): LexResult {
  return {
    tokens: r.tokens,
    comments: r.groups['comments'] ?? [],
    errors: r.errors.map((e) => ({ offset: e.offset, length: e.length, line: e.line, column: e.column })),
  };
}

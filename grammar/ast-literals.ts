// Literal values (numbers, sizes, strings) and runs of unexpected tokens, turned into AST and
// diagnostics for the AST builder.

import type { IToken } from 'chevrotain';
import type { Entry, NumberValue, Span, Value } from './ast.js';
import type { Diagnostic } from './diagnostics.js';
import { BadNumber, BadSize, SpacedSize, UNIT_WORDS } from './lexer.js';
import { decodeString, tokenEnd } from './parse-tree.js';
import { msg, type CodedMessage } from '../core/codes/index.js';

/** What the literal builders need of the AST builder. */
export interface Reporter {
  error(m: CodedMessage, span: Span, extra?: Partial<Pick<Diagnostic, 'hint' | 'notes'>>): void;
  span(start: number, end: number): Span;
  tokSpan(t: IToken): Span;
  lineOf(t: IToken): number;
}

export function numberValue(r: Reporter, t: IToken, unitTok?: IToken): NumberValue {
  let raw = t.image;
  let unit: string | null = null;
  if (raw.endsWith('%')) {
    raw = raw.slice(0, -1);
    unit = '%';
  }
  let value = Number(raw);
  let malformed = false;
  if (t.tokenType === BadNumber || !Number.isFinite(value)) {
    const m = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)([A-Za-z_][\w]*)$/.exec(raw);
    let hint = "a number is written like 3, -0.5, 1e-3 or 10%";
    if (m && UNIT_WORDS.includes(m[2]!)) hint = `put a space between the number and its unit: '${m[1]} ${m[2]}'`;
    else if (/^-?\d+\.$/.test(raw)) hint = `write '${raw}0' or '${raw.slice(0, -1)}'`;
    else if (/^-?\.\d+$/.test(raw)) hint = `write '${raw.replace('.', '0.')}'`;
    else if (/[eE][+-]?$/.test(raw)) hint = `an exponent needs digits, e.g. '${raw.replace(/[eE][+-]?$/, '')}e-3'`;
    else if (t.tokenType !== BadNumber) hint = 'the number is too large to represent';
    r.error(t.tokenType === BadNumber ? msg('SSL006', 'malformedNumber', { image: t.image }) : msg('SSL006', 'outOfRange', { image: t.image }), r.tokSpan(t), { hint });
    malformed = true;
    value = parseFloat(raw);
    if (!Number.isFinite(value)) value = 0;
  }
  let end = tokenEnd(t);
  if (unitTok) {
    unit = unitTok.image;
    end = tokenEnd(unitTok);
  }
  if (malformed) return { kind: 'number', value, unit, raw, span: r.span(t.startOffset, end), malformed: true };
  return { kind: 'number', value, unit, raw, span: r.span(t.startOffset, end) };
}
export function sizeValue(r: Reporter, t: IToken): Value {
  if (t.tokenType === SpacedSize) {
    const dims = (t.image.match(/\d+/g) ?? []).map(Number);
    r.error(msg('SSL007', 'spacedSize', { size: dims.join('x') }), r.tokSpan(t), { hint: `write ${dims.join('x')}` });
    return { kind: 'size', dims, span: r.tokSpan(t) };
  }
  if (t.tokenType === BadSize) {
    r.error(msg('SSL007', 'malformedSize', { image: t.image }), r.tokSpan(t), { hint: "a size is whole numbers joined by 'x', e.g. 64x64x64 or 224x224" });
  }
  const dims = t.image
    .split('x')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => Number(d));
  return t.tokenType === BadSize ? { kind: 'size', dims, span: r.tokSpan(t), malformed: true } : { kind: 'size', dims, span: r.tokSpan(t) };
}
export function stringValue(r: Reporter, t: IToken, silent = false): { kind: 'string'; value: string; span: Span } {
  const span = r.tokSpan(t);
  if (silent) return { kind: 'string', value: decodeString(t.image).value, span };
  if (t.tokenType.name === 'UnterminatedString') {
    r.error(msg('SSL002', 'unterminatedString'), span, { hint: 'close it with " on the same line (a string cannot span lines; write \\n for a line break)' });
  }
  const { value, bad } = decodeString(t.image);
  for (const b of bad) {
    const s = t.startOffset + b.at;
    r.error(msg('SSL012', 'unknownEscape', { escape: b.text }), r.span(s, s + b.len), {
      hint: 'valid escapes are \\\\ \\" \\n \\t \\r \\0 \\uXXXX and \\u{X…}; write \\\\ for a backslash',
    });
  }
  return { kind: 'string', value, span };
}
/** Consecutive unexpected tokens on one line, reported as one SSL001. */
export class JunkRun {
  private tokens: IToken[] = [];
  private after: Entry | null = null;

  constructor(
    private readonly b: Reporter,
    private readonly where: string,
  ) {}

  add(tokens: IToken[], after: Entry | null): void {
    if (tokens.length === 0) return;
    const last = this.tokens[this.tokens.length - 1];
    if (last && this.b.lineOf(last) !== this.b.lineOf(tokens[0]!)) this.flush();
    if (this.tokens.length === 0) this.after = after;
    this.tokens.push(...tokens);
  }

  flush(): void {
    const ts = this.tokens;
    this.tokens = [];
    if (ts.length === 0) return;
    const first = ts[0]!;
    const last = ts[ts.length - 1]!;
    const span = this.b.span(first.startOffset, tokenEnd(last));
    const text = ts.map((t) => t.image).join(' ');
    const shown = text.length > 30 ? text.slice(0, 29) + '…' : text;
    const kind = first.tokenType.name;
    let hint: string | undefined;
    const prev = this.after;
    if (this.where === 'in a list') {
      hint = kind === 'Equals' ? 'a list holds values; for named values use a block: { key = value }' : "separate list items with ','";
    } else if (kind === 'Dot' && prev && prev.value.kind === 'ident' && prev.value.path.length === 0) {
      hint = `a key is a single name; for a nested setting write '${prev.key} { … }'`;
    } else if (kind === 'Equals') {
      hint = 'a key is one name followed by a single =';
    } else if (kind === 'NumberLit' || kind === 'SizeLit' || kind === 'StringLit' || kind === 'BadNumber' || kind === 'BadSize' || kind === 'SpacedSize' || kind === 'UnterminatedString') {
      hint = "every value needs a key: 'key = value'";
    }
    this.b.error(msg('SSL001', 'unexpected', { shown, where: this.where }), span, hint ? { hint } : {});
  }
}


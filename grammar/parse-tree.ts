// Reading the parser's ParseNodes (grammar/parser.ts) for the AST builder: elements by label,
// the real tokens under a node, its text range, its elements in text order; plus the decoding of
// string literals and the way a token is named in messages.

import type { IToken } from 'chevrotain';
import { isBuilt, isBuiltEntry, isParseNode, isRealToken as real, type Built, type ParseNode } from './parser.js';
import type { TokenTable } from './tokens.js';

export { real };

/** What a ParseNode holds: tokens, sub-nodes and list items and entries already built as AST. */
export type Element = IToken | ParseNode | Built;

/** The comments of the many AST nodes that have none: one shared, frozen empty array (32 bytes
 *  per entry saved; nothing modifies an AST's comment lists). */
export const NO_COMMENTS: string[] = Object.freeze([]) as unknown as string[];

export function isToken(e: Element): e is IToken {
  return !isParseNode(e) && !isBuilt(e);
}

export { isBuilt, isBuiltEntry };

/** The tokens of the file being built (ParseNodes keep a real token as its offset). */
let table: TokenTable | null = null;

/** Sets (null: clears) the TokenTable that the offsets in ParseNodes refer to. */
export function readTokensFrom(tokens: TokenTable | null): void {
  table = tokens;
}

/** The element stored at `kids[j]`: a token offset becomes the token again. */
function element(stored: ParseNode['kids'][number]): Element {
  if (typeof stored !== 'number') return stored as Element;
  if (table === null) throw new Error('no token table for a parse tree');
  const t = table.at(table.indexAt(stored));
  if (t === undefined || t.startOffset !== stored) throw new Error(`no token at offset ${stored}`);
  return t;
}

export function tokenEnd(t: IToken): number {
  return t.startOffset + t.image.length;
}

/** The i-th element consumed under `label`. */
export function kid(n: ParseNode, label: string, i: number): Element | undefined {
  const k = n.kids;
  for (let j = 0; j < k.length; j += 2) {
    if (k[j] === label && i-- === 0) return element(k[j + 1]!);
  }
  return undefined;
}

/** Every element consumed under `label`, in order. */
export function kids(n: ParseNode, label: string): Element[] {
  const out: Element[] = [];
  const k = n.kids;
  for (let j = 0; j < k.length; j += 2) if (k[j] === label) out.push(element(k[j + 1]!));
  return out;
}

export function tok(n: ParseNode, name: string, i = 0): IToken | undefined {
  const e = kid(n, name, i);
  return e && isToken(e) && real(e) ? e : undefined;
}

export function node(n: ParseNode, name: string, i = 0): ParseNode | undefined {
  const e = kid(n, name, i);
  return e && isParseNode(e) ? e : undefined;
}

/** All real tokens under a node, grouped by label in the order each label first occurs (the
 *  order a Chevrotain CST's `children` record gives; junk messages list tokens this way). */
export function tokensIn(n: ParseNode, out: IToken[] = []): IToken[] {
  const k = n.kids;
  const labels: string[] = [];
  for (let j = 0; j < k.length; j += 2) if (!labels.includes(k[j] as string)) labels.push(k[j] as string);
  for (const label of labels) {
    for (let j = 0; j < k.length; j += 2) {
      if (k[j] !== label) continue;
      const e = element(k[j + 1]!);
      if (isBuilt(e)) builtTokens(e, out);
      else if (isToken(e)) {
        if (real(e)) out.push(e);
      } else tokensIn(e, out);
    }
  }
  return out;
}

/** The tokens of a list item or entry built early (all real: it parsed without an error), in
 *  the order tokensIn gives for its parse tree: an entry's key and `=`, then its value's, a
 *  dotted name's segments first, then its dots. */
function builtTokens(e: Built, out: IToken[]): void {
  if (table === null) throw new Error('no token table for a parse tree');
  const v = isBuiltEntry(e) ? e.value : e;
  const dots: IToken[] = [];
  for (let i = table.indexAt(e.span.startOffset); i < table.length && table.start(i) < e.span.endOffset; i++) {
    const t = table.at(i)!;
    if (v.kind === 'ident' && t.tokenType.name === 'Dot' && t.startOffset >= v.span.startOffset) dots.push(t);
    else out.push(t);
  }
  out.push(...dots);
}

/** [start, end) of the real text under a node: from the node's location when it is
 *  trustworthy, else by scanning the tokens (recovered nodes). null when the node is empty. */
export function nodeRange(n: ParseNode): [number, number] | null {
  if (!n.recovered && Number.isFinite(n.locStart) && Number.isFinite(n.locEnd)) return [n.locStart, n.locEnd + 1];
  const ts = tokensIn(n);
  if (ts.length === 0) return null;
  let s = Infinity;
  let e = -Infinity;
  for (const t of ts) {
    if (t.startOffset < s) s = t.startOffset;
    if (tokenEnd(t) > e) e = tokenEnd(t);
  }
  return [s, e];
}

/** Calls `fn` for the elements of a node in text order (tokens and sub-nodes), with the label
 *  they came from, skipping tokens and nodes that are not in the text. (Elements are added in
 *  parse order, which is text order.) */
export function eachOrdered(n: ParseNode, fn: (name: string, el: Element, at: number) => void): void {
  const k = n.kids;
  for (let j = 0; j < k.length; j += 2) {
    const el = element(k[j + 1]!);
    if (isBuilt(el) ? false : isToken(el) ? !real(el) : !nodeRange(el)) continue;
    fn(k[j] as string, el, j + 1);
  }
}

export function decodeString(raw: string): { value: string; bad: Array<{ at: number; len: number; text: string }> } {
  // raw includes the opening quote and, when terminated, the closing quote
  // (an unterminated string may end with an escaped quote, which is content)
  let body = raw.slice(1);
  if (body.endsWith('"') && !/(^|[^\\])(\\\\)*\\"$/.test(body)) body = body.slice(0, -1);
  let value = '';
  const bad: Array<{ at: number; len: number; text: string }> = [];
  for (let i = 0; i < body.length; i++) {
    if (body.charCodeAt(i) !== 92) {
      // the run up to the next backslash in one piece (not a rope of one-character strings)
      const next = body.indexOf('\\', i);
      const stop = next < 0 ? body.length : next;
      value += body.slice(i, stop);
      i = stop - 1;
      continue;
    }
    const n = body[i + 1];
    if (n === undefined) {
      bad.push({ at: i + 1, len: 1, text: '\\' });
      break;
    }
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', '0': '\0' };
    if (simple[n] !== undefined) {
      value += simple[n];
      i++;
      continue;
    }
    if (n === 'u') {
      const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(body.slice(i + 2));
      const four = /^[0-9a-fA-F]{4}/.exec(body.slice(i + 2));
      const cp = braced ? parseInt(braced[1]!, 16) : four ? parseInt(four[0], 16) : NaN;
      if (Number.isFinite(cp) && cp <= 0x10ffff) {
        value += String.fromCodePoint(cp);
        i += 1 + (braced ? braced[0].length : 4);
        continue;
      }
    }
    bad.push({ at: i + 1, len: 2, text: '\\' + n });
    value += n;
    i++;
  }
  return { value, bad };
}

export function describeToken(t: IToken): string {
  const name = t.tokenType.name;
  if (name === 'EOF') return 'end of file';
  if (name === 'Ident') return `name '${t.image}'`;
  if (name === 'StringLit' || name === 'UnterminatedString') return `string ${t.image.length > 30 ? t.image.slice(0, 27) + '…' : t.image}`;
  if (name === 'NumberLit' || name === 'BadNumber') return `number '${t.image}'`;
  if (name === 'SizeLit' || name === 'BadSize' || name === 'SpacedSize') return `size '${t.image}'`;
  return `'${t.image}'`;
}

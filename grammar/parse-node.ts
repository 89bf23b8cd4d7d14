// The lean parse tree the parser builds (grammar/parser.ts): ParseNode, and how an element is
// added to one (a real token as its offset, a list item already built as AST, a sub-node).

import type { IToken } from 'chevrotain';
import type { Entry, Value } from './ast.js';

/** A parsed rule: its tokens and sub-nodes in the order parsed (which is text order), each
 *  with the label it was consumed under (the LABEL, or else the token type / rule name). It
 *  keeps what a Chevrotain CST node keeps, in one array instead of a dictionary of arrays per
 *  node: the tokens the parser inserted to recover (`isInsertedInRecovery`), the partial node
 *  of a rule that failed (`recovered`), and Chevrotain's offset-only location
 *  (`locStart`/`locEnd`, end inclusive; NaN until a token with an offset is added). */
export interface ParseNode {
  readonly name: string;
  /** label, element, label, element, … (NO_KIDS until the first element). A token that is in
   *  the text is kept as its start offset (#17.11: a number in the array costs nothing, a token
   *  object ≈ 80 bytes); grammar/parse-tree.ts gives the token back from the file's TokenTable.
   *  Tokens the parser or the bracket repair made up stay objects. */
  kids: Array<string | number | IToken | ParseNode | Built>;
  locStart: number;
  locEnd: number;
  recovered: boolean;
}

export function isParseNode(e: IToken | ParseNode | Built): e is ParseNode {
  return (e as ParseNode).kids !== undefined;
}

/** What the AST builder turns into AST as soon as the parser has it: a list item (a Value, see
 *  SslParser.onListItem) or a block's entry (an Entry, SslParser.onEntry). */
export type Built = Value | Entry;

export function isBuilt(e: IToken | ParseNode | Built): e is Built {
  return (e as Value).kind !== undefined || (e as Entry).keySpan !== undefined;
}

/** A block's entry built early (SslParser.onEntry). */
export function isBuiltEntry(e: IToken | ParseNode | Built): e is Entry {
  return (e as Entry).keySpan !== undefined;
}

/** A token that really is in the text (not one the parser made up to recover). */
export function isRealToken(t: IToken | undefined): t is IToken {
  return t !== undefined && !t.isInsertedInRecovery && Number.isFinite(t.startOffset);
}

export const NO_KIDS: ParseNode['kids'] = Object.freeze([]) as unknown as ParseNode['kids'];

/** Adds an element under `label` and updates the location exactly as Chevrotain's
 *  `setNodeLocationOnlyOffset` does for a CST node. No-op while recording (`n` undefined). */
export function put(n: ParseNode | undefined, label: string, el: IToken | ParseNode | Built | undefined): void {
  if (n === undefined || el === undefined) return;
  // most nodes hold one or two elements: an array literal of the exact size is ~120 bytes
  // smaller than an empty array grown by push
  const kept = !isParseNode(el) && !isBuilt(el) && isRealToken(el) ? el.startOffset : el;
  if (n.kids === NO_KIDS) n.kids = [label, kept];
  else n.kids.push(label, kept);
  if (isParseNode(el)) widen(n, el.locStart, el.locEnd);
  else if (isBuilt(el)) widen(n, el.span.startOffset, el.span.endOffset - 1);
  // (the parser's tokens have no endOffset; it is the last character's offset)
  else widen(n, el.startOffset, el.endOffset ?? el.startOffset + el.image.length - 1);
}

function widen(n: ParseNode, s: number, e: number): void {
  if (Number.isNaN(n.locStart)) {
    n.locStart = s;
    n.locEnd = e;
  } else if (n.locEnd < e) n.locEnd = e;
}

/** Adds a node of one real token as the token alone (kept as its offset, see `kids`). */
export function putToken(n: ParseNode, label: string, single: ParseNode): void {
  if (n.kids === NO_KIDS) n.kids = [label, single.kids[1]!];
  else n.kids.push(label, single.kids[1]!);
  widen(n, single.locStart, single.locEnd);
}

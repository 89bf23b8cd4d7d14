// One catalogue of every diagnostic code, for `ssl3d explain` and the docs.
// To add a part's codes: import its list and add it to `sources` (one line each).

import type { CodeInfo } from '../runtime/contract.js';
import { codes as syntaxCodes } from '../grammar/codes.js';
import { codes as compilerCodes } from '../compiler/codes.js';
import { codes as evalCodes } from '../runtime/eval/codes.js';

const sources: ReadonlyArray<readonly CodeInfo[]> = [
  syntaxCodes,
  compilerCodes,
  evalCodes,
];

/** Every known code, sorted by code; the first definition of a code wins. */
export function allCodes(): CodeInfo[] {
  const seen = new Map<string, CodeInfo>();
  for (const list of sources) for (const c of list) if (!seen.has(c.code)) seen.set(c.code, c);
  return [...seen.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

export function findCode(code: string): CodeInfo | undefined {
  const want = code.trim().toUpperCase();
  return allCodes().find((c) => c.code === want);
}

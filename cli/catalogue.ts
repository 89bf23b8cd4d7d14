// One catalogue of every diagnostic code, for `ssl3d explain` and the docs.
// To add a part's codes: import its list and add it to `sources` (one line each).

import type { CodeInfo } from '../runtime/contract.js';
import { codes as syntaxCodes } from '../grammar/codes.js';
import { codes as compilerCodes } from '../compiler/codes.js';
import { codes as evalCodes } from '../runtime/eval/codes.js';
import { codes as dataCodes } from '../runtime/data/codes.js';
import { MODEL_CODES as modelCodes } from '../runtime/models/codes.js';
import { codes as taskCodes } from '../runtime/tasks/codes.js';
import { EXECUTOR_CODES as executorCodes } from '../runtime/executor/codes.js';
import { codes as backendCodes } from '../runtime/backend/codes.js';

const sources: ReadonlyArray<readonly CodeInfo[]> = [
  syntaxCodes,
  compilerCodes,
  evalCodes,
  dataCodes,
  modelCodes,
  taskCodes,
  executorCodes,
  backendCodes,
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

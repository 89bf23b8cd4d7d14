// The one catalogue of diagnostic and error codes. Each range keeps its entries in a file of
// this folder: syntax (SSL001–019), compiler (SSL020–099), data (SSL100–129), models and
// training (SSL130–149), tasks (SSL150–159), fine-tuning/evaluation/reports (SSL160–179),
// executor (SSL180–199), backends (SSL200–209). `Code` is the union of every listed code, so a
// diagnostic or runtime error with a code that is not in the catalogue is a type error.
// `ssl3d explain`, docs/language.md's table and the golden list are derived from it.

import type { CodeInfo } from './info.js';
import { codes as backend } from './backend.js';
import { codes as compiler } from './compiler.js';
import { codes as data } from './data.js';
import { codes as evaluation } from './eval.js';
import { codes as executor } from './executor.js';
import { codes as models } from './models.js';
import { codes as syntax } from './syntax.js';
import { codes as tasks } from './tasks.js';

/** The catalogue by part (a new range: one file here and one line in this list). */
export const CATALOGUE = { syntax, compiler, data, models, tasks, evaluation, executor, backend } as const;

export type CodePart = keyof typeof CATALOGUE;

/** Every known code. */
export type Code = (typeof CATALOGUE)[CodePart][number]['code'];

export const syntaxCodes: readonly CodeInfo[] = syntax;
export const compilerCodes: readonly CodeInfo[] = compiler;

let sorted: CodeInfo[] | null = null;

/** Every known code, sorted by code; the first definition of a code wins. */
export function allCodes(): CodeInfo[] {
  if (!sorted) {
    const seen = new Map<string, CodeInfo>();
    for (const list of Object.values(CATALOGUE) as ReadonlyArray<readonly CodeInfo[]>) for (const c of list) if (!seen.has(c.code)) seen.set(c.code, c);
    sorted = [...seen.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  }
  return [...sorted];
}

export function findCode(code: string): CodeInfo | undefined {
  const want = code.trim().toUpperCase();
  return allCodes().find((c) => c.code === want);
}

/** Whether `code` is in the catalogue (for codes read back from files or the command line). */
export function isCode(code: string): code is Code {
  return findCode(code)?.code === code;
}

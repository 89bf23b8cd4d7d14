// The one catalogue of diagnostic and error codes. Each range keeps its entries in a file of
// this folder: syntax (SSL001–019), compiler (SSL020–099), data (SSL100–129), models and
// training (SSL130–149), tasks (SSL150–159), fine-tuning/evaluation/reports (SSL160–179),
// executor (SSL180–199), backends (SSL200–209). `Code` is the union of every listed code, so a
// diagnostic or runtime error with a code that is not in the catalogue is a type error.
// `ssl3d explain`, docs/language.md's table and the golden list are derived from it. Every
// message a diagnostic or runtime error carries is one of the entries' templates, built with
// `msg(code, key, params)`: a code, key or placeholder that is not in the catalogue is a type
// error.

import type { CodeInfo } from './info.js';
import { renderMessage, type ParamsArgs } from './message.js';
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

type Entry = (typeof CATALOGUE)[CodePart][number];
type EntryOf<C extends Code> = Extract<Entry, { code: C }>;
type MessagesOf<C extends Code> = EntryOf<C> extends { messages: infer M } ? M : Record<never, string>;

/** The message keys of a code. */
export type MessageKey<C extends Code> = keyof MessagesOf<C> & string;

/** The template of one message of a code. */
export type TemplateOf<C extends Code, K extends MessageKey<C>> = MessagesOf<C>[K] extends string ? MessagesOf<C>[K] : never;

/** A catalogue code with its rendered message: what diagnostics and runtime errors carry. */
export interface CodedMessage<C extends Code = Code> {
  readonly code: C;
  readonly message: string;
}

/**
 * The message `key` of `code` with its placeholders filled from `params`, e.g.
 * `msg('SSL060', 'channelDoesNotExist', { ch, ... })`. The params object is checked against the
 * template's placeholders at compile time (missing, misspelt or extra names do not compile).
 */
export function msg<C extends Code, K extends MessageKey<C>>(code: C, key: K, ...params: ParamsArgs<TemplateOf<C, K>>): CodedMessage<C> {
  const template = (findCode(code)?.messages as Readonly<Record<string, string>> | undefined)?.[key];
  if (template === undefined) throw new Error(`no message '${key}' for ${code} in the catalogue`);
  return { code, message: renderMessage(template, params[0] ?? {}) };
}

/**
 * A catalogue message carried under another code: an error that gathers several errors (the
 * data node's list of bad cases) keeps the code of the first while its text is a template of
 * its own. Only the code is borrowed; the text still comes from `msg`.
 */
export function underCode<C extends Code>(code: C, m: CodedMessage): CodedMessage<C> {
  return { code, message: m.message };
}

/** A catalogue message as one line headed by its code, e.g. `SSL182 …` (sep ' ') or `SSL173: …` (sep ': '): how warnings that are not diagnostics (executor events, report warnings, plan notes) carry their code. */
export function withCode(m: CodedMessage, sep = ' '): string {
  return `${m.code}${sep}${m.message}`;
}

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

let byCode: Map<string, CodeInfo> | null = null;

export function findCode(code: string): CodeInfo | undefined {
  byCode ??= new Map(allCodes().map((c) => [c.code, c]));
  return byCode.get(code.trim().toUpperCase());
}

/** Whether `code` is in the catalogue (for codes read back from files or the command line). */
export function isCode(code: string): code is Code {
  return findCode(code)?.code === code;
}

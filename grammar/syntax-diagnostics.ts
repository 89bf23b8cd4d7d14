// The syntax diagnostics of one file and the last step of `parse`: sort them by place, drop the
// duplicates and the consequences of an earlier error, and keep the first MAX_DIAGNOSTICS with
// the exact number of the others.
//
// A flood (a file of 500 000 doubled `,` has 500 000 warnings) must not cost an object each
// (#17.11): a DiagnosticRows keeps its first `keep` diagnostics as objects and the rest as rows
// of numbers (offset, line, code, message) — all the sorting and filtering look at.
// Only diagnostics that end up shown need their objects; when one of those is a row (the filters
// dropped so many earlier ones that a late row comes up), `finishDiagnostics` answers null and
// the caller parses again keeping every object, so the output never depends on the rows.

import type { Diagnostic } from './diagnostics.js';
import { withPlainSpans } from '../core/diagnostics.js';
import { doubled, Interner } from '../core/rows.js';

/** At most this many syntax diagnostics per file; the rest are cascades of the first ones. */
export const MAX_DIAGNOSTICS = 50;

export { Interner };

/** Diagnostics in the order they were reported: the first `keep` as objects, then as rows. */
export class DiagnosticRows {
  readonly objects: Diagnostic[] = [];
  rows = 0;
  private offsets = new Int32Array(64);
  private lines = new Int32Array(64);
  private codes = new Int32Array(64);
  private messages = new Int32Array(64);

  constructor(
    readonly keep: number,
    /** Numbers the codes and messages of rows; pass the same one to finishDiagnostics. */
    private readonly names: Interner,
  ) {}

  get length(): number {
    return this.objects.length + this.rows;
  }

  push(d: Diagnostic): void {
    if (this.objects.length < this.keep) {
      this.objects.push(d);
      return;
    }
    if (this.rows === this.offsets.length) {
      this.offsets = doubled(this.offsets);
      this.lines = doubled(this.lines);
      this.codes = doubled(this.codes);
      this.messages = doubled(this.messages);
    }
    const r = this.rows++;
    this.offsets[r] = d.span.startOffset;
    this.lines[r] = d.span.startLine;
    this.codes[r] = this.names.id(d.code);
    this.messages[r] = this.names.id(d.message);
  }

  /** Copies row `r` into the flat columns at `at`. */
  copyRow(r: number, at: number, to: Columns): void {
    to.offset[at] = this.offsets[r]!;
    to.line[at] = this.lines[r]!;
    to.code[at] = this.codes[r]!;
    to.message[at] = this.messages[r]!;
    to.object[at] = -1;
  }
}

interface Columns {
  offset: Int32Array;
  line: Int32Array;
  code: Int32Array;
  message: Int32Array;
  /** index into the objects, or -1 for a row */
  object: Int32Array;
}

/** Lexical errors counted but not built as diagnostics (see lexErrorDiagnostics in parse.ts). */
export interface LexRest {
  count: number;
  has(offset: number): boolean;
}

export const NO_REST: LexRest = { count: 0, has: () => false };

/** Codes after which the rest of the line is usually a consequence (one per line is kept). */
const STRUCTURAL = new Set(['SSL001', 'SSL008', 'SSL011', 'SSL018']);

/**
 * The diagnostics to report, from `parts` in the order they were reported (all of one file):
 * sorted by place (then code; equal ones in report order), the same code and message at the same
 * place once, no SSL001 on a token a more specific diagnostic (or a counted lexical error)
 * explains, one structural error per line; at most MAX_DIAGNOSTICS, the last noting how many
 * more there are. null when a diagnostic to show was kept only as a row (see the top).
 * `names` must be the Interner the DiagnosticRows among `parts` number their rows with.
 */
export function finishDiagnostics(parts: ReadonlyArray<Diagnostic[] | DiagnosticRows>, rest: LexRest = NO_REST, names = new Interner()): Diagnostic[] | null {
  let n = 0;
  for (const p of parts) n += p.length;
  const cols: Columns = { offset: new Int32Array(n), line: new Int32Array(n), code: new Int32Array(n), message: new Int32Array(n), object: new Int32Array(n) };
  const objects: Diagnostic[] = [];
  let at = 0;
  const addObject = (d: Diagnostic): void => {
    cols.offset[at] = d.span.startOffset;
    cols.line[at] = d.span.startLine;
    cols.code[at] = names.id(d.code);
    cols.message[at] = names.id(d.message);
    cols.object[at] = objects.length;
    objects.push(d);
    at++;
  };
  for (const p of parts) {
    if (Array.isArray(p)) {
      for (const d of p) addObject(d);
      continue;
    }
    for (const d of p.objects) addObject(d);
    for (let r = 0; r < p.rows; r++) p.copyRow(r, at++, cols);
  }
  const codeText = names.texts;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => {
    const byPlace = cols.offset[a]! - cols.offset[b]!;
    if (byPlace !== 0) return byPlace;
    const ca = codeText[cols.code[a]!]!;
    const cb = codeText[cols.code[b]!]!;
    return ca < cb ? -1 : ca > cb ? 1 : a - b;
  });

  const kept: number[] = []; // the first MAX_DIAGNOSTICS kept, by index
  let total = 0;
  let lastStructuralLine = -1;
  const seen = new Set<number>();
  const group: number[] = [];
  for (let g = 0; g < n; ) {
    // the diagnostics at one offset: first without duplicates (code and message), then filtered
    const offset = cols.offset[order[g]!]!;
    group.length = 0;
    seen.clear();
    let specific = false;
    for (; g < n && cols.offset[order[g]!] === offset; g++) {
      const i = order[g]!;
      const key = cols.code[i]! * 0x800000 + cols.message[i]!;
      if (seen.has(key)) continue;
      seen.add(key);
      group.push(i);
      const code = codeText[cols.code[i]!]!;
      if (code !== 'SSL001' && code !== 'SSL018') specific = true;
    }
    const explained = specific || rest.has(offset);
    for (const i of group) {
      const code = codeText[cols.code[i]!]!;
      if (code === 'SSL001' && explained) continue;
      if (STRUCTURAL.has(code)) {
        // sorted by offset, so lines only grow: "this line has one" is "the last one was here"
        if (cols.line[i] === lastStructuralLine) continue;
        lastStructuralLine = cols.line[i]!;
      }
      total++;
      if (kept.length < MAX_DIAGNOSTICS) kept.push(i);
    }
  }
  const shown: Diagnostic[] = [];
  for (const i of kept) {
    const o = cols.object[i]!;
    if (o < 0) return null;
    shown.push(withPlainSpans(objects[o]!));
  }
  total += rest.count;
  if (total <= MAX_DIAGNOSTICS) return shown;
  const last = shown[MAX_DIAGNOSTICS - 1]!;
  // every syntax problem is an error
  shown[MAX_DIAGNOSTICS - 1] = { ...last, notes: [...(last.notes ?? []), { message: `${total - MAX_DIAGNOSTICS} more syntax problems in this file are not shown` }], omitted: { errors: total - MAX_DIAGNOSTICS, warnings: 0 } };
  return shown;
}

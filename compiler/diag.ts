// Diagnostic helpers for the compiler. The Diagnostic shape is core/diagnostics.ts; every
// compiler diagnostic carries a message of the catalogue (`msg(code, key, params)` of core/codes/,
// so a code, message key or placeholder that is not listed there is a type error) and a source span.
import type { CodedMessage } from '../core/codes/index.js';
import type { Diagnostic } from '../core/diagnostics.js';
import type { Span } from '../core/span.js';
import { doubled, Interner } from '../core/rows.js';

export type { Diagnostic };

/** Diagnostics kept as objects before the rest are kept as rows (see Diagnostics). */
export const KEEP_OBJECTS = 1000;

/**
 * The diagnostics of a compile, in the order reported. A flood (a block of 100 000 unknown
 * keys) must not keep an object, a hint and a span each (#17.11): every diagnostic is a row
 * (file, offset, code, severity, message), which is all that sorting, de-duplicating and the
 * cap per file look at, and only the `keep` first of each file in sorted order (those that can
 * be shown) keep their objects too. `finish` answers null when a diagnostic to show has lost its
 * object (the filters dropped that many before it); compileSource then compiles again keeping
 * every object.
 */
export class Diagnostics {
  constructor(readonly keep = Infinity) {}

  /** Objects by position: of the `keep` first of each file in sorted order (see `first`), and
   *  any that carry an `omitted` count. */
  private readonly objects = new Map<number, Diagnostic>();
  /** Per file, the positions of its `keep` first diagnostics in sorted order (a max-heap). */
  private readonly first = new Map<number, number[]>();
  private n = 0;
  private errors = 0;
  private offsets = new Int32Array(16);
  private files = new Int32Array(16);
  private codes = new Int32Array(16);
  private warnings = new Uint8Array(16);
  private messages: string[] = [];
  private readonly names = new Interner();

  /** An error with a catalogue message (`msg(code, key, params)`) at `span`. */
  error(m: CodedMessage, span: Span, hint?: string): void {
    this.report('error', m, span, hint);
  }

  warning(m: CodedMessage, span: Span, hint?: string): void {
    this.report('warning', m, span, hint);
  }

  private report(severity: Diagnostic['severity'], m: CodedMessage, span: Span, hint: string | undefined): void {
    const d: Diagnostic = { code: m.code, severity, message: m.message, span };
    if (hint) d.hint = hint;
    this.add(d);
  }

  private id(text: string): number {
    return this.names.id(text);
  }

  private get texts(): string[] {
    return this.names.texts;
  }

  /** Adds a diagnostic made elsewhere (the parser's, a `--set` value's). */
  add(d: Diagnostic): void {
    const i = this.n++;
    if (i === this.offsets.length) this.grow();
    this.offsets[i] = d.span.startOffset;
    this.files[i] = this.id(d.span.file);
    this.codes[i] = this.id(d.code);
    this.warnings[i] = d.severity === 'error' ? 0 : 1;
    this.messages.push(d.message);
    if (d.omitted !== undefined || this.keep === Infinity) this.objects.set(i, d);
    else {
      const dropped = this.keepFirst(i);
      if (dropped !== i) this.objects.set(i, d);
      if (dropped >= 0 && dropped !== i && this.objects.get(dropped)?.omitted === undefined) this.objects.delete(dropped);
    }
    if (d.severity === 'error') this.errors++;
  }

  /** Whether position `a` sorts after `b` (file, offset, code, then report order). */
  private after(a: number, b: number): boolean {
    const byPlace = this.offsets[a]! - this.offsets[b]!;
    if (byPlace !== 0) return byPlace > 0;
    const ca = this.texts[this.codes[a]!]!;
    const cb = this.texts[this.codes[b]!]!;
    return ca !== cb ? ca > cb : a > b;
  }

  /** Puts position `i` among its file's first `keep`; returns the position that no longer is
   *  (possibly `i`), or -1. */
  private keepFirst(i: number): number {
    let heap = this.first.get(this.files[i]!);
    if (heap === undefined) this.first.set(this.files[i]!, (heap = []));
    if (heap.length < this.keep) {
      heap.push(i);
      for (let c = heap.length - 1; c > 0; ) {
        const p = (c - 1) >> 1;
        if (!this.after(heap[c]!, heap[p]!)) break;
        [heap[c], heap[p]] = [heap[p]!, heap[c]!];
        c = p;
      }
      return -1;
    }
    const top = heap[0]!;
    if (this.after(i, top)) return i;
    heap[0] = i;
    for (let p = 0; ; ) {
      const l = 2 * p + 1;
      const r = l + 1;
      let m = p;
      if (l < heap.length && this.after(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && this.after(heap[r]!, heap[m]!)) m = r;
      if (m === p) break;
      [heap[m], heap[p]] = [heap[p]!, heap[m]!];
      p = m;
    }
    return top;
  }

  /** Adds everything `other` holds, in its order (its rows stay rows). */
  addAll(other: Diagnostics): void {
    for (let j = 0; j < other.n; j++) {
      const d = other.objects.get(j);
      if (d !== undefined) {
        this.add(d);
        continue;
      }
      // (a row of `other` sorted after its own `keep` first: it cannot be among ours either)
      const i = this.n++;
      if (i === this.offsets.length) this.grow();
      this.offsets[i] = other.offsets[j]!;
      this.files[i] = this.id(other.texts[other.files[j]!]!);
      this.codes[i] = this.id(other.texts[other.codes[j]!]!);
      this.warnings[i] = other.warnings[j]!;
      this.messages.push(other.messages[j]!);
      if (other.warnings[j] === 0) this.errors++;
    }
  }

  private grow(): void {
    this.offsets = doubled(this.offsets);
    this.files = doubled(this.files);
    this.codes = doubled(this.codes);
    this.warnings = doubled(this.warnings);
  }

  /** How many diagnostics were reported. */
  get length(): number {
    return this.n;
  }

  /** The diagnostics kept as objects, in order (all of them unless more than `keep`). */
  get list(): Diagnostic[] {
    return [...this.objects.entries()].sort((a, b) => a[0] - b[0]).map(([, d]) => d);
  }

  /** Errors so far. */
  get errorCount(): number {
    return this.errors;
  }

  /**
   * What compileSource returns: sorted by file, place and code (equal ones in report order);
   * the same message at the same place once; at a place with an empty range (SSL028) only that
   * one; no SSL020 where the parser reported the kind (SSL013); at most MAX_DIAGNOSTICS_PER_FILE
   * per file, the last noting how many more there are (besides the syntax problems the parser
   * already left out). null when a diagnostic to show is a row.
   */
  finish(): Diagnostic[] | null {
    const n = this.n;
    const text = this.texts;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => {
      const fa = text[this.files[a]!]!;
      const fb = text[this.files[b]!]!;
      if (fa !== fb) return fa < fb ? -1 : 1;
      const byPlace = this.offsets[a]! - this.offsets[b]!;
      if (byPlace !== 0) return byPlace;
      const ca = text[this.codes[a]!]!;
      const cb = text[this.codes[b]!]!;
      return ca < cb ? -1 : ca > cb ? 1 : a - b;
    });
    // de-duplicate per place (file and offset)
    const kept = new Int32Array(n);
    let k = 0;
    const seen = new Set<string>();
    for (let g = 0; g < n; ) {
      const file = this.files[order[g]!]!;
      const offset = this.offsets[order[g]!]!;
      let end = g;
      let range = false;
      let kind = false;
      for (; end < n && this.files[order[end]!] === file && this.offsets[order[end]!] === offset; end++) {
        const code = text[this.codes[order[end]!]!];
        if (code === 'SSL028') range = true;
        if (code === 'SSL013') kind = true;
      }
      seen.clear();
      for (; g < end; g++) {
        const i = order[g]!;
        const code = text[this.codes[i]!];
        const message = this.messages[i]!;
        if (seen.has(message)) continue;
        // an empty range (SSL028) also fails its key's schema at the same spot: keep the precise one
        if (code !== 'SSL028' && range) continue;
        // a kind error the parser already reported (SSL013) is not repeated as SSL020
        if (code === 'SSL020' && kind) continue;
        seen.add(message);
        kept[k++] = i;
      }
    }
    // the first MAX_DIAGNOSTICS_PER_FILE of each file
    const out: Diagnostic[] = [];
    const object = (i: number): Diagnostic | null => this.objects.get(i) ?? null;
    for (let a = 0; a < k; ) {
      const file = this.files[kept[a]!]!;
      let b = a;
      while (b < k && this.files[kept[b]!] === file) b++;
      const shown = Math.min(b - a, MAX_DIAGNOSTICS_PER_FILE);
      for (let j = a; j < a + shown; j++) {
        const d = object(kept[j]!);
        if (d === null) return null;
        out.push(d);
      }
      if (b - a > MAX_DIAGNOSTICS_PER_FILE) {
        let errors = 0;
        let hiddenSyntax = 0;
        let omittedWarnings = 0;
        for (let j = a + MAX_DIAGNOSTICS_PER_FILE; j < b; j++) {
          const i = kept[j]!;
          if (this.warnings[i] === 0) errors++;
          const omitted = this.objects.get(i)?.omitted;
          hiddenSyntax += omitted?.errors ?? 0;
          omittedWarnings += omitted?.warnings ?? 0;
        }
        const hidden = b - a - MAX_DIAGNOSTICS_PER_FILE;
        const warnings = hidden - errors;
        const parts = [errors ? `${errors} error${errors === 1 ? '' : 's'}` : '', warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ');
        const last = out.pop()!;
        const more = `${hidden} more problem${hidden === 1 ? ' in this file is' : 's in this file are'} not shown (${parts})` + (hiddenSyntax ? `, besides ${hiddenSyntax} more syntax problems` : '');
        out.push({ ...last, notes: [...(last.notes ?? []), { message: more }], omitted: { errors: errors + hiddenSyntax + (last.omitted?.errors ?? 0), warnings: warnings + omittedWarnings + (last.omitted?.warnings ?? 0) } });
      }
      a = b;
    }
    return out;
  }
}

/** At most this many diagnostics per file are returned; the last one says how many more there are. */
export const MAX_DIAGNOSTICS_PER_FILE = 50;

/** A span covering a whole (small) virtual file, used when no better location exists. */
export function fileSpan(file: string, text = ''): Span {
  const lines = text.split('\n');
  return {
    file,
    startOffset: 0,
    endOffset: Math.max(0, Math.min(text.length, (lines[0] ?? '').length)),
    startLine: 1,
    startColumn: 1,
    endLine: 1,
    endColumn: (lines[0] ?? '').length + 1,
  };
}

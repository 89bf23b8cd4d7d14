// Diagnostics shared by the whole toolchain (syntax errors from grammar/, semantic errors from
// compiler/): a stable code, a message, an exact source span, an optional hint and notes.
// Rendering follows the rustc/clang layout:
//
//   experiments/brats.ssl:12:5: error SSL008: expected '=' between 'epochs' and its value
//      12 |   epochs 10
//         |         ^
//      = hint: write 'epochs = 10'

import type { Span } from './ast.js';

export type { Diagnostic, DiagnosticNote, Severity } from '../core/diagnostics.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { OffsetSpan, type SpanSource } from '../core/span.js';

export interface RenderOptions {
  color: boolean;
}

// ---------------------------------------------------------------------------------------------
// Spans

/** Index of line starts, so offsets map to 1-based line/column in O(log n). */
export class LineIndex {
  private readonly starts: number[];
  /** 0-based index of the line found last (a cache for lineOf). */
  private lastLine = 0;

  constructor(readonly text: string) {
    const starts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    this.starts = starts;
  }

  /** 1-based line and column of a 0-based offset (clamped to the text). */
  position(offset: number): { line: number; column: number } {
    const off = Math.max(0, Math.min(Number.isFinite(offset) ? offset : this.text.length, this.text.length));
    const line = this.lineOf(off);
    return { line, column: off - this.starts[line - 1]! + 1 };
  }

  /** The 1-based line of a 0-based offset (clamped to the text). */
  lineOf(offset: number): number {
    const off = Math.max(0, Math.min(Number.isFinite(offset) ? offset : this.text.length, this.text.length));
    // offsets are mostly asked for in text order: try the line of the last answer first
    const last = this.lastLine;
    const starts = this.starts;
    if (starts[last]! <= off && (last + 1 === starts.length || off < starts[last + 1]!)) return last + 1;
    const line = this.search(off);
    this.lastLine = line - 1;
    return line;
  }

  private search(off: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** [start, end) clamped into the text, end >= start. */
  private clamp(start: number, end: number): [number, number] {
    const len = this.text.length;
    const s = Math.max(0, Math.min(Number.isFinite(start) ? start : len, len));
    return [s, Math.max(s, Math.min(Number.isFinite(end) ? end : s, len))];
  }

  /** The span `span(source.file, start, end)` gives, as a compact OffsetSpan (lines and columns
   *  worked out when read); `source` must look positions up in this index. */
  offsetSpan(source: SpanSource, start: number, end: number): Span {
    const [s, e] = this.clamp(start, end);
    return new OffsetSpan(source, s, e);
  }

  /** A span over [start, end) (offsets clamped into the text; end >= start). */
  span(file: string, start: number, end: number): Span {
    const [s, e] = this.clamp(start, end);
    const a = this.lineOf(s);
    const b = this.lineOf(e);
    return {
      file,
      startOffset: s,
      endOffset: e,
      startLine: a,
      startColumn: s - this.starts[a - 1]! + 1,
      endLine: b,
      endColumn: e - this.starts[b - 1]! + 1,
    };
  }

  lineCount(): number {
    return this.starts.length;
  }

  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const i = Math.max(1, Math.min(line, this.starts.length)) - 1;
    const start = this.starts[i]!;
    const next = i + 1 < this.starts.length ? this.starts[i + 1]! - 1 : this.text.length;
    let end = next;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--; // CRLF
    return this.text.slice(start, end);
  }
}

/** Build a span from offsets over `text` (for callers that do not keep a LineIndex). */
export function spanAt(text: string, file: string, start: number, end: number): Span {
  return lineIndexFor(text).span(file, start, end);
}

/** The smallest span covering both. */
export function joinSpans(a: Span, b: Span): Span {
  const first = a.startOffset <= b.startOffset ? a : b;
  const last = a.endOffset >= b.endOffset ? a : b;
  return {
    file: a.file,
    startOffset: first.startOffset,
    startLine: first.startLine,
    startColumn: first.startColumn,
    endOffset: last.endOffset,
    endLine: last.endLine,
    endColumn: last.endColumn,
  };
}

// ---------------------------------------------------------------------------------------------
// Did you mean

/** Optimal-string-alignment (restricted Damerau-Levenshtein) distance: a transposition of two
 *  adjacent letters counts as one edit, as do insertions, deletions and substitutions. */
export function editDistance(a: string, b: string): number {
  const n = a.length;
  const m = b.length;
  if (n === 0) return m;
  if (m === 0) return n;
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = new Array<number>(m + 1);
  let cur = new Array<number>(m + 1);
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m]!;
}

/** The closest candidate to `word`, or null when nothing is close enough. Case differences are
 *  cheap (a candidate equal ignoring case always wins); otherwise the allowed distance grows with
 *  the word: 1 edit up to 4 letters, 2 up to 8, then 3. Ties go to the earlier candidate. */
export function didYouMean(word: string, candidates: readonly string[]): string | null {
  if (!word) return null;
  const lower = word.toLowerCase();
  for (const c of candidates) if (c !== word && c.toLowerCase() === lower) return c;
  const limit = word.length <= 4 ? 1 : word.length <= 8 ? 2 : 3;
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    if (c === word) continue;
    if (Math.abs(c.length - word.length) > limit) continue;
    const d = editDistance(lower, c.toLowerCase());
    // never suggest a word that shares nothing but its length (e.g. 'ab' for 'xy')
    if (d <= limit && d < Math.max(word.length, c.length) && d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Rendering

const ansi = {
  red: '\u001b[31m',
  yellow: '\u001b[33m',
  blue: '\u001b[34m',
  cyan: '\u001b[36m',
  bold: '\u001b[1m',
  reset: '\u001b[0m',
};

// Control characters (ESC, BEL, backspace, carriage return, C1 controls, bidi overrides) in user
// text would be obeyed by the terminal: a crafted file could clear or retitle it, or hide text.
// Invisible format characters (zero-width spaces and joiners, word joiner, byte-order mark,
// line/paragraph separators, soft hyphen, tag characters) would hide text or make two different
// names look alike. All of them are printed visibly instead: C0 controls and DEL as their Unicode
// control pictures (ESC → ␛, one column like the byte it stands for), the others as \u{…}.
/** The characters `visible` rewrites (tab and line feed are kept). */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\u{e0000}-\u{e007f}]/gu;

function visibleChar(c: string): string {
  const code = c.codePointAt(0)!;
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return `\\u{${code.toString(16)}}`;
}

/** `s` with every control or invisible format character shown visibly (see above); tabs and line feeds are kept. */
export function visible(s: string): string {
  return s.replace(CONTROL_CHARS, visibleChar);
}

function expandTabs(s: string): string {
  return visible(s).replace(/\t/g, '    ');
}

/** Display width of the first `n` characters of a line once tabs are expanded and controls made visible. */
function displayWidth(line: string, n: number): number {
  return expandTabs(line.slice(0, n)).length;
}

/** Longest source line shown whole; longer ones show this many characters around the span. */
const MAX_EXCERPT = 200;
const EXCERPT_BEFORE = 60;

function excerpt(span: Span, lines: LineIndex | null, paint: (s: string, c: keyof typeof ansi) => string, marker: string): string[] {
  if (!lines || span.startLine < 1 || span.startLine > lines.lineCount()) return [];
  const lineNo = span.startLine;
  // a byte-order mark that starts the file is not shown (editors hide it too); columns still count it
  const bom = lineNo === 1 && lines.lineText(1).startsWith('\ufeff') ? 1 : 0;
  const full = lines.lineText(lineNo).slice(bom);
  const gutter = String(lineNo).length;
  const pad = ' '.repeat(gutter);
  // a very long line (a minified file, a 1 MB string) is shown as a window around the span
  let raw = full;
  let shift = bom;
  if (full.length > MAX_EXCERPT) {
    const from = Math.max(0, Math.min(span.startColumn - bom - 1 - EXCERPT_BEFORE, full.length - MAX_EXCERPT));
    const to = Math.min(full.length, from + MAX_EXCERPT);
    raw = (from > 0 ? '…' : '') + full.slice(from, to) + (to < full.length ? '…' : '');
    shift = bom + (from > 0 ? from - 1 : 0);
  }
  const startCol = Math.max(1, Math.min(span.startColumn - shift, raw.length + 1));
  // underline to the end of the span, or to the end of the line for multi-line spans
  const endCol = span.endLine === span.startLine ? Math.max(startCol + 1, Math.min(span.endColumn - shift, raw.length + 1)) : Math.max(startCol + 1, raw.length + 1);
  const lead = displayWidth(raw, startCol - 1);
  const width = Math.max(1, displayWidth(raw, endCol - 1) - lead);
  const underline = marker + '~'.repeat(width - 1);
  return [
    `${pad} ${paint('|', 'blue')}`,
    `${paint(String(lineNo), 'blue')} ${paint('|', 'blue')} ${expandTabs(raw)}`,
    `${pad} ${paint('|', 'blue')} ${' '.repeat(lead)}${paint(underline, marker === '^' ? 'red' : 'cyan')}`,
  ];
}

// rendering many diagnostics of one file reuses its line index
let cachedIndex: LineIndex | null = null;
function lineIndexFor(text: string): LineIndex {
  if (!cachedIndex || cachedIndex.text !== text) cachedIndex = new LineIndex(text);
  return cachedIndex;
}

function where(span: Span): string {
  return `${span.file}:${span.startLine}:${span.startColumn}`;
}

/**
 * Render one diagnostic as text:
 * `path:line:col: error SSL0NN: message`, the source line, a caret underline of the span,
 * then the hint and the notes (notes in the same file also show their source line).
 * `sourceText` is the text of `d.span.file`; pass null when it is not available.
 */
export function renderDiagnostic(d: Diagnostic, sourceText: string | null, options: RenderOptions = { color: false }): string {
  const paint = (s: string, c: keyof typeof ansi): string => (options.color ? ansi[c] + s + ansi.reset : s);
  const lines = sourceText === null ? null : lineIndexFor(sourceText);
  const sev = d.severity === 'error' ? paint('error', 'red') : paint('warning', 'yellow');
  const out: string[] = [`${paint(visible(where(d.span)) + ':', 'bold')} ${sev} ${paint(d.code, 'bold')}: ${visible(d.message)}`];
  out.push(...excerpt(d.span, lines, paint, '^'));
  const gutter = ' '.repeat(String(d.span.startLine).length);
  if (d.hint) out.push(`${gutter} ${paint('=', 'blue')} hint: ${visible(d.hint)}`);
  for (const note of d.notes ?? []) {
    if (note.span) {
      out.push(`${gutter} ${paint('=', 'blue')} note: ${visible(note.message)} (${visible(where(note.span))})`);
      if (note.span.file === d.span.file) out.push(...excerpt(note.span, lines, paint, '-'));
    } else {
      out.push(`${gutter} ${paint('=', 'blue')} note: ${visible(note.message)}`);
    }
  }
  return out.join('\n') + '\n';
}

/** Render several diagnostics (sources looked up by file name), followed by a summary line. */
export function renderDiagnostics(diags: readonly Diagnostic[], sources: (file: string) => string | null, options: RenderOptions = { color: false }): string {
  let out = '';
  for (const d of diags) out += renderDiagnostic(d, sources(d.span.file), options) + '\n';
  const shownErrors = diags.filter((d) => d.severity === 'error').length;
  // the cap per file leaves problems out; the summary counts them too
  const omitted = diags.reduce((n, d) => n + (d.omitted ? d.omitted.errors + d.omitted.warnings : 0), 0);
  const errors = shownErrors + diags.reduce((n, d) => n + (d.omitted?.errors ?? 0), 0);
  const warnings = diags.length - shownErrors + diags.reduce((n, d) => n + (d.omitted?.warnings ?? 0), 0);
  if (diags.length > 0) {
    const parts: string[] = [];
    if (errors) parts.push(`${errors} error${errors === 1 ? '' : 's'}`);
    if (warnings) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
    out += parts.join(', ') + (omitted ? ` (${diags.length} shown)` : '') + '\n';
  }
  return out;
}

/** Machine-readable form for `--json`: a stable JSON array (one object per diagnostic). */
export function renderDiagnosticsJson(diags: readonly Diagnostic[]): string {
  const plain = diags.map((d) => ({
    code: d.code,
    severity: d.severity,
    message: d.message,
    file: d.span.file,
    line: d.span.startLine,
    column: d.span.startColumn,
    endLine: d.span.endLine,
    endColumn: d.span.endColumn,
    span: d.span,
    ...(d.hint !== undefined ? { hint: d.hint } : {}),
    ...(d.notes !== undefined ? { notes: d.notes } : {}),
    ...(d.omitted !== undefined ? { omitted: d.omitted } : {}),
  }));
  return JSON.stringify(plain, null, 2) + '\n';
}

/** Sort by file, then position, then code (stable, for deterministic output). */
export function sortDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  return [...diags].sort(
    (a, b) =>
      (a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : 0) ||
      a.span.startOffset - b.span.startOffset ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === 'error');
}

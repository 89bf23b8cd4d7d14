/** A location in a source file: 1-based line and column, 0-based offsets (end exclusive). */
export interface Span {
  file: string;
  startOffset: number;
  endOffset: number;
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

/** What a compact span asks for its file name, lines and columns (a file's line index). */
export interface SpanSource {
  readonly file: string;
  position(offset: number): { line: number; column: number };
}

/**
 * A span that stores only its offsets and its source (48 instead of 80 bytes, #17.11): the AST
 * has several per entry. Lines and columns are worked out when read. Spans that leave the
 * front end (diagnostics, the LSP worker's messages) are made plain with `plainSpan`, since a
 * structured clone keeps own fields only; JSON.stringify gives the plain form (toJSON).
 */
export class OffsetSpan implements Span {
  constructor(
    private readonly source: SpanSource,
    readonly startOffset: number,
    readonly endOffset: number,
  ) {}

  get file(): string {
    return this.source.file;
  }

  get startLine(): number {
    return this.source.position(this.startOffset).line;
  }

  get startColumn(): number {
    return this.source.position(this.startOffset).column;
  }

  get endLine(): number {
    return this.source.position(this.endOffset).line;
  }

  get endColumn(): number {
    return this.source.position(this.endOffset).column;
  }

  toJSON(): Span {
    return plainSpan(this);
  }
}

/** A span as a plain object with all seven fields (the same object when it is one already). */
export function plainSpan(s: Span): Span {
  if (!(s instanceof OffsetSpan)) return s;
  const start = { line: s.startLine, column: s.startColumn };
  return { file: s.file, startOffset: s.startOffset, endOffset: s.endOffset, startLine: start.line, startColumn: start.column, endLine: s.endLine, endColumn: s.endColumn };
}

/** A copy of `x` (arrays and plain objects, deeply) with every OffsetSpan made plain: for what
 *  is posted to another thread, where a structured clone would drop the getters. */
export function plainSpansDeep<T>(x: T): T {
  if (x instanceof OffsetSpan) return plainSpan(x) as T;
  if (Array.isArray(x)) return x.map((v: unknown) => plainSpansDeep(v)) as T;
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[k] = plainSpansDeep(v);
    return out as T;
  }
  return x;
}

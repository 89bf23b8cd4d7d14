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

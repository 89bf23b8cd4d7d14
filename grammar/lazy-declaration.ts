// Declarations whose entries are parsed again when asked (#17.11: memory of `check` near the
// file's size). The compiler reads a declaration's entries twice at most — once to make its
// JSON, and again only to locate a problem — so `parse(text, file, { lazy: true })` (what the
// compiler calls) keeps of each declaration that parsed without any problem only its head (kind,
// name, type and their spans, comments) and its text range; `entries` parses that range again
// (offsets, lines and values are those of the first parse; comments are left out, the compiler
// does not read them). A file of 10 000 small declarations then holds 10 000 heads instead of
// 10 000 ASTs. Declarations with a syntax problem, and every declaration of `parse` without
// `lazy` (the formatter, the language server), keep their entries as built.
import type { Declaration, Entry, Span } from './ast.js';

/** Parses the entries of the declaration at [start, end) of its file again. */
export interface Reparser {
  entries(start: number, end: number): Entry[];
}

/** Entries parsed again lately, newest last: a problem flood in one block locates every
 *  problem with one parse, checkers that go back and forth between a few declarations too. */
const recent: Array<{ decl: LazyDeclaration; entries: Entry[] }> = [];
const RECENT = 8;

export class LazyDeclaration implements Declaration {
  readonly kind: string;
  readonly kindSpan: Span;
  readonly name: string;
  readonly nameSpan: Span;
  readonly type: string | null;
  readonly typeSpan: Span | null;
  readonly span: Span;
  readonly comments: string[];
  declare trailingComments?: string[];
  declare trailingComment?: string;
  /** Entries set by a caller (the compiler's `--set` edits them in place): kept from then on. */
  private pinned: Entry[] | null = null;

  constructor(
    decl: Declaration,
    private readonly source: Reparser,
  ) {
    this.kind = decl.kind;
    this.kindSpan = decl.kindSpan;
    this.name = decl.name;
    this.nameSpan = decl.nameSpan;
    this.type = decl.type;
    this.typeSpan = decl.typeSpan;
    this.span = decl.span;
    this.comments = decl.comments;
    if (decl.trailingComments !== undefined) this.trailingComments = decl.trailingComments;
    if (decl.trailingComment !== undefined) this.trailingComment = decl.trailingComment;
  }

  get entries(): Entry[] {
    if (this.pinned !== null) return this.pinned;
    const i = recent.findIndex((r) => r.decl === this);
    if (i >= 0) {
      const hit = recent.splice(i, 1)[0]!;
      recent.push(hit);
      return hit.entries;
    }
    const entries = this.source.entries(this.span.startOffset, this.span.endOffset);
    recent.push({ decl: this, entries });
    if (recent.length > RECENT) recent.shift();
    return entries;
  }

  /** Keeps `entries` as this declaration's from now on (an edited list must not be parsed again). */
  set entries(entries: Entry[]) {
    this.pinned = entries;
    const i = recent.findIndex((r) => r.decl === this);
    if (i >= 0) recent.splice(i, 1);
  }
}

/** Lets go of the entries parsed again lately (they would keep the last file's AST alive). */
export function forgetRecentEntries(): void {
  recent.length = 0;
}

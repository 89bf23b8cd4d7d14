// Walking the AST for the editor: what is at an offset, every reference to a declaration, and
// name resolution across imports (the compiler's rules: a file sees its own declarations and
// those of its unaliased imports; `import "x.ssl" as common` gives `common.NAME`).
import { posix } from 'node:path';
import type { BlockValue, Declaration, Document, Entry, IdentValue, Import, Span, Value } from '../../grammar/ast.js';
import type { Frame } from './schema.js';

export type Hit =
  | { kind: 'declKind'; decl: Declaration }
  | { kind: 'declName'; decl: Declaration }
  | { kind: 'declType'; decl: Declaration }
  | { kind: 'key'; frames: Frame[]; entry: Entry }
  | { kind: 'ident'; frames: Frame[]; key: string; value: IdentValue }
  | { kind: 'value'; frames: Frame[]; key: string; value: Value }
  | { kind: 'blockType'; frames: Frame[]; key: string; block: BlockValue }
  | { kind: 'import'; imp: Import };

const inside = (s: Span | null | undefined, off: number): boolean => !!s && off >= s.startOffset && off <= s.endOffset;

function inValue(v: Value, off: number, frames: Frame[], key: string): Hit | null {
  if (!inside(v.span, off)) return null;
  switch (v.kind) {
    case 'ident':
      return { kind: 'ident', frames, key, value: v };
    case 'list':
      for (const item of v.items) {
        const h = inValue(item, off, frames, key);
        if (h) return h;
      }
      return null;
    case 'block': {
      if (v.typeSpan && inside(v.typeSpan, off)) return { kind: 'blockType', frames, key, block: v };
      const inner = [...frames, { word: key, type: v.type, name: null }];
      return inEntries(v.entries, off, inner);
    }
    default:
      return { kind: 'value', frames, key, value: v };
  }
}

function inEntries(entries: Entry[], off: number, frames: Frame[]): Hit | null {
  for (const e of entries) {
    if (inside(e.keySpan, off) && e.keySpan.file === e.span.file) return { kind: 'key', frames, entry: e };
    const h = inValue(e.value, off, frames, e.key);
    if (h) return h;
  }
  return null;
}

/** The innermost thing at `off` (an offset into the document's text). */
export function hitAt(doc: Document, off: number): Hit | null {
  for (const imp of doc.imports) if (inside(imp.span, off)) return { kind: 'import', imp };
  for (const d of doc.declarations) {
    if (!inside(d.span, off)) continue;
    if (inside(d.kindSpan, off)) return { kind: 'declKind', decl: d };
    if (d.name && inside(d.nameSpan, off)) return { kind: 'declName', decl: d };
    if (d.typeSpan && inside(d.typeSpan, off)) return { kind: 'declType', decl: d };
    return inEntries(d.entries, off, [{ word: d.kind, type: d.type, name: d.name }]);
  }
  return null;
}

/** Every identifier value of a document (candidate references), with the key it is under. */
export function identValues(doc: Document): IdentValue[] {
  const out: IdentValue[] = [];
  const walk = (v: Value): void => {
    if (v.kind === 'ident') out.push(v);
    else if (v.kind === 'list') v.items.forEach(walk);
    else if (v.kind === 'block') v.entries.forEach((e) => walk(e.value));
  };
  for (const d of doc.declarations) for (const e of d.entries) walk(e.value);
  return out;
}

/** The file an import names, resolved as the compiler does (relative to the importing file). */
export function importTarget(file: string, imp: { path: string }): string {
  return posix.normalize(posix.join(posix.dirname(file), imp.path));
}

/** A declaration somewhere in the workspace. */
export interface DeclRef {
  file: string;
  decl: Declaration;
}

export interface Resolved {
  target: DeclRef;
  /** Which path segment names the declaration (1 for `common.ukb`, else 0). */
  segment: number;
}

/** Resolve an identifier in `file`'s scope; `docOf` gives the parsed document of a path. */
export function resolveIdent(file: string, doc: Document, ident: IdentValue, docOf: (path: string) => Document | null): Resolved | null {
  const first = ident.path[0] ?? ident.name;
  const own = doc.declarations.find((d) => d.name === first);
  if (own) return { target: { file, decl: own }, segment: 0 };
  for (const imp of doc.imports) {
    const target = importTarget(file, imp);
    if (imp.alias) {
      if (imp.alias !== first || ident.path.length < 2) continue;
      const other = docOf(target);
      const d = other?.declarations.find((x) => x.name === ident.path[1]);
      if (d) return { target: { file: target, decl: d }, segment: 1 };
      continue;
    }
    const other = docOf(target);
    const d = other?.declarations.find((x) => x.name === first);
    if (d) return { target: { file: target, decl: d }, segment: 0 };
  }
  return null;
}

/** The part of an identifier's span that spells segment `k` of its path. */
export function segmentSpan(ident: IdentValue, k: number): { start: number; end: number } {
  let start = ident.span.startOffset;
  for (let i = 0; i < k; i++) start += (ident.path[i] ?? '').length + 1;
  return { start, end: start + (ident.path[k] ?? ident.name).length };
}

/** Declarations visible from `doc` (own, imported, and `alias.NAME`), for completion. */
export function visibleDeclarations(file: string, doc: Document, docOf: (path: string) => Document | null): Array<{ name: string; decl: Declaration; file: string }> {
  const out: Array<{ name: string; decl: Declaration; file: string }> = [];
  for (const d of doc.declarations) if (d.name) out.push({ name: d.name, decl: d, file });
  for (const imp of doc.imports) {
    const target = importTarget(file, imp);
    const other = docOf(target);
    if (!other) continue;
    for (const d of other.declarations) if (d.name) out.push({ name: imp.alias ? `${imp.alias}.${d.name}` : d.name, decl: d, file: target });
  }
  return out;
}

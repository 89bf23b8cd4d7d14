// `--set PATH=VALUE` overrides: rewrite the root document's AST before it is checked, so an
// override is parsed and type-checked exactly like a value written in the file, with
// diagnostics pointing into the override text (`--set[N]`).
import type { BlockValue, Declaration, Entry, Span, Value } from '../grammar/ast.js';
import { parseValue } from '../grammar/index.js';
import type { Diagnostics } from './diag.js';
import type { Module } from './modules.js';
import { closest } from './suggest.js';
import { msg } from '../core/codes/index.js';

function shiftSpan(s: Span, by: number, file: string): Span {
  return {
    file,
    startOffset: s.startOffset + by,
    endOffset: s.endOffset + by,
    startLine: s.startLine,
    startColumn: s.startLine === 1 ? s.startColumn + by : s.startColumn,
    endLine: s.endLine,
    endColumn: s.endLine === 1 ? s.endColumn + by : s.endColumn,
  };
}

function shiftValue<T>(v: T, by: number, file: string): T {
  if (Array.isArray(v)) return v.map((x) => shiftValue(x, by, file)) as T;
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      o[k] = x && typeof x === 'object' && 'startOffset' in x && 'file' in x ? shiftSpan(x as Span, by, file) : shiftValue(x, by, file);
    }
    return o as T;
  }
  return v;
}

function lineSpan(file: string, text: string, start: number, end: number): Span {
  return { file, startOffset: start, endOffset: end, startLine: 1, startColumn: start + 1, endLine: 1, endColumn: end + 1 };
}

/**
 * Apply `path=value` overrides to the root document before checking. The path names a
 * declaration and a key inside it: `NAME.key[.key…]`, optionally prefixed by the kind
 * (`pretext.rot3d.train.epochs`); `experiment.KEY` addresses the experiment. Missing keys are
 * added (and then checked like any other key); the value is parsed and type-checked exactly
 * like a value in the file, with diagnostics pointing into the override text.
 */
export function applyOverrides(root: Module, overrides: string[], diags: Diagnostics, sources: Record<string, string>): void {
  const doc = root.doc;
  // what each --set already wrote (declaration + key path), to refuse one that silently undoes another
  const written: Array<{ target: string[]; index: number }> = [];
  overrides.forEach((raw, i) => {
    const file = `--set[${i + 1}]`;
    sources[file] = raw;
    const eq = raw.indexOf('=');
    if (eq <= 0) {
      diags.error(msg('SSL039', 'notAssignment', { raw }), lineSpan(file, raw, 0, raw.length));
      return;
    }
    const pathText = raw.slice(0, eq).trim();
    const pathSpan = lineSpan(file, raw, 0, eq);
    const segs = pathText.split('.');
    if (segs.some((s) => !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(s))) {
      diags.error(msg('SSL039', 'badPath', { pathText }), pathSpan);
      return;
    }
    // Names visible from the experiment file: its own, unaliased imports, and ALIAS.NAME.
    const find = (name: string, next: string | undefined): { decl: Declaration; used: number } | null => {
      const sym = root.scope.get(name);
      if (sym) return { decl: sym.decl, used: 1 };
      const alias = root.aliases.get(name);
      const inner = alias && next !== undefined ? alias.own.get(next) : undefined;
      return inner ? { decl: inner.decl, used: 2 } : null;
    };
    let decl: Declaration | undefined;
    let rest: string[] = [];
    const experiment = doc.declarations.find((d) => d.kind === 'experiment');
    if (segs[0] === 'experiment' && !root.scope.has('experiment') && experiment) {
      decl = experiment;
      rest = segs.slice(1);
    } else {
      const withKind = segs.length >= 3 ? find(segs[1]!, segs[2]) : null;
      if (withKind && withKind.decl.kind === segs[0]) {
        decl = withKind.decl;
        rest = segs.slice(1 + withKind.used);
      } else {
        const plain = find(segs[0]!, segs[1]);
        if (plain) {
          decl = plain.decl;
          rest = segs.slice(plain.used);
        }
      }
    }
    const names = [...root.scope.keys()];
    if (!decl) {
      const near = closest(segs[0]!, names);
      diags.error(msg('SSL039', 'noDeclaration', { name: segs[0], file: doc.file }), lineSpan(file, raw, 0, segs[0]!.length), near ? `did you mean '${near}'?` : `declared: ${names.join(', ')}`);
      return;
    }
    if (rest.length === 0) {
      diags.error(msg('SSL039', 'noKey', { kind: decl.kind, name: decl.name }), pathSpan);
      return;
    }
    // `--set a.b=1 --set a.b=2` (or `--set a.b.c=1 --set a.b={…}`): the later one would replace
    // the earlier without a word; a key given twice in a file is an error too
    const target = [decl.kind, decl.name, ...rest];
    const undone = written.find((w) => target.length <= w.target.length && target.every((t, k) => t === w.target[k]));
    if (undone) {
      diags.error(msg('SSL039', 'setTwice', { path: rest.join('.'), name: decl.name, first: undone.index + 1, earlier: undone.target.length > target.length ? ` (${undone.target.slice(2).join('.')})` : '' }), pathSpan, 'give each key once');
      return;
    }
    written.push({ target, index: i });
    const valueText = raw.slice(eq + 1);
    const parsed = parseValue(valueText, file);
    const by = eq + 1;
    for (const d of parsed.diagnostics) diags.add({ ...d, span: shiftSpan(d.span, by, file) });
    if (!parsed.value) return;
    const value = shiftValue(parsed.value, by, file) as Value;
    let entries: Entry[] = decl.entries;
    // (kept as the declaration's own: a lazy declaration would otherwise parse them again, unedited)
    decl.entries = entries;
    for (let k = 0; k < rest.length; k++) {
      const key = rest[k]!;
      const last = k === rest.length - 1;
      const existing = entries.find((e) => e.key === key);
      if (last) {
        if (existing) {
          existing.value = value;
          existing.keySpan = pathSpan;
        } else entries.push({ key, keySpan: pathSpan, value, span: pathSpan, comments: [] });
        break;
      }
      if (existing && existing.value.kind === 'block') {
        entries = existing.value.entries;
      } else if (existing) {
        diags.error(msg('SSL039', 'notBlock', { path: rest.slice(0, k + 1).join('.'), kind: decl.kind, name: decl.name }), pathSpan);
        return;
      } else {
        const block: BlockValue = { kind: 'block', type: null, typeSpan: null, entries: [], span: pathSpan };
        entries.push({ key, keySpan: pathSpan, value: block, span: pathSpan, comments: [] });
        entries = block.entries;
      }
    }
  });
}

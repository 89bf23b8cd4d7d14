// AST values → plain JSON for schema validation, with a map from JSON pointer to source span
// so that every ajv error can be reported at the exact offending text.
//
// Encoding (what the schemas in compiler/schemas/ see):
//   3            → 3                      10% / 25 epochs → { $value: 10, $unit: '%' }
//   64x64x64     → [64, 64, 64]           "text"          → { $string: 'text' }
//   adam / a.b   → 'adam' / 'a.b'         true            → true
//   [a, b]       → ['a', 'b']             1..4 (step 1)   → [1, 2, 3, 4]
//   adam { … }   → { $type: 'adam', … }   { … }           → { … }
// Keys listed in REPEATABLE (table, plot) may appear several times and always become arrays.
import type { Entry, Span, Value } from '../grammar/ast.js';
import { Diagnostics } from './diag.js';
import { msg } from '../core/codes/index.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface SpanInfo {
  /** Span of the key (for entries). */
  key?: Span;
  /** Span of the value. */
  value: Span;
  /** Span of the block type word (`adam` in `adam { … }`). */
  type?: Span;
  /** The value was a malformed literal (a syntax error is already reported): no schema error for it. */
  malformed?: true;
}

/**
 * The spans of a block's JSON by JSON pointer. The items of a list that are plain values
 * (numbers, sizes, names, strings) are not stored one by one: `get` answers
 * `{ value: item.span }` for `<list pointer>/<i>` from the list itself (#17.11: a list of
 * 200 000 numbers no longer costs a pointer string, an object and a map entry per number).
 */
export class SpanMap extends Map<string, SpanInfo> {
  private readonly lists = new Map<string, readonly Value[]>();

  /** Answers `<pointer>/<i>` from `items` when no entry was set for it. */
  listItems(pointer: string, items: readonly Value[]): void {
    this.lists.set(pointer, items);
  }

  override get(pointer: string): SpanInfo | undefined {
    const set = super.get(pointer);
    if (set !== undefined || this.lists.size === 0) return set;
    const cut = pointer.lastIndexOf('/');
    const items = cut >= 0 ? this.lists.get(pointer.slice(0, cut)) : undefined;
    const index = pointer.slice(cut + 1);
    if (items === undefined || !/^(0|[1-9]\d*)$/.test(index)) return undefined;
    const item = items[Number(index)];
    return item !== undefined && plainItem(item) ? { value: item.span } : undefined;
  }

  override has(pointer: string): boolean {
    return this.get(pointer) !== undefined;
  }
}

/** A list item whose span entry would be just `{ value: span }` and that holds no other value. */
function plainItem(v: Value): boolean {
  if (v.kind === 'number' || v.kind === 'size') return v.malformed !== true;
  if (v.kind === 'string') return !v.value.includes('\u0000');
  return v.kind === 'ident' || v.kind === 'bool';
}

export const REPEATABLE = new Set(['table', 'plot']);

const UNIT_ALIASES: Record<string, string> = {
  epoch: 'epochs',
  epochs: 'epochs',
  step: 'steps',
  steps: 'steps',
  voxel: 'voxels',
  voxels: 'voxels',
  vx: 'voxels',
  px: 'voxels',
  pixel: 'voxels',
  pixels: 'voxels',
  percent: '%',
  '%': '%',
  min: 'minutes',
  minute: 'minutes',
};

/** Canonical spelling of a unit (`epoch` → `epochs`, `px` → `voxels`); unknown units unchanged. */
export function canonicalUnit(unit: string): string {
  return UNIT_ALIASES[unit] ?? unit;
}

const MAX_RANGE = 10000;

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function numberToJson(v: { value: number; unit: string | null }): Json {
  if (v.unit === null) return v.value;
  return { $value: v.value, $unit: canonicalUnit(v.unit) };
}

export function valueToJson(value: Value, pointer: string, spans: SpanMap, diags: Diagnostics, recordSpan = true): Json {
  if (recordSpan) {
    const existing = spans.get(pointer);
    spans.set(pointer, { ...existing, value: value.span, ...((value.kind === 'number' || value.kind === 'size') && value.malformed ? { malformed: true as const } : {}) });
  }
  switch (value.kind) {
    case 'number':
      return numberToJson(value);
    case 'size':
      return value.dims.slice();
    case 'string':
      // No file name or setting can hold a NUL byte (the OS would cut the path at it).
      if (value.value.includes('\u0000')) diags.error(msg('SSL090', 'nulByte'), value.span);
      return { $string: value.value };
    case 'ident':
      return value.path.length > 1 ? value.path.join('.') : value.name;
    case 'bool':
      return value.value;
    case 'list':
      // plain items: their spans come from the list (SpanMap.get), their pointers are not needed
      spans.listItems(pointer, value.items);
      return value.items.map((item, i) => (plainItem(item) ? valueToJson(item, '', spans, diags, false) : valueToJson(item, `${pointer}/${i}`, spans, diags)));
    case 'range': {
      const from = value.from.value;
      const to = value.to.value;
      const step = value.step ? value.step.value : 1;
      const unit = value.from.unit ?? value.to.unit ?? value.step?.unit ?? null;
      const count = step > 0 && Number.isFinite(from) && Number.isFinite(to) ? Math.floor((to - from) / step + 1e-9) + 1 : -1;
      if (count < 1 || count > MAX_RANGE) {
        diags.error(
          count < 1 ? msg('SSL028', 'emptyRange', { from, to }) : msg('SSL028', 'tooManyValues', { from, to, max: MAX_RANGE }),
          value.span,
        );
        return [];
      }
      const items: Json[] = [];
      for (let i = 0; i < count; i++) {
        const x = Number((from + i * step).toPrecision(12));
        items.push(numberToJson({ value: x, unit }));
        spans.set(`${pointer}/${i}`, { value: value.span });
      }
      return items;
    }
    case 'block': {
      const obj = entriesToJson(value.entries, pointer, spans, diags);
      if (value.type !== null) {
        obj.$type = value.type;
        const info = spans.get(pointer);
        if (info && value.typeSpan) info.type = value.typeSpan;
      }
      return obj;
    }
  }
}

export function entriesToJson(entries: Entry[], pointer: string, spans: SpanMap, diags: Diagnostics): JsonObject {
  // Keys are the user's: a null prototype keeps `__proto__`, `constructor` and `prototype`
  // ordinary keys (reported unknown by the schema) instead of the object's prototype.
  const obj = Object.create(null) as JsonObject;
  const seen = new Map<string, Entry>();
  for (const entry of entries) {
    const key = entry.key;
    if (REPEATABLE.has(key)) {
      const list = (obj[key] as Json[] | undefined) ?? [];
      const p = `${pointer}/${escapePointer(key)}/${list.length}`;
      spans.set(p, { key: entry.keySpan, value: entry.value.span });
      list.push(valueToJson(entry.value, p, spans, diags));
      obj[key] = list;
      if (!spans.has(`${pointer}/${escapePointer(key)}`)) spans.set(`${pointer}/${escapePointer(key)}`, { key: entry.keySpan, value: entry.span });
      continue;
    }
    const prev = seen.get(key);
    if (prev) {
      diags.error(msg('SSL027', 'keyTwice', { key }), entry.keySpan, `the first '${key}' is on line ${prev.keySpan.startLine}; keep one`);
      continue;
    }
    seen.set(key, entry);
    const p = `${pointer}/${escapePointer(key)}`;
    spans.set(p, { key: entry.keySpan, value: entry.value.span });
    obj[key] = valueToJson(entry.value, p, spans, diags);
  }
  return obj;
}

/** Render a JSON-encoded value back in surface syntax (for messages). */
export function showJson(v: Json | undefined): string {
  if (v === undefined) return '(nothing)';
  if (v === null) return 'none';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(showJson).join(', ')}]`;
  if ('$unit' in v) return `${showJson(v.$value)}${v.$unit === '%' ? '%' : ' ' + String(v.$unit)}`;
  if ('$string' in v) return JSON.stringify(v.$string);
  return typeof v.$type === 'string' ? `${v.$type} { … }` : '{ … }';
}

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
import type { Entry, RangeValue, Span, Value } from '../grammar/ast.js';
import { packedNumbers } from '../grammar/index.js';
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
 * The spans of a declaration's JSON by JSON pointer, read from its AST when asked (#17.11):
 * nothing is stored per key or item (a pointer string, an object and a map entry each used to
 * be kept for every key of every declaration through the whole check). `get(pointer)` walks the
 * entries the way `entriesToJson` encodes them and answers what it would have recorded:
 *   ''                      → { value: the declaration's name }
 *   /key (first of a key)   → { key, value, malformed?, type? }   (a key written twice: the first)
 *   /table (repeatable)     → { key, value: the first entry's whole span };  /table/i → the i-th
 *   /list/i                 → { value: the item, malformed?, type? }
 *   /range/i                → { value: the range }  (i below its count)
 * and undefined for anything else (items of a size, `$unit`, `$type`, …). Blocks of more than
 * INDEX_FROM entries get a key index the first time they are asked (a block of 100 000 keys
 * would otherwise be scanned once per error).
 */
export class SpanMap {
  private static readonly INDEX_FROM = 16;
  /** Per block of many entries: its entries by key (one entry as itself, a key written twice as
   *  a list; an array per key cost ≈ 50 bytes for each of a flood's 300 000 keys, #17.11). */
  private index: WeakMap<readonly Entry[], Map<string, Entry | Entry[]>> | null = null;

  constructor(
    private readonly nameSpan: Span,
    private readonly entriesOf: () => readonly Entry[],
  ) {}

  get(pointer: string): SpanInfo | undefined {
    if (pointer === '') return { value: this.nameSpan };
    if (pointer[0] !== '/') return undefined;
    const segs = pointer.slice(1).split('/');
    let entries: readonly Entry[] | null = this.entriesOf();
    let value: Value | null = null;
    let info: SpanInfo | undefined;
    for (let i = 0; i < segs.length; i++) {
      const seg = pointerSeg(segs[i]!);
      if (entries !== null) {
        const key = seg;
        if (REPEATABLE.has(key)) {
          const all = this.withKey(entries, key);
          if (all.length === 0) return undefined;
          if (i === segs.length - 1) return { key: all[0]!.keySpan, value: all[0]!.span };
          const nth = index(segs[++i]!);
          const entry: Entry | undefined = nth === null ? undefined : all[nth];
          if (entry === undefined) return undefined;
          value = entry.value;
          info = valueInfo(entry.value, entry.keySpan);
        } else {
          const entry: Entry | undefined = this.withKey(entries, key)[0];
          if (entry === undefined) return undefined;
          value = entry.value;
          info = valueInfo(entry.value, entry.keySpan);
        }
      } else if (value !== null && (value.kind === 'list' || value.kind === 'range')) {
        const n = index(seg);
        if (n === null) return undefined;
        if (value.kind === 'range') {
          if (n >= rangeCount(value)) return undefined;
          if (i !== segs.length - 1) return undefined;
          return { value: value.span };
        }
        const packed = packedNumbers(value);
        if (packed !== undefined) {
          // a packed list of plain numbers: the item's span without making its items
          return n < packed.length && i === segs.length - 1 ? { value: packed.span(n) } : undefined;
        }
        const item: Value | undefined = value.items[n];
        if (item === undefined) return undefined;
        value = item;
        info = valueInfo(item);
      } else return undefined;
      const at: Value = value;
      entries = at.kind === 'block' ? at.entries : null;
    }
    return info;
  }

  has(pointer: string): boolean {
    return this.get(pointer) !== undefined;
  }

  /** The entries of a block with a key, in order. */
  private withKey(entries: readonly Entry[], key: string): Entry[] {
    if (entries.length <= SpanMap.INDEX_FROM) return entries.filter((e) => e.key === key);
    this.index ??= new WeakMap();
    let byKey = this.index.get(entries);
    if (byKey === undefined) {
      byKey = new Map();
      for (const e of entries) {
        const had = byKey.get(e.key);
        if (had === undefined) byKey.set(e.key, e);
        else if (Array.isArray(had)) had.push(e);
        else byKey.set(e.key, [had, e]);
      }
      this.index.set(entries, byKey);
    }
    const found = byKey.get(key);
    return found === undefined ? [] : Array.isArray(found) ? found : [found];
  }
}

/** What `valueToJson` records for a value (with its entry's key span, if any). */
function valueInfo(v: Value, key?: Span): SpanInfo {
  const info: SpanInfo = key === undefined ? { value: v.span } : { key, value: v.span };
  if ((v.kind === 'number' || v.kind === 'size') && v.malformed) info.malformed = true;
  if (v.kind === 'block' && v.type !== null && v.typeSpan) info.type = v.typeSpan;
  return info;
}

/** A list index segment (`0`, `12`), else null. */
function index(seg: string): number | null {
  return /^(0|[1-9]\d*)$/.test(seg) ? Number(seg) : null;
}

/** How many values a range spans (below 1 when it is empty or cannot be counted). */
function rangeLength(value: RangeValue): number {
  const from = value.from.value;
  const to = value.to.value;
  const step = value.step ? value.step.value : 1;
  return step > 0 && Number.isFinite(from) && Number.isFinite(to) ? Math.floor((to - from) / step + 1e-9) + 1 : -1;
}

/** How many values a range gives (0 when it is empty or too long: it is then an error and gives none). */
function rangeCount(value: RangeValue): number {
  const n = rangeLength(value);
  return n < 1 || n > MAX_RANGE ? 0 : n;
}

/** A key as a JSON-pointer segment (`~` → `~0`, `/` → `~1`). */
export function pointerKey(key: string): string {
  return key.includes('~') || key.includes('/') ? key.replace(/~/g, '~0').replace(/\//g, '~1') : key;
}

/** A JSON-pointer segment as the key it stands for. */
export function pointerSeg(seg: string): string {
  return seg.includes('~') ? seg.replace(/~1/g, '/').replace(/~0/g, '~') : seg;
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

function numberToJson(v: { value: number; unit: string | null }): Json {
  if (v.unit === null) return v.value;
  return { $value: v.value, $unit: canonicalUnit(v.unit) };
}

export function valueToJson(value: Value, diags: Diagnostics): Json {
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
    case 'list': {
      // (a packed list of plain numbers: its numbers, without making its items)
      const packed = packedNumbers(value);
      return packed !== undefined ? Array.from(packed.values) : value.items.map((item) => valueToJson(item, diags));
    }
    case 'range': {
      const count = rangeCount(value);
      const from = value.from.value;
      if (count === 0) {
        const to = value.to.value;
        diags.error(rangeLength(value) < 1 ? msg('SSL028', 'emptyRange', { from, to }) : msg('SSL028', 'tooManyValues', { from, to, max: MAX_RANGE }), value.span);
        return [];
      }
      const step = value.step ? value.step.value : 1;
      const unit = value.from.unit ?? value.to.unit ?? value.step?.unit ?? null;
      const items: Json[] = [];
      for (let i = 0; i < count; i++) items.push(numberToJson({ value: Number((from + i * step).toPrecision(12)), unit }));
      return items;
    }
    case 'block': {
      const obj = entriesToJson(value.entries, diags);
      if (value.type !== null) obj.$type = value.type;
      return obj;
    }
  }
}

/**
 * An object for user-chosen keys with nothing inherited: its prototype is an empty object whose
 * own prototype is null, so `__proto__`, `constructor` or `toString` are ordinary own keys and
 * a missing key reads undefined. Unlike `Object.create(null)` objects, which V8 keeps as hash
 * tables (≈ 320 instead of ≈ 110 bytes for a five-key block, #17.11), these stay in fast mode.
 */
const UserKeyed = function UserKeyed(): void {} as unknown as new () => JsonObject;
UserKeyed.prototype = Object.create(null) as object;

/** A block's entries as JSON (its spans: `SpanMap`, which reads the same entries). */
export function entriesToJson(entries: readonly Entry[], diags: Diagnostics): JsonObject {
  // Keys are the user's: no inherited keys keeps `__proto__`, `constructor` and `prototype`
  // ordinary keys (reported unknown by the schema) instead of the object's prototype.
  // (a block of thousands of keys would pass through a hidden class per key: a hash table then)
  const obj = entries.length <= 512 ? new UserKeyed() : (Object.create(null) as JsonObject);
  const seen = new Map<string, Entry>();
  for (const entry of entries) {
    const key = entry.key;
    if (REPEATABLE.has(key)) {
      const list = (obj[key] as Json[] | undefined) ?? [];
      list.push(valueToJson(entry.value, diags));
      obj[key] = list;
      continue;
    }
    const prev = seen.get(key);
    if (prev) {
      diags.error(msg('SSL027', 'keyTwice', { key }), entry.keySpan, `the first '${key}' is on line ${prev.keySpan.startLine}; keep one`);
      continue;
    }
    seen.set(key, entry);
    obj[key] = valueToJson(entry.value, diags);
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

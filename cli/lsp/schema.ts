// What the editor needs to know about blocks and keys, read from the compiler's block schemas
// (the same ones `ssl3d check` validates against): which keys a block takes, what each expects
// (`x-expect`), its units (`x-units`), the words it accepts, and which declarations it refers to.
import { blockSchemas, kindTypes, schemaKey, sharedSchemas } from '../../compiler/schemas/blocks.js';
import type { Schema } from '../../compiler/schemas/common.js';

export { kindTypes };

/** One level of nesting around the cursor: a declaration (`pretext rot3d = rotation {`) or a
 *  key whose value is a block (`train {`, `optimizer = adam {`, `table regions {`). */
export interface Frame {
  /** The declaration kind (depth 0) or the key (deeper). */
  word: string;
  /** `rotation` in `pretext rot3d = rotation {`, `adam` in `optimizer = adam {`. */
  type: string | null;
  /** The declaration's name (depth 0) or a label (`table regions {`). */
  name: string | null;
}

function isObj(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Follow `$ref` into the shared blocks. */
function deref(s: Schema): Schema {
  const ref = s.$ref;
  if (typeof ref === 'string' && ref.startsWith('ssl3d:')) return sharedSchemas[ref.slice(6)] ?? s;
  return s;
}

/** The block (object with properties) a schema describes, looking through `$ref`, `anyOf` and
 *  list items (`table` in a report is a list of blocks). */
export function blockOf(schema: Schema | undefined): Schema | null {
  if (!schema) return null;
  const s = deref(schema);
  if (isObj(s.properties) && s.type === 'object' && !('$string' in (s.properties as Schema))) return s;
  if (isObj(s.items)) return blockOf(s.items as Schema);
  if (Array.isArray(s.anyOf)) {
    for (const alt of s.anyOf) {
      if (!isObj(alt)) continue;
      const b = blockOf(alt);
      if (b && Object.keys(b.properties as Schema).some((k) => !k.startsWith('$'))) return b;
    }
  }
  return null;
}

/** The schema of the block the frames lead to, or null when unknown. */
export function schemaAt(frames: readonly Frame[]): Schema | null {
  const top = frames[0];
  if (!top) return null;
  const key = schemaKey(top.word, top.type);
  let cur: Schema | null = key ? blockSchemas[key] ?? null : null;
  for (const f of frames.slice(1)) {
    if (!cur) return null;
    const props = cur.properties as Record<string, Schema>;
    cur = blockOf(props[f.word]);
  }
  return cur;
}

/** The schema of one key in the block the frames lead to. */
export function keySchema(frames: readonly Frame[], key: string): Schema | null {
  const block = schemaAt(frames);
  if (!block) return null;
  const props = block.properties as Record<string, Schema>;
  const s = props[key];
  return s ? deref(s) : null;
}

export interface KeyInfo {
  key: string;
  expect: string;
  units: string[];
  isBlock: boolean;
  /** True when the value is written as a block (`train { … }`), not `key = value`. */
  writtenAsBlock: boolean;
}

export function keysAt(frames: readonly Frame[]): KeyInfo[] {
  const block = schemaAt(frames);
  if (!block) return [];
  const props = block.properties as Record<string, Schema>;
  return Object.keys(props)
    .filter((k) => !k.startsWith('$'))
    .map((k) => describeKey(k, props[k]!));
}

export function describeKey(key: string, schema: Schema): KeyInfo {
  const s = deref(schema);
  const b = blockOf(s);
  const onlyBlock = b !== null && !Array.isArray(s.anyOf) && (s.type === 'object' || s.type === 'array');
  return {
    key,
    expect: typeof s['x-expect'] === 'string' ? (s['x-expect'] as string) : typeof b?.['x-expect'] === 'string' ? (b['x-expect'] as string) : '',
    units: Array.isArray(s['x-units']) ? (s['x-units'] as string[]) : [],
    isBlock: b !== null,
    writtenAsBlock: onlyBlock,
  };
}

/** Everything a value of this schema may be, for completion. */
export interface ValueChoices {
  words: string[];
  /** Declaration kind the value names (`dataset`, `pretext`, …). */
  ref: string | null;
  metric: boolean;
  bool: boolean;
  units: string[];
  /** Typed blocks (`adam { … }`). */
  blockTypes: string[];
}

export function valueChoices(schema: Schema | null): ValueChoices {
  const out: ValueChoices = { words: [], ref: null, metric: false, bool: false, units: [], blockTypes: [] };
  const seen = new Set<Schema>();
  const walk = (raw: Schema): void => {
    const s = deref(raw);
    if (seen.has(s)) return;
    seen.add(s);
    if (Array.isArray(s.enum)) for (const w of s.enum) if (typeof w === 'string' && !out.words.includes(w)) out.words.push(w);
    if (typeof s['x-ref'] === 'string') out.ref = s['x-ref'] as string;
    if (s['x-metric'] === true) out.metric = true;
    if (s.type === 'boolean') out.bool = true;
    if (Array.isArray(s['x-units'])) for (const u of s['x-units'] as string[]) if (!out.units.includes(u)) out.units.push(u);
    if (isObj(s.properties)) {
      const t = (s.properties as Record<string, Schema>).$type;
      if (t && Array.isArray(t.enum)) for (const w of t.enum) if (typeof w === 'string' && !out.blockTypes.includes(w)) out.blockTypes.push(w);
    }
    if (isObj(s.items)) walk(s.items as Schema);
    if (Array.isArray(s.anyOf)) for (const alt of s.anyOf) if (isObj(alt)) walk(alt);
  };
  if (schema) walk(schema);
  return out;
}

/** Declaration kinds in the order the docs list them. */
export const KINDS = Object.keys(kindTypes);

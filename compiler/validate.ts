// Validates one declaration's entries against its block schema with ajv and maps every ajv
// error back to the source span of the offending key or value.
import { createRequire } from 'node:module';
import type { ErrorObject } from 'ajv';
import { msg, type CodedMessage } from '../core/codes/index.js';
import type { Span } from '../grammar/ast.js';
import type { Diagnostics } from './diag.js';
import { sha256 } from '../core/hash.js';
import { blockSchemas, sharedSchemas } from './schemas/blocks.js';
import type { Schema } from './schemas/common.js';
import { SCHEMAS_HASH, validators as generated } from './schemas/validators.generated.js';
import { didYouMeanHint } from './suggest.js';
import { pointerKey, pointerSeg, showJson, type Json, type SpanMap } from './values.js';

type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

let useGenerated: boolean | null = null;
let ajv: { compile(schema: Schema): Validator } | null = null;
const compiled = new Map<string, Validator>();

/**
 * The validator of a block schema: the ajv standalone code generated at build time
 * (compiler/schemas/validators.generated.ts) when it matches the schemas, else ajv compiled
 * lazily, per block type used (only while a schema is being edited).
 */
function validatorFor(key: string): Validator {
  useGenerated ??= SCHEMAS_HASH === sha256(JSON.stringify({ blockSchemas, sharedSchemas }));
  const g = (generated as Record<string, Validator | undefined>)[key];
  if (useGenerated && g) return g;
  let v = compiled.get(key);
  if (!v) {
    if (!ajv) {
      const { Ajv } = createRequire(import.meta.url)('ajv') as { Ajv: new (o: object) => { compile(schema: Schema): Validator } };
      const a = new Ajv({ allErrors: true, strict: false, messages: false, inlineRefs: false }) as unknown as { compile(schema: Schema): Validator; addSchema(s: Schema): void };
      for (const [name, schema] of Object.entries(sharedSchemas)) a.addSchema({ ...schema, $id: `ssl3d:${name}` });
      ajv = a;
    }
    v = ajv.compile(blockSchemas[key]!);
    compiled.set(key, v);
  }
  return v;
}

/** The schema node at an ajv schemaPath (`#/properties/train/anyOf/1/…`). */
function schemaAt(root: Schema, path: string): Schema | undefined {
  let cur: unknown = root;
  const m = /^ssl3d:([a-z0-9-]+)#/.exec(path);
  if (m) {
    cur = sharedSchemas[m[1]!];
    path = path.slice(m[0].length);
  }
  for (const raw of path.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    const seg = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = Array.isArray(cur) ? cur[Number(seg)] : (cur as Record<string, unknown>)[seg];
  }
  return cur !== null && typeof cur === 'object' ? (cur as Schema) : undefined;
}

/**
 * The schema root an error's schemaPath is relative to: a shared block referenced with $ref
 * (errors inside it carry paths relative to it), else the block's own schema.
 */
function rootFor(e: ErrorObject): Schema {
  const p = e.instancePath;
  if (p === '') return currentRoot;
  const cut = p.indexOf('/', 1);
  const seg0 = cut < 0 ? p.slice(1) : p.slice(1, cut);
  const prop = (currentRoot.properties as Record<string, Schema> | undefined)?.[pointerSeg(seg0)];
  const ref = prop?.$ref;
  if (typeof ref === 'string' && ref.startsWith('ssl3d:')) return sharedSchemas[ref.slice(6)] ?? currentRoot;
  return currentRoot;
}

/** The schema behind a `$ref` to a shared block, or the schema itself. */
function deref(s: Schema | undefined): Schema | undefined {
  const ref = s?.$ref;
  return typeof ref === 'string' && ref.startsWith('ssl3d:') ? sharedSchemas[ref.slice(6)] : s;
}

/**
 * The nested block (`train`, `preprocess`, …) of a block whose schema accepts `key`, for keys
 * written one level too high (`epochs = 3` beside `train`, not inside it).
 */
function nestedHome(props: Record<string, Schema>, key: string): string | null {
  if (key.startsWith('$')) return null;
  let homes = nestedHomes.get(props);
  if (homes === undefined) nestedHomes.set(props, (homes = homesOf(props)));
  return homes.get(key) ?? null;
}

/** Per block schema: each key its nested blocks accept → the first such block (worked out once
 *  per schema; a flood of 100 000 unknown keys asked for it per key, #17.11). */
const nestedHomes = new WeakMap<Record<string, Schema>, Map<string, string>>();

function homesOf(props: Record<string, Schema>): Map<string, string> {
  const homes = new Map<string, string>();
  for (const [name, sub] of Object.entries(props)) {
    const s = deref(sub);
    const candidates = [s, ...((s?.anyOf as Schema[] | undefined) ?? []).map(deref)];
    for (const c of candidates) {
      const inner = c?.properties as Record<string, unknown> | undefined;
      for (const key of Object.keys(inner ?? {})) if (!key.startsWith('$') && !homes.has(key)) homes.set(key, name);
    }
  }
  return homes;
}

/** Per block schema: its keys (those users write), and the hint that lists them. */
const knownKeys = new WeakMap<Schema, { keys: string[]; hint: string | undefined }>();

function keysOf(parent: Schema | undefined): { keys: string[]; hint: string | undefined } {
  const props = (parent?.properties as Record<string, unknown> | undefined) ?? {};
  let known = parent === undefined ? undefined : knownKeys.get(parent);
  if (known === undefined) {
    const keys = Object.keys(props).filter((k) => !k.startsWith('$'));
    known = { keys, hint: keys.length ? `known keys: ${keys.join(', ')}` : undefined };
    if (parent !== undefined) knownKeys.set(parent, known);
  }
  return known;
}

/** Every word (enum string or block type) the alternatives of an anyOf schema accept. */
function wordsOf(s: Schema | undefined): string[] {
  const out: string[] = [];
  for (const alt of ((s?.anyOf as Schema[] | undefined) ?? []).map(deref)) {
    if (Array.isArray(alt?.enum)) out.push(...(alt.enum as unknown[]).filter((x): x is string => typeof x === 'string'));
    const t = (alt?.properties as Record<string, Schema> | undefined)?.$type;
    if (Array.isArray(t?.enum)) out.push(...(t.enum as unknown[]).filter((x): x is string => typeof x === 'string'));
  }
  return [...new Set(out)];
}

/** The schema object that holds the failing keyword of `e`. */
function parentOf(_root: Schema, e: ErrorObject): Schema | undefined {
  const root = rootFor(e);
  let known = parents.get(root);
  if (known === undefined) parents.set(root, (known = new Map()));
  if (known.has(e.schemaPath)) return known.get(e.schemaPath);
  const i = e.schemaPath.lastIndexOf('/');
  const parent = schemaAt(root, i > 0 ? e.schemaPath.slice(0, i) : '#');
  known.set(e.schemaPath, parent);
  return parent;
}

/** parentOf's answers per schema root and schemaPath (a flood repeats the same few paths). */
const parents = new WeakMap<Schema, Map<string, Schema | undefined>>();

export interface BlockContext {
  /** Human name for messages: "dataset ukb (phantom3d)". */
  what: string;
  /** Where to point when the whole block is at fault (the declaration name). */
  span: Span;
}

function atPointer(data: Json, pointer: string): Json | undefined {
  if (pointer === '') return data;
  let cur: Json | undefined = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = pointerSeg(raw);
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = Array.isArray(cur) ? cur[Number(seg)] : cur[seg];
  }
  return cur;
}

function keyLabel(pointer: string): string {
  const segs = pointer.split('/').filter(Boolean);
  const clean = segs.filter((s) => !s.startsWith('$'));
  if (clean.length === 0) return 'value';
  const last = clean[clean.length - 1]!;
  if (/^\d+$/.test(last)) {
    const parent = clean.slice(0, -1).filter((s) => !/^\d+$/.test(s));
    return `item ${Number(last) + 1} of '${parent[parent.length - 1] ?? 'list'}'`;
  }
  return `'${last}'`;
}

let currentRoot: Schema = {};

function expectOf(e: ErrorObject): string | undefined {
  const ps = parentOf(currentRoot, e);
  const x = ps?.['x-expect'];
  return typeof x === 'string' ? x : undefined;
}

interface Pending {
  error: ErrorObject;
  /** x-expect inherited from an enclosing anyOf. */
  expect?: string;
  /** The instance path of the enclosing anyOf (the value the user wrote). */
  anchor?: string;
}

/** Collapse anyOf errors: keep the errors of the branch whose type matches the value, else the anyOf itself. */
function collapse(errors: ErrorObject[], inherited?: { expect?: string; anchor?: string }): Pending[] {
  const anyOfs = errors.filter((e) => e.keyword === 'anyOf').sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  const handled = new Set<ErrorObject>();
  const out: Pending[] = [];
  for (const a of anyOfs) {
    if (handled.has(a)) continue;
    const prefix = a.schemaPath + '/';
    const inner = errors.filter((e) => e !== a && e.schemaPath.startsWith(prefix));
    handled.add(a);
    for (const e of inner) handled.add(e);
    const branches = new Map<number, ErrorObject[]>();
    for (const e of inner) {
      const idx = Number(e.schemaPath.slice(prefix.length).split('/')[0]);
      const list = branches.get(idx) ?? [];
      list.push(e);
      branches.set(idx, list);
    }
    const anyOf = parentOf(currentRoot, a)?.anyOf;
    const n = Array.isArray(anyOf) ? anyOf.length : branches.size;
    const matching: number[] = [];
    for (let i = 0; i < n; i++) {
      const errs = branches.get(i) ?? [];
      const typeMiss = errs.some(
        (e) => (e.keyword === 'type' && e.instancePath === a.instancePath) || (e.keyword === 'required' && e.instancePath === a.instancePath),
      );
      if (!typeMiss) matching.push(i);
    }
    const expect = expectOf(a) ?? inherited?.expect;
    const anchor = a.instancePath;
    if (matching.length >= 1) {
      const pick = matching.sort((x, y) => (branches.get(x)?.length ?? 0) - (branches.get(y)?.length ?? 0))[0]!;
      const errs = branches.get(pick) ?? [];
      // errors inside the chosen alternative (a bad value deeper down, or an unknown key of a block
      // such as adam { weight_decay = … }) are reported at their own place
      const deeper = errs.some(
        (e) => (e.instancePath.length > a.instancePath.length && !e.instancePath.endsWith('/$value')) || (e.keyword === 'additionalProperties' && e.instancePath === a.instancePath),
      );
      if (deeper) {
        out.push(...collapse(errs, { expect, anchor }));
        continue;
      }
      const unitErr = errs.find((e) => e.instancePath.endsWith('/$unit'));
      if (unitErr) {
        out.push({ error: unitErr, expect, anchor });
        continue;
      }
    }
    const p: Pending = { error: a, anchor };
    if (expect !== undefined) p.expect = expect;
    out.push(p);
  }
  for (const e of errors) {
    if (handled.has(e)) continue;
    const p: Pending = { error: e };
    if (inherited?.expect !== undefined) p.expect = inherited.expect;
    if (inherited?.anchor !== undefined) p.anchor = inherited.anchor;
    out.push(p);
  }
  return out;
}

/** Whether `data` with `candidate` put at `pointer` has no schema error at or below that pointer (a hint's value must pass). */
function passesAt(key: string, data: Json, pointer: string, candidate: Json): boolean {
  if (pointer === '') return false;
  const copy = JSON.parse(JSON.stringify(data)) as Json;
  const segs = pointer.split('/').slice(1).map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~'));
  const parent = atPointer(copy, segs.length > 1 ? pointer.slice(0, pointer.lastIndexOf('/')) : '');
  if (parent === null || typeof parent !== 'object' || parent === undefined) return false;
  (parent as Record<string, Json>)[segs[segs.length - 1]!] = candidate;
  const validate = validatorFor(key);
  if (validate(copy)) return true;
  return !takeErrors(validate).some((x) => x.instancePath === pointer || x.instancePath.startsWith(pointer + '/'));
}

/** The errors of a validator's last call, which it lets go of (a cached validator would otherwise
 *  keep two objects per problem of the last invalid block alive: 600 000 for a flood of 300 000
 *  unknown keys, #17.11). */
function takeErrors(validate: Validator): ErrorObject[] {
  const errors = validate.errors ?? [];
  validate.errors = null;
  return errors;
}

/** Validate `data` (one declaration body) against `schema`; report located diagnostics. Returns true when valid. */
/** Problems per block that get a did-you-mean hint. */
const MAX_SUGGESTIONS = 200;

export function validateBlock(key: string, data: Json, spans: SpanMap, ctx: BlockContext, diags: Diagnostics): boolean {
  const validate = validatorFor(key);
  if (validate(data)) return true;
  const blockKey = key; // (the loop below has a `key` of its own)
  currentRoot = blockSchemas[key]!;
  const pending = collapse(takeErrors(validate));
  const seen = new Set<string>();
  let hinted = 0;
  for (const p of pending) {
    // did-you-mean hints cost an edit distance per known key: past the first few hundred
    // problems of a block (an error flood) they are left out
    const suggest = hinted++ < MAX_SUGGESTIONS;
    const e = p.error;
    let pointer = e.instancePath;
    if (pointer.endsWith('/$unit') || pointer.endsWith('/$value') || pointer.endsWith('/$string')) pointer = pointer.slice(0, pointer.lastIndexOf('/'));
    if (p.anchor !== undefined && pointer.length < p.anchor.length) pointer = p.anchor;
    const info = spans.get(pointer);
    // a malformed literal already has its syntax error; a schema error on top would be noise
    if (info?.malformed || spans.get(e.instancePath.includes('$') ? e.instancePath.replace(/\/\$(unit|value)$/, '') : e.instancePath)?.malformed) continue;
    // an item of a size literal (`0x16x16` → /size/0) has no span of its own: the nearest
    // enclosing value's span, never the declaration's name (a --set value would lose its place)
    let valueSpan = info?.value ?? ctx.span;
    for (let up = pointer; !info && up.includes('/'); ) {
      up = up.slice(0, up.lastIndexOf('/'));
      const outer = spans.get(up)?.value;
      if (outer && up !== '') {
        valueSpan = outer;
        break;
      }
    }
    const value = atPointer(data, pointer);
    const label = pointer === '' ? ctx.what : keyLabel(pointer);
    const expect = expectOf(e) ?? p.expect;
    let m: CodedMessage;
    let span: Span = valueSpan;
    let hint: string | undefined;
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String((e.params as { additionalProperty: string }).additionalProperty);
        const child = spans.get(`${pointer}/${pointerKey(key)}`);
        span = child?.key ?? valueSpan;
        const parent = parentOf(currentRoot, e);
        const known = keysOf(parent);
        m = msg('SSL023', 'unknownKey', { key, where: pointer === '' ? ctx.what : label });
        const home = nestedHome((parent?.properties as Record<string, Schema> | undefined) ?? {}, key);
        if (home) {
          const keyValue = atPointer(data, `${pointer}/${pointerKey(key)}`);
          hint = `'${key}' belongs in the ${home} block: ${home} { ${key} = ${keyValue !== null && typeof keyValue === 'object' && !('$unit' in keyValue) ? '…' : showJson(keyValue)} }`;
        } else hint = (suggest ? didYouMeanHint(key, known.keys) : undefined) ?? known.hint;
        break;
      }
      case 'required': {
        const key = String((e.params as { missingProperty: string }).missingProperty);
        if (key === '$string' || key === '$value' || key === '$unit') {
          m = msg('SSL025', 'expects', { label, expected: expect ?? 'another kind of value', got: showJson(value) });
          break;
        }
        span = pointer === '' ? ctx.span : info?.key ?? valueSpan;
        m = msg('SSL024', 'missingKey', { where: pointer === '' ? ctx.what : label, key });
        const sub = ((parentOf(currentRoot, e))?.properties as Record<string, Schema> | undefined)?.[key];
        const ex = sub?.['x-expect'];
        if (typeof ex === 'string') hint = `add ${key} = … (${ex})`;
        break;
      }
      case 'enum': {
        const allowed = ((e.params as { allowedValues?: unknown[] }).allowedValues ?? []).map(String);
        if (pointer.endsWith('/$type') || e.instancePath.endsWith('/$type')) {
          const tp = spans.get(pointer.slice(0, pointer.lastIndexOf('/')));
          span = tp?.type ?? valueSpan;
        }
        m = msg('SSL030', 'expects', { label, expected: expect ?? 'one of ' + allowed.join(', '), got: showJson(value) });
        hint = typeof value === 'string' && suggest ? didYouMeanHint(value, allowed) : undefined;
        break;
      }
      case 'const': {
        m = msg('SSL026', 'expects', { label, expected: expect ?? 'another unit', got: showJson(atPointer(data, pointer)) });
        const units = (e.params as { allowedValue?: unknown }).allowedValue;
        hint = units !== undefined ? `write the value in ${String(units)}` : undefined;
        break;
      }
      case 'type': {
        const isUnit = value !== null && typeof value === 'object' && !Array.isArray(value) && '$unit' in value && (e.params as { type: string }).type !== 'array';
        m = isUnit
          ? msg('SSL026', 'takesNoUnit', { label, expected: expect ?? 'a plain number', got: showJson(value) })
          : msg('SSL025', 'expects', { label, expected: expect ?? 'a ' + String((e.params as { type: string }).type), got: showJson(value) });
        // one item where a list is expected: `methods = rot` → methods = [rot]
        if ((e.params as { type: string }).type === 'array' && value !== undefined && (value === null || typeof value !== 'object' || '$unit' in value || '$string' in value)) {
          // only a list that itself passes: `fractions = 10` → [10%], not [10] (#16.5)
          const candidates: Json[] = [[value]];
          if (typeof value === 'number' && value > 1 && value <= 100) candidates.unshift([{ $value: value, $unit: '%' }]);
          const ok = candidates.find((c) => passesAt(blockKey, data, pointer, c));
          if (ok !== undefined) hint = `write a list: ${showJson(ok)}`;
        }
        break;
      }
      case 'anyOf': {
        const isUnit = value !== null && typeof value === 'object' && !Array.isArray(value) && '$unit' in value;
        const expected = { label, expected: expect ?? 'another kind of value', got: showJson(value) };
        m = isUnit ? msg('SSL026', 'expects', expected) : msg('SSL025', 'expects', expected);
        // a bare number where a percentage is meant (`fractions = [10, 50]`)
        const alts = schemaAt(rootFor(e), e.schemaPath.replace(/\/anyOf$/, ''));
        const units = alts?.['x-units'];
        if (typeof value === 'number' && value > 1 && value <= 100 && Array.isArray(units) && units.includes('%')) {
          hint = `write ${value}% (a bare number is a fraction of 1, e.g. ${value / 100})`;
        }
        // a misspelt word among the words the alternatives accept (`adamw` → adam)
        if (typeof value === 'string') {
          const words = wordsOf(schemaAt(rootFor(e), e.schemaPath.replace(/\/anyOf$/, '')));
          hint = didYouMeanHint(value, words);
          if (value.toLowerCase() === 'adamw' && words.includes('adam')) hint = "did you mean 'adam'? (AdamW is adam { weight-decay = … })";
        }
        break;
      }
      default: {
        m = msg('SSL029', 'expects', { label, expected: expect ?? 'a different value', got: showJson(value) });
        break;
      }
    }
    const key = `${m.code}|${span.startOffset}|${span.file}`;
    if (seen.has(key)) continue;
    seen.add(key);
    diags.error(m, span, hint);
  }
  return false;
}

/**
 * A copy of an invalid block with the offending values left out (so they take their defaults),
 * or null when it cannot be made valid that way (a required key is missing). The compiler checks
 * names and domains of the rest of a declaration with it, so that one bad value does not hide
 * every later problem in and downstream of that declaration (the program still fails: the
 * schema errors have been reported). A value inside a list removes the whole list; a value
 * under a `$unit`/`$value`/`$string` wrapper removes the wrapped value.
 */
export function repairBlock(key: string, data: Json): Json | null {
  const validate = validatorFor(key);
  let cur: Json = JSON.parse(JSON.stringify(data)) as Json;
  for (let round = 0; round < 16; round++) {
    if (validate(cur)) return cur;
    const cuts = new Set<string>();
    for (const e of takeErrors(validate)) {
      let pointer = e.instancePath;
      if (e.keyword === 'additionalProperties') pointer += `/${pointerKey(String((e.params as { additionalProperty: string }).additionalProperty))}`;
      else if (e.keyword === 'required') {
        const missing = String((e.params as { missingProperty: string }).missingProperty);
        if (!missing.startsWith('$')) {
          if (pointer === '') return null; // a required key of the declaration itself
        }
      }
      // cut at the first list on the way down (indices would shift) or at a wrapper's owner
      const segs = pointer.split('/').slice(1);
      let node: Json | undefined = cur;
      let cut: string[] = [];
      for (let i = 0; i < segs.length; i++) {
        const seg = pointerSeg(segs[i]!);
        if (node === null || typeof node !== 'object' || Array.isArray(node) || seg.startsWith('$')) break;
        cut = segs.slice(0, i + 1);
        const next: Json | undefined = (node as Record<string, Json>)[seg];
        if (Array.isArray(next)) break;
        node = next;
      }
      if (cut.length === 0) return null;
      cuts.add('/' + cut.join('/'));
    }
    if (cuts.size === 0) return null;
    for (const c of cuts) {
      const segs = c.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
      const parent = atPointer(cur, segs.length > 1 ? '/' + c.split('/').slice(1, -1).join('/') : '');
      if (parent && typeof parent === 'object' && !Array.isArray(parent)) delete (parent as Record<string, Json>)[segs[segs.length - 1]!];
    }
  }
  return null;
}

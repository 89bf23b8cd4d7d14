// Canonical JSON (sorted keys, no whitespace) and sha256 content hashes.
import { createHash } from 'node:crypto';

// Graph parts (encoder, evaluation, train specs) are shared by many nodes and never mutated
// after lowering, so their canonical text is memoised per object.
const memo = new WeakMap<object, string>();

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
    return JSON.stringify(value) ?? 'null';
  }
  const cached = memo.get(value);
  if (cached !== undefined) return cached;
  let out: string;
  if (Array.isArray(value)) out = '[' + value.map((v) => canonicalJson(v)).join(',') + ']';
  else {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    out = '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson(obj[k])).join(',') + '}';
  }
  memo.set(value, out);
  return out;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Deep copy of `value` with object keys in sorted order (stable JSON.stringify output). */
export function sortKeys<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => sortKeys(v)) as T;
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj).sort()) if (obj[k] !== undefined) out[k] = sortKeys(obj[k]);
  return out as T;
}

// Accessors for a validated block's JSON (after validation the shapes are known): numbers and
// quantities (`{ $value, $unit }`), fractions (`10%` → 0.1), strings (`{ $string }`), bare
// words, objects, lists and integer lists.
import type { Json, JsonObject } from './values.js';

export function isObj(j: Json | undefined): j is JsonObject {
  return j !== null && j !== undefined && typeof j === 'object' && !Array.isArray(j);
}
export function num(j: Json | undefined): number | undefined {
  if (typeof j === 'number') return j;
  if (isObj(j) && typeof j.$value === 'number') return j.$value;
  return undefined;
}
export function frac(j: Json | undefined): number | undefined {
  if (typeof j === 'number') return j;
  if (isObj(j) && typeof j.$value === 'number') return j.$unit === '%' ? Number((j.$value / 100).toPrecision(12)) : j.$value;
  return undefined;
}
export function str(j: Json | undefined): string | undefined {
  return isObj(j) && typeof j.$string === 'string' ? j.$string : undefined;
}
export function word(j: Json | undefined): string | undefined {
  return typeof j === 'string' ? j : undefined;
}
export function obj(j: Json | undefined): JsonObject {
  return isObj(j) ? j : {};
}
export function arr(j: Json | undefined): Json[] | undefined {
  return Array.isArray(j) ? j : undefined;
}
export function ints(j: Json | undefined): number[] | undefined {
  const a = arr(j);
  if (a) return a.map((x) => num(x) ?? 0);
  if (typeof j === 'number') return [j];
  return undefined;
}

/** A fraction as the language writes it: 0.1 → `10%`. */
export function percentLabel(f: number): string {
  return `${Number((f * 100).toPrecision(10))}%`;
}

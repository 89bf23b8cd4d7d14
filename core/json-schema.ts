// The few JSON Schema builders the graph contract is written with (core/graph-schema.ts, and the
// per-task and per-layout parts in core/tasks/ and core/datasets.ts). Plain data; ajv reads it.

export type JsonSchema = Record<string, unknown>;

export const int = (min = 0): JsonSchema => ({ type: 'integer', minimum: min });
export const numArr = (min?: number, max?: number): JsonSchema => ({ type: 'array', items: { type: 'number' }, ...(min !== undefined ? { minItems: min } : {}), ...(max !== undefined ? { maxItems: max } : {}) });
export const intArr = (min?: number, max?: number): JsonSchema => ({ type: 'array', items: { type: 'integer' }, ...(min !== undefined ? { minItems: min } : {}), ...(max !== undefined ? { maxItems: max } : {}) });
export const en = (...values: string[]): JsonSchema => ({ type: 'string', enum: values });
/** An object with exactly these properties, all required but the `optional` ones. */
export const obj = (properties: Record<string, JsonSchema>, optional: readonly string[] = []): JsonSchema => ({
  type: 'object',
  properties,
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  additionalProperties: false,
});
export const nullable = (s: JsonSchema): JsonSchema => ({ anyOf: [s, { type: 'null' }] });
export const str: JsonSchema = { type: 'string' };
export const num: JsonSchema = { type: 'number' };

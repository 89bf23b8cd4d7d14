// Building blocks for the block schemas (JSON Schema draft 2020-12 subset, validated by ajv).
// Values arrive encoded by compiler/values.ts. `x-expect` is our own annotation: a short,
// human description of what the key expects, used in diagnostics; `x-units` lists the units
// a quantity accepts.
export type Schema = { [key: string]: unknown };

export function int(min = 0, max?: number, expect?: string): Schema {
  const s: Schema = { type: 'integer', minimum: min, 'x-expect': expect ?? (min >= 1 ? 'a whole number ≥ ' + min : 'a whole number') };
  if (max !== undefined) s.maximum = max;
  return s;
}

export function num(min?: number, max?: number, expect?: string, exclusiveMin = false, exclusiveMax = false): Schema {
  const s: Schema = { type: 'number', 'x-expect': expect ?? 'a number' };
  if (min !== undefined) s[exclusiveMin ? 'exclusiveMinimum' : 'minimum'] = min;
  if (max !== undefined) s[exclusiveMax ? 'exclusiveMaximum' : 'maximum'] = max;
  return s;
}

export function oneOfWords(words: string[], expect?: string): Schema {
  return { type: 'string', enum: words, 'x-expect': expect ?? 'one of ' + words.join(', ') };
}

export const str: Schema = {
  type: 'object',
  properties: { $string: { type: 'string' } },
  required: ['$string'],
  additionalProperties: false,
  'x-expect': 'a quoted string, e.g. "data/cases"',
};

export function strOrNone(): Schema {
  return { anyOf: [str, { type: 'string', enum: ['none'] }], 'x-expect': 'a quoted string or none' };
}

export function ref(kind: string): Schema {
  return { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_-]*(\\.[A-Za-z_][A-Za-z0-9_-]*)?$', 'x-expect': `the name of a ${kind} declaration`, 'x-ref': kind };
}

export const bool: Schema = { type: 'boolean', 'x-expect': 'true or false' };

/** A quantity in `unit` (or a bare number). */
export function qty(unit: string, opts: { integer?: boolean; min?: number; max?: number; exclusiveMin?: boolean; example: string }): Schema {
  const base: Schema = { type: opts.integer ? 'integer' : 'number' };
  if (opts.min !== undefined) base[opts.exclusiveMin ? 'exclusiveMinimum' : 'minimum'] = opts.min;
  if (opts.max !== undefined) base.maximum = opts.max;
  const what = opts.integer ? `a whole number of ${unit}` : `a number of ${unit}`;
  return {
    anyOf: [
      base,
      {
        type: 'object',
        properties: { $value: base, $unit: { const: unit } },
        required: ['$value', '$unit'],
        additionalProperties: false,
      },
    ],
    'x-expect': `${what}${opts.min !== undefined || opts.max !== undefined ? ` (${[opts.min !== undefined ? `${opts.exclusiveMin ? '>' : '≥'} ${opts.min}` : '', opts.max !== undefined ? `≤ ${opts.max}` : ''].filter(Boolean).join(', ')})` : ''}, e.g. ${opts.example}`,
    'x-units': [unit],
  };
}

/** A fraction: `10%` or a number in (0, 1]. */
export function fraction(opts: { allowZero?: boolean; example?: string } = {}): Schema {
  const lo = opts.allowZero ? { minimum: 0 } : { exclusiveMinimum: 0 };
  return {
    anyOf: [
      { type: 'number', ...lo, maximum: 1 },
      {
        type: 'object',
        properties: { $value: { type: 'number', ...lo, maximum: 100 }, $unit: { const: '%' } },
        required: ['$value', '$unit'],
        additionalProperties: false,
      },
    ],
    'x-expect': `a percentage or a fraction ${opts.allowZero ? 'in [0, 1]' : 'in (0, 1]'}, e.g. ${opts.example ?? '10% or 0.1'}`,
    'x-units': ['%'],
  };
}

export function size(dims: number[], min = 1): Schema {
  const one = { type: 'array', items: { type: 'integer', minimum: min }, minItems: Math.min(...dims), maxItems: Math.max(...dims) };
  return {
    anyOf: [one, { type: 'integer', minimum: min }],
    'x-expect': dims.includes(3) && dims.includes(2) ? 'a size like 128x128x128 or 224x224' : dims[0] === 3 ? 'a size like 128x128x128 (or one number for a cube)' : 'a size like 224x224 (or one number for a square)',
  };
}

export function list(items: Schema, expect: string, minItems = 0): Schema {
  return { type: 'array', items, minItems, 'x-expect': expect };
}

export function listOrOne(items: Schema, expect: string): Schema {
  return { anyOf: [items, { type: 'array', items, minItems: 1 }], 'x-expect': expect };
}

/** A block `{ … }` (optionally typed: `adam { … }`) with these keys; unknown keys are errors. */
export function block(properties: Record<string, Schema>, opts: { required?: string[]; types?: string[]; expect?: string } = {}): Schema {
  const props: Record<string, Schema> = { ...properties };
  if (opts.types) props.$type = { type: 'string', enum: opts.types, 'x-expect': 'one of ' + opts.types.join(', ') };
  const s: Schema = {
    type: 'object',
    properties: props,
    additionalProperties: false,
    'x-expect': opts.expect ?? 'a block { … }',
  };
  if (opts.required?.length) s.required = opts.required;
  return s;
}

// ───────────── shared pieces ─────────────

export const optimizerBlock = block(
  {
    lr: num(0, 10, 'a learning rate, e.g. 1e-3', true),
    // 1 itself is not allowed: Adam divides by 1 − beta^t, which would be 0 (NaN weights at step 1)
    beta1: num(0, 1, 'a number in [0, 1)', false, true),
    beta2: num(0, 1, 'a number in [0, 1)', false, true),
    momentum: num(0, 1, 'a number in [0, 1]'),
    'weight-decay': num(0, 1, 'a number ≥ 0'),
    'clip-norm': { anyOf: [{ type: 'number', exclusiveMinimum: 0 }, { type: 'string', enum: ['none'] }], 'x-expect': 'a number > 0 or none' },
  },
  { types: ['adam', 'sgd'], expect: 'an optimiser: adam, sgd, or adam { lr = 1e-3 }' },
);

export const optimizer: Schema = {
  anyOf: [{ type: 'string', enum: ['adam', 'sgd'] }, optimizerBlock],
  'x-expect': 'an optimiser: adam, sgd, or adam { lr = 1e-3 }',
};

export const trainBlock = block({
  epochs: qty('epochs', { integer: true, min: 1, example: '100 epochs' }),
  batch: int(1, 65536, 'a batch size ≥ 1'),
  steps: {
    anyOf: [qty('steps', { integer: true, min: 1, example: '50 steps' }), { type: 'string', enum: ['epoch'] }],
    'x-expect': 'optimiser steps per epoch (e.g. 50 steps), or epoch for one pass over the data',
  },
  optimizer,
  lr: num(0, 10, 'a learning rate, e.g. 1e-3', true),
  'on-nan': oneOfWords(['stop', 'retry-lower-lr']),
  keep: oneOfWords(['last', 'best'], 'last (the last epoch\'s weights) or best (the epoch with the best validation score)'),
});

export const slicesBlock = block({
  axis: { anyOf: [int(0, 2), { type: 'string', enum: ['axial', 'coronal', 'sagittal'] }], 'x-expect': 'an axis: 0, 1, 2, axial, coronal or sagittal' },
  'per-volume': int(1, 100000, 'slices taken per volume, ≥ 1'),
});

/** A block defined once in `blocks.ts sharedSchemas` (preprocess, split, train, slices) and referenced by name. */
export function sharedRef(name: string): Schema {
  return { $ref: `ssl3d:${name}` };
}

// One JSON Schema per block type: `experiment`, the dataset types, the encoder types, the
// pretext tasks, the fine-tuning targets, `evaluate`, `sweep` and `report`.
// Only the shape and the simple value constraints live here; cross-block and domain checks
// (patch grids, warm-up < epochs, channel adapters, …) are in compiler/check.ts.
import {
  block, bool, fraction, int, list, num, oneOfWords, optimizer, qty, ref, size, slicesBlock, str, trainBlock,
  type Schema,
} from './common.js';
import { BACKENDS } from '../../core/backends.js';
import { NODE_KINDS, SLURM_LIMITS, SLURM_TIME_PATTERN } from '../../core/graph.js';
import { DATASET_LAYOUTS } from '../layouts/index.js';
import { pretextCommon } from '../tasks/common.js';
import { PRETEXT_TASKS } from '../tasks/index.js';
import { metricNames, metricsFor, orList } from '../../core/metrics.js';

const percentOrFraction = fraction({ allowZero: true, example: '20% or 0.2' });

const preprocessBlock = block({
  crop: {
    anyOf: [
      bool,
      { type: 'string', enum: ['none'] },
      block({ threshold: num(undefined, undefined, 'an intensity threshold in the image\'s own units after windowing (e.g. 0.05 for MRI, -100 for CT in HU)'), margin: qty('voxels', { integer: true, min: 0, example: '2 voxels' }) }),
    ],
    'x-expect': 'crop { threshold = 0.05, margin = 2 voxels }, true or none',
  },
  resize: { anyOf: [size([2, 3]), { type: 'string', enum: ['none'] }], 'x-expect': 'a size like 128x128x128, or none' },
  window: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2, 'x-expect': 'an intensity window [low, high], e.g. [-100, 240]' },
  normalize: oneOfWords(['minmax', 'zscore', 'none']),
  channels: list(int(0, 1024), 'a list of channel indices, e.g. [0, 1]', 1),
});

const splitBlock = block({ val: percentOrFraction, test: percentOrFraction, seed: int(0, 4294967295) });

/**
 * Blocks shared by several block types. They are compiled once and referenced with `$ref`
 * (the generated validators stay small and load fast); diagnostics resolve paths into them.
 */
export const sharedSchemas: Record<string, Schema> = {
  preprocess: preprocessBlock,
  split: splitBlock,
  train: trainBlock,
  slices: slicesBlock,
};
const shared = (name: string): Schema => ({ $ref: `ssl3d:${name}` });
const train = shared('train');
const slices = shared('slices');
/** One schema per dataset layout, from the layout registry (compiler/layouts/). */
export const datasetSchemas: Record<string, Schema> = Object.fromEntries(Object.entries(DATASET_LAYOUTS).map(([type, l]) => [type, l.schema]));

const filters: Schema = {
  anyOf: [list(int(1, 100000), 'a list of filters per level', 1), int(1, 100000)],
  'x-expect': 'filters per level, e.g. [32, 64, 128, 256, 512], or the first level (doubled each level)',
};
const unet = block({
  preset: oneOfWords(['paper', 'authors-code', 'small']),
  levels: int(1, 8, 'a number of levels from 1 to 8'),
  filters,
  block: oneOfWords(['plain', 'residual']),
  norm: oneOfWords(['batch', 'instance', 'none']),
  dropout: num(0, 0.99, 'a dropout rate in [0, 1)'),
  'final-pool': oneOfWords(['max', 'avg', 'none']),
  upsample: oneOfWords(['transpose', 'upsample']),
});
export const encoderSchemas: Record<string, Schema> = {
  unet3d: unet,
  unet2d: unet,
  densenet2d: block({
    preset: oneOfWords(['densenet121', 'small']),
    blocks: list(int(1, 128), 'dense block sizes, e.g. [6, 12, 24, 16]', 1),
    growth: int(1, 1024, 'the growth rate, e.g. 32'),
    'init-filters': int(1, 4096, 'the stem filters, e.g. 64'),
    compression: num(0, 1, 'a compression factor in (0, 1]', true),
    dropout: num(0, 0.99, 'a dropout rate in [0, 1)'),
  }),
};

/** One schema per pretext task, from the task registry (compiler/tasks/). */
export const pretextSchemas: Record<string, Schema> = Object.fromEntries(
  Object.entries(PRETEXT_TASKS).map(([name, t]) => [name, block({ ...pretextCommon, ...t.fields }, { required: ['data', 'encoder'] })]),
);

const finetuneCommon: Record<string, Schema> = {
  data: ref('dataset'),
  encoder: ref('encoder'),
  arms: list(oneOfWords(['scratch', 'frozen', 'finetune']), 'a list of arms from scratch, frozen, finetune', 1),
  warmup: qty('epochs', { integer: true, min: 0, example: '25 epochs' }),
  'at-unfreeze': oneOfWords(['fresh', 'keep'], 'fresh (a new optimiser, as the authors) or keep'),
  adapter: oneOfWords(['duplicate', 'average', 'zero', 'none']),
  loss: oneOfWords(['dice', 'ce', 'dice-ce']),
  'class-weights': list(num(0, 1e6, 'a weight from 0 to 1000000'), 'a list of class weights', 1),
  slices,
  train,
};
export const finetuneSchemas: Record<string, Schema> = {
  segmentation: block(finetuneCommon, { required: ['data'] }),
  classification: block(finetuneCommon, { required: ['data'] }),
};

const metricRef: Schema = {
  type: 'string',
  pattern: `^(${metricNames().join('|')})(\\.[A-Za-z0-9_-]+)?$`,
  'x-expect': `a metric: ${metricsFor('segmentation').join(', ')} (optionally .REGION, e.g. ${metricsFor('segmentation')[0]}.WT), ${orList(metricsFor('classification'))}`,
  'x-metric': true,
};

export const evaluateSchema = block({
  fractions: list(fraction(), 'a list of label fractions, e.g. [10%, 25%, 50%, 100%]', 1),
  repetitions: int(1, 1000, 'the number of repetitions, ≥ 1'),
  metrics: list(metricRef, 'a list of metrics, e.g. [dice.ET, dice.TC, dice.WT]', 1),
  convergence: { anyOf: [metricRef, { type: 'string', enum: ['none'] }], 'x-expect': 'a metric tracked every epoch, e.g. dice.WT, or none', 'x-metric': true },
  'empty-masks': oneOfWords(['one', 'exclude'], 'one (an empty prediction of an empty mask scores 1) or exclude'),
  'hd95-empty': {
    anyOf: [{ type: 'string', enum: ['exclude'] }, ...(qty('mm', { min: 0, example: '373.13 mm' }).anyOf as Schema[])],
    'x-expect': 'exclude, or the HD95 in mm scored when exactly one mask is empty, e.g. 373.13 mm (BraTS)',
    'x-units': ['mm'],
  },
  folds: int(2, 100, 'the number of cross-validation folds, ≥ 2 (e.g. 5): repetition r tests on fold r'),
  test: percentOrFraction,
  val: percentOrFraction,
});

export const sweepSchema = block(
  {
    methods: list(ref('pretext'), 'a list of pretext names (and scratch)', 1),
    finetune: ref('finetune'),
    evaluate: ref('evaluate'),
    arms: list(oneOfWords(['scratch', 'frozen', 'finetune']), 'a list of arms from scratch, frozen, finetune', 1),
    fractions: list(fraction(), 'a list of label fractions, e.g. [10%, 100%]', 1),
    repetitions: int(1, 1000, 'the number of repetitions, ≥ 1'),
  },
  { required: ['methods', 'finetune', 'evaluate'] },
);

const table = block({
  $type: { type: 'string' },
  rows: oneOfWords(['method', 'fraction']),
  columns: oneOfWords(['region', 'fraction', 'metric']),
  metric: metricRef,
  fraction: fraction(),
  aggregate: oneOfWords(['mean-sd', 'min-avg-max']),
  'delta-vs-scratch': bool,
  reference: { anyOf: [{ type: 'string' }, str], 'x-expect': 'a published table, e.g. taleb2020-table1, or none' },
});
const plot = block({
  $type: { type: 'string' },
  kind: oneOfWords(['data-efficiency', 'convergence']),
  metric: metricRef,
  fraction: fraction(),
});
export const reportSchema = block({
  sweep: ref('sweep'),
  table: list(table, 'table NAME { … }'),
  plot: list(plot, 'plot NAME { … }'),
  formats: list(oneOfWords(['md', 'csv', 'tex', 'svg', 'png']), 'a list of formats from md, csv, tex, svg, png', 1),
});

// Where nodes run (`executor = slurm { partition = "gpu", finetune { memory = 16 GB } }`): the
// settings never change what a node computes, so compiler/executor.ts keeps them out of hashes.
const slurmTime: Schema = {
  anyOf: [
    qty('minutes', { integer: true, min: 1, max: SLURM_LIMITS.minutes, example: '90 minutes' }),
    { type: 'object', properties: { $string: { type: 'string', pattern: SLURM_TIME_PATTERN } }, required: ['$string'], additionalProperties: false },
  ],
  'x-expect': `a time limit: minutes up to ${SLURM_LIMITS.minutes} (e.g. 90 minutes) or Slurm's "days-hours:minutes:seconds" (e.g. "1-00:00:00")`,
  'x-units': ['minutes'],
};
const nodeResources = block({
  memory: qty('GB', { min: 0, exclusiveMin: true, max: SLURM_LIMITS.memoryGB, example: '16 GB' }),
  cpus: int(1, SLURM_LIMITS.cpus, 'CPUs per job, e.g. 4'),
  gpus: int(0, SLURM_LIMITS.gpus, 'GPUs per job, e.g. 1'),
  time: slurmTime,
});
const executorBlock = block(
  {
    partition: str,
    account: str,
    time: slurmTime,
    'max-jobs': int(1, 100000, 'how many jobs may run at once, e.g. 20'),
    requeue: bool,
    sbatch: list(str, 'extra sbatch options, e.g. ["--qos=long"]'),
    ...Object.fromEntries(NODE_KINDS.map((k) => [k, nodeResources])),
  },
  { types: ['local', 'slurm'], expect: 'an executor: local, slurm, or slurm { partition = "gpu" }' },
);

export const experimentSchema = block({
  seed: int(0, 4294967295, 'a seed: a whole number from 0 to 4294967295'),
  backend: oneOfWords([...BACKENDS]),
  description: str,
  executor: { anyOf: [{ type: 'string', enum: ['local', 'slurm'] }, executorBlock], 'x-expect': 'an executor: local, slurm, or slurm { partition = "gpu" }' },
});

/** Kinds with a type after `=`, and the types each accepts. Kinds without types map to null. */
export const kindTypes: Record<string, string[] | null> = {
  experiment: null,
  dataset: Object.keys(datasetSchemas),
  encoder: Object.keys(encoderSchemas),
  pretext: Object.keys(pretextSchemas),
  finetune: Object.keys(finetuneSchemas),
  evaluate: null,
  sweep: null,
  report: null,
};

/** Every block schema by key (`experiment`, `dataset.nifti`, `pretext.rpl`, …). */
export const blockSchemas: Record<string, Schema> = {
  experiment: experimentSchema,
  evaluate: evaluateSchema,
  sweep: sweepSchema,
  report: reportSchema,
  ...Object.fromEntries(Object.entries(datasetSchemas).map(([k, v]) => [`dataset.${k}`, v])),
  ...Object.fromEntries(Object.entries(encoderSchemas).map(([k, v]) => [`encoder.${k}`, v])),
  ...Object.fromEntries(Object.entries(pretextSchemas).map(([k, v]) => [`pretext.${k}`, v])),
  ...Object.fromEntries(Object.entries(finetuneSchemas).map(([k, v]) => [`finetune.${k}`, v])),
};

/** The key of the schema for a declaration, or null for an unknown kind/type. */
export function schemaKey(kind: string, type: string | null): string | null {
  const key = kindTypes[kind] === null ? kind : type ? `${kind}.${type}` : null;
  return key !== null && key in blockSchemas ? key : null;
}

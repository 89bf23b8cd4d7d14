// JSON Schema of the execution graph (core/graph.ts) and `loadGraph`, which validates a
// graph read from disk before the runtime trusts it: the schema, plus the invariants a schema
// cannot express (unique ids, inputs that name earlier nodes, matching output types).
import { Ajv, type ValidateFunction } from 'ajv';
import { GRAPH_VERSION, NODE_KINDS, SLURM_LIMITS, SLURM_TIME_PATTERN, type ExecutionGraph } from './graph.js';
import { BACKENDS } from './backends.js';
import { LAYOUT_FACTS } from './datasets.js';
import { LIMITS } from './geometry.js';
import { en, int, intArr, nullable, numArr, obj, type JsonSchema } from './json-schema.js';
import { metricNames } from './metrics.js';
import { msg } from './codes/index.js';
import { TASK_CONTRACTS, taskNames } from './tasks/index.js';

type S = JsonSchema;
const slices = nullable(obj({ axis: { type: 'integer', enum: [0, 1, 2] }, perVolume: int(1) }));

// one branch per registered layout (core/datasets.ts), read when this module loads
const dataSource: S = {
  oneOf: Object.entries(LAYOUT_FACTS).map(([kind, l]) => obj({ kind: { const: kind }, ...l.source }, l.optional)),
};

const dataset: S = obj({
  name: { type: 'string' },
  source: dataSource,
  preprocess: obj({
    crop: nullable(obj({ threshold: { type: 'number' }, margin: int(0) })),
    resize: nullable(intArr(2, 3)),
    window: nullable(numArr(2, 2)),
    normalize: en('minmax', 'zscore', 'none'),
    channels: nullable(intArr(1)),
  }),
  split: obj({ val: { type: 'number', minimum: 0, maximum: 1 }, test: { type: 'number', minimum: 0, maximum: 1 }, seed: int(0) }),
  dim: { type: 'integer', enum: [2, 3] },
  channels: int(1),
  labels: {
    oneOf: [
      obj({ kind: { const: 'segmentation' }, classes: intArr(1) }),
      obj({ kind: { const: 'classification' }, classes: int(2) }),
      obj({ kind: { const: 'none' } }),
    ],
  },
  regions: { type: 'object', additionalProperties: intArr() },
  knownCases: nullable(int(1)),
  channelNames: nullable({ type: 'array', items: { type: 'string' } }),
}, ['channelNames']);

const encoder: S = {
  oneOf: [
    obj({
      kind: en('unet3d', 'unet2d'),
      levels: int(1),
      filters: intArr(1),
      block: en('plain', 'residual'),
      norm: en('batch', 'instance', 'none'),
      dropout: { type: 'number', minimum: 0, maximum: 1 },
      finalPool: en('max', 'avg', 'none'),
      upsample: en('transpose', 'upsample'),
    }),
    obj({ kind: { const: 'densenet2d' }, blocks: intArr(1), growth: int(1), initFilters: int(1), compression: { type: 'number' }, dropout: { type: 'number' } }),
  ],
};

const optimizer: S = obj({
  kind: en('adam', 'sgd'),
  lr: { type: 'number', exclusiveMinimum: 0 },
  beta1: { type: 'number' },
  beta2: { type: 'number' },
  momentum: { type: 'number' },
  weightDecay: { type: 'number' },
  clipNorm: nullable({ type: 'number' }),
});
const train: S = obj({ epochs: int(1), batch: int(1), stepsPerEpoch: nullable(int(1)), optimizer, onNaN: en('stop', 'retry-lower-lr'), keep: en('best') }, ['keep']);

// one branch per registered task (core/tasks/index.ts), read when this module loads
const taskParams: S = {
  oneOf: Object.entries(TASK_CONTRACTS).map(([task, c]) => obj({ task: { const: task }, ...c.params }, c.optional)),
};

const pretext: S = obj({
  name: { type: 'string' },
  task: en(...taskNames()),
  dim: { type: 'integer', enum: [2, 3] },
  variant: en('paper', 'authors-code', 'authors-code-bug'),
  params: taskParams,
  headHidden: int(1),
  slices,
  train,
});

const metric: S = obj({ metric: en(...metricNames()), region: nullable({ type: 'string' }) });
const evaluation: S = obj(
  {
    metrics: { type: 'array', items: metric, minItems: 1 },
    convergence: nullable(metric),
    emptyPolicy: en('one', 'exclude'),
    hd95Empty: { anyOf: [en('exclude'), { type: 'number', minimum: 0 }] },
    folds: obj({ count: int(2), seed: int(0) }),
  },
  ['hd95Empty', 'folds'],
);
const arm = en('scratch', 'frozen', 'finetune');

const finetune: S = obj({
  target: en('segmentation', 'classification'),
  classes: intArr(1),
  loss: en('dice', 'ce', 'dice+ce'),
  classWeights: nullable(numArr()),
  warmup: int(0),
  atUnfreeze: en('fresh', 'keep'),
  adapter: en('duplicate', 'average', 'zero', 'none'),
  train,
  slices,
});

const report: S = obj({
  name: { type: 'string' },
  tables: {
    type: 'array',
    items: obj({
      name: { type: 'string' },
      rows: en('method', 'fraction'),
      columns: en('region', 'fraction', 'metric'),
      fraction: nullable({ type: 'number' }),
      aggregate: en('mean-sd', 'min-avg-max'),
      deltaVsScratch: { type: 'boolean' },
      metrics: { type: 'array', items: metric, minItems: 1 },
      reference: nullable({ type: 'string' }),
    }, ['metrics']),
  },
  plots: {
    type: 'array',
    items: obj({ name: { type: 'string' }, kind: en('data-efficiency', 'convergence'), metric, fraction: nullable({ type: 'number' }) }),
  },
  formats: { type: 'array', items: en('md', 'csv', 'tex', 'svg', 'png') },
});

const cost: S = nullable(obj({ trainableParams: int(0), activationBytes: { type: 'number', minimum: 0 }, flopsPerStep: { type: 'number', minimum: 0 }, steps: nullable(int(0)) }));
const base = (kind: string, output: string, params: S): S =>
  obj({
    id: { type: 'string', minLength: 1 },
    kind: { const: kind },
    hash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    inputs: { type: 'array', items: { type: 'string' } },
    output: { const: output },
    seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
    cost,
    params,
  });

const slurmTime: S = { type: 'string', pattern: SLURM_TIME_PATTERN };
const resources = obj(
  { memoryGB: { type: 'number', exclusiveMinimum: 0, maximum: SLURM_LIMITS.memoryGB }, cpus: { ...int(1), maximum: SLURM_LIMITS.cpus }, gpus: { ...int(0), maximum: SLURM_LIMITS.gpus }, time: slurmTime },
  ['memoryGB', 'cpus', 'gpus', 'time'],
);
const executor = obj(
  {
    kind: en('local', 'slurm'),
    partition: { type: 'string' },
    account: { type: 'string' },
    time: slurmTime,
    maxJobs: int(1),
    requeue: { type: 'boolean' },
    sbatch: { type: 'array', items: { type: 'string' } },
    resources: obj(Object.fromEntries(NODE_KINDS.map((k) => [k, resources])), NODE_KINDS),
  },
  ['partition', 'account', 'time', 'maxJobs', 'requeue', 'sbatch', 'resources'],
);

export const graphSchema: S = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'ssl3d execution graph',
  ...obj({
    version: { const: GRAPH_VERSION },
    experiment: { type: 'string' },
    source: obj({ file: { type: 'string' }, hash: { type: 'string' } }),
    seed: int(0),
    backend: en(...BACKENDS),
    nodes: {
      type: 'array',
      items: {
        oneOf: [
          base('data', 'dataset', obj({ dataset })),
          base('pretrain', 'encoder', obj({ pretext, encoder, inputShape: intArr(3, 4) })),
          base(
            'finetune',
            'model',
            obj({
              method: { type: 'string' },
              arm,
              fraction: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
              repetition: int(0),
              subsetSeed: int(0),
              finetune,
              encoder,
              inputShape: intArr(3, 4),
              pretrainedChannels: nullable(int(1)),
              channelNames: nullable({ type: 'array', items: { type: 'string' } }),
              pretrainedChannelNames: nullable({ type: 'array', items: { type: 'string' } }),
              evaluation,
            }, ['channelNames', 'pretrainedChannelNames']),
          ),
          base(
            'evaluate',
            'metrics',
            obj({
              method: { type: 'string' },
              arm,
              fraction: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
              repetition: int(0),
              evaluation,
              regions: { type: 'object', additionalProperties: intArr() },
            }),
          ),
          base('report', 'report', obj({ report })),
        ],
      },
    },
    executor,
  }, ['executor']),
};

export class GraphLoadError extends Error {
  readonly code: 'SSL098';
  constructor(readonly problems: string[]) {
    const m = msg('SSL098', 'invalidGraph', { problems: problems.slice(0, 5).join('; '), more: problems.length > 5 ? ` (and ${problems.length - 5} more)` : '' });
    super(m.message);
    this.code = m.code;
    this.name = 'GraphLoadError';
  }
}

let validator: ValidateFunction | null = null;

/** Problems with `json` as an execution graph (empty when valid). */
export function graphProblems(json: unknown): string[] {
  validator ??= new Ajv({ allErrors: true, strict: false }).compile(graphSchema);
  if (!validator(json)) {
    const errs = validator.errors ?? [];
    // oneOf failures list every branch; keep the few most specific messages
    const out = errs.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'const').map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
    return [...new Set(out.length ? out : errs.map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`))].slice(0, 20);
  }
  const g = json as ExecutionGraph;
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const [i, n] of g.nodes.entries()) {
    if (seen.has(n.id)) problems.push(`/nodes/${i}: duplicate node id '${n.id}'`);
    for (const input of n.inputs) if (!seen.has(input)) problems.push(`/nodes/${i}: input '${input}' of '${n.id}' is not an earlier node`);
    seen.set(n.id, n.kind);
  }
  const kindOf = (id: string): string | undefined => seen.get(id);
  for (const [i, n] of g.nodes.entries()) {
    const kinds = n.inputs.map(kindOf);
    if (n.kind === 'pretrain' && (kinds.length !== 1 || kinds[0] !== 'data')) problems.push(`/nodes/${i}: a pretrain node takes one data node`);
    if (n.kind === 'finetune' && (kinds[0] !== 'data' || (kinds.length === 2 ? kinds[1] !== 'pretrain' : kinds.length !== 1)))
      problems.push(`/nodes/${i}: a finetune node takes a data node and optionally a pretrain node`);
    if (n.kind === 'evaluate' && (kinds[0] !== 'finetune' || kinds[1] !== 'data')) problems.push(`/nodes/${i}: an evaluate node takes a finetune node and a data node`);
    limitProblems(n.params, `/nodes/${i}/params`, problems);
  }
  return problems.slice(0, 20);
}

/**
 * The compiler's sane limits (SSL077) on a saved graph: an edited graph.json with a phantom of
 * 100000³ voxels or 10⁹ cases died in the run with "Invalid typed array length" or ran for ever.
 * Sizes, case counts and training lengths are found by their keys anywhere in a node's params.
 */
function limitProblems(v: unknown, at: string, out: string[]): void {
  if (Array.isArray(v)) {
    v.forEach((x, k) => limitProblems(x, `${at}/${k}`, out));
    return;
  }
  if (typeof v !== 'object' || v === null) return;
  const o = v as Record<string, unknown>;
  const over = (key: string, max: number): void => {
    const x = o[key];
    if (typeof x === 'number' && (x > max || !Number.isSafeInteger(x))) out.push(`${at}/${key} = ${x} is beyond what ssl3d runs (at most ${max})`);
  };
  for (const key of ['size', 'resize']) {
    const a = o[key];
    if (!Array.isArray(a) || !a.every((x) => typeof x === 'number')) continue;
    const side = LIMITS.side[a.length] ?? LIMITS.side[3]!;
    if (a.some((x) => x > side || !Number.isSafeInteger(x))) out.push(`${at}/${key} = [${a.join(', ')}] has a side beyond ${side}`);
  }
  if (typeof o.kind === 'string' && o.kind.startsWith('phantom')) over('cases', LIMITS.generatedCases);
  if ('epochs' in o && 'batch' in o) {
    over('epochs', LIMITS.epochs);
    over('batch', LIMITS.batch);
    over('stepsPerEpoch', LIMITS.stepsPerEpoch);
  }
  const cw = o.classWeights;
  if (Array.isArray(cw) && cw.every((x) => typeof x === 'number') && cw.length > 0 && (cw.some((x) => x > 1e6) || cw.every((x) => x === 0)))
    out.push(`${at}/classWeights = [${cw.join(', ')}] must be at most 1000000 each and not all 0`);
  if (o.kind === 'adam') for (const b of ['beta1', 'beta2']) if (typeof o[b] === 'number' && !((o[b] as number) < 1)) out.push(`${at}/${b} = ${String(o[b])} must be below 1`);
  for (const [k, x] of Object.entries(o)) limitProblems(x, `${at}/${k}`, out);
}

/** Validate a graph read from disk (JSON.parse output) and return it typed; throws GraphLoadError. */
export function loadGraph(json: unknown): ExecutionGraph {
  const problems = graphProblems(json);
  if (problems.length > 0) throw new GraphLoadError(problems);
  return json as ExecutionGraph;
}

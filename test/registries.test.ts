// Each registry in core/ is the single list of its concept: the schemas, the graph contract,
// the checks, the runtime, the reports and the editor read it, and no other source file spells
// the list again. A fake entry registered here appears everywhere that derives from it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const SOURCE_DIRS = ['core', 'grammar', 'compiler', 'runtime', 'report', 'cli'];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts')) out.push(p.split('\\').join('/'));
  }
  return out;
}
const ALL = SOURCE_DIRS.flatMap(sources);

/** Files (and why) allowed to name entries of a registry beside the registry itself. */
function offenders(pattern: RegExp, allowed: Record<string, string>, allowedLine?: RegExp): string[] {
  return ALL.filter((f) => !(f in allowed) && !f.startsWith('core/codes/') && !f.endsWith('.generated.ts'))
    .flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((l, i) => [l, i] as const)
        .filter(([l]) => pattern.test(l) && !/^\s*(\/\/|\*|\/\*)/.test(l) && !(allowedLine && allowedLine.test(l)))
        .map(([l, i]) => `${f}:${i + 1}: ${l.trim()}`),
    );
}

describe('the metric registry (core/metrics.ts)', () => {
  it('is the only place that lists metrics or tells segmentation from classification by name', () => {
    // a metric name as a string literal (dice is also a loss name, so it is left out here), or an
    // alternation of two metric names in a regex
    const literal = /['"`](iou|hd95|qwk|accuracy)['"`]/;
    const alternation = /\b(dice|iou|hd95|qwk|accuracy)\|(dice|iou|hd95|qwk|accuracy)\b/;
    const allowed = {
      'core/metrics.ts': 'the registry',
      'runtime/eval/metrics.ts': 'the computations, one case per metric',
      'runtime/train/finetune.ts': 'the convergence fallback of a hand-made node without metrics',
    };
    // the `hd95-empty` option belongs to the HD95 metric itself
    expect(offenders(literal, allowed, /hd95Empty|hd95-empty/)).toEqual([]);
    expect(offenders(alternation, allowed)).toEqual([]);
  });

  it('every registered metric is computed by the runtime', async () => {
    const { METRICS } = await import('../core/metrics.js');
    const { segmentationMetric, evaluateClassification, DEFAULT_EMPTY_POLICY } = await import('../runtime/eval/metrics.js');
    const ctx = { regions: { A: [1] }, classes: [0, 1], policy: DEFAULT_EMPTY_POLICY };
    const c = { id: 'c', reference: [0, 1, 1, 0], prediction: [0, 1, 0, 0], shape: [1, 2, 2], spacing: [1, 1, 1] };
    for (const m of METRICS) {
      if (m.target === 'segmentation') expect(Number.isFinite(segmentationMetric({ metric: m.name, region: 'A' }, c, ctx))).toBe(true);
      else expect(Object.keys(evaluateClassification([{ metric: m.name, region: null }], [0, 1, 2], [0, 1, 1], 3))).toEqual([m.name]);
    }
  });

  it('a fake metric registered first appears in the block schema, the graph schema, the checks, reports and the TUI', async () => {
    vi.resetModules();
    const reg = await import('../core/metrics.js');
    (reg.METRICS as unknown as import('../core/metrics.js').MetricInfo[]).push({
      name: 'fakescore', target: 'segmentation', perRegion: true, overlap: false, higherIsBetter: false, scale: 1, digits: 1, unit: 'mm', label: 'Fake', byDefault: false,
    });
    try {
      const { evaluateSchema } = await import('../compiler/schemas/blocks.js');
      const metricRef = (evaluateSchema as { properties: Record<string, { items: { pattern: string; 'x-expect': string } }> }).properties.metrics!.items;
      expect(new RegExp(metricRef.pattern).test('fakescore.WT')).toBe(true);
      expect(metricRef['x-expect']).toContain('fakescore');
      const { graphSchema } = await import('../core/graph-schema.js');
      expect(JSON.stringify(graphSchema)).toContain('"fakescore"');
      expect(reg.isSegmentationMetric('fakescore')).toBe(true);
      expect(reg.metricsFor('segmentation')).toContain('fakescore');
      const { metricLabel, displayDigits } = await import('../report/tables.js');
      expect(metricLabel('fakescore_WT')).toBe('Fake WT (mm)');
      expect(displayDigits('fakescore_WT')).toBe(1);
      const { higherIsBetter } = await import('../runtime/eval/metrics.js');
      expect(higherIsBetter('fakescore_WT')).toBe(false);
      expect(reg.isMetricKey('fakescore_WT')).toBe(true);
      // the checker takes it in an evaluate block, and the graph JSON Schema accepts the graph
      const { compileSource } = await import('../compiler/index.js');
      const tiny = readFileSync('test/e2e/fixtures/tiny.ssl', 'utf8').replace('metrics = [dice.WT]', 'metrics = [fakescore.WT, dice.WT]');
      const r = compileSource(tiny, 'tiny.ssl');
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const ev = r.graph!.nodes.find((n) => n.kind === 'evaluate');
      expect(ev?.kind === 'evaluate' && ev.params.evaluation.metrics[0]).toEqual({ metric: 'fakescore', region: 'WT' });
      const { graphProblems } = await import('../core/graph-schema.js');
      expect(graphProblems(JSON.parse(JSON.stringify(r.graph)))).toEqual([]);
    } finally {
      (reg.METRICS as unknown as unknown[]).pop();
      vi.resetModules();
    }
  });
});

describe('the backend list (core/backends.ts)', () => {
  it('is spelled once: schema, graph contract, CLI and runtime read it', async () => {
    expect(offenders(/'auto',\s*'webgpu'|'auto'\s*\|\s*'|'native'\s*\|\s*'cpu'/, { 'core/backends.ts': 'the list' })).toEqual([]);
    const { BACKENDS } = await import('../core/backends.js');
    const { experimentSchema } = await import('../compiler/schemas/blocks.js');
    expect(JSON.stringify(experimentSchema)).toContain(JSON.stringify([...BACKENDS]));
  });
});

describe('the node kinds (NODE_KINDS in core/graph.ts)', () => {
  it('are spelled once: the graph schema (node branches, executor resources), the executor block and its lowering read the list', async () => {
    const { NODE_KINDS } = await import('../core/graph.js');
    expect(offenders(/'data',\s*'pretrain'|\bdata: \w+,\s*pretrain: \w+/, { 'core/graph.ts': 'the list', 'runtime/executor/slurm/resources.ts': 'default CPUs per kind, a table typed over NodeKind' })).toEqual([]);
    const { graphSchema } = await import('../core/graph-schema.js');
    const nodes = (graphSchema as { properties: { nodes: { items: { oneOf: Array<{ properties: { kind: { const: string } } }> } } } }).properties.nodes.items.oneOf;
    expect(nodes.map((n) => n.properties.kind.const)).toEqual([...NODE_KINDS]);
    const executor = (graphSchema as { properties: { executor: { properties: { resources: { properties: object } } } } }).properties.executor.properties.resources;
    expect(Object.keys(executor.properties)).toEqual([...NODE_KINDS]);
    const { experimentSchema } = await import('../compiler/schemas/blocks.js');
    const block = (experimentSchema as { properties: { executor: { anyOf: Array<{ properties?: Record<string, unknown> }> } } }).properties.executor.anyOf[1]!.properties!;
    for (const k of NODE_KINDS) expect(block[k]).toBeDefined();
  });
});

describe('the dataset-layout registries (compiler/layouts/, runtime/data/layouts.ts)', () => {
  it('compiler, graph schema and runtime know the same layouts, and nothing else lists them', async () => {
    const { DATASET_LAYOUTS } = await import('../compiler/layouts/index.js');
    const { kindTypes } = await import('../compiler/schemas/blocks.js');
    const { LAYOUTS } = await import('../runtime/data/layouts.js');
    const { graphSchema } = await import('../core/graph-schema.js');
    const kinds = Object.keys(DATASET_LAYOUTS);
    expect(kindTypes.dataset).toEqual(kinds);
    expect(Object.keys(LAYOUTS)).toEqual(kinds.filter((k) => !k.startsWith('phantom')));
    const sourceKinds = [...JSON.stringify(graphSchema).matchAll(/"kind":\{"const":"([a-z0-9]+)"\}/g)].map((m) => m[1]);
    for (const k of kinds) expect(sourceKinds).toContain(k);
    const literal = /['"`](nifti|brats|decathlon|nnunet|images|phantom3d|phantom2d)['"`]/;
    const layoutFiles = Object.fromEntries(ALL.filter((f) => f.startsWith('compiler/layouts/') || f.startsWith('runtime/data/layouts')).map((f) => [f, 'a layout']));
    expect(
      offenders(literal, {
        ...layoutFiles,
        'runtime/data/phantoms.ts': 'generates the phantom layouts',
        'runtime/data/dataset.ts': 'phantoms are generated, files are resolved',
        'cli/commands/check.ts': 'region names from dataset.json (decathlon, nnunet)',
        'report/comparison.ts': 'the BraTS reference table compares with brats data only',
        'core/datasets.ts': 'the layout facts',
        'runtime/tasks/bench.ts': 'builds a phantom dataset to time the tasks',
      }),
    ).toEqual([]);
  });

  it('a fake layout registered first gets a block schema and is a dataset type', async () => {
    vi.resetModules();
    const reg = await import('../compiler/layouts/index.js');
    const { block } = await import('../compiler/schemas/common.js');
    const table = reg.DATASET_LAYOUTS as unknown as Record<string, import('../compiler/layouts/index.js').DatasetLayout>;
    table.fakelayout = { schema: block({ root: { type: 'object' } }), lower: () => ({ source: { kind: 'nnunet', root: 'x', channels: [0] }, rawChannels: 1 }) };
    try {
      const { kindTypes, blockSchemas } = await import('../compiler/schemas/blocks.js');
      expect(kindTypes.dataset).toContain('fakelayout');
      expect(blockSchemas['dataset.fakelayout']).toBeDefined();
      expect(reg.datasetLayout('fakelayout')).toBe(table.fakelayout);
    } finally {
      delete table.fakelayout;
      vi.resetModules();
    }
  });
});

describe('the pretext-task registry (compiler/tasks/)', () => {
  it('the language, the graph schema and the runtime know the same tasks', async () => {
    const { PRETEXT_TASKS } = await import('../compiler/tasks/index.js');
    const { kindTypes } = await import('../compiler/schemas/blocks.js');
    const { graphSchema } = await import('../core/graph-schema.js');
    const names = Object.keys(PRETEXT_TASKS);
    expect(kindTypes.pretext).toEqual(names);
    const schema = JSON.stringify(graphSchema);
    for (const n of names) expect(schema).toContain(`{"const":"${n}"}`);
    const { RUNTIME_TASKS } = await import('../runtime/tasks/tasks.js');
    expect(Object.keys(RUNTIME_TASKS).sort()).toEqual([...names].sort());
  });

  it('createTask dispatches through the runtime table: a task registered there is the one built', async () => {
    const tasks = await import('../runtime/tasks/tasks.js');
    const table = tasks.RUNTIME_TASKS as unknown as Record<string, (...a: unknown[]) => unknown>;
    const real = table.rotation!;
    const built: unknown[] = [];
    table.rotation = (...a: unknown[]) => {
      built.push(a[1]);
      return { name: 'fake' };
    };
    try {
      const spec = { name: 'r', task: 'rotation', dim: 3, variant: 'paper', params: { task: 'rotation', copies: 1 }, headHidden: 8, slices: null, train: {} } as never;
      const task = tasks.createTask(spec, { kind: 'unet3d' } as never, [16, 16, 16, 1], 1);
      expect(task).toEqual({ name: 'fake' });
      expect(built).toEqual([{ task: 'rotation', copies: 1 }]);
    } finally {
      table.rotation = real;
    }
  });

  it('a fake task registered first gets a block schema and a cost estimate through its own heads', async () => {
    vi.resetModules();
    const reg = await import('../compiler/tasks/index.js');
    const { int } = await import('../compiler/schemas/common.js');
    const table = reg.PRETEXT_TASKS as unknown as Record<string, import('../compiler/tasks/index.js').PretextTaskDef>;
    table.faketask = {
      name: 'rotation',
      title: 'Fake',
      fields: { width: int(1, 10) },
      wholeInput: true,
      check: () => ({ task: 'rotation', copies: 1 }),
      encoderInput: (_p, _a, spatial) => ({ patch: spatial, runs: 5 }),
      heads: (_p, h, ctx) => h.dense(ctx.features, 7),
    };
    try {
      const { kindTypes, blockSchemas } = await import('../compiler/schemas/blocks.js');
      expect(kindTypes.pretext).toContain('faketask');
      expect(JSON.stringify(blockSchemas['pretext.faketask'])).toContain('"width"');
      const { estimateCost, pretextEncoderInput } = await import('../compiler/cost.js');
      const { UNET_PRESETS } = await import('../compiler/defaults.js');
      const encoder = { kind: 'unet3d', ...UNET_PRESETS.small } as never;
      const train = { epochs: 1, batch: 1, stepsPerEpoch: null, optimizer: { kind: 'adam', lr: 1e-3, weightDecay: 0 }, schedule: null } as never;
      const pretext = { name: 'f', task: 'faketask', dim: 3, variant: 'paper', params: { task: 'faketask' }, headHidden: 8, slices: null, train } as never;
      expect(pretextEncoderInput(pretext, encoder, [16, 16, 16])).toEqual({ patch: [16, 16, 16], runs: 5 });
      const c = estimateCost({ kind: 'pretrain', pretext, encoder, inputShape: [16, 16, 16, 1], cases: 4 });
      expect(c.trainableParams).toBeGreaterThan(0);
    } finally {
      delete table.faketask;
      vi.resetModules();
    }
  });
});

describe('the checkers (compiler/check/)', () => {
  it('one checker per declaration kind with a block (the experiment block is read by the program check)', async () => {
    const { CHECKERS } = await import('../compiler/check/index.js');
    const { kindTypes } = await import('../compiler/schemas/blocks.js');
    expect(Object.keys(CHECKERS).sort()).toEqual(Object.keys(kindTypes).filter((k) => k !== 'experiment').sort());
  });

  it('diagnostics come from the check phase and the front end only: the lowering and the cost estimate report nothing', () => {
    const emits = /\.(error|warning)\('SSL\d{3}'|\berror\('SSL\d{3}'/;
    const compilerFiles = ALL.filter((f) => f.startsWith('compiler/'));
    const emitting = compilerFiles.filter((f) => readFileSync(f, 'utf8').split('\n').some((l) => emits.test(l) && !/^\s*(\/\/|\*)/.test(l)));
    const allowed = (f: string): boolean =>
      f.startsWith('compiler/check/') || // the checkers
      f.startsWith('compiler/layouts/') || // a layout's own fields, through the dataset checker's callback
      f.startsWith('compiler/tasks/') || // a task's own fields, through the pretext checker's callback
      ['compiler/modules.ts', 'compiler/overrides.ts', 'compiler/values.ts', 'compiler/validate.ts', 'compiler/index.ts'].includes(f); // imports and names, --set, block values, schemas, unreadable input
    expect(emitting.filter((f) => !allowed(f))).toEqual([]);
    expect(emitting).not.toContain('compiler/lower.ts');
    expect(emitting).not.toContain('compiler/cost.ts');
  });
});

describe('the node handlers (runtime/nodes/, wired in cli/handlers.ts)', () => {
  it('each node kind has its handler in runtime/nodes/ (the report node in report/node.ts), and nothing else defines one', async () => {
    const handlerDef = /export const \w+: NodeHandler</;
    const allowed = Object.fromEntries(ALL.filter((f) => f.startsWith('runtime/nodes/')).map((f) => [f, 'a node handler']));
    expect(offenders(handlerDef, { ...allowed, 'report/node.ts': 'the report node (report layer)' })).toEqual([]);
    expect(Object.keys(allowed).sort()).toEqual(['runtime/nodes/data.ts', 'runtime/nodes/evaluate.ts', 'runtime/nodes/finetune.ts', 'runtime/nodes/pretrain.ts']);
    const table = readFileSync('cli/handlers.ts', 'utf8');
    for (const kind of ['data', 'pretrain', 'finetune', 'evaluate']) expect(table).toContain(`import('../runtime/nodes/${kind}.js')`);
    expect(table).toContain(`import('../report/node.js')`);
  });
});

// A task and a layout that exist only in this test, registered on each side the way a new one
// would be (core contract, compiler entry, runtime entry): the language accepts them, the
// checker lowers them into a graph, the graph JSON Schema (built from the core registries when
// it loads) accepts that graph and rejects it once they are unregistered, and the runtime
// dispatches to their entries.
describe('each registry is the single list: a fake task and a fake layout, end to end', () => {
  const SOURCE = `experiment fake { seed = 1 }
dataset corpus = fakelayout { root = "somewhere", preprocess { resize = 16x16x16 } }
encoder micro = unet3d { levels = 2, filters = [4, 8] }
pretext f = faketask { width = 4, data = corpus, encoder = micro, head-hidden = 8, train { epochs = 1, batch = 2, optimizer = adam { lr = 1e-3 } } }
`;

  async function register(): Promise<() => void> {
    vi.resetModules();
    const { LAYOUT_FACTS } = await import('../core/datasets.js');
    const { TASK_CONTRACTS } = await import('../core/tasks/index.js');
    const { taskContract } = await import('../core/tasks/contract.js');
    const { int: jInt, str: jStr } = await import('../core/json-schema.js');
    const { PRETEXT_TASKS } = await import('../compiler/tasks/index.js');
    const { DATASET_LAYOUTS } = await import('../compiler/layouts/index.js');
    const { block, int, str } = await import('../compiler/schemas/common.js');
    const { datasetCommon } = await import('../compiler/layouts/common.js');
    const { num, str: strOf } = await import('../compiler/json.js');
    const { RUNTIME_TASKS } = await import('../runtime/tasks/tasks.js');
    const { LAYOUTS } = await import('../runtime/data/layouts.js');
    const tables = [LAYOUT_FACTS, TASK_CONTRACTS, PRETEXT_TASKS, DATASET_LAYOUTS, RUNTIME_TASKS, LAYOUTS] as unknown as Array<Record<string, unknown>>;
    const [facts, contracts, compilerTasks, compilerLayouts, runtimeTasks, runtimeLayouts] = tables as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
    facts.fakelayout = { files: 'nifti', source: { root: jStr }, optional: [] };
    contracts.faketask = taskContract<{ task: 'faketask' } & Record<string, unknown>>({ width: jInt(1) });
    compilerLayouts.fakelayout = {
      schema: block({ ...datasetCommon, root: str }, { required: ['root'] }),
      lower: ({ json, rebase }: { json: Record<string, unknown>; rebase(p: string): string }) => ({ source: { kind: 'fakelayout', root: rebase(strOf(json.root as never) ?? '') }, rawChannels: 1, labelKind: 'none' }),
    };
    compilerTasks.faketask = {
      name: 'faketask',
      title: 'Fake',
      fields: { width: int(1, 10) },
      wholeInput: true,
      check: ({ json }: { json: Record<string, unknown> }) => ({ task: 'faketask', width: num(json.width as never) ?? 3 }),
      encoderInput: (_p: unknown, _a: boolean, spatial: number[]) => ({ patch: spatial, runs: 1 }),
      heads: (_p: unknown, h: { dense(i: number, o: number): void }, ctx: { features: number }) => h.dense(ctx.features, 7),
    };
    runtimeTasks.faketask = (spec: unknown, params: unknown) => ({ name: 'fake task', params });
    runtimeLayouts.fakelayout = async (src: unknown) => [{ id: 'fake case', src }];
    return () => {
      for (const [t, k] of [[facts, 'fakelayout'], [contracts, 'faketask'], [compilerLayouts, 'fakelayout'], [compilerTasks, 'faketask'], [runtimeTasks, 'faketask'], [runtimeLayouts, 'fakelayout']] as const) delete t[k];
      vi.resetModules();
    };
  }

  it('the graph contract (core/graph.ts, core/graph-schema.ts) spells no task name and no layout kind: it reads the registries', () => {
    const names = /['"`](cpc|rpl|jigsaw|rotation|exemplar|nifti|brats|decathlon|nnunet|images|phantom3d|phantom2d)['"`]/;
    for (const f of ['core/graph.ts', 'core/graph-schema.ts']) expect(readFileSync(f, 'utf8').split('\n').filter((l) => names.test(l))).toEqual([]);
  });

  it('the checker lowers them, the graph schema accepts them only while registered, the runtime dispatches to them', async () => {
    const unregister = await register();
    let graphJson: unknown;
    try {
      const { compileSource } = await import('../compiler/index.js');
      const r = compileSource(SOURCE, 'fake.ssl');
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const data = r.graph!.nodes.find((n) => n.kind === 'data')!;
      const pre = r.graph!.nodes.find((n) => n.kind === 'pretrain')!;
      expect(data.kind === 'data' && data.params.dataset.source).toEqual({ kind: 'fakelayout', root: 'somewhere' });
      expect(pre.kind === 'pretrain' && pre.params.pretext.params).toEqual({ task: 'faketask', width: 4 });
      graphJson = JSON.parse(JSON.stringify(r.graph));
      const { graphProblems } = await import('../core/graph-schema.js');
      expect(graphProblems(graphJson)).toEqual([]);
      // the runtime's tables are the ones that run them
      const { createTask } = await import('../runtime/tasks/tasks.js');
      if (pre.kind !== 'pretrain') throw new Error('no pretrain node');
      expect(createTask(pre.params.pretext, pre.params.encoder, pre.params.inputShape, 1)).toEqual({ name: 'fake task', params: { task: 'faketask', width: 4 } });
      const { resolveCases } = await import('../runtime/data/layouts.js');
      if (data.kind !== 'data') throw new Error('no data node');
      expect(await resolveCases(data.params.dataset, '/base')).toEqual([{ id: 'fake case', src: { kind: 'fakelayout', root: 'somewhere' } }]);
    } finally {
      unregister();
    }
    // the same graph without the registrations: the schema no longer knows the task or the layout
    const { graphProblems } = await import('../core/graph-schema.js');
    type Json = { nodes: Array<{ kind: string; params: { dataset?: { source: unknown } } }> };
    const g = graphJson as Json;
    const at = (kind: string): string => `/nodes/${g.nodes.findIndex((n) => n.kind === kind)}/params/`;
    expect(graphProblems(g).some((p) => p.startsWith(`${at('data')}dataset/source`))).toBe(true);
    const realData = structuredClone(g);
    realData.nodes.find((n) => n.kind === 'data')!.params.dataset!.source = { kind: 'nnunet', root: 'somewhere', channels: [0] };
    const problems = graphProblems(realData);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems).toContain(`${at('pretrain')}pretext/task must be equal to one of the allowed values`);
    expect(problems.every((p) => p.startsWith(at('pretrain').replace(/params\/$/, '')))).toBe(true);
  });
});

// Semantic and domain checks, then lowering of a checked experiment into the execution graph.
//
// Order of work: every declaration is validated against its block schema (compiler/schemas);
// declarations that fail validation are not lowered (so one mistake gives one diagnostic, not
// a cascade). Then references are resolved and the domain rules of issue 2 are checked before
// anything is built: patch grids fit the volume, grids have a centre, permutations ≤ n!,
// warm-up < epochs, every label fraction yields ≥ 1 training case, channel adapters, slicing
// of 2D tasks on 3D data, metrics that match the target, regions that use existing labels.
import { posix } from 'node:path';
import type { Declaration, Span } from '../grammar/ast.js';
import { channelMapping } from '../core/channels.js';
import { encoderNeeds, splitCounts } from '../core/geometry.js';
import { isSegmentationMetric, metricInfo, METRICS, metricsFor, orList } from '../core/metrics.js';
import { deriveSeed } from '../core/rng.js';
import { estimateCost, trainingMemoryBytes, type CostQuery } from './cost.js';
import { DENSENET_PRESETS, LIMITS, PAPER, REFERENCE_TABLES, UNET_PRESETS } from './defaults.js';
import type { Diagnostics } from './diag.js';
import type {
  Arm, CostEstimate, DataNode, DatasetSpec, Dim, EncoderSpec, EvalSpec, EvaluateNode, ExecutionGraph, FinetuneNode, FinetuneSpec,
  GraphNode, MetricName, MetricSpec, OptimizerSpec, PlotSpec, PretextSpec, PretrainNode, ReportNode, ReportSpec, TableSpec,
  TaskParams, TrainSpec,
} from '../core/graph.js';
import { GRAPH_VERSION } from '../core/graph.js';
import { canonicalJson, sha256 } from '../core/hash.js';
import { normPath, resolveRef, type Module, type Symbol } from './modules.js';
import { kindTypes, schemaKey } from './schemas/blocks.js';
import { closest, didYouMeanHint } from './suggest.js';
import { repairBlock, validateBlock } from './validate.js';
import { entriesToJson, showJson, type Json, type JsonObject, type SpanMap } from './values.js';
import { Diagnostics as DiagList } from './diag.js';
import { executorSpecOf } from './executor.js';
import { datasetLayout } from './layouts/index.js';
import { pretextTask } from './tasks/index.js';
import { arr, frac, ints, isObj, num, obj, percentLabel, str, word } from './json.js';

// ───────────── checked declarations ─────────────

interface Checked {
  sym: Symbol;
  decl: Declaration;
  json: JsonObject;
  spans: SpanMap;
  ok: boolean;
}

function valueSpan(c: Checked, pointer: string): Span {
  return c.spans.get(pointer)?.value ?? c.decl.nameSpan;
}
function keySpan(c: Checked, pointer: string): Span {
  return c.spans.get(pointer)?.key ?? c.spans.get(pointer)?.value ?? c.decl.nameSpan;
}

export { percentLabel };

// ───────────── resolved pieces ─────────────

interface DataInfo {
  c: Checked;
  spec: DatasetSpec;
  /** Spatial shape after preprocessing, or null when unknown. */
  shape: number[] | null;
  fingerprint: unknown;
}
interface EncInfo {
  c: Checked;
  spec: EncoderSpec;
  dim: Dim;
}
interface PretextInfo {
  c: Checked;
  spec: PretextSpec;
  data: DataInfo;
  encoder: EncInfo;
  inputShape: number[];
  method: string;
}
interface FinetuneInfo {
  c: Checked;
  data: DataInfo;
  target: 'segmentation' | 'classification';
  arms: Arm[];
  warmup: number;
  atUnfreeze: 'fresh' | 'keep';
  adapter: FinetuneSpec['adapter'];
  loss: FinetuneSpec['loss'];
  classWeights: number[] | null;
  classes: number[];
  slices: { axis: 0 | 1 | 2; perVolume: number } | null;
  encoder: EncInfo | null;
  /** Train spec for 3D and 2D encoders (the defaults differ by dimension). */
  train: (dim: Dim) => TrainSpec;
}

export interface LowerOptions {
  rootFile: string;
  sourceHash: string;
  version: string;
  /** Receives the spec of each dataset of the experiment file that nothing uses (for `check --data`). */
  unusedDataset?: (spec: DatasetSpec) => void;
  /** This machine's memory in bytes: training blocks whose estimate exceeds it get SSL078 (#17.7). */
  machineMemoryBytes?: number;
}

export function lowerProgram(root: Module, modules: Module[], diags: Diagnostics, opts: LowerOptions): ExecutionGraph | null {
  return new Lowering(root, modules, diags, opts).run();
}

class Lowering {
  private checked = new Map<Declaration, Checked>();
  private dataCache = new Map<Declaration, DataInfo | null>();
  private encCache = new Map<Declaration, EncInfo | null>();
  private pretextCache = new Map<Declaration, PretextInfo | null>();
  private finetuneCache = new Map<Declaration, FinetuneInfo | null>();
  private seed = 0;
  private costs = new Map<string, CostEstimate>();

  /** The largest training-memory estimate of each pretext / finetune block (SSL078). */
  private peaks = new Map<Checked, { bytes: number; act: number; batch: number; what: string }>();
  private notePeak(c: Checked, what: string, cost: CostEstimate, batch: number): void {
    const bytes = trainingMemoryBytes(cost);
    const prev = this.peaks.get(c);
    if (!prev || bytes > prev.bytes) this.peaks.set(c, { bytes, act: cost.activationBytes, batch, what });
  }

  /** A whole number within a sane limit, else SSL077 at the value (#17.7). */
  private bounded(c: Checked, pointer: string, v: number | undefined, max: number, what: string, hint: string): void {
    if (v === undefined || !Number.isFinite(v)) return;
    if (v > max || (Number.isInteger(v) && !Number.isSafeInteger(v)))
      this.diags.error('SSL077', `${what} = ${v > 1e15 ? v.toExponential(3) : v} is beyond what ssl3d runs (at most ${max.toLocaleString('en-US')})`, valueSpan(c, pointer), hint);
  }

  /** Cost estimates repeat across fractions and repetitions; compute each distinct one once. */
  private cachedCost(q: CostQuery): CostEstimate {
    const key = JSON.stringify(q);
    let c = this.costs.get(key);
    if (!c) this.costs.set(key, (c = estimateCost(q)));
    return { ...c };
  }

  constructor(
    private root: Module,
    private modules: Module[],
    private diags: Diagnostics,
    private opts: LowerOptions,
  ) {}

  // ───────────── step 1: kinds, types, schemas ─────────────

  private checkDeclarations(): void {
    const kinds = Object.keys(kindTypes);
    for (const mod of this.modules) {
      for (const decl of mod.doc.declarations) {
        const sym = mod.own.get(decl.name);
        if (!sym || sym.decl !== decl) continue; // duplicate name, already reported
        const types = kindTypes[decl.kind];
        if (types === undefined) {
          this.diags.error('SSL020', `unknown declaration kind '${decl.kind}'`, decl.kindSpan, didYouMeanHint(decl.kind, kinds) ?? `kinds: ${kinds.join(', ')}`);
          continue;
        }
        if (types === null && decl.type !== null) {
          this.diags.error('SSL021', `${decl.kind} declarations take no type (found '= ${decl.type}')`, decl.typeSpan ?? decl.nameSpan, `write: ${decl.kind} ${decl.name} { … }`);
          continue;
        }
        if (types !== null && decl.type === null) {
          this.diags.error('SSL022', `${decl.kind} '${decl.name}' needs a type: ${decl.kind} ${decl.name} = TYPE { … }`, decl.nameSpan, `types: ${types.join(', ')}`);
          continue;
        }
        if (types !== null && decl.type !== null && !types.includes(decl.type)) {
          this.diags.error(
            'SSL021',
            `unknown ${decl.kind} type '${decl.type}'`,
            decl.typeSpan ?? decl.nameSpan,
            didYouMeanHint(decl.type, types) ?? `${decl.kind} types: ${types.join(', ')}`,
          );
          continue;
        }
        const schema = schemaKey(decl.kind, decl.type);
        if (schema === null) continue;
        const spans: SpanMap = new Map();
        spans.set('', { value: decl.nameSpan });
        const local = new DiagList();
        const json = entriesToJson(decl.entries, '', spans, local);
        spans.set('', { value: decl.nameSpan });
        const what = `${decl.kind} ${decl.name}${decl.type ? ` (${decl.type})` : ''}`;
        const valid = validateBlock(schema, json, spans, { what, span: decl.nameSpan }, local);
        this.diags.list.push(...local.list);
        // A declaration with bad values is still checked with those values left out (defaults),
        // so that its names and domains, and those of every declaration using it, are all
        // reported in the same run (#16.4); the reported errors keep the program from compiling.
        const repaired = valid && local.errorCount === 0 ? json : repairBlock(schema, json);
        this.checked.set(decl, { sym, decl, json: (repaired ?? json) as JsonObject, spans, ok: repaired !== null });
      }
    }
  }

  private get(sym: Symbol | null): Checked | null {
    if (!sym) return null;
    const c = this.checked.get(sym.decl);
    return c && c.ok ? c : null;
  }

  private used = new Set<Declaration>();
  /** What each sweep evaluates, known even when the sweep itself fails (reports are checked against it). */
  private sweepContext = new Map<Declaration, { evalSpec: EvalSpec; fractions: number[]; target: 'segmentation' | 'classification'; regions: string[]; partial?: boolean }>();

  private ref(c: Checked, pointer: string, kinds: string[]): Checked | null {
    const name = word(this.at(c, pointer));
    if (name === undefined) return null;
    const sym = resolveRef(c.sym.module, name, kinds, valueSpan(c, pointer), this.diags);
    if (sym) this.used.add(sym.decl);
    return this.get(sym);
  }

  private at(c: Checked, pointer: string): Json | undefined {
    let cur: Json | undefined = c.json;
    for (const seg of pointer.split('/').filter(Boolean)) {
      if (Array.isArray(cur)) cur = cur[Number(seg)];
      else if (isObj(cur)) cur = cur[seg];
      else return undefined;
    }
    return cur;
  }

  // ───────────── datasets ─────────────

  private rebase(c: Checked, p: string): string {
    if (posix.isAbsolute(p)) return p;
    const rootDir = posix.dirname(normPath(this.opts.rootFile));
    const modDir = posix.dirname(c.sym.module.file);
    return normPath(posix.join(posix.relative(rootDir, modDir) || '.', p));
  }

  private dataset(c: Checked): DataInfo | null {
    if (this.dataCache.has(c.decl)) return this.dataCache.get(c.decl) ?? null;
    const info = this.lowerDataset(c);
    this.dataCache.set(c.decl, info);
    return info;
  }

  private lowerDataset(c: Checked): DataInfo | null {
    const j = c.json;
    const type = c.decl.type!;
    const errorsBefore = this.diags.errorCount;
    const layout = datasetLayout(type);
    if (!layout) return null;
    const lowered = layout.lower({
      json: j,
      rebase: (p) => this.rebase(c, p),
      sizeAt: (pointer, dims) => this.sizeAt(c, pointer, dims),
      error: (code, message, pointer) => this.diags.error(code, message, valueSpan(c, pointer)),
    });
    const { source, rawChannels, nativeShape = null, dim = 3, labelKind = 'segmentation', defaultClasses = null, defaultRegions = null, fingerprint = null } = lowered;

    // preprocessing
    const pp = obj(j.preprocess);
    let crop: { threshold: number; margin: number } | null = null;
    if (pp.crop === true) crop = { threshold: 0, margin: 0 };
    else if (isObj(pp.crop)) crop = { threshold: num(pp.crop.threshold) ?? 0, margin: num(pp.crop.margin) ?? 0 };
    let resize: number[] | null = null;
    if (pp.resize !== undefined && pp.resize !== 'none') {
      resize = this.sizeAt(c, '/preprocess/resize', dim);
    }
    let window: [number, number] | null = null;
    const w = arr(pp.window);
    if (w) {
      window = [num(w[0]) ?? 0, num(w[1]) ?? 0];
      if (!(window[0] < window[1])) this.diags.error('SSL064', `the window [${window[0]}, ${window[1]}] is empty: its low end must be below its high end`, valueSpan(c, '/preprocess/window'));
    }
    if (crop && window && window[0] < window[1]) this.checkCropThreshold(c, crop.threshold, window, pp.crop === true);
    const normalize = (word(pp.normalize) ?? 'minmax') as 'minmax' | 'zscore' | 'none';
    let channels = rawChannels;
    let select: number[] | null = null;
    const chosen = ints(pp.channels);
    if (chosen) {
      chosen.forEach((ch, i) => {
        if (ch >= rawChannels)
          this.diags.error('SSL060', `channel ${ch} does not exist: dataset ${c.decl.name} has ${rawChannels} channel${rawChannels === 1 ? '' : 's'} (0…${rawChannels - 1})`, valueSpan(c, `/preprocess/channels/${i}`));
        if (chosen.indexOf(ch) !== i) this.diags.error('SSL066', `channel ${ch} is selected twice`, valueSpan(c, `/preprocess/channels/${i}`));
      });
      select = chosen;
      channels = chosen.length;
    }
    const shape = resize ?? nativeShape;

    // channel names: declared, BraTS modalities, or the phantoms' contrasts
    let rawNames: string[] | null = arr(j['channel-names'])?.map((x) => word(x) ?? '') ?? null;
    if (rawNames && rawNames.length !== rawChannels) {
      this.diags.error('SSL060', `channel-names lists ${rawNames.length} name${rawNames.length === 1 ? '' : 's'}, but dataset ${c.decl.name} has ${rawChannels} channel${rawChannels === 1 ? '' : 's'}`, valueSpan(c, '/channel-names'));
      rawNames = null;
    }
    if (!rawNames) rawNames = lowered.channelNames ?? null;
    const channelNames = rawNames ? (select ? select.map((i) => rawNames![i] ?? `#${i}`) : rawNames) : null;

    // split
    const sp = obj(j.split);
    const val = frac(sp.val) ?? 0.05;
    // an unlabelled corpus is only pretrained on, never evaluated: no test split by default, so
    // pretraining sees all of it but the validation cases (as the paper pretrains on the whole
    // corpus; the authors' code holds out a validation part to monitor the pretext task) (#16.11)
    const test = frac(sp.test) ?? (labelKind === 'none' ? 0 : 0.2);
    if (val + test >= 1) this.diags.error('SSL058', `the validation (${percentLabel(val)}) and test (${percentLabel(test)}) splits leave no training cases`, valueSpan(c, '/split'));
    const split = { val, test, seed: num(sp.seed) ?? deriveSeed(this.seed, 'split', c.sym.qualified) };

    // labels and regions
    let labels: DatasetSpec['labels'];
    let regions: Record<string, number[]> = Object.create(null) as Record<string, number[]>;
    if (labelKind === 'segmentation') {
      let classes = ints(j.classes);
      const declaredRegions = isObj(j.regions) ? j.regions : null;
      if (!classes) {
        if (declaredRegions && !defaultClasses) {
          const set = new Set<number>([0]);
          for (const v of Object.values(declaredRegions)) for (const l of ints(v) ?? []) set.add(l);
          classes = [...set].sort((a, b) => a - b);
        } else classes = defaultClasses ?? undefined;
      }
      if (!classes) {
        this.diags.error('SSL024', `dataset ${c.decl.name} (${type}) needs its label values: add classes = [0, 1, 2] (or regions { … })`, c.decl.nameSpan);
        classes = [0, 1];
      }
      classes = [...new Set(classes)].sort((a, b) => a - b);
      if (!classes.includes(0)) classes = [0, ...classes];
      labels = { kind: 'segmentation', classes };
      if (declaredRegions) {
        for (const [name, v] of Object.entries(declaredRegions)) {
          const ls = ints(v) ?? [];
          ls.forEach((l, i) => {
            if (!classes!.includes(l) || l === 0) {
              const at = Array.isArray(v) ? `/regions/${name}/${i}` : `/regions/${name}`;
              this.diags.error(
                'SSL049',
                l === 0 ? `region '${name}' uses label 0, the background` : `region '${name}' uses label ${l}, which dataset ${c.decl.name} does not have (labels: ${classes!.join(', ')})`,
                valueSpan(c, at),
              );
            }
          });
          regions[name] = [...new Set(ls)].sort((a, b) => a - b);
        }
      } else if (defaultRegions && classes.join() === (defaultClasses ?? []).join()) {
        regions = { ...defaultRegions };
      } else {
        for (const l of classes) if (l !== 0) regions[`label${l}`] = [l];
      }
    } else if (labelKind === 'classification') {
      labels = { kind: 'classification', classes: num(j.classes) ?? 5 };
    } else {
      labels = { kind: 'none' };
      if (isObj(j.regions) && Object.keys(j.regions).length > 0)
        this.diags.error('SSL049', `dataset ${c.decl.name} has no labels, so it cannot define regions`, keySpan(c, '/regions'), layout.noLabelsHint);
    }
    const knownCases = num(j.cases) ?? null;
    const spec: DatasetSpec = {
      name: c.sym.qualified,
      source,
      preprocess: { crop, resize, window, normalize, channels: select },
      split,
      dim,
      channels,
      labels,
      regions,
      knownCases,
      channelNames,
    };
    if (this.diags.errorCount > errorsBefore) return null;
    return { c, spec, shape, fingerprint: fingerprint ?? source };
  }

  /**
   * The crop threshold is compared with intensities after windowing and before normalisation,
   * i.e. in the window's own units (HU for CT). A threshold outside the window, or one that looks
   * like a fraction of the normalised range, is almost certainly a slip (SSL071, a warning).
   */
  private checkCropThreshold(c: Checked, threshold: number, window: [number, number], implicit: boolean): void {
    const [lo, hi] = window;
    const span = implicit ? valueSpan(c, '/preprocess/crop') : valueSpan(c, '/preprocess/crop/threshold');
    const what = implicit ? 'crop = true (threshold 0)' : `the crop threshold ${threshold}`;
    const hint = `the threshold is in the window's units (HU for CT), e.g. threshold = ${lo} keeps every voxel above the window's low end (the body)`;
    if (threshold < lo) {
      this.diags.warning('SSL071', `${what} is below the window [${lo}, ${hi}]: every voxel is above it, so the crop keeps the whole volume`, span, hint);
    } else if (threshold >= hi) {
      this.diags.warning('SSL071', `${what} is not below the window's high end ${hi}: no voxel is above it, so the crop keeps the whole volume`, span, hint);
    } else if (threshold > 0 && threshold < 1 && hi - lo >= 10) {
      this.diags.warning('SSL071', `${what} looks like a fraction of the normalised range, but the crop runs after windowing and before normalisation: it means "above ${threshold}" in the window's units [${lo}, ${hi}]`, span, hint);
    }
  }

  private sizeAt(c: Checked, pointer: string, dim: number): number[] | null {
    const v = this.at(c, pointer);
    if (typeof v === 'number') return Array.from({ length: dim }, () => v);
    const a = ints(v);
    if (!a) return null;
    if (a.length !== dim) {
      this.diags.error('SSL040', `${pointer.split('/').pop()} has ${a.length} dimension${a.length === 1 ? '' : 's'}, but this ${dim}D dataset needs ${dim}`, valueSpan(c, pointer), dim === 3 ? 'write e.g. 128x128x128' : 'write e.g. 224x224');
      return null;
    }
    const side = LIMITS.side[dim] ?? LIMITS.side[3]!;
    const over = a.find((x) => x > side || !Number.isSafeInteger(x));
    const name = pointer.split('/').pop();
    if (over !== undefined)
      this.diags.error('SSL077', `${name} ${a.join('x')} has a side of ${over > 1e15 ? over.toExponential(3) : over}; ssl3d takes at most ${side} per side in ${dim}D`, valueSpan(c, pointer), dim === 3 ? 'write e.g. 128x128x128' : 'write e.g. 224x224');
    return a;
  }

  // ───────────── encoders ─────────────

  private encoder(c: Checked): EncInfo | null {
    if (this.encCache.has(c.decl)) return this.encCache.get(c.decl) ?? null;
    const before = this.diags.errorCount;
    const j = c.json;
    const type = c.decl.type!;
    let spec: EncoderSpec;
    if (type === 'densenet2d') {
      const p = DENSENET_PRESETS[(word(j.preset) ?? 'densenet121') as 'densenet121' | 'small'];
      spec = {
        kind: 'densenet2d',
        blocks: ints(j.blocks) ?? p.blocks,
        growth: num(j.growth) ?? p.growth,
        initFilters: num(j['init-filters']) ?? p.initFilters,
        compression: num(j.compression) ?? p.compression,
        dropout: num(j.dropout) ?? p.dropout,
      };
    } else {
      const p = UNET_PRESETS[(word(j.preset) ?? 'paper') as 'paper' | 'authors-code' | 'small'];
      const f = this.at(c, '/filters');
      let levels = num(j.levels);
      let filters: number[];
      if (Array.isArray(f)) {
        filters = ints(f)!;
        if (levels !== undefined && levels !== filters.length)
          this.diags.error('SSL055', `filters lists ${filters.length} level${filters.length === 1 ? '' : 's'}, but levels = ${levels}`, valueSpan(c, '/filters'), `give one filter count per level, or drop levels`);
        levels = filters.length;
      } else {
        levels ??= p.levels;
        const base = typeof f === 'number' ? f : p.filters[0]!;
        filters = Array.from({ length: levels }, (_, i) => base * 2 ** i);
      }
      spec = {
        kind: type as 'unet3d' | 'unet2d',
        levels,
        filters,
        block: (word(j.block) ?? p.block) as 'plain' | 'residual',
        norm: (word(j.norm) ?? p.norm) as 'batch' | 'instance' | 'none',
        dropout: num(j.dropout) ?? p.dropout,
        finalPool: (word(j['final-pool']) ?? p.finalPool) as 'max' | 'avg' | 'none',
        upsample: (word(j.upsample) ?? p.upsample) as 'transpose' | 'upsample',
      };
    }
    const info = this.diags.errorCount > before ? null : { c, spec, dim: (type === 'unet3d' ? 3 : 2) as Dim };
    this.encCache.set(c.decl, info);
    return info;
  }

  /** Smallest spatial side the encoder accepts, and the factor every side must be divisible by
   *  (core/geometry.ts, shared with runtime/models: 2^(levels−1), times 2 with a final pool). */
  private encoderNeeds(enc: EncoderSpec): { min: number; divisor: number } {
    return encoderNeeds(enc);
  }

  // ───────────── training blocks ─────────────

  private train(c: Checked, pointer: string, def: { epochs: number; batch: number; lr: number }): TrainSpec {
    const t = obj(this.at(c, pointer));
    const o = t.optimizer;
    const ob = isObj(o) ? o : {};
    const kind = ((isObj(o) ? word(o.$type) : word(o)) ?? 'adam') as 'adam' | 'sgd';
    const lrO = num(ob.lr);
    const lrT = num(t.lr);
    if (lrO !== undefined && lrT !== undefined)
      this.diags.error('SSL027', `the learning rate is set twice (${pointer.slice(1)}.lr and in the optimiser)`, keySpan(c, `${pointer}/lr`), 'keep one of them');
    const clip = ob['clip-norm'];
    const optimizer: OptimizerSpec = {
      kind,
      lr: lrO ?? lrT ?? def.lr,
      beta1: num(ob.beta1) ?? 0.9,
      beta2: num(ob.beta2) ?? 0.999,
      momentum: num(ob.momentum) ?? (kind === 'sgd' ? 0.9 : 0),
      weightDecay: num(ob['weight-decay']) ?? 0,
      clipNorm: clip === undefined || clip === 'none' ? null : num(clip) ?? null,
    };
    this.bounded(c, `${pointer}/epochs`, num(t.epochs), LIMITS.epochs, 'epochs', 'use fewer epochs');
    this.bounded(c, `${pointer}/batch`, num(t.batch), LIMITS.batch, 'batch', 'use a smaller batch');
    this.bounded(c, `${pointer}/steps`, typeof t.steps === 'number' ? t.steps : undefined, LIMITS.stepsPerEpoch, 'steps per epoch', 'use fewer steps per epoch');
    return {
      epochs: num(t.epochs) ?? def.epochs,
      batch: num(t.batch) ?? def.batch,
      stepsPerEpoch: t.steps === undefined || t.steps === 'epoch' ? null : num(t.steps) ?? null,
      optimizer,
      onNaN: (word(t['on-nan']) ?? 'stop') as 'stop' | 'retry-lower-lr',
    };
  }

  private slices(c: Checked, pointer: string): { axis: 0 | 1 | 2; perVolume: number } | null {
    const s = this.at(c, pointer);
    if (!isObj(s)) return null;
    const axisRaw = s.axis;
    const named: Record<string, 0 | 1 | 2> = { axial: 0, coronal: 1, sagittal: 2 };
    const axis = typeof axisRaw === 'string' ? named[axisRaw] ?? 0 : ((num(axisRaw) ?? 0) as 0 | 1 | 2);
    this.bounded(c, `${pointer}/per-volume`, num(s['per-volume']), LIMITS.slicesPerVolume, 'per-volume', 'take fewer slices per volume');
    return { axis, perVolume: num(s['per-volume']) ?? 16 };
  }

  // ───────────── pretext tasks ─────────────

  private pretext(c: Checked): PretextInfo | null {
    if (this.pretextCache.has(c.decl)) return this.pretextCache.get(c.decl) ?? null;
    const info = this.lowerPretext(c);
    this.pretextCache.set(c.decl, info);
    return info;
  }

  private lowerPretext(c: Checked): PretextInfo | null {
    const before = this.diags.errorCount;
    const j = c.json;
    const task = c.decl.type as PretextSpec['task'];
    const def = pretextTask(task);
    const dc = this.ref(c, '/data', ['dataset']);
    const ec = this.ref(c, '/encoder', ['encoder']);
    const data = dc ? this.dataset(dc) : null;
    const enc = ec ? this.encoder(ec) : null;
    if (!data || !enc) return null;
    const dim = enc.dim;
    const declaredDim = num(j.dim);
    if (declaredDim !== undefined && declaredDim !== dim) {
      this.diags.error('SSL051', `dim = ${declaredDim}, but encoder ${ec!.decl.name} (${enc.spec.kind}) is ${dim}D`, valueSpan(c, '/dim'), `use a ${declaredDim === 3 ? 'unet3d' : 'unet2d or densenet2d'} encoder, or drop dim`);
      return null;
    }
    if (dim === 3 && data.spec.dim === 2) {
      this.diags.error('SSL051', `a 3D ${task} task needs volumes, but dataset ${dc!.decl.name} holds 2D images`, valueSpan(c, '/data'), 'use a unet2d or densenet2d encoder for a 2D task');
      return null;
    }
    let slices: { axis: 0 | 1 | 2; perVolume: number } | null = null;
    if (dim === 2 && data.spec.dim === 3) {
      slices = this.slices(c, '/slices');
      if (!slices) {
        this.diags.error('SSL047', `the 2D ${task} task '${c.decl.name}' runs on 3D volumes (${dc!.decl.name}): say how slices are taken`, c.decl.nameSpan, 'add slices { axis = axial, per-volume = 16 }');
        return null;
      }
    } else if (j.slices !== undefined) {
      this.diags.error('SSL068', `slices only apply to a 2D task on 3D volumes; '${c.decl.name}' is a ${dim}D task on ${data.spec.dim}D data`, keySpan(c, '/slices'), 'remove the slices block');
    }
    const variant = (word(j.variant) ?? 'paper') as PretextSpec['variant'];
    if (variant === 'authors-code-bug' && !def?.authorsCodeBug) {
      this.diags.error('SSL056', `variant authors-code-bug exists only for rotation (the duplicated identity class); '${c.decl.name}' is ${task}`, valueSpan(c, '/variant'), 'use paper or authors-code');
    }
    if (!data.shape) {
      this.diags.error(
        'SSL040',
        `the input size of dataset ${dc!.decl.name} is not known at compile time`,
        dc!.decl.nameSpan,
        `add preprocess { resize = ${data.spec.dim === 3 ? '128x128x128' : '224x224'} } to dataset ${dc!.decl.name}`,
      );
      return null;
    }
    const spatial = slices ? data.shape.filter((_, i) => i !== slices!.axis) : data.shape.slice();
    const side = Math.min(...spatial);
    const needs = this.encoderNeeds(enc.spec);
    const authors = variant !== 'paper';
    if (!def) return null;
    // 2D tasks measure patches in pixels (#16.11)
    const vx = dim === 2 ? 'pixel' : 'voxel';
    const checkPatch = (patch: number, what: string, at: string): void => {
      if (patch < needs.min)
        this.diags.error(
          'SSL053',
          `${what} is ${patch} ${vx}s, but encoder ${ec!.decl.name} needs at least ${needs.min} (it halves its input ${Math.log2(needs.min)} time${needs.min === 2 ? '' : 's'})`,
          valueSpan(c, at),
          'use a smaller grid or jitter, a larger resize, or fewer encoder levels',
        );
    };
    const params: TaskParams = def.check({
      json: j,
      dim,
      authors,
      side,
      needs,
      encoderName: ec!.decl.name,
      error: (code, message, pointer, hint) => this.diags.error(code, message, valueSpan(c, pointer), hint),
      checkPatch,
    });
    if (def.wholeInput) this.checkWholeInput(c, '/data', spatial, enc, ec!.decl.name);
    const train = this.train(c, '/train', { epochs: 100, batch: dim === 3 ? 4 : 32, lr: dim === 3 ? PAPER.lr.ssl3d : PAPER.lr.ssl2d });
    const spec: PretextSpec = {
      name: c.sym.qualified,
      task,
      dim,
      variant,
      params,
      headHidden: num(j['head-hidden']) ?? 1024,
      slices,
      train,
    };
    if (this.diags.errorCount > before) return null;
    // a variant is part of the default label, so paper and authors'-code runs of one task can
    // share a sweep without a hand-written label: 3D-Jigsaw, 3D-Jigsaw (authors-code)
    const method = str(j.label) ?? `${dim}D-${def.title}${variant !== 'paper' ? ` (${variant})` : ''}`;
    return { c, spec, data, encoder: enc, inputShape: [...spatial, data.spec.channels], method };
  }

  /** A whole input goes through the encoder (and, at fine-tuning, the decoder with skips). */
  private checkWholeInput(c: Checked, at: string, spatial: number[], enc: EncInfo, encName: string): boolean {
    const needs = this.encoderNeeds(enc.spec);
    const bad = spatial.find((s) => s % needs.divisor !== 0 || s < needs.min);
    if (bad !== undefined) {
      this.diags.error(
        'SSL052',
        `the input ${spatial.join('x')} does not fit encoder ${encName}: every side must be a multiple of ${needs.divisor}${needs.min > needs.divisor ? ` and at least ${needs.min}` : ''}`,
        valueSpan(c, at),
        `resize the data to e.g. ${spatial.map((s) => Math.max(needs.min, Math.round(s / needs.divisor) * needs.divisor)).join('x')}, or use fewer levels`,
      );
      return false;
    }
    return true;
  }

  // ───────────── fine-tuning ─────────────

  private finetune(c: Checked): FinetuneInfo | null {
    if (this.finetuneCache.has(c.decl)) return this.finetuneCache.get(c.decl) ?? null;
    const info = this.lowerFinetune(c);
    this.finetuneCache.set(c.decl, info);
    return info;
  }

  private lowerFinetune(c: Checked): FinetuneInfo | null {
    const before = this.diags.errorCount;
    const j = c.json;
    const target = c.decl.type as 'segmentation' | 'classification';
    const dc = this.ref(c, '/data', ['dataset']);
    const data = dc ? this.dataset(dc) : null;
    let encoder: EncInfo | null = null;
    if (j.encoder !== undefined) {
      const ec = this.ref(c, '/encoder', ['encoder']);
      encoder = ec ? this.encoder(ec) : null;
      if (!encoder) return null;
    }
    if (!data) return null;
    const want = target === 'segmentation' ? 'segmentation' : 'classification';
    if (data.spec.labels.kind !== want) {
      this.diags.error(
        'SSL054',
        `${target} needs ${want === 'segmentation' ? 'segmentation masks' : 'a class per case'}, but dataset ${dc!.decl.name} has ${data.spec.labels.kind === 'none' ? 'no labels' : data.spec.labels.kind + ' labels'}`,
        valueSpan(c, '/data'),
      );
      return null;
    }
    if (!data.shape) {
      this.diags.error('SSL040', `the input size of dataset ${dc!.decl.name} is not known at compile time`, dc!.decl.nameSpan, `add preprocess { resize = ${data.spec.dim === 3 ? '128x128x128' : '224x224'} }`);
      return null;
    }
    const arms = (arr(j.arms)?.map((x) => word(x) as Arm) ?? ['scratch', 'finetune']) as Arm[];
    this.noDuplicates(c, '/arms', arms);
    const seg = target === 'segmentation';
    const warmup = num(j.warmup) ?? (seg ? PAPER.warmup.seg : PAPER.warmup.cls);
    const classes = data.spec.labels.kind === 'segmentation' ? data.spec.labels.classes : data.spec.labels.kind === 'classification' ? range(data.spec.labels.classes) : [];
    const cw = arr(j['class-weights'])?.map((x) => num(x) ?? 1) ?? null;
    if (cw && cw.length !== classes.length)
      this.diags.error('SSL055', `class-weights has ${cw.length} entries, but there are ${classes.length} classes (${classes.join(', ')})`, valueSpan(c, '/class-weights'));
    const epochsFor = (dim: Dim): number => (seg ? 100 : dim === 2 ? 20 : 50);
    const trainFor = (dim: Dim): TrainSpec =>
      this.train(c, '/train', {
        epochs: epochsFor(dim),
        batch: dim === 3 ? 2 : 32,
        lr: seg ? (dim === 3 ? PAPER.lr.seg3d : PAPER.lr.seg2d) : dim === 2 ? PAPER.lr.cls2d : PAPER.lr.cls3d,
      });
    const train3 = trainFor(data.spec.dim);
    if (!arms.includes('finetune') && j.warmup !== undefined && warmup > 0)
      this.diags.warning('SSL069', `warmup has no effect: none of the arms [${arms.join(', ')}] is finetune`, valueSpan(c, '/warmup'), 'add finetune to arms, or remove warmup');
    if (arms.includes('finetune') && warmup >= train3.epochs) {
      this.diags.error(
        'SSL044',
        `the warm-up (${warmup} frozen epochs) must be shorter than training (${train3.epochs} epochs)`,
        j.warmup !== undefined ? valueSpan(c, '/warmup') : keySpan(c, '/train/epochs'),
        j.warmup === undefined ? `the default warm-up for ${target} is ${warmup} epochs; set warmup = N epochs` : undefined,
      );
    }
    if (this.diags.errorCount > before) return null;
    const cache = new Map<Dim, TrainSpec>();
    return {
      c,
      data,
      target,
      arms,
      warmup,
      atUnfreeze: (word(j['at-unfreeze']) ?? 'fresh') as 'fresh' | 'keep',
      adapter: (word(j.adapter) ?? 'none') as FinetuneSpec['adapter'],
      loss: ((): FinetuneSpec['loss'] => {
        const l = word(j.loss) ?? (seg ? 'dice' : 'ce');
        return l === 'dice-ce' ? 'dice+ce' : (l as 'dice' | 'ce');
      })(),
      classWeights: cw,
      classes,
      slices: this.slices(c, '/slices'),
      encoder,
      train: (dim) => {
        let t = cache.get(dim);
        if (!t) cache.set(dim, (t = trainFor(dim)));
        return t;
      },
    };
  }

  private noDuplicates(c: Checked, pointer: string, items: unknown[]): void {
    items.forEach((x, i) => {
      if (items.findIndex((y) => canonicalJson(y) === canonicalJson(x)) !== i)
        this.diags.error('SSL066', `${typeof x === 'number' ? percentLabel(x) : String(x)} is listed twice in '${pointer.split('/').pop()}'`, valueSpan(c, `${pointer}/${i}`));
    });
  }

  // ───────────── evaluation ─────────────

  private metric(c: Checked, pointer: string, target: 'segmentation' | 'classification', regions: Record<string, number[]>): MetricSpec[] | null {
    const raw = word(this.at(c, pointer));
    if (!raw) return null;
    const [name, region] = raw.split('.') as [MetricName, string | undefined];
    const segMetric = isSegmentationMetric(name);
    if (segMetric && target !== 'segmentation') {
      this.diags.error('SSL048', `${name} measures segmentations, but this sweep fine-tunes a ${target}`, valueSpan(c, pointer), `use ${orList(metricsFor('classification'))} for classification`);
      return null;
    }
    if (!segMetric && target !== 'classification') {
      this.diags.error('SSL048', `${name} measures classifications, but this sweep fine-tunes a ${target}`, valueSpan(c, pointer), `use ${orList(metricsFor('segmentation'))} (e.g. ${metricsFor('segmentation')[0]}.WT) for segmentation`);
      return null;
    }
    if (!metricInfo(name)?.perRegion) {
      if (region !== undefined) {
        this.diags.error('SSL050', `${name} is computed per case, not per region ('.${region}')`, valueSpan(c, pointer), `write ${name}`);
        return null;
      }
      return [{ metric: name, region: null }];
    }
    if (region === undefined) return Object.keys(regions).map((r) => ({ metric: name, region: r }));
    if (!(region in regions)) {
      const names = Object.keys(regions);
      this.diags.error('SSL050', `no region '${region}' in the fine-tuning data (regions: ${names.join(', ') || 'none'})`, valueSpan(c, pointer), didYouMeanHint(region, names) ? `did you mean '${name}.${closest(region, names)}'?` : undefined);
      return null;
    }
    return [{ metric: name, region }];
  }

  /** `partial`: return what resolved even when there were errors (reports are still checked against it). */
  private evaluation(c: Checked, target: 'segmentation' | 'classification', regions: Record<string, number[]>, partial = false): { spec: EvalSpec; fractions: number[]; repetitions: number } | null {
    const before = this.diags.errorCount;
    const j = c.json;
    const metrics: MetricSpec[] = [];
    const list = arr(j.metrics);
    if (list) {
      list.forEach((_, i) => {
        const m = this.metric(c, `/metrics/${i}`, target, regions);
        if (m) for (const x of m) if (!metrics.some((y) => y.metric === x.metric && y.region === x.region)) metrics.push(x);
      });
    } else {
      // the registry's default metrics of the target: per region, or once
      for (const m of METRICS) {
        if (m.target !== target || !m.byDefault) continue;
        if (m.perRegion) for (const r of Object.keys(regions)) metrics.push({ metric: m.name, region: r });
        else metrics.push({ metric: m.name, region: null });
      }
    }
    let convergence: MetricSpec | null = metrics[0] ?? null;
    if (j.convergence === 'none') convergence = null;
    else if (j.convergence !== undefined) {
      const m = this.metric(c, '/convergence', target, regions);
      if (m && m.length !== 1) this.diags.error('SSL050', `convergence tracks one metric; name a region, e.g. ${m[0]?.metric}.${m[0]?.region}`, valueSpan(c, '/convergence'));
      convergence = m?.[0] ?? null;
    }
    const fractions = (arr(j.fractions)?.map((x) => frac(x)!) ?? [1]).slice();
    this.noDuplicates(c, '/fractions', fractions);
    if (this.diags.errorCount > before && !partial) return null;
    // HD95 with exactly one mask empty: left out of the graph when it is the default ('exclude'),
    // so that experiments which do not declare it keep their node hashes
    const hd95Empty = j['hd95-empty'] === undefined || j['hd95-empty'] === 'exclude' ? undefined : num(j['hd95-empty']);
    if (hd95Empty !== undefined && !metrics.some((m) => m.metric === 'hd95') && convergence?.metric !== 'hd95') {
      this.diags.warning('SSL072', 'hd95-empty has no effect: no hd95 metric is evaluated', keySpan(c, '/hd95-empty'), 'add e.g. hd95.WT to metrics, or remove hd95-empty');
    }
    // folds = K: K-fold cross-validation, one repetition per fold unless repetitions says fewer
    const folds = num(j.folds);
    const repetitions = num(j.repetitions) ?? folds ?? 1;
    if (folds !== undefined) this.checkFolds(c, folds, repetitions, '/repetitions');
    return {
      spec: {
        metrics, convergence, emptyPolicy: (word(j['empty-masks']) ?? 'one') as 'one' | 'exclude', ...(hd95Empty !== undefined ? { hd95Empty } : {}),
        ...(folds !== undefined ? { folds: { count: folds, seed: deriveSeed(this.seed, 'folds', c.decl.name) } } : {}),
      },
      fractions,
      repetitions,
    };
  }

  /** SSL080: with cross-validation, repetition r tests on fold r, so there are at most `folds` repetitions. */
  private checkFolds(c: Checked, folds: number, repetitions: number, at: string): void {
    if (repetitions <= folds) return;
    this.diags.error(
      'SSL080',
      `${repetitions} repetitions but ${folds} folds: repetition r tests on fold r, so there can be at most ${folds}`,
      c.json.repetitions !== undefined ? valueSpan(c, at) : c.decl.nameSpan,
      `repetitions = ${folds}, or folds = ${repetitions}`,
    );
  }

  // ───────────── the program ─────────────

  run(): ExecutionGraph | null {
    this.checkDeclarations();
    const rootDecls = this.root.doc.declarations.filter((d) => this.root.own.get(d.name)?.decl === d);
    const experiments = rootDecls.filter((d) => d.kind === 'experiment');
    const fileSpan = this.root.doc.declarations[0]?.kindSpan ?? this.root.doc.imports[0]?.span ?? {
      file: normPath(this.opts.rootFile), startOffset: 0, endOffset: 0, startLine: 1, startColumn: 1, endLine: 1, endColumn: 1,
    };
    if (experiments.length === 0) {
      // a file the parser gave up on has its own error; "declares no experiment" would be spurious (#17.11)
      if (!this.root.doc.abandoned) this.diags.error('SSL036', `${normPath(this.opts.rootFile)} declares no experiment`, fileSpan, 'add: experiment NAME { seed = 42 }');
    } else if (experiments.length > 1) {
      this.diags.error('SSL036', `only one experiment per file (the first is '${experiments[0]!.name}' on line ${experiments[0]!.nameSpan.startLine})`, experiments[1]!.nameSpan);
    }
    const expC = experiments[0] ? this.checked.get(experiments[0]) : undefined;
    this.seed = expC?.ok ? num(expC.json.seed) ?? 0 : 0;
    const backend = (expC?.ok ? word(expC.json.backend) : undefined) ?? 'auto';

    const nodes: GraphNode[] = [];
    const byId = new Map<string, GraphNode>();
    const add = (n: GraphNode): void => {
      if (!byId.has(n.id)) {
        byId.set(n.id, n);
        nodes.push(n);
      }
    };
    const version = this.opts.version;
    const finish = <T extends GraphNode>(n: Omit<T, 'hash'>, fingerprint: unknown): T => {
      const inputs = n.inputs.map((id) => byId.get(id)?.hash ?? id);
      const hash = sha256(canonicalJson({ kind: n.kind, params: n.params, seed: n.seed, inputs, version, fingerprint }));
      return { ...n, hash } as T;
    };

    const dataNode = (d: DataInfo): DataNode => {
      const id = `data:${d.spec.name}`;
      const existing = byId.get(id);
      if (existing) return existing as DataNode;
      const seed = deriveSeed(this.seed, 'data', d.spec.name);
      const n = finish<DataNode>({ id, kind: 'data', output: 'dataset', inputs: [], seed, cost: null, params: { dataset: d.spec } }, d.fingerprint);
      add(n);
      return n;
    };
    const pretrainNode = (p: PretextInfo): PretrainNode => {
      const id = `pretrain:${p.spec.name}`;
      const existing = byId.get(id);
      if (existing) return existing as PretrainNode;
      const dn = dataNode(p.data);
      const seed = deriveSeed(this.seed, 'pretrain', p.spec.name);
      const cost = estimateCost({ kind: 'pretrain', pretext: p.spec, encoder: p.encoder.spec, inputShape: p.inputShape, cases: trainCases(p.data.spec) });
      this.notePeak(p.c, `pretext ${p.c.decl.name}`, cost, p.spec.train.batch);
      const n = finish<PretrainNode>(
        { id, kind: 'pretrain', output: 'encoder', inputs: [dn.id], seed, cost, params: { pretext: p.spec, encoder: p.encoder.spec, inputShape: p.inputShape } },
        null,
      );
      add(n);
      return n;
    };

    // Check every declaration, used or not (a researcher expects `check` to look at all of it).
    for (const mod of this.modules) {
      for (const d of mod.doc.declarations) {
        const c = this.checked.get(d);
        if (!c?.ok) continue;
        if (d.kind === 'dataset') this.dataset(c);
        else if (d.kind === 'encoder') this.encoder(c);
        else if (d.kind === 'pretext') this.pretext(c);
        else if (d.kind === 'finetune') this.finetune(c);
      }
    }

    // Sweeps (root file only).
    const sweeps = rootDecls.filter((d) => d.kind === 'sweep').map((d) => this.checked.get(d)).filter((c): c is Checked => !!c);
    const sweepResults = new Map<Declaration, { evaluateIds: string[]; finetuneIds: string[]; evalSpec: EvalSpec; fractions: number[]; target: 'segmentation' | 'classification'; regions: string[] }>();
    const multi = sweeps.length > 1;
    for (const sc of sweeps) {
      if (!sc.ok) continue;
      const r = this.lowerSweep(sc, multi, { dataNode, pretrainNode, finish, add });
      if (r) sweepResults.set(sc.decl, r);
    }
    // Pretext tasks declared in the root file but not swept still pretrain.
    for (const d of rootDecls.filter((x) => x.kind === 'pretext')) {
      const c = this.checked.get(d);
      if (!c?.ok) continue;
      const p = this.pretext(c);
      if (p) pretrainNode(p);
    }
    // Reports.
    for (const d of rootDecls.filter((x) => x.kind === 'report')) {
      const c = this.checked.get(d);
      if (!c?.ok) continue;
      let sweepDecl: Declaration | null = null;
      if (c.json.sweep !== undefined) {
        const s = this.ref(c, '/sweep', ['sweep']);
        if (!s) continue;
        if (s.sym.module !== this.root) {
          this.diags.error('SSL038', `report ${d.name} names sweep ${s.decl.name} from another file; sweeps run only from the experiment file`, valueSpan(c, '/sweep'));
          continue;
        }
        sweepDecl = s.decl;
      } else if (sweeps.length === 1) sweepDecl = sweeps[0]!.decl;
      else {
        this.diags.error(
          'SSL038',
          sweeps.length === 0 ? `report ${d.name} has no sweep to report on` : `report ${d.name} must say which sweep it reports (there are ${sweeps.length})`,
          d.nameSpan,
          sweeps.length === 0 ? 'declare a sweep { methods = […], finetune = …, evaluate = … }' : `add sweep = ${sweeps.map((s) => s.decl.name).join(' or ')}`,
        );
        continue;
      }
      const sr = sweepResults.get(sweepDecl);
      if (!sr) {
        // the sweep failed elsewhere: check the report against what the sweep would produce
        const ctx = this.sweepContext.get(sweepDecl);
        if (ctx) this.lowerReport(c, ctx);
        continue;
      }
      const spec = this.lowerReport(c, sr);
      if (!spec) continue;
      const inputs = [...sr.evaluateIds, ...(spec.plots.some((p) => p.kind === 'convergence') ? sr.finetuneIds : [])];
      const n = finish<ReportNode>(
        { id: `report:${d.name}`, kind: 'report', output: 'report', inputs, seed: deriveSeed(this.seed, 'report', d.name), cost: null, params: { report: spec } },
        null,
      );
      add(n);
    }

    // Declarations of the experiment file that nothing uses are probably a slip (warning);
    // only said of an otherwise clean program, where every reference has been resolved.
    for (const d of this.diags.errorCount === 0 ? rootDecls : []) {
      if (!['dataset', 'encoder', 'finetune', 'evaluate'].includes(d.kind) || this.used.has(d) || !this.checked.get(d)?.ok) continue;
      this.diags.warning('SSL067', `${d.kind} ${d.name} is declared but never used`, d.nameSpan, d.kind === 'finetune' || d.kind === 'evaluate' ? 'name it in a sweep' : 'refer to it, or remove it');
      if (d.kind === 'dataset' && this.opts.unusedDataset) {
        // resolved on a scratch list: an unused dataset's domain problems do not fail the program
        const real = this.diags;
        this.diags = new DiagList();
        const info = this.dataset(this.checked.get(d)!);
        const clean = this.diags.errorCount === 0;
        this.diags = real;
        if (info && clean) this.opts.unusedDataset(info.spec);
      }
    }

    // Training blocks that cannot fit in this machine's memory, said before anything runs (#17.7)
    const machine = this.opts.machineMemoryBytes;
    if (machine && this.diags.errorCount === 0) {
      const gb = (b: number): string => (b >= 1e12 ? `${Number((b / 1e12).toPrecision(3)).toLocaleString('en-US')} TB` : `${(b / 1e9).toFixed(1)} GB`);
      for (const [c, p] of this.peaks) {
        if (p.bytes <= machine) continue;
        this.diags.warning(
          'SSL078',
          `${p.what} needs about ${gb(p.bytes)} of memory to train (activations ${gb(p.act)} at batch ${p.batch}, plus weights, gradients and optimiser state), but this machine has ${gb(machine)}`,
          c.decl.nameSpan,
          p.batch > 1 ? `lower the batch (${p.batch} → ${Math.max(1, Math.floor((p.batch * machine) / p.bytes))} would fit the estimate), the input size, or run it on a machine with more memory` : 'lower the input size or the encoder, or run it on a machine with more memory',
        );
      }
    }
    if (this.diags.errorCount > 0) return null;
    const graph: ExecutionGraph = {
      version: GRAPH_VERSION,
      experiment: experiments[0]?.name ?? posix.basename(normPath(this.opts.rootFile), '.ssl'),
      source: { file: posix.basename(normPath(this.opts.rootFile)), hash: this.opts.sourceHash },
      seed: this.seed,
      backend: backend as ExecutionGraph['backend'],
      nodes,
    };
    const executor = expC?.ok ? executorSpecOf(expC.json.executor) : undefined;
    if (executor) graph.executor = executor;
    return graph;
  }

  private lowerSweep(
    sc: Checked,
    multi: boolean,
    b: {
      dataNode: (d: DataInfo) => DataNode;
      pretrainNode: (p: PretextInfo) => PretrainNode;
      finish: <T extends GraphNode>(n: Omit<T, 'hash'>, fingerprint: unknown) => T;
      add: (n: GraphNode) => void;
    },
  ): { evaluateIds: string[]; finetuneIds: string[]; evalSpec: EvalSpec; fractions: number[]; target: 'segmentation' | 'classification'; regions: string[] } | null {
    const before = this.diags.errorCount;
    const j = sc.json;
    const fc = this.ref(sc, '/finetune', ['finetune']);
    const ec = this.ref(sc, '/evaluate', ['evaluate']);
    const ft = fc ? this.finetune(fc) : null;
    // when the sweep cannot be lowered, its methods are still resolved, so that every undefined
    // name of the sweep is reported at once
    const resolveMethods = (): null => {
      (arr(j.methods) ?? []).forEach((m, i) => {
        if (word(m) !== 'scratch') this.ref(sc, `/methods/${i}`, ['pretext']);
      });
      return null;
    };
    if (!ft || !ec) {
      // the fine-tuning did not lower: still check the evaluation (and, through sweepContext,
      // the reports on this sweep) against what its data declares, so their problems show now
      const dc = fc && ec ? this.ref(fc, '/data', ['dataset']) : null;
      const evBefore0 = this.diags.errorCount;
      const data = dc ? this.dataset(dc) : null;
      if (fc && ec && data && (fc.decl.type === 'segmentation' || fc.decl.type === 'classification')) {
        const evp = this.evaluation(ec, fc.decl.type, data.spec.regions, true);
        const fr = j.fractions !== undefined ? arr(j.fractions)?.map((x) => frac(x)!) : evp?.fractions;
        if (evp && fr) this.sweepContext.set(sc.decl, { evalSpec: evp.spec, fractions: fr, target: fc.decl.type, regions: Object.keys(data.spec.regions), partial: this.diags.errorCount > evBefore0 });
      }
      return resolveMethods();
    }
    const evBefore = this.diags.errorCount;
    const ev = this.evaluation(ec, ft.target, ft.data.spec.regions, true);
    if (!ev || this.diags.errorCount > evBefore) {
      const fr = j.fractions !== undefined ? arr(j.fractions)?.map((x) => frac(x)!) : ev?.fractions;
      if (ev && fr) this.sweepContext.set(sc.decl, { evalSpec: ev.spec, fractions: fr, target: ft.target, regions: Object.keys(ft.data.spec.regions), partial: this.diags.errorCount > evBefore });
      return resolveMethods();
    }
    const arms = (arr(j.arms)?.map((x) => word(x) as Arm) ?? ft.arms) as Arm[];
    if (j.arms !== undefined) this.noDuplicates(sc, '/arms', arms);
    const fractions = j.fractions !== undefined ? arr(j.fractions)!.map((x) => frac(x)!) : ev.fractions;
    if (j.fractions !== undefined) this.noDuplicates(sc, '/fractions', fractions);
    const repetitions = num(j.repetitions) ?? ev.repetitions;
    if (j.repetitions !== undefined && ev.spec.folds) this.checkFolds(sc, ev.spec.folds.count, repetitions, '/repetitions');
    const ds0 = ft.data.spec;
    this.sweepContext.set(sc.decl, { evalSpec: ev.spec, fractions, target: ft.target, regions: Object.keys(ds0.regions) });
    const fracAt = (i: number): Span => (j.fractions !== undefined ? valueSpan(sc, `/fractions/${i}`) : arr(ec.json.fractions) ? valueSpan(ec, `/fractions/${i}`) : ec.decl.nameSpan);

    // every fraction must give at least one training case
    const n = ft.data.spec.knownCases;
    if (n !== null) {
      const nt = trainCases(ft.data.spec)!;
      fractions.forEach((f, i) => {
        const k = Math.floor(f * nt + 1e-9);
        if (k < 1)
          this.diags.error(
            'SSL045',
            `${percentLabel(f)} of the ${nt} training cases of ${ft.data.c.decl.name} is ${Number((f * nt).toFixed(2))}: no case to train on`,
            fracAt(i),
            `the smallest usable fraction is ${percentLabel(Math.ceil((1 / nt) * 1000) / 1000)}`,
          );
      });
    }
    if (arms.includes('finetune') && j.arms !== undefined && !ft.arms.includes('finetune') && ft.warmup >= ft.train(ft.data.spec.dim).epochs) {
      this.diags.error('SSL044', `the warm-up (${ft.warmup} frozen epochs) must be shorter than training (${ft.train(ft.data.spec.dim).epochs} epochs)`, valueSpan(sc, '/arms'));
    }

    // methods
    interface Method {
      id: string;
      label: string;
      pre: PretextInfo | null;
      arms: Arm[];
    }
    const methods: Method[] = [];
    const methodSpans: Span[] = [];
    const listed = arr(j.methods) ?? [];
    let scratchListed = false;
    let methodFailed = false;
    const lowered: PretextInfo[] = [];
    listed.forEach((m, i) => {
      const name = word(m)!;
      const at = `/methods/${i}`;
      if (name === 'scratch') {
        scratchListed = true;
        return;
      }
      const pc = this.ref(sc, at, ['pretext']);
      const p = pc ? this.pretext(pc) : null;
      if (!p) {
        methodFailed = true;
        return;
      }
      lowered.push(p);
      if (methods.some((x) => x.pre?.c.decl === p.c.decl)) {
        this.diags.error('SSL066', `method '${name}' is listed twice`, valueSpan(sc, at));
        return;
      }
      const pArms = arms.filter((a) => a !== 'scratch');
      if (pArms.length === 0) {
        this.diags.error('SSL065', `method '${name}' has no arm to run: arms = [${arms.join(', ')}] has neither frozen nor finetune`, valueSpan(sc, at), 'add finetune (or frozen) to arms');
        return;
      }
      methods.push({ id: p.spec.name, label: p.method, pre: p, arms: pArms });
      methodSpans.push(valueSpan(sc, at));
    });
    if (scratchListed || arms.includes('scratch')) methods.push({ id: 'scratch', label: 'scratch', pre: null, arms: ['scratch'] });
    // report labels must be unique
    methods.forEach((m, i) => {
      const first = methods.findIndex((x) => x.label === m.label);
      if (first !== i)
        this.diags.error('SSL070', `two methods would both be reported as '${m.label}'`, methodSpans[i] ?? sc.decl.nameSpan, `give one of them a label: pretext ${m.id} = … { label = "${m.label} (b)" }`);
    });

    // per-method checks: encoder, input shape, adapter
    const ds = ft.data.spec;
    interface Plan {
      m: Method;
      encoder: EncoderSpec;
      inputShape: number[];
      slices: { axis: 0 | 1 | 2; perVolume: number } | null;
      train: TrainSpec;
    }
    const plans: Plan[] = [];
    for (const [i, m] of methods.entries()) {
      let enc: EncInfo | null = m.pre?.encoder ?? ft.encoder;
      const at = m.pre ? methodSpans[i]! : valueSpan(sc, '/methods');
      if (!enc) {
        // scratch: the encoder of the pretext methods with the data's dimension, if unique
        const same = lowered.filter((x) => x.encoder.dim === ds.dim).map((x) => x.encoder);
        const uniq = [...new Map(same.map((e) => [canonicalJson(e.spec), e])).values()];
        if (uniq.length === 1) enc = uniq[0]!;
        else if (methodFailed) continue; // already reported: a listed method did not resolve
        else {
          this.diags.error(
            'SSL059',
            uniq.length === 0 ? 'scratch needs an encoder: no pretext method in this sweep has one of the right dimension' : 'scratch needs an encoder, and the pretext methods use several',
            at,
            `add encoder = NAME to finetune ${ft.c.decl.name}`,
          );
          continue;
        }
      }
      let slices: { axis: 0 | 1 | 2; perVolume: number } | null = null;
      if (enc.dim === 3 && ds.dim === 2) {
        this.diags.error('SSL051', `method '${m.id}' has a 3D encoder, but the fine-tuning data ${ft.data.c.decl.name} is 2D`, at);
        continue;
      }
      if (enc.dim === 2 && ds.dim === 3) {
        slices = ft.slices ?? m.pre?.spec.slices ?? null;
        if (!slices) {
          this.diags.error('SSL047', `the 2D method '${m.id}' is fine-tuned on 3D volumes (${ft.data.c.decl.name}): say how slices are taken`, at, `add slices { axis = axial, per-volume = 16 } to finetune ${ft.c.decl.name}`);
          continue;
        }
      }
      const spatial = slices ? ft.data.shape!.filter((_, k) => k !== slices!.axis) : ft.data.shape!.slice();
      if (!this.checkWholeInput(ft.c, '/data', spatial, enc, enc.c.decl.name)) continue;
      if (m.pre) {
        const pc = m.pre.data.spec.channels;
        if (pc !== ds.channels && ft.adapter === 'none') {
          this.diags.error(
            'SSL046',
            `method '${m.id}' was pretrained on ${pc} channel${pc === 1 ? '' : 's'} (${m.pre.data.c.decl.name}) but fine-tunes on ${ds.channels} (${ft.data.c.decl.name}); say how the input layer is adapted`,
            ft.c.json.adapter !== undefined ? valueSpan(ft.c, '/adapter') : ft.c.decl.nameSpan,
            'add adapter = duplicate (the paper), average or zero to finetune ' + ft.c.decl.name,
          );
          continue;
        }
        if (pc !== ds.channels && ft.adapter === 'duplicate') {
          const map = channelMapping(pc, ds.channels, m.pre.data.spec.channelNames, ds.channelNames);
          if (map.by === 'order') {
            const why = map.unmatched.length > 0
              ? `${map.unmatched.join(', ')} of ${ft.data.c.decl.name} ${map.unmatched.length === 1 ? 'has' : 'have'} no counterpart among [${(m.pre.data.spec.channelNames ?? []).join(', ')}] of ${m.pre.data.c.decl.name}`
              : `${m.pre.data.spec.channelNames ? ft.data.c.decl.name : m.pre.data.c.decl.name} declares no channel names`;
            this.diags.warning(
              'SSL074',
              `the duplicate adapter pairs channels by order (${map.pairs.join(', ')}): ${why}`,
              ft.c.json.adapter !== undefined ? valueSpan(ft.c, '/adapter') : ft.c.decl.nameSpan,
              'declare channel-names = [t1, flair] (modality names) on both datasets',
            );
          }
        }
        if (m.pre.encoder.dim !== enc.dim) continue;
      }
      plans.push({ m, encoder: enc.spec, inputShape: [...spatial, ds.channels], slices, train: ft.train(enc.dim) });
    }
    if (this.diags.errorCount > before) return null;

    // nodes: pretraining first, then the fine-tuning data
    for (const p of plans) if (p.m.pre) b.pretrainNode(p.m.pre);
    const dn = b.dataNode(ft.data);
    const evaluateIds: string[] = [];
    const finetuneIds: string[] = [];
    const prefix = multi ? `${sc.decl.name}.` : '';
    const nTrain = trainCases(ds);
    for (const p of plans) {
      const pn = p.m.pre ? b.pretrainNode(p.m.pre) : null;
      for (const arm of p.m.arms) {
        for (const f of fractions) {
          for (let r = 0; r < repetitions; r++) {
            const key = `${prefix}${p.m.id}/${arm}/${percentLabel(f)}/r${r}`;
            const fid = `finetune:${key}`;
            const fspec: FinetuneSpec = {
              target: ft.target,
              classes: ft.classes,
              loss: ft.loss,
              classWeights: ft.classWeights,
              warmup: arm === 'finetune' ? ft.warmup : 0,
              atUnfreeze: ft.atUnfreeze,
              adapter: ft.adapter,
              train: p.train,
              slices: p.slices,
            };
            const cost = this.cachedCost({
              kind: 'finetune',
              target: ft.target,
              classes: ft.classes.length,
              encoder: p.encoder,
              inputShape: p.inputShape,
              train: p.train,
              cases: nTrain === null ? null : Math.max(1, Math.floor(f * nTrain + 1e-9)) * (p.slices ? p.slices.perVolume : 1),
              arm,
              warmup: fspec.warmup,
            });
            this.notePeak(ft.c, `finetune ${ft.c.decl.name}`, cost, p.train.batch);
            const fnode = b.finish<FinetuneNode>(
              {
                id: fid,
                kind: 'finetune',
                output: 'model',
                inputs: pn ? [dn.id, pn.id] : [dn.id],
                seed: deriveSeed(this.seed, 'finetune', key),
                cost,
                params: {
                  method: p.m.label,
                  arm,
                  fraction: f,
                  repetition: r,
                  subsetSeed: deriveSeed(this.seed, 'subset', ds.name, r),
                  finetune: fspec,
                  encoder: p.encoder,
                  inputShape: p.inputShape,
                  pretrainedChannels: p.m.pre ? p.m.pre.data.spec.channels : null,
                  channelNames: ds.channelNames ?? null,
                  pretrainedChannelNames: p.m.pre ? p.m.pre.data.spec.channelNames ?? null : null,
                  evaluation: ev.spec,
                },
              },
              null,
            );
            b.add(fnode);
            finetuneIds.push(fid);
            const enode = b.finish<EvaluateNode>(
              {
                id: `evaluate:${key}`,
                kind: 'evaluate',
                output: 'metrics',
                inputs: [fid, dn.id],
                seed: deriveSeed(this.seed, 'evaluate', key),
                cost: null,
                params: { method: p.m.label, arm, fraction: f, repetition: r, evaluation: ev.spec, regions: ds.regions },
              },
              null,
            );
            b.add(enode);
            evaluateIds.push(enode.id);
          }
        }
      }
    }
    return { evaluateIds, finetuneIds, evalSpec: ev.spec, fractions, target: ft.target, regions: Object.keys(ds.regions) };
  }

  private lowerReport(
    c: Checked,
    sr: { evalSpec: EvalSpec; fractions: number[]; target: 'segmentation' | 'classification'; regions: string[]; partial?: boolean },
  ): ReportSpec | null {
    const before = this.diags.errorCount;
    const j = c.json;
    const tables: TableSpec[] = [];
    const plots: PlotSpec[] = [];
    const names = new Set<string>();
    // sr.partial: the evaluation has errors of its own, so its metric list is incomplete; checks
    // against it would only repeat those errors
    const evaluated = (m: MetricSpec): boolean => !!sr.partial || sr.evalSpec.metrics.some((x) => x.metric === m.metric && x.region === m.region);
    const checkFraction = (at: string, f: number): void => {
      if (!sr.fractions.some((x) => Math.abs(x - f) < 1e-9))
        this.diags.error('SSL061', `the sweep does not run ${percentLabel(f)} (it runs ${sr.fractions.map(percentLabel).join(', ')})`, valueSpan(c, at));
    };
    const uniqueName = (at: string, name: string): void => {
      if (names.has(name)) this.diags.error('SSL061', `the report already has a table or plot named '${name}'`, c.spans.get(at)?.type ?? keySpan(c, at));
      names.add(name);
    };
    (arr(j.table) ?? []).forEach((t, i) => {
      const o = obj(t);
      const at = `/table/${i}`;
      const name = word(o.$type) ?? `table${i + 1}`;
      uniqueName(at, name);
      const f = frac(o.fraction);
      if (f !== undefined) checkFraction(`${at}/fraction`, f);
      const ref = o.reference === undefined || o.reference === 'none' ? null : word(o.reference) ?? str(o.reference) ?? null;
      if (ref !== null && !REFERENCE_TABLES.includes(ref))
        this.diags.error('SSL063', `unknown reference table '${ref}'`, valueSpan(c, `${at}/reference`), didYouMeanHint(ref, REFERENCE_TABLES) ?? `known: ${REFERENCE_TABLES.join(', ')}`);
      const columns = (word(o.columns) ?? (sr.target === 'segmentation' ? 'region' : 'metric')) as TableSpec['columns'];
      if (columns === 'region' && sr.target !== 'segmentation')
        this.diags.error('SSL048', `columns = region needs a segmentation sweep; this one is a ${sr.target}`, valueSpan(c, `${at}/columns`), 'use columns = metric or fraction');
      // metric = …: the one metric of a fractions table, or the metrics a region/metric table shows
      let tableMetrics: MetricSpec[] | undefined;
      if (o.metric !== undefined) {
        const ms = this.metric(c, `${at}/metric`, sr.target, Object.fromEntries(sr.regions.map((r) => [r, []])));
        if (ms) {
          // `metric = dice` on a region/metric table: the Dice columns the evaluation computes
          const missing = ms.length > 1 && ms.some(evaluated) ? [] : ms.filter((m) => !evaluated(m));
          if (columns === 'fraction' && ms.length !== 1) this.diags.error('SSL050', 'a table with columns = fraction shows one metric; name a region', valueSpan(c, `${at}/metric`), `e.g. metric = ${showMetric(ms.find(evaluated) ?? ms[0]!)}`);
          else if (missing.length) this.diags.error('SSL061', `the table shows ${missing.map(showMetric).join(', ')}, which the evaluation does not compute`, valueSpan(c, `${at}/metric`), `add it to the evaluate metrics (${sr.evalSpec.metrics.map(showMetric).join(', ')})`);
          else tableMetrics = ms.filter(evaluated);
        }
      }
      tables.push({
        name,
        rows: (word(o.rows) ?? 'method') as TableSpec['rows'],
        columns,
        fraction: f ?? null,
        aggregate: (word(o.aggregate) ?? 'mean-sd') as TableSpec['aggregate'],
        deltaVsScratch: o['delta-vs-scratch'] === true,
        ...(tableMetrics ? { metrics: tableMetrics } : {}),
        reference: ref,
      });
    });
    (arr(j.plot) ?? []).forEach((p, i) => {
      const o = obj(p);
      const at = `/plot/${i}`;
      const name = word(o.$type) ?? `plot${i + 1}`;
      uniqueName(at, name);
      const kind = (word(o.kind) ?? 'data-efficiency') as PlotSpec['kind'];
      let metric: MetricSpec | null = (kind === 'convergence' ? sr.evalSpec.convergence : sr.evalSpec.metrics[0]) ?? null;
      if (o.metric !== undefined) {
        const ms = this.metric(c, `${at}/metric`, sr.target, Object.fromEntries(sr.regions.map((r) => [r, []])));
        if (ms && ms.length !== 1) this.diags.error('SSL050', 'a plot shows one metric; name a region', valueSpan(c, `${at}/metric`));
        metric = ms?.[0] ?? null;
        if (metric && kind === 'data-efficiency' && !evaluated(metric))
          this.diags.error('SSL061', `the plot shows ${showMetric(metric)}, which the evaluation does not compute`, valueSpan(c, `${at}/metric`), `add it to the evaluate metrics (${sr.evalSpec.metrics.map(showMetric).join(', ')})`);
      }
      if (kind === 'convergence') {
        const conv = sr.evalSpec.convergence;
        if (sr.partial) {
          // the evaluation's own errors explain a missing convergence metric
        } else if (!conv) {
          this.diags.error('SSL062', 'a convergence plot needs a metric tracked every epoch, but the evaluation has convergence = none', keySpan(c, at), 'set convergence = dice.WT (for example) in the evaluate block');
        } else if (metric && (metric.metric !== conv.metric || metric.region !== conv.region)) {
          this.diags.error('SSL062', `the convergence plot shows ${showMetric(metric)}, but only ${showMetric(conv)} is tracked every epoch`, valueSpan(c, `${at}/metric`));
        }
      }
      let f = frac(o.fraction) ?? null;
      if (f !== null) checkFraction(`${at}/fraction`, f);
      else if (kind === 'convergence') f = Math.max(...sr.fractions);
      if (metric) plots.push({ name, kind, metric, fraction: f });
    });
    if (tables.length === 0 && plots.length === 0) {
      tables.push({ name: 'results', rows: 'method', columns: sr.target === 'segmentation' ? 'region' : 'metric', fraction: null, aggregate: 'mean-sd', deltaVsScratch: false, reference: null });
    }
    const formats = (arr(j.formats)?.map((x) => word(x)!) ?? ['md', 'csv']) as ReportSpec['formats'];
    this.noDuplicates(c, '/formats', formats);
    const figureFormats = formats.filter((f) => f === 'svg' || f === 'png');
    if (plots.length === 0 && figureFormats.length > 0) {
      this.diags.warning(
        'SSL073',
        `format${figureFormats.length === 1 ? '' : 's'} ${figureFormats.join(' and ')} ${figureFormats.length === 1 ? 'makes' : 'make'} figures, but report ${c.decl.name} declares no plot: no figure will be written`,
        valueSpan(c, '/formats'),
        `add a plot, e.g. plot efficiency { kind = data-efficiency, metric = ${metricsFor(sr.target)[0]} }, or drop ${figureFormats.join(' and ')}`,
      );
    }
    if (this.diags.errorCount > before) return null;
    return { name: c.decl.name, tables, plots, formats };
  }
}

function showMetric(m: MetricSpec): string {
  return m.region ? `${m.metric}.${m.region}` : m.metric;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * Training cases of a dataset of known size (core/geometry.ts splitCounts, as the runtime
 * splits it). A label fraction f then trains on
 * floor(f × that) cases, which must be ≥ 1 (SSL045; the runtime would round 0 up to 1).
 */
export function trainCases(d: DatasetSpec): number | null {
  const n = d.knownCases;
  if (n === null) return null;
  return splitCounts(n, d.split).train;
}

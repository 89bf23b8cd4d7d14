// The state the checkers share: the validated blocks, the diagnostics, name resolution, the
// experiment seed, and one memo per declaration kind, so a declaration used by several others
// is checked (and reported) once. Every checker call goes through `guard`: a checker that
// throws becomes an internal error (SSL099) located at its declaration, and the other
// declarations are still checked.
import { posix } from 'node:path';
import type { Declaration, Span } from '../../grammar/ast.js';
import { msg, type CodedMessage } from '../../core/codes/index.js';
import { encoderNeeds } from '../../core/geometry.js';
import type { DatasetSpec, OptimizerSpec, TrainSpec } from '../../core/graph.js';
import { canonicalJson } from '../../core/hash.js';
import { LIMITS } from '../defaults.js';
import { Diagnostics as DiagList, type Diagnostics } from '../diag.js';
import { ints, isObj, num, obj, percentLabel, word } from '../json.js';
import { normPath, resolveRef, type Module, type Symbol } from '../modules.js';
import type { Json } from '../values.js';
import type {
  Block, CheckedDataset, CheckedEncoder, CheckedEvaluation, CheckedFinetune, CheckedPretext, CheckedReport, CheckedSweep, Slices,
  SweepContext, Target,
} from './types.js';

/** One checker per declaration kind; `check/index.ts` holds the built-in table (tests swap entries). */
export interface Checkers {
  dataset(ctx: CheckContext, b: Block): CheckedDataset | null;
  encoder(ctx: CheckContext, b: Block): CheckedEncoder | null;
  pretext(ctx: CheckContext, b: Block): CheckedPretext | null;
  finetune(ctx: CheckContext, b: Block): CheckedFinetune | null;
  /** `partial`: return what resolved even when there were errors (reports are still checked against it). */
  evaluate(ctx: CheckContext, b: Block, target: Target, regions: Record<string, number[]>, partial: boolean): CheckedEvaluation | null;
  sweep(ctx: CheckContext, b: Block): CheckedSweep | null;
  report(ctx: CheckContext, b: Block, sweep: Declaration, context: SweepContext): CheckedReport | null;
}

export interface CheckOptions {
  rootFile: string;
  /** Receives the spec of each dataset of the experiment file that nothing uses (for `check --data`). */
  unusedDataset?: (spec: DatasetSpec) => void;
}

export function valueSpan(b: Block, pointer: string): Span {
  return b.spans.get(pointer)?.value ?? b.decl.nameSpan;
}
export function keySpan(b: Block, pointer: string): Span {
  return b.spans.get(pointer)?.key ?? b.spans.get(pointer)?.value ?? b.decl.nameSpan;
}
/** The JSON under a pointer of a block. */
export function at(b: Block, pointer: string): Json | undefined {
  let cur: Json | undefined = b.json;
  for (const seg of pointer.split('/').filter(Boolean)) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isObj(cur)) cur = cur[seg];
    else return undefined;
  }
  return cur;
}

/** Checker results kept per declaration kind (see CheckContext.memo). */
const MEMO_KEPT = 256;

export class CheckContext {
  /** The experiment's seed (defaults such as the split seed derive from it). */
  seed = 0;
  /** Declarations some reference names (SSL067 warns about the others). */
  readonly used = new Set<Declaration>();
  /** What each sweep evaluates, known even when the sweep itself fails. */
  readonly sweepContext = new Map<Declaration, SweepContext>();
  /** The latest checker results per kind (MEMO_KEPT of them): a file of 35 000 datasets kept a
   *  checked dataset of ≈ 900 bytes each through the whole check (#17.11). */
  private memo = new Map<string, Map<Declaration, unknown>>();
  /** Declarations whose checker has run (and reported): a result no longer in `memo` is worked
   *  out again without reporting anything (checkers are deterministic). */
  private checked = new Set<Declaration>();

  constructor(
    readonly root: Module,
    readonly blocks: Map<Declaration, Block>,
    public diags: Diagnostics,
    readonly opts: CheckOptions,
    readonly checkers: Checkers,
  ) {}

  error(m: CodedMessage, span: Span, hint?: string): void {
    this.diags.error(m, span, hint);
  }
  warning(m: CodedMessage, span: Span, hint?: string): void {
    this.diags.warning(m, span, hint);
  }
  get errorCount(): number {
    return this.diags.errorCount;
  }

  /** Run one checker on one declaration; a throw becomes SSL099 at the declaration. */
  guard<T>(b: Block, f: () => T | null): T | null {
    try {
      return f();
    } catch (err) {
      const d = b.decl;
      this.error(msg('SSL099', 'inChecker', { kind: d.kind, name: d.name, reason: err instanceof Error ? err.message : String(err) }), d.nameSpan);
      return null;
    }
  }
  private once<T>(kind: string, b: Block, f: () => T | null): T | null {
    let m = this.memo.get(kind);
    if (!m) this.memo.set(kind, (m = new Map()));
    if (m.has(b.decl)) {
      const r = m.get(b.decl) as T | null;
      m.delete(b.decl); // (the most recently used last)
      m.set(b.decl, r);
      return r ?? null;
    }
    let r: T | null;
    if (this.checked.has(b.decl)) {
      // reported when first checked: again quietly
      const real = this.diags;
      this.diags = new DiagList();
      try {
        r = this.guard(b, f);
      } finally {
        this.diags = real;
      }
    } else {
      r = this.guard(b, f);
      this.checked.add(b.decl);
    }
    m.set(b.decl, r);
    if (m.size > MEMO_KEPT) m.delete(m.keys().next().value!);
    return r;
  }
  dataset(b: Block): CheckedDataset | null {
    return this.once('dataset', b, () => this.checkers.dataset(this, b));
  }
  encoder(b: Block): CheckedEncoder | null {
    return this.once('encoder', b, () => this.checkers.encoder(this, b));
  }
  pretext(b: Block): CheckedPretext | null {
    return this.once('pretext', b, () => this.checkers.pretext(this, b));
  }
  finetune(b: Block): CheckedFinetune | null {
    return this.once('finetune', b, () => this.checkers.finetune(this, b));
  }
  evaluation(b: Block, target: Target, regions: Record<string, number[]>, partial: boolean): CheckedEvaluation | null {
    return this.guard(b, () => this.checkers.evaluate(this, b, target, regions, partial));
  }
  sweep(b: Block): CheckedSweep | null {
    return this.guard(b, () => this.checkers.sweep(this, b));
  }
  report(b: Block, sweep: Declaration, context: SweepContext): CheckedReport | null {
    return this.guard(b, () => this.checkers.report(this, b, sweep, context));
  }

  /** The checked block of a symbol, or null when it failed its schema. */
  get(sym: Symbol | null): Block | null {
    if (!sym) return null;
    const b = this.blocks.get(sym.decl);
    return b && b.ok ? b : null;
  }

  /** Resolve the name at `pointer` to a declaration of one of `kinds` (SSL032/SSL033 otherwise). */
  ref(b: Block, pointer: string, kinds: string[]): Block | null {
    const name = word(at(b, pointer));
    if (name === undefined) return null;
    const sym = resolveRef(b.sym.module, name, kinds, valueSpan(b, pointer), this.diags);
    if (sym) this.used.add(sym.decl);
    return this.get(sym);
  }

  /** A path written in the declaring file, made relative to the experiment file's folder. */
  rebase(b: Block, p: string): string {
    if (posix.isAbsolute(p)) return p;
    const rootDir = posix.dirname(normPath(this.opts.rootFile));
    const modDir = posix.dirname(b.sym.module.file);
    return normPath(posix.join(posix.relative(rootDir, modDir) || '.', p));
  }

  /** A whole number within a sane limit, else SSL077 at the value (#17.7). */
  bounded(b: Block, pointer: string, v: number | undefined, max: number, what: string, hint: string): void {
    if (v === undefined || !Number.isFinite(v)) return;
    if (v > max || (Number.isInteger(v) && !Number.isSafeInteger(v)))
      this.error(msg('SSL077', 'tooLarge', { what, value: v > 1e15 ? v.toExponential(3) : v, max: max.toLocaleString('en-US') }), valueSpan(b, pointer), hint);
  }

  /** A size at a JSON pointer with `dim` dimensions (SSL040 / SSL077 and null otherwise). */
  sizeAt(b: Block, pointer: string, dim: number): number[] | null {
    const v = at(b, pointer);
    if (typeof v === 'number') return Array.from({ length: dim }, () => v);
    const a = ints(v);
    if (!a) return null;
    if (a.length !== dim) {
      this.error(msg('SSL040', 'wrongDimensions', { key: pointer.split('/').pop()!, length: a.length, dim }), valueSpan(b, pointer), dim === 3 ? 'write e.g. 128x128x128' : 'write e.g. 224x224');
      return null;
    }
    const side = LIMITS.side[dim] ?? LIMITS.side[3]!;
    const over = a.find((x) => x > side || !Number.isSafeInteger(x));
    const name = pointer.split('/').pop()!;
    if (over !== undefined)
      this.error(msg('SSL077', 'sideTooLarge', { name, size: a.join('x'), side: over > 1e15 ? over.toExponential(3) : over, max: side, dim }), valueSpan(b, pointer), dim === 3 ? 'write e.g. 128x128x128' : 'write e.g. 224x224');
    return a;
  }

  /** A `train { … }` block with the defaults of its context. */
  train(b: Block, pointer: string, def: { epochs: number; batch: number; lr: number }): TrainSpec {
    const t = obj(at(b, pointer));
    const o = t.optimizer;
    const ob = isObj(o) ? o : {};
    const kind = ((isObj(o) ? word(o.$type) : word(o)) ?? 'adam') as 'adam' | 'sgd';
    const lrO = num(ob.lr);
    const lrT = num(t.lr);
    if (lrO !== undefined && lrT !== undefined)
      this.error(msg('SSL027', 'lrTwice', { block: pointer.slice(1) }), keySpan(b, `${pointer}/lr`), 'keep one of them');
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
    this.bounded(b, `${pointer}/epochs`, num(t.epochs), LIMITS.epochs, 'epochs', 'use fewer epochs');
    this.bounded(b, `${pointer}/batch`, num(t.batch), LIMITS.batch, 'batch', 'use a smaller batch');
    this.bounded(b, `${pointer}/steps`, t.steps === 'epoch' ? undefined : num(t.steps), LIMITS.stepsPerEpoch, 'steps per epoch', 'use fewer steps per epoch');
    return {
      epochs: num(t.epochs) ?? def.epochs,
      batch: num(t.batch) ?? def.batch,
      stepsPerEpoch: t.steps === undefined || t.steps === 'epoch' ? null : num(t.steps) ?? null,
      optimizer,
      onNaN: (word(t['on-nan']) ?? 'stop') as 'stop' | 'retry-lower-lr',
      ...(word(t.keep) === 'best' ? { keep: 'best' as const } : {}),
    };
  }

  /** A `slices { axis, per-volume }` block, or null when absent. */
  slices(b: Block, pointer: string): Slices | null {
    const s = at(b, pointer);
    if (!isObj(s)) return null;
    const axisRaw = s.axis;
    const named: Record<string, 0 | 1 | 2> = { axial: 0, coronal: 1, sagittal: 2 };
    const axis = typeof axisRaw === 'string' ? named[axisRaw] ?? 0 : ((num(axisRaw) ?? 0) as 0 | 1 | 2);
    this.bounded(b, `${pointer}/per-volume`, num(s['per-volume']), LIMITS.slicesPerVolume, 'per-volume', 'take fewer slices per volume');
    return { axis, perVolume: num(s['per-volume']) ?? 16 };
  }

  /** SSL066 for each item listed twice in the list at `pointer`. */
  noDuplicates(b: Block, pointer: string, items: unknown[]): void {
    items.forEach((x, i) => {
      if (items.findIndex((y) => canonicalJson(y) === canonicalJson(x)) !== i)
        this.error(msg('SSL066', 'listedTwice', { item: typeof x === 'number' ? percentLabel(x) : String(x), key: pointer.split('/').pop()! }), valueSpan(b, `${pointer}/${i}`));
    });
  }

  /** A whole input goes through the encoder (and, at fine-tuning, the decoder with skips): SSL052 unless it fits. */
  wholeInput(b: Block, pointer: string, spatial: number[], enc: CheckedEncoder, encName: string): boolean {
    const needs = encoderNeeds(enc.spec);
    const bad = spatial.find((s) => s % needs.divisor !== 0 || s < needs.min);
    if (bad !== undefined) {
      this.error(
        msg('SSL052', 'inputDoesNotFit', { spatial: spatial.join('x'), encoder: encName, divisor: needs.divisor, minimum: needs.min > needs.divisor ? ` and at least ${needs.min}` : '' }),
        valueSpan(b, pointer),
        `resize the data to e.g. ${spatial.map((s) => Math.max(needs.min, Math.round(s / needs.divisor) * needs.divisor)).join('x')}, or use fewer levels`,
      );
      return false;
    }
    return true;
  }
}

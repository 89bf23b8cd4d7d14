// The one training loop used by pretext training and fine-tuning.
//
// - The caller supplies the loss as a step function (InfoNCE, triplet, CE, Dice, …); the loop
//   owns gradients, the optimiser (runtime/train/optim.ts), freezing, NaN policy, events,
//   checkpoints, resume and interruption.
// - Determinism and resume: epoch e draws from `new Rng(deriveSeed(seed, 'epoch', e))` and
//   dropout masks from (layer seed, epoch, step, call) via the training clock, so no RNG state
//   needs saving. A checkpoint after every epoch holds every weight of every model (BN moving
//   statistics included), the optimiser slots, the learning rate, the NaN-retry flag and the
//   epoch history; resuming from epoch k reproduces the uninterrupted run bit for bit on the
//   same backend.
// - Freezing is by layer-name prefix (`enc_`). A frozen layer's weights leave the optimiser's
//   variable list AND its batch norm runs in inference mode (Keras/TF2 semantics, as in the
//   authors' code), so frozen weights — moving statistics included — do not change at all.

import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import type { OptimizerSpec } from '../../core/graph.js';
import { SslRuntimeError, type NodeContext } from '../contract.js';
import { Rng, deriveSeed } from '../../core/rng.js';
import { setTrainingClock } from '../models/layers.js';
import { assignWeights, loadTensors, namedWeights, saveTensors, saveWeights, loadWeights, type StoredTensor } from '../models/weights.js';
import { Optimizer, type NamedVariable } from './optim.js';
import { msg } from '../../core/codes/index.js';

export const CHECKPOINT_FORMAT = 'ssl3d-train-checkpoint';

/** What the loop needs from the node context (a full NodeContext satisfies it). */
export type LoopContext = Pick<NodeContext, 'emit' | 'signal' | 'saveCheckpoint' | 'loadCheckpoint'>;

export interface StepContext {
  /** This epoch's generator (fresh per epoch from (seed, epoch); shared by the epoch's steps in order). */
  rng: Rng;
  epoch: number;
  /** 0-based step within the epoch. */
  step: number;
  /** Track a scalar (e.g. accuracy) computed inside the step; the loop averages it over the epoch as `train_<name>`. */
  record(name: string, value: tf.Scalar): void;
}

export interface EpochRecord {
  epoch: number;
  /** Mean training loss over the epoch's steps. */
  loss: number;
  /** Validation metrics (as returned by `validate`) and `train_<name>` means of recorded scalars. */
  metrics: Record<string, number>;
  durationMs: number;
  lr: number;
  /** Layer-name prefixes frozen during this epoch. */
  frozen: string[];
}

export interface TrainLoopOptions<B extends tf.TensorContainer = void> {
  ctx: LoopContext;
  /** Node id for events. */
  node: string;
  seed: number;
  epochs: number;
  stepsPerEpoch: number;
  /** Samples per step, for the throughput in step events (default 1). */
  batchSize?: number;
  /** The model whose weights are trained and checkpointed. */
  model: tf.LayersModel;
  /** Further models trained together (task heads, projection heads); all saved in checkpoints. */
  extraModels?: tf.LayersModel[];
  optimizer: OptimizerSpec;
  /**
   * Layer-name prefixes frozen during `epoch` (1-based). Warm-up: `warmupFreeze(25)`; the frozen
   * arm: `() => ['enc_']`. Default: nothing frozen.
   */
  frozenAt?(epoch: number): string[];
  /** Epochs (1-based) at whose start the optimiser state is dropped (fresh Adam at unfreezing). */
  freshOptimizerAt?: number[];
  /** Builds the batch outside the gradient tape (may be async); its tensors are disposed after the step. */
  prepare?(rng: Rng, epoch: number, step: number): B | Promise<B>;
  /** Returns the loss for one batch. Runs inside the gradient tape: must be synchronous. */
  step(s: StepContext, batch: B): tf.Scalar;
  /** Called after each epoch's steps; metrics go into the epoch event and history. */
  validate?(epoch: number): Promise<Record<string, number>>;
  onNaN: 'stop' | 'retry-lower-lr';
  /** Extra state a task keeps across epochs (e.g. a memory bank), saved beside the checkpoint. */
  extraState?: { save(dir: string): Promise<void>; load(dir: string): Promise<void> };
  /** Minimum milliseconds between step events (default 200 = at most 5 per second). */
  stepEventIntervalMs?: number;
  /**
   * `train { keep = best }`: keep the weights of the epoch with the best value of this metric
   * (a key `validate` returns) instead of the last epoch's. They are copied after every epoch
   * that improves on the best so far (ties keep the earlier epoch), saved in every checkpoint so
   * that a resumed run keeps the same best, and written back into the models when the run ends.
   * Epochs whose value is missing or not finite never count as best.
   */
  keepBest?: { metric: string; higherIsBetter: boolean };
}

export interface TrainLoopResult {
  epochs: EpochRecord[];
  /** True when ctx.signal aborted the run; the last completed epoch is in the checkpoint. */
  interrupted: boolean;
  /** Epoch the run resumed after (0 = fresh start). */
  resumedFrom: number;
  /** Learning rate at the end (lower than declared after a NaN retry). */
  lr: number;
  /**
   * The epoch whose weights the models hold at the end: the last finished epoch, or with
   * `keepBest` the best one (null when no epoch had a finite value: then the last epoch's).
   */
  keptEpoch: number | null;
}

/** `frozenAt` for the finetune arm: the encoder is frozen for the first `warmup` epochs. */
export function warmupFreeze(warmup: number, prefix = 'enc_'): (epoch: number) => string[] {
  return (epoch) => (epoch <= warmup ? [prefix] : []);
}

interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  node: string;
  epoch: number;
  seed: number;
  models: string[];
  optimizer: ReturnType<Optimizer['getMeta']>;
  nanRetried: boolean;
  history: EpochRecord[];
  /** With keepBest: the best epoch so far and its value; its weights are the best_<i> files. */
  best?: { epoch: number; value: number };
}

/** Weights of the best epoch so far (`keepBest`), held on the CPU. */
interface BestWeights {
  epoch: number;
  value: number;
  weights: Map<string, StoredTensor>[];
}

/** A CPU copy of a tensor (asynchronous read-back: a GPU backend has none synchronous in Node). */
async function toStored(t: tf.Tensor): Promise<StoredTensor> {
  return { shape: [...t.shape], data: Float32Array.from((await t.data()) as Float32Array) };
}

async function grabWeights(models: tf.LayersModel[]): Promise<Map<string, StoredTensor>[]> {
  const out: Map<string, StoredTensor>[] = [];
  for (const m of models) {
    const w = new Map<string, StoredTensor>();
    for (const [k, v] of namedWeights(m)) w.set(k, await toStored(v.read()));
    out.push(w);
  }
  return out;
}

type AnyLayer = tf.layers.Layer & { layers?: tf.layers.Layer[] };

function leafLayers(model: tf.LayersModel): tf.layers.Layer[] {
  const out: tf.layers.Layer[] = [];
  const walk = (l: AnyLayer): void => {
    if (Array.isArray(l.layers)) for (const c of l.layers) walk(c as AnyLayer);
    else out.push(l);
  };
  for (const l of model.layers) walk(l as AnyLayer);
  return out;
}

function applyFreeze(models: tf.LayersModel[], frozen: string[]): void {
  for (const m of models) {
    for (const l of leafLayers(m)) l.trainable = !frozen.some((p) => l.name.startsWith(p));
  }
}

function trainableVars(models: tf.LayersModel[]): NamedVariable[] {
  const out: NamedVariable[] = [];
  const seen = new Map<string, tf.LayerVariable>();
  for (const m of models) {
    for (const l of leafLayers(m)) {
      if (!l.trainable) continue;
      for (const w of l.trainableWeights) {
        const prev = seen.get(w.originalName);
        if (prev === w) continue;
        if (prev) throw new SslRuntimeError(msg('SSL140', 'duplicateTrainable', { name: w.originalName }));
        seen.set(w.originalName, w);
        out.push({ name: w.originalName, variable: w.read() as tf.Variable });
      }
    }
  }
  return out;
}

// Asynchronous read-backs: a GPU backend has none synchronous in Node.
async function snapshot(models: tf.LayersModel[], opt: Optimizer): Promise<{ weights: Map<string, StoredTensor>[]; opt: Map<string, StoredTensor>; meta: ReturnType<Optimizer['getMeta']> }> {
  const weights = await grabWeights(models);
  const o = new Map<string, StoredTensor>();
  for (const s of opt.getState()) o.set(s.name, await toStored(s.tensor));
  return { weights, opt: o, meta: opt.getMeta() };
}

const finite = (x: number): boolean => Number.isFinite(x);

/**
 * A step loss this many times the run's first loss (or 1, whichever is larger) counts as
 * diverging, like a NaN (#17.11: an epoch ended at 3.1e23 with no policy firing). Our losses
 * (cross-entropy, Dice, InfoNCE, triplet) start at a few units; a 10⁴-fold rise is no longer
 * training.
 */
export const EXPLODING_FACTOR = 1e4;

/** Why an epoch's result is not usable (NaN/Inf or exploding training loss, NaN validation loss), or null. */
function badValidation(metrics: Record<string, number>): string | null {
  for (const [k, v] of Object.entries(metrics)) {
    if (/^val_.*loss/.test(k) && !finite(v)) return `validation loss ${k} became ${v}`;
  }
  return null;
}

export async function trainLoop<B extends tf.TensorContainer = void>(opts: TrainLoopOptions<B>): Promise<TrainLoopResult> {
  const optimizer = new Optimizer(opts.optimizer);
  try {
    return await trainLoopInner(opts, optimizer);
  } finally {
    // The optimiser's moment tensors belong to this run only.
    optimizer.dispose();
    // Outside the loop, dropout falls back to per-layer seeds (see setTrainingClock).
    setTrainingClock(0, 0, null);
  }
}

async function trainLoopInner<B extends tf.TensorContainer>(opts: TrainLoopOptions<B>, optimizer: Optimizer): Promise<TrainLoopResult> {
  const { ctx, node } = opts;
  if (!(Number.isInteger(opts.epochs) && opts.epochs >= 1)) throw new SslRuntimeError(msg('SSL139', 'badEpochs', { node, epochs: opts.epochs }));
  if (!(Number.isInteger(opts.stepsPerEpoch) && opts.stepsPerEpoch >= 1)) {
    throw new SslRuntimeError(msg('SSL139', 'badStepsPerEpoch', { node, stepsPerEpoch: opts.stepsPerEpoch }));
  }
  const models = [opts.model, ...(opts.extraModels ?? [])];
  const interval = opts.stepEventIntervalMs ?? 200;
  const batchSize = opts.batchSize ?? 1;
  let history: EpochRecord[] = [];
  let nanRetried = false;
  let start = 1;
  /** The run's first finite loss (on resume: the first epoch's mean): the scale for an exploding loss. */
  let reference: number | null = null;
  let best: BestWeights | null = null;
  const keep = opts.keepBest;
  const improves = (v: number | undefined): v is number =>
    keep !== undefined && typeof v === 'number' && finite(v) && (best === null || (keep.higherIsBetter ? v > best.value : v < best.value));

  // ── resume ──
  const ck = ctx.loadCheckpoint();
  if (ck) {
    const metaFile = path.join(ck.dir, 'meta.json');
    let meta: CheckpointMeta;
    try {
      meta = JSON.parse(await fs.readFile(metaFile, 'utf8')) as CheckpointMeta;
    } catch (e) {
      throw new SslRuntimeError(msg('SSL138', 'unreadable', { node, metaFile, reason: String((e as Error).message ?? e) }), metaFile);
    }
    if (meta.format !== CHECKPOINT_FORMAT || meta.models.length !== models.length) {
      throw new SslRuntimeError(msg('SSL138', 'wrongCheckpoint', { node, metaFile, format: String(meta.format), models: meta.models?.length, expected: models.length }), metaFile);
    }
    try {
      for (let i = 0; i < models.length; i++) await loadWeights(models[i]!, ck.dir, `model_${i}`);
      const { tensors } = await loadTensors(ck.dir, 'optimizer');
      optimizer.setState(tensors, meta.optimizer);
      if (opts.extraState) await opts.extraState.load(path.join(ck.dir, 'extra'));
      if (keep && meta.best) {
        const weights: Map<string, StoredTensor>[] = [];
        for (let i = 0; i < models.length; i++) weights.push((await loadTensors(ck.dir, `best_${i}`)).tensors);
        best = { epoch: meta.best.epoch, value: meta.best.value, weights };
      }
    } catch (e) {
      if (e instanceof SslRuntimeError) throw new SslRuntimeError(msg('SSL138', 'cannotResume', { node, epoch: ck.epoch, code: e.code, reason: e.message }), e.file ?? ck.dir);
      throw e;
    }
    history = meta.history.slice(0, ck.epoch);
    reference = history.find((e) => finite(e.loss))?.loss ?? null;
    nanRetried = meta.nanRetried;
    start = ck.epoch + 1;
    ctx.emit({ type: 'info', node, message: `resuming after epoch ${ck.epoch} of ${opts.epochs}` });
  }
  const resumedFrom = start - 1;

  const saveCheckpoint = async (epoch: number): Promise<void> => {
    let written = '';
    await ctx.saveCheckpoint(epoch, async (dir) => {
      written = dir;
      for (let i = 0; i < models.length; i++) await saveWeights(models[i]!, dir, `model_${i}`, { epoch });
      await saveTensors(dir, 'optimizer', optimizer.getState(), { epoch });
      if (opts.extraState) {
        await fs.mkdir(path.join(dir, 'extra'), { recursive: true });
        await opts.extraState.save(path.join(dir, 'extra'));
      }
      if (best) {
        for (let i = 0; i < best.weights.length; i++) {
          const list = [...best.weights[i]!].map(([name, t]) => ({ name, tensor: tf.tensor(t.data, t.shape) }));
          try {
            await saveTensors(dir, `best_${i}`, list, { epoch: best.epoch });
          } finally {
            tf.dispose(list.map((l) => l.tensor));
          }
        }
      }
      const meta: CheckpointMeta = {
        format: CHECKPOINT_FORMAT, version: 1, node, epoch, seed: opts.seed, models: models.map((m) => m.name),
        optimizer: optimizer.getMeta(), nanRetried, history,
        ...(best ? { best: { epoch: best.epoch, value: best.value } } : {}),
      };
      await fs.writeFile(path.join(dir, 'meta.json'), JSON.stringify(meta, null, 1));
    });
    ctx.emit({ type: 'checkpoint', node, epoch, path: written });
  };

  let prevFrozen = start > 1 ? (opts.frozenAt?.(start - 1) ?? []) : null;
  for (let epoch = start; epoch <= opts.epochs; epoch++) {
    if (ctx.signal.aborted) return { epochs: history, interrupted: true, resumedFrom, lr: optimizer.lr, keptEpoch: null };
    const frozen = opts.frozenAt?.(epoch) ?? [];
    applyFreeze(models, frozen);
    if (prevFrozen !== null && prevFrozen.join('|') !== frozen.join('|')) {
      ctx.emit({ type: 'info', node, message: `epoch ${epoch}: frozen layers ${frozen.length ? frozen.map((p) => p + '*').join(', ') : 'none'} (were ${prevFrozen.length ? prevFrozen.map((p) => p + '*').join(', ') : 'none'})` });
    }
    prevFrozen = frozen;
    if (opts.freshOptimizerAt?.includes(epoch)) optimizer.reset();
    const vars = trainableVars(models);
    if (vars.length === 0) throw new SslRuntimeError(msg('SSL139', 'allFrozen', { node, epoch }));
    const snap = opts.onNaN === 'retry-lower-lr' && !nanRetried ? await snapshot(models, optimizer) : null;

    const t0 = Date.now();
    // One attempt at the epoch: train, then validate. The NaN policy covers a NaN/Inf or
    // exploding training loss and a NaN validation loss alike (#17.11); the weights restored
    // for a retry are those of the start of this epoch, the last state that passed every check
    // (a bad epoch is never checkpointed).
    const attempt = async (): Promise<{ result: EpochResult; metrics: Record<string, number> | null; bad: string | null }> => {
      const r = await runEpoch(epoch, vars);
      if (r.kind === 'nan') return { result: r, metrics: null, bad: `${r.exploding ? `loss exploded to ${r.loss} (the first loss was ${Number(reference!.toPrecision(4))}; above ${EXPLODING_FACTOR * Math.max(1, Math.abs(reference!))} counts as diverging)` : `loss became ${r.loss}`} at epoch ${epoch} step ${r.step + 1} of ${opts.stepsPerEpoch}` };
      if (r.kind === 'aborted') return { result: r, metrics: null, bad: null };
      const m: Record<string, number> = { ...r.trainMetrics };
      if (opts.validate) Object.assign(m, await opts.validate(epoch));
      const v = badValidation(m);
      return { result: r, metrics: m, bad: v ? `${v} after epoch ${epoch} (training loss ${r.loss})` : null };
    };
    let { result, metrics: m0, bad } = await attempt();
    if (bad) {
      if (opts.onNaN === 'stop') throw new SslRuntimeError(msg('SSL136', 'nanStop', { node, bad, kept: epoch - 1 }));
      if (nanRetried || !snap) throw new SslRuntimeError(msg('SSL137', 'nanAgain', { node, bad, lr: optimizer.lr }));
      nanRetried = true;
      snap.weights.forEach((w, i) => assignWeights(models[i]!, w, '<epoch-start snapshot>'));
      optimizer.setState(snap.opt, snap.meta);
      optimizer.lr = snap.meta.lr / 10;
      ctx.emit({ type: 'warning', node, message: `${bad}; restored the weights of the start of epoch ${epoch} (the last good ones) and retrying once with learning rate ${optimizer.lr}` });
      ({ result, metrics: m0, bad } = await attempt());
      if (bad) throw new SslRuntimeError(msg('SSL137', 'nanAgain', { node, bad, lr: optimizer.lr }));
    }
    if (result.kind === 'aborted' || !m0 || result.kind !== 'ok') return { epochs: history, interrupted: true, resumedFrom, lr: optimizer.lr, keptEpoch: null };

    const metrics: Record<string, number> = m0;
    const rec: EpochRecord = { epoch, loss: result.loss, metrics, durationMs: Date.now() - t0, lr: optimizer.lr, frozen };
    history = [...history, rec];
    ctx.emit({ type: 'epoch', node, epoch, totalEpochs: opts.epochs, loss: rec.loss, metrics, durationMs: rec.durationMs });
    if (keep && improves(metrics[keep.metric])) best = { epoch, value: metrics[keep.metric]!, weights: await grabWeights(models) };
    await saveCheckpoint(epoch);
  }
  let keptEpoch: number | null = history.length ? history[history.length - 1]!.epoch : null;
  if (keep) {
    keptEpoch = best?.epoch ?? null;
    if (best && best.epoch !== history[history.length - 1]?.epoch) {
      best.weights.forEach((w, i) => assignWeights(models[i]!, w, `<best epoch ${best!.epoch}>`));
    }
    ctx.emit({
      type: 'info', node,
      message: best
        ? `keep = best: kept the weights of epoch ${best.epoch} of ${opts.epochs} (${keep.metric} ${Number(best.value.toPrecision(4))})`
        : `keep = best: no epoch had a finite ${keep.metric}; kept the last epoch's weights`,
    });
  }
  return { epochs: history, interrupted: false, resumedFrom, lr: optimizer.lr, keptEpoch };

  type EpochResult =
    | { kind: 'ok'; loss: number; trainMetrics: Record<string, number> }
    | { kind: 'nan'; step: number; loss: number; exploding: boolean }
    | { kind: 'aborted' };

  async function runEpoch(epoch: number, vars: NamedVariable[]): Promise<EpochResult> {
    const rng = new Rng(deriveSeed(opts.seed, 'epoch', epoch));
    const varList = vars.map((v) => v.variable);
    let lossSum = 0;
    const sums: Record<string, number> = {};
    const counts: Record<string, number> = {};
    let lastEmit = 0;
    for (let s = 0; s < opts.stepsPerEpoch; s++) {
      if (ctx.signal.aborted) return { kind: 'aborted' };
      const ts = Date.now();
      setTrainingClock(epoch, s, opts.seed);
      const batch = (opts.prepare ? await opts.prepare(rng, epoch, s) : undefined) as B;
      const recorded: Array<[string, tf.Scalar]> = [];
      const sc: StepContext = {
        rng, epoch, step: s,
        record: (name, value) => {
          recorded.push([name, tf.keep(value)]);
        },
      };
      let out: { value: tf.Scalar; grads: tf.NamedTensorMap };
      try {
        out = tf.variableGrads(() => {
          const l = opts.step(sc, batch);
          if (!(l instanceof tf.Tensor) || l.rank !== 0) {
            throw new SslRuntimeError(msg('SSL139', 'notScalarLoss', { node, got: l instanceof tf.Tensor ? `a rank-${l.rank} tensor` : typeof l }));
          }
          return l;
        }, varList);
      } finally {
        if (opts.prepare) tf.dispose(batch as tf.TensorContainer);
      }
      const loss = (await out.value.data())[0]!;
      const exploding = finite(loss) && reference !== null && Math.abs(loss) > EXPLODING_FACTOR * Math.max(1, Math.abs(reference));
      if (!finite(loss) || exploding) {
        tf.dispose([out.value, ...Object.values(out.grads)]);
        tf.dispose(recorded.map((r) => r[1]));
        return { kind: 'nan', step: s, loss, exploding };
      }
      if (reference === null) reference = loss;
      optimizer.apply(vars, vars.map((v) => out.grads[v.variable.name] ?? null));
      tf.dispose([out.value, ...Object.values(out.grads)]);
      for (const [name, t] of recorded) {
        const x = (await t.data())[0]!;
        t.dispose();
        sums[name] = (sums[name] ?? 0) + x;
        counts[name] = (counts[name] ?? 0) + 1;
      }
      lossSum += loss;
      const now = Date.now();
      if (now - lastEmit >= interval || s === opts.stepsPerEpoch - 1) {
        lastEmit = now;
        const dt = Math.max(1, now - ts) / 1000;
        ctx.emit({ type: 'step', node, epoch, step: s + 1, stepsPerEpoch: opts.stepsPerEpoch, loss, samplesPerSec: batchSize / dt });
      }
    }
    const trainMetrics: Record<string, number> = {};
    for (const k of Object.keys(sums)) trainMetrics[`train_${k}`] = sums[k]! / counts[k]!;
    return { kind: 'ok', loss: lossSum / opts.stepsPerEpoch, trainMetrics };
  }
}

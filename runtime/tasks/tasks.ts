// The five pretext tasks as PretextTask implementations (targets from the pure modules, heads
// and losses in tfjs). Created from a PretextSpec by `createTask`.

import { PATCH_EMBEDDING } from '../../core/geometry.js';
import * as tf from '@tensorflow/tfjs';
import type { CpcParams, EncoderSpec, ExemplarParams, JigsawParams, PretextSpec, RplParams, RotationParams } from '../../core/graph.js';
import type { Rng } from '../../core/rng.js';
import { deriveSeed } from '../../core/rng.js';
import type { GridGeometry, Vol } from './crop.js';
import { centreFit, cropBox, gridCount, gridGeometry, padToCube } from './crop.js';
import { flip } from './augment.js';
import { taskError } from '../../core/errors.js';
import { rotate, rotationClasses, type RotationVariant } from './rotation.js';
import { rplClasses, rplSample } from './rpl.js';
import { jigsawSample } from './jigsaw.js';
import { permutationSet, type PermutationSet } from './permutations.js';
import { cpcBatchIndices, cpcCellStart, cpcGeometry, cpcPlan, type CpcGeometry, type CpcPlan } from './cpc.js';
import { exemplarTriplets } from './exemplar.js';
import type { Encoder, FeatureMode, PretextTask, TaskBatch, TaskModel, TaskOptions } from './task.js';
import {
  classAccuracy, classifierHead, dense, encode, encoderDivisor, featureMode, features, headModel, holderModel, pickSamples,
  softmaxLoss, volTensor,
} from './task.js';

/** Size of the per-patch embedding of the patch tasks (paper appendix: 64; core/geometry.ts). */
export { PATCH_EMBEDDING };

function spatialOf(inputShape: readonly number[]): number[] {
  return inputShape.slice(0, -1);
}
function channelsOf(inputShape: readonly number[]): number {
  return inputShape[inputShape.length - 1] as number;
}

// ───────────────────────── Rotation ─────────────────────────

export class RotationTask implements PretextTask {
  readonly name = 'rotation' as const;
  readonly dim: 2 | 3;
  readonly variant: PretextSpec['variant'];
  readonly encoderInputShape: number[];
  readonly classes: number;
  private fm: FeatureMode | null = null;

  constructor(private spec: PretextSpec, private params: RotationParams, inputShape: number[], encoder: EncoderSpec) {
    this.dim = spec.dim;
    this.variant = spec.variant;
    if (!Number.isInteger(params.copies) || params.copies < 1) throw taskError('badParams', `rotation copies must be ≥ 1, got ${params.copies}`);
    const side = Math.max(...spatialOf(inputShape));
    const div = encoderDivisor(encoder);
    if (side % div !== 0) throw taskError('badGeometry', `rotation pads inputs to a ${side}-voxel cube, which the encoder needs divisible by ${div}`);
    this.encoderInputShape = [...spatialOf(inputShape).map(() => side), channelsOf(inputShape)];
    this.classes = rotationClasses(this.dim);
  }

  build(encoder: Encoder, seed: number): TaskModel {
    this.fm = featureMode(encoder);
    const classifier = classifierHead('rot', this.fm.size, this.spec.headHidden, this.classes, seed);
    return { encoder, heads: { classifier }, holder: holderModel('pretext_rotation', encoder, { classifier }) };
  }

  batch(pool: readonly Vol[], rng: Rng, size: number, _training: boolean): TaskBatch {
    const picked = pickSamples(pool.length, size, rng);
    const vols: Vol[] = [];
    const labels: number[] = [];
    const copies = this.params.copies;
    for (const p of picked) {
      const cube = padToCube(pool[p] as Vol);
      // distinct classes per volume while copies ≤ classes
      const cls = pickSamples(this.classes, copies, rng);
      for (const c of cls) {
        vols.push(rotate(cube, c, this.variant as RotationVariant));
        labels.push(c);
      }
    }
    return { inputs: [volTensor(vols)], targets: tf.tensor1d(labels, 'int32'), index: {}, samples: picked.length, labels };
  }

  forward(m: TaskModel, b: TaskBatch, training: boolean): tf.Tensor {
    return tf.tidy(() => (m.heads['classifier'] as tf.LayersModel).apply(features(encode(m.encoder, b.inputs[0] as tf.Tensor, training), this.fm!), { training }) as tf.Tensor);
  }

  loss(pred: tf.Tensor, b: TaskBatch): tf.Scalar {
    return softmaxLoss(pred, b.targets, this.classes);
  }

  accuracy(pred: tf.Tensor, b: TaskBatch): number {
    return classAccuracy(pred, b.labels);
  }

  info(): Record<string, unknown> {
    return { classes: this.classes, copies: this.params.copies, cube: this.encoderInputShape.slice(0, -1), class9Identity: this.variant === 'authors-code-bug', feature: this.fm };
  }
}

// ───────────────────────── patch tasks: shared embedding ─────────────────────────

function patchEmbedHead(prefix: string, featureSize: number, seed: number): tf.LayersModel {
  return headModel(`${prefix}_embed`, [featureSize], [dense(PATCH_EMBEDDING, `${prefix}_embed_dense`, seed)]);
}

/** Encode N patches → [N, 64] embeddings. */
function embedPatches(m: TaskModel, x: tf.Tensor, fm: FeatureMode, training: boolean): tf.Tensor2D {
  return (m.heads['embed'] as tf.LayersModel).apply(features(encode(m.encoder, x, training), fm), { training }) as tf.Tensor2D;
}

/**
 * RPL and Jigsaw share everything but their samples: patches on a jittered grid, each encoded by
 * the shared encoder and embedded to 64 values, the embeddings of one sample concatenated and
 * classified (26/8 query positions, or P permutations) with a softmax cross-entropy.
 */
abstract class PatchGridTask {
  abstract readonly name: 'rpl' | 'jigsaw';
  readonly dim: 2 | 3;
  readonly variant: PretextSpec['variant'];
  readonly encoderInputShape: number[];
  readonly geometry: GridGeometry;
  abstract readonly classes: number;
  protected fm: FeatureMode | null = null;

  constructor(protected spec: PretextSpec, params: { grid: number; jitter: number }, inputShape: number[], encoder: EncoderSpec) {
    this.dim = spec.dim;
    this.variant = spec.variant;
    this.geometry = gridGeometry(spatialOf(inputShape), params.grid, params.jitter, encoderDivisor(encoder));
    this.encoderInputShape = [...this.geometry.patch, channelsOf(inputShape)];
  }

  /** Patches encoded per sample (their embeddings are concatenated in this order). */
  protected abstract patchesPerSample(): number;

  /** Short layer-name prefix of the heads. */
  protected abstract prefix(): string;

  build(encoder: Encoder, seed: number): TaskModel {
    this.fm = featureMode(encoder);
    const embed = patchEmbedHead(this.prefix(), this.fm.size, seed);
    const classifier = classifierHead(this.prefix(), this.patchesPerSample() * PATCH_EMBEDDING, this.spec.headHidden, this.classes, seed);
    const heads = { embed, classifier };
    return { encoder, heads, holder: holderModel(`pretext_${this.name}`, encoder, heads) };
  }

  forward(m: TaskModel, b: TaskBatch, training: boolean): tf.Tensor {
    return tf.tidy(() => {
      const e = embedPatches(m, b.inputs[0] as tf.Tensor, this.fm!, training);
      const rows = tf.reshape(e, [b.labels.length, this.patchesPerSample() * PATCH_EMBEDDING]);
      return (m.heads['classifier'] as tf.LayersModel).apply(rows, { training }) as tf.Tensor;
    });
  }

  loss(pred: tf.Tensor, b: TaskBatch): tf.Scalar {
    return softmaxLoss(pred, b.targets, this.classes);
  }

  accuracy(pred: tf.Tensor, b: TaskBatch): number {
    return classAccuracy(pred, b.labels);
  }
}

// ───────────────────────── RPL ─────────────────────────

export class RplTask extends PatchGridTask implements PretextTask {
  readonly name = 'rpl' as const;
  readonly classes: number;

  constructor(spec: PretextSpec, params: RplParams, inputShape: number[], encoder: EncoderSpec) {
    super(spec, params, inputShape, encoder);
    this.classes = rplClasses(this.geometry);
  }

  protected patchesPerSample(): number {
    return 2; // [centre ‖ query]
  }

  protected prefix(): string {
    return 'rpl';
  }

  batch(pool: readonly Vol[], rng: Rng, size: number, training: boolean): TaskBatch {
    const picked = pickSamples(pool.length, size, rng);
    const vols: Vol[] = [];
    const labels: number[] = [];
    // authors' code jitters validation patches too; the paper variant centres them
    const jitter = training || this.variant === 'authors-code';
    for (const p of picked) {
      const s = rplSample(pool[p] as Vol, this.geometry, rng, jitter);
      vols.push(s.centre, s.query);
      labels.push(s.label);
    }
    return { inputs: [volTensor(vols)], targets: tf.tensor1d(labels, 'int32'), index: {}, samples: picked.length, labels };
  }

  info(): Record<string, unknown> {
    const g = this.geometry;
    return { classes: this.classes, grid: g.grid, cell: g.cell, patch: g.patch, jitter: g.jitter, slack: g.slack, embedding: PATCH_EMBEDDING, feature: this.fm };
  }
}

// ───────────────────────── Jigsaw ─────────────────────────

export class JigsawTask extends PatchGridTask implements PretextTask {
  readonly name = 'jigsaw' as const;
  readonly classes: number;
  readonly permutations: PermutationSet & { cached: boolean };
  readonly tiles: number;

  constructor(spec: PretextSpec, params: JigsawParams, inputShape: number[], encoder: EncoderSpec, seed: number, opts: TaskOptions) {
    super(spec, params, inputShape, encoder);
    this.tiles = gridCount(this.geometry);
    // authors' code: 100 permutations — uniformly random ones in 3D (permutations3d_100_27.npy),
    // a max-Hamming set in 2D (permutations_100_max.bin) — whatever the declaration says
    const selection = spec.variant === 'authors-code' ? (spec.dim === 3 ? 'random' : 'max-hamming') : params.selection;
    const count = spec.variant === 'authors-code' ? 100 : params.permutations;
    this.permutations = permutationSet({ tiles: this.tiles, count, seed: deriveSeed(seed, 'jigsaw-permutations'), selection, cacheDir: opts.cacheDir });
    this.classes = this.permutations.perms.length;
  }

  protected patchesPerSample(): number {
    return this.tiles; // in shuffled order
  }

  protected prefix(): string {
    return 'jig';
  }

  batch(pool: readonly Vol[], rng: Rng, size: number, training: boolean): TaskBatch {
    const picked = pickSamples(pool.length, size, rng);
    const vols: Vol[] = [];
    const labels: number[] = [];
    for (const p of picked) {
      const s = jigsawSample(pool[p] as Vol, this.geometry, this.permutations.perms, rng, training);
      vols.push(...s.tiles);
      labels.push(s.label);
    }
    return { inputs: [volTensor(vols)], targets: tf.tensor1d(labels, 'int32'), index: {}, samples: picked.length, labels };
  }

  info(): Record<string, unknown> {
    const g = this.geometry;
    const p = this.permutations;
    return {
      classes: this.classes, tiles: this.tiles, grid: g.grid, cell: g.cell, patch: g.patch, jitter: g.jitter, slack: g.slack,
      permutations: { count: p.perms.length, selection: p.selection, seed: p.seed, pool: p.pool, hamming: p.stats },
      embedding: PATCH_EMBEDDING, feature: this.fm,
    };
  }
}

// ───────────────────────── CPC ─────────────────────────

/**
 * The authors' CPC training-time shift: a random crop of 95 % of every side, zero-padded back
 * (centred) to the original size — a random translation of up to ±2.5 %.
 */
export function authorsCpcShift(v: Vol, rng: Rng): Vol {
  const size = v.shape.map((s) => Math.floor(0.95 * s));
  const start = v.shape.map((s, i) => rng.int(s - (size[i] as number) + 1));
  return centreFit(cropBox(v, start, size), v.shape);
}

/**
 * The authors' per-patch CPC augmentation (training only): flip along axis 0 with p = 0.5, then a
 * random crop of 7/8 (3D) or 11/12 (2D) of the side, zero-padded back (centred).
 */
export function authorsCpcPatchAugment(p: Vol, rng: Rng): Vol {
  let v = rng.next() < 0.5 ? flip(p, 0) : p;
  const frac = v.shape.length === 3 ? 7 / 8 : 11 / 12;
  const size = v.shape.map((s) => Math.max(1, Math.floor(s * frac)));
  const start = v.shape.map((s, i) => rng.int(s - (size[i] as number) + 1));
  v = centreFit(cropBox(v, start, size), v.shape);
  return v;
}

/**
 * Rows of `z` [M, d] picked by `idx` (any int shape), as a one-hot matrix product. tf.gather
 * would do, but its gradient (unsortedSegmentSum) costs ~1 s per call on the CPU backends for
 * a few hundred rows; the product's gradient is one small matMul.
 */
export function gatherRows(z: tf.Tensor2D, idx: tf.Tensor): tf.Tensor2D {
  const m = z.shape[0];
  return tf.matMul(tf.oneHot(tf.reshape(idx, [-1]) as tf.Tensor1D, m).toFloat(), z);
}

export class CpcTask implements PretextTask {
  readonly name = 'cpc' as const;
  readonly dim: 2 | 3;
  readonly variant: PretextSpec['variant'];
  readonly encoderInputShape: number[];
  readonly classes = null;
  readonly geometry: CpcGeometry;
  readonly plan: CpcPlan;
  /** Side of the patch the encoder sees (the grid patch, rounded down for the authors' 2D grid). */
  readonly encPatch: number;
  private fm: FeatureMode | null = null;
  private readonly authors: boolean;

  constructor(private spec: PretextSpec, private params: CpcParams, inputShape: number[], encoder: EncoderSpec) {
    this.dim = spec.dim;
    this.variant = spec.variant;
    this.authors = spec.variant === 'authors-code';
    this.geometry = cpcGeometry(spatialOf(inputShape), { grid: params.grid, patch: params.patch, overlap: params.overlap, terms: params.predictTerms }, this.authors ? 'authors-code' : 'paper');
    this.plan = cpcPlan(this.geometry);
    const div = encoderDivisor(encoder);
    const p = this.geometry.patch;
    if (p % div !== 0) {
      if (!this.authors) throw taskError('badGeometry', `CPC patch ${p} must be a multiple of ${div} for this encoder (2^poolings)`);
    }
    this.encPatch = Math.floor(p / div) * div;
    if (this.encPatch < 1) throw taskError('badGeometry', `CPC patch ${p} is smaller than the encoder's ${div}-voxel minimum`);
    if (!Number.isInteger(params.codeSize) || params.codeSize < 1) throw taskError('badParams', `CPC codeSize must be ≥ 1, got ${params.codeSize}`);
    if (!Number.isInteger(params.contextSize) || params.contextSize < 1) throw taskError('badParams', `CPC contextSize must be ≥ 1, got ${params.contextSize}`);
    this.encoderInputShape = [...spatialOf(inputShape).map(() => this.encPatch), channelsOf(inputShape)];
  }

  build(encoder: Encoder, seed: number): TaskModel {
    this.fm = featureMode(encoder);
    const code = this.params.codeSize;
    const project = headModel('cpc_project', [this.fm.size], [dense(this.spec.headHidden, 'cpc_hidden', seed, 'relu'), dense(code, 'cpc_code', seed)]);
    const gru = headModel('cpc_context', [this.plan.contextLength, code], [
      tf.layers.gru({
        units: this.params.contextSize,
        returnSequences: false,
        name: 'cpc_gru',
        kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, 'cpc_gru', 'kernel') }),
        // orthogonal (the Keras default) while small; tfjs warns on the console and is slow beyond 2000 elements
        recurrentInitializer: 3 * this.params.contextSize * this.params.contextSize <= 2000
          ? tf.initializers.orthogonal({ seed: deriveSeed(seed, 'cpc_gru', 'recurrent') })
          : tf.initializers.glorotUniform({ seed: deriveSeed(seed, 'cpc_gru', 'recurrent') }),
      }),
    ]);
    const heads: Record<string, tf.LayersModel> = { project, gru };
    for (let t = 0; t < this.geometry.terms; t++) heads[`predict${t}`] = headModel(`cpc_predict${t}`, [this.params.contextSize], [dense(code, `cpc_predict${t}_dense`, seed)]);
    return { encoder, heads, holder: holderModel('pretext_cpc', encoder, heads) };
  }

  private cropCell(v: Vol, cell: number): Vol {
    const g = this.geometry;
    const inset = Math.floor((g.patch - this.encPatch) / 2);
    const start = cpcCellStart(g, cell).map((s) => s + inset);
    return cropBox(v, start, new Array<number>(this.dim).fill(this.encPatch));
  }

  batch(pool: readonly Vol[], rng: Rng, size: number, training: boolean): TaskBatch {
    const picked = pickSamples(pool.length, size, rng);
    const { cells } = this.plan;
    const vols: Vol[] = [];
    for (const p of picked) {
      const v = training && this.authors ? authorsCpcShift(pool[p] as Vol, rng) : (pool[p] as Vol);
      for (let c = 0; c < cells; c++) {
        const patch = this.cropCell(v, c);
        vols.push(training && this.authors ? authorsCpcPatchAugment(patch, rng) : patch);
      }
    }
    const sources = picked.map((p) => (pool[p] as Vol).source ?? p);
    const ix = cpcBatchIndices(this.plan, picked.length, this.params.negatives, this.authors ? 'authors-code' : 'paper', rng, sources, this.params.negativesFrom ?? 'same-volume');
    const zeroIndex = vols.length;
    const needsZero = ix.context.some((c) => c < 0);
    if (needsZero) {
      const first = vols[0] as Vol;
      vols.push({ shape: [...first.shape], channels: first.channels, data: new Float32Array(first.data.length) });
    }
    const ctx = Int32Array.from(ix.context, (c) => (c < 0 ? zeroIndex : c));
    const T = this.geometry.terms;
    const index: Record<string, tf.Tensor> = {
      context: tf.tensor2d(ctx, [ix.contexts, this.plan.contextLength], 'int32'),
      positives: tf.tensor2d(ix.positives, [ix.contexts, T], 'int32'),
      negatives: this.authors
        ? tf.tensor2d(ix.negatives, [ix.contexts, T], 'int32')
        : tf.tensor3d(ix.negatives, [ix.contexts, T, ix.negativesPerQuery], 'int32'),
    };
    // paper: the positive is class 0 of every (context, term) row; authors: pair labels 1 (pos) then 0 (neg)
    const labels = this.authors
      ? [...new Array<number>(ix.contexts).fill(1), ...new Array<number>(ix.contexts).fill(0)]
      : new Array<number>(ix.contexts * T).fill(0);
    return { inputs: [volTensor(vols)], targets: tf.tensor1d(labels, 'float32'), index, samples: picked.length, labels };
  }

  forward(m: TaskModel, b: TaskBatch, training: boolean): tf.Tensor {
    return tf.tidy(() => {
      const z = (m.heads['project'] as tf.LayersModel).apply(features(encode(m.encoder, b.inputs[0] as tf.Tensor, training), this.fm!), { training }) as tf.Tensor2D;
      const ctxIdx = b.index['context'] as tf.Tensor2D;
      const contexts = ctxIdx.shape[0];
      const code = this.params.codeSize;
      const seq = tf.reshape(gatherRows(z, ctxIdx), [contexts, this.plan.contextLength, code]);
      const c = (m.heads['gru'] as tf.LayersModel).apply(seq, { training }) as tf.Tensor2D;
      const T = this.geometry.terms;
      const preds = tf.stack(Array.from({ length: T }, (_, t) => (m.heads[`predict${t}`] as tf.LayersModel).apply(c, { training }) as tf.Tensor2D), 1); // [contexts, T, code]
      const zpos = tf.reshape(gatherRows(z, b.index['positives'] as tf.Tensor), [contexts, T, code]);
      if (this.authors) {
        const zneg = tf.reshape(gatherRows(z, b.index['negatives'] as tf.Tensor), [contexts, T, code]);
        const sPos = tf.mean(tf.mul(preds, zpos), [1, 2]);
        const sNeg = tf.mean(tf.mul(preds, zneg), [1, 2]);
        return tf.concat([sPos, sNeg], 0); // pre-sigmoid scores, labels 1…1 0…0
      }
      const neg = b.index['negatives'] as tf.Tensor3D;
      const K = neg.shape[2];
      const zneg = tf.reshape(gatherRows(z, neg), [contexts, T, K, code]);
      const lPos = tf.sum(tf.mul(preds, zpos), -1, true); // [contexts, T, 1]
      const lNeg = tf.sum(tf.mul(tf.expandDims(preds, 2), zneg), -1); // [contexts, T, K]
      return tf.reshape(tf.concat([lPos, lNeg], -1), [contexts * T, 1 + K]);
    });
  }

  loss(pred: tf.Tensor, b: TaskBatch): tf.Scalar {
    return tf.tidy(() => {
      if (this.authors) return tf.losses.sigmoidCrossEntropy(b.targets, pred) as tf.Scalar;
      const k = pred.shape[1] as number;
      return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.zeros([pred.shape[0] as number], 'int32') as tf.Tensor1D, k), pred as tf.Tensor2D) as tf.Scalar;
    });
  }

  accuracy(pred: tf.Tensor, b: TaskBatch): number {
    if (this.authors) {
      const s = pred.dataSync();
      let ok = 0;
      b.labels.forEach((l, i) => { if ((s[i] as number) > 0 === (l === 1)) ok++; });
      return ok / b.labels.length;
    }
    return classAccuracy(pred, b.labels);
  }

  info(): Record<string, unknown> {
    const g = this.geometry;
    return {
      grid: g.grid, patch: g.patch, encoderPatch: this.encPatch, step: g.step, origin: g.origin, terms: g.terms, skip: g.skip, border: g.border,
      anchorRows: g.rows, anchorsPerVolume: this.plan.anchors.length, contextLength: this.plan.contextLength,
      negatives: this.authors ? 1 : this.params.negatives, loss: this.authors ? 'bce(sigmoid(mean dot))' : 'infonce',
      codeSize: this.params.codeSize, contextSize: this.params.contextSize, feature: this.fm,
    };
  }
}

// ───────────────────────── Exemplar ─────────────────────────

export class ExemplarTask implements PretextTask {
  readonly name = 'exemplar' as const;
  readonly dim: 2 | 3;
  readonly variant: PretextSpec['variant'];
  readonly encoderInputShape: number[];
  readonly classes = null;
  private fm: FeatureMode | null = null;
  private readonly authors: boolean;

  constructor(private spec: PretextSpec, private params: ExemplarParams, inputShape: number[], encoder: EncoderSpec) {
    this.dim = spec.dim;
    this.variant = spec.variant;
    this.authors = spec.variant === 'authors-code';
    if (!(params.margin > 0)) throw taskError('badParams', `exemplar margin must be > 0, got ${params.margin}`);
    if (!Number.isInteger(params.codeSize) || params.codeSize < 1) throw taskError('badParams', `exemplar codeSize must be ≥ 1, got ${params.codeSize}`);
    if (params.transforms.length === 0) throw taskError('badParams', 'exemplar needs at least one transform (flip, translate, brightness, contrast)');
    const div = encoderDivisor(encoder);
    if (spatialOf(inputShape).some((s) => s % div !== 0)) throw taskError('badGeometry', `exemplar input [${spatialOf(inputShape)}] must be divisible by ${div} for this encoder`);
    this.encoderInputShape = [...inputShape];
  }

  build(encoder: Encoder, seed: number): TaskModel {
    this.fm = featureMode(encoder);
    const mk = (role: string): tf.LayersModel =>
      headModel(`exe_${role}`, [this.fm!.size], [
        dense(this.spec.headHidden, `exe_${role}_hidden`, seed, 'relu'),
        dense(this.params.codeSize, `exe_${role}_code`, seed, this.authors ? 'sigmoid' : 'linear'),
      ]);
    // authors' code: three unshared projection heads (anchor, positive, negative)
    const heads: Record<string, tf.LayersModel> = this.authors ? { anchor: mk('anchor'), positive: mk('positive'), negative: mk('negative') } : { embed: mk('embed') };
    return { encoder, heads, holder: holderModel('pretext_exemplar', encoder, heads) };
  }

  batch(pool: readonly Vol[], rng: Rng, size: number, _training: boolean): TaskBatch {
    if (pool.length < 2) throw taskError('tooFewCases', `exemplar needs at least 2 samples (negatives are other samples), the split has ${pool.length}`);
    const n = this.params.negatives === 'batch' ? Math.max(2, size) : size;
    const picked = pickSamples(pool.length, n, rng);
    const trip = exemplarTriplets(pool, picked, { transforms: this.params.transforms, negatives: this.params.negatives, variant: this.authors ? 'authors-code' : 'paper' }, rng);
    const vols = [...trip.map((t) => t.anchor), ...trip.map((t) => t.positive), ...trip.map((t) => t.negative)];
    const labels = trip.map((t) => t.negativeSource);
    return { inputs: [volTensor(vols)], targets: tf.tensor1d(trip.map((t) => t.source), 'int32'), index: {}, samples: trip.length, labels };
  }

  forward(m: TaskModel, b: TaskBatch, training: boolean): tf.Tensor {
    return tf.tidy(() => {
      const f = features(encode(m.encoder, b.inputs[0] as tf.Tensor, training), this.fm!);
      if (!this.authors) return (m.heads['embed'] as tf.LayersModel).apply(f, { training }) as tf.Tensor;
      const [fa, fp, fn] = tf.split(f, 3, 0) as [tf.Tensor, tf.Tensor, tf.Tensor];
      return tf.concat([
        (m.heads['anchor'] as tf.LayersModel).apply(fa, { training }) as tf.Tensor,
        (m.heads['positive'] as tf.LayersModel).apply(fp, { training }) as tf.Tensor,
        (m.heads['negative'] as tf.LayersModel).apply(fn, { training }) as tf.Tensor,
      ], 0);
    });
  }

  /** Distances (anchor–positive, anchor–negative): L2 (paper) or mean squared (authors' code). */
  distances(pred: tf.Tensor): { dPos: tf.Tensor1D; dNeg: tf.Tensor1D } {
    const [a, p, n] = tf.split(pred, 3, 0) as [tf.Tensor, tf.Tensor, tf.Tensor];
    if (this.authors) return { dPos: tf.mean(tf.square(tf.sub(a, p)), -1) as tf.Tensor1D, dNeg: tf.mean(tf.square(tf.sub(a, n)), -1) as tf.Tensor1D };
    const l2 = (u: tf.Tensor, v: tf.Tensor): tf.Tensor1D => tf.sqrt(tf.add(tf.sum(tf.square(tf.sub(u, v)), -1), 1e-12)) as tf.Tensor1D;
    return { dPos: l2(a, p), dNeg: l2(a, n) };
  }

  loss(pred: tf.Tensor, _b: TaskBatch): tf.Scalar {
    return tf.tidy(() => {
      const { dPos, dNeg } = this.distances(pred);
      return tf.mean(tf.relu(tf.add(tf.sub(dPos, dNeg), this.params.margin))) as tf.Scalar;
    });
  }

  accuracy(pred: tf.Tensor, _b: TaskBatch): number {
    const ok = tf.tidy(() => {
      const { dPos, dNeg } = this.distances(pred);
      return tf.mean(tf.cast(tf.less(dPos, dNeg), 'float32')).dataSync()[0] as number;
    });
    return ok;
  }

  info(): Record<string, unknown> {
    return {
      codeSize: this.params.codeSize, margin: this.params.margin, transforms: this.params.transforms, negatives: this.params.negatives,
      distance: this.authors ? 'mean squared' : 'L2', sharedHead: !this.authors, augmentedRole: this.authors ? 'anchor' : 'positive', feature: this.fm,
    };
  }
}

// ───────────────────────── factory ─────────────────────────

/** The task of a pretext declaration, for an encoder spec and the (spatial + channels) input shape. */
export function createTask(spec: PretextSpec, encoder: EncoderSpec, inputShape: number[], seed: number, opts: TaskOptions = { cacheDir: null }): PretextTask {
  const p = spec.params;
  if (p.task !== spec.task) throw taskError('badParams', `${spec.name}: task '${spec.task}' carries parameters of '${p.task}'`);
  if (inputShape.length !== spec.dim + 1) throw taskError('badInput', `${spec.name}: a ${spec.dim}D task needs an input shape of ${spec.dim} sides + channels, got [${inputShape}]`);
  const encDim = encoder.kind === 'unet3d' ? 3 : 2;
  if (encDim !== spec.dim) throw taskError('badParams', `${spec.name}: a ${spec.dim}D task cannot train a ${encoder.kind} encoder`);
  if (spec.variant === 'authors-code-bug' && p.task !== 'rotation') throw taskError('badParams', `${spec.name}: variant 'authors-code-bug' exists for rotation only`);
  if (!Number.isInteger(spec.headHidden) || spec.headHidden < 1) throw taskError('badParams', `${spec.name}: headHidden must be ≥ 1, got ${spec.headHidden}`);
  switch (p.task) {
    case 'rotation': return new RotationTask(spec, p, inputShape, encoder);
    case 'rpl': return new RplTask(spec, p, inputShape, encoder);
    case 'jigsaw': return new JigsawTask(spec, p, inputShape, encoder, seed, opts);
    case 'cpc': return new CpcTask(spec, p, inputShape, encoder);
    case 'exemplar': return new ExemplarTask(spec, p, inputShape, encoder);
    default: {
      const bad: never = p;
      throw taskError('badParams', `unknown pretext task '${String((bad as { task: string }).task)}'`);
    }
  }
}

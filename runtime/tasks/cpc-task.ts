// Pretext task `cpc` in tfjs: contrastive predictive coding over a patch grid (GRU context, InfoNCE).

import * as tf from '@tensorflow/tfjs';
import type { CpcParams, EncoderSpec, PretextSpec } from '../../core/graph.js';
import { type Rng, deriveSeed } from '../../core/rng.js';
import { type Vol, centreFit, cropBox } from './crop.js';
import { flip } from './augment.js';
import { SslRuntimeError } from '../../core/errors.js';
import { cpcEncoderPatch } from '../../core/tasks/cpc.js';
import { cpcBatchIndices, cpcCellStart, cpcGeometry, cpcPlan, type CpcGeometry, type CpcPlan } from './cpc.js';
import { type Encoder, type FeatureMode, type PretextTask, type TaskBatch, type TaskModel, classAccuracy, dense, encode, encoderDivisor, featureMode, features, headModel, holderModel, pickSamples, volTensor } from './task.js';
import { spatialOf, channelsOf } from './task-common.js';
import { msg } from '../../core/codes/index.js';

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
      if (!this.authors) throw new SslRuntimeError(msg('SSL150', 'cpcPatchDivisor', { patch: p, divisor: div }));
    }
    this.encPatch = cpcEncoderPatch(p, div);
    if (this.encPatch < 1) throw new SslRuntimeError(msg('SSL150', 'cpcPatchTooSmall', { patch: p, divisor: div }));
    if (!Number.isInteger(params.codeSize) || params.codeSize < 1) throw new SslRuntimeError(msg('SSL151', 'cpcCodeSize', { codeSize: params.codeSize }));
    if (!Number.isInteger(params.contextSize) || params.contextSize < 1) throw new SslRuntimeError(msg('SSL151', 'cpcContextSize', { contextSize: params.contextSize }));
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

  accuracy(pred: tf.Tensor, b: TaskBatch): tf.Scalar {
    if (this.authors) {
      if (b.labels.length === 0) return tf.scalar(0);
      // pair classified right: logit > 0 exactly for the positive pairs
      return tf.tidy(() => {
        const pos = tf.greater(tf.slice(tf.reshape(pred, [-1]), 0, b.labels.length), 0);
        return tf.mean(tf.cast(tf.equal(pos, tf.tensor1d(b.labels.map((l) => (l === 1 ? 1 : 0)), 'bool')), 'float32')) as tf.Scalar;
      });
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

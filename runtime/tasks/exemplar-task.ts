// Pretext task `exemplar` in tfjs: triplet loss between transformed copies and other samples.

import * as tf from '@tensorflow/tfjs';
import type { EncoderSpec, PretextSpec } from '../../core/graph.js';
import type { ExemplarParams } from '../../core/tasks/exemplar.js';
import type { Rng } from '../../core/rng.js';
import type { Vol } from './crop.js';
import { SslRuntimeError } from '../../core/errors.js';
import { exemplarTriplets } from './exemplar.js';
import { type Encoder, type FeatureMode, type PretextTask, type TaskBatch, type TaskModel, dense, encode, encoderDivisor, featureMode, features, headModel, holderModel, pickSamples, volTensor } from './task.js';
import { spatialOf } from './task-common.js';
import { msg } from '../../core/codes/index.js';

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
    if (!(params.margin > 0)) throw new SslRuntimeError(msg('SSL151', 'exemplarMargin', { margin: params.margin }));
    if (!Number.isInteger(params.codeSize) || params.codeSize < 1) throw new SslRuntimeError(msg('SSL151', 'exemplarCodeSize', { codeSize: params.codeSize }));
    if (params.transforms.length === 0) throw new SslRuntimeError(msg('SSL151', 'exemplarNoTransform'));
    const div = encoderDivisor(encoder);
    if (spatialOf(inputShape).some((s) => s % div !== 0)) throw new SslRuntimeError(msg('SSL150', 'exemplarDivisor', { shape: spatialOf(inputShape), divisor: div }));
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
    if (pool.length < 2) throw new SslRuntimeError(msg('SSL152', 'exemplarSplit', { count: pool.length }));
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

  accuracy(pred: tf.Tensor, _b: TaskBatch): tf.Scalar {
    return tf.tidy(() => {
      const { dPos, dNeg } = this.distances(pred);
      return tf.mean(tf.cast(tf.less(dPos, dNeg), 'float32')) as tf.Scalar;
    });
  }

  info(): Record<string, unknown> {
    return {
      codeSize: this.params.codeSize, margin: this.params.margin, transforms: this.params.transforms, negatives: this.params.negatives,
      distance: this.authors ? 'mean squared' : 'L2', sharedHead: !this.authors, augmentedRole: this.authors ? 'anchor' : 'positive', feature: this.fm,
    };
  }
}

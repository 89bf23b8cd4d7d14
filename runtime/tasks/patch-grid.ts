// What the patch-grid tasks (RPL, Jigsaw) share in tfjs: the per-patch embedding head and the jittered grid.

import * as tf from '@tensorflow/tfjs';
import { PATCH_EMBEDDING } from '../../core/geometry.js';
import type { EncoderSpec, PretextSpec } from '../../core/graph.js';
import { type GridGeometry, gridGeometry } from './crop.js';
import { type Encoder, type FeatureMode, type TaskBatch, type TaskModel, classAccuracy, classifierHead, dense, encode, encoderDivisor, featureMode, features, headModel, holderModel, softmaxLoss } from './task.js';
import { spatialOf, channelsOf } from './task-common.js';

export function patchEmbedHead(prefix: string, featureSize: number, seed: number): tf.LayersModel {
  return headModel(`${prefix}_embed`, [featureSize], [dense(PATCH_EMBEDDING, `${prefix}_embed_dense`, seed)]);
}

/** Encode N patches → [N, 64] embeddings. */
export function embedPatches(m: TaskModel, x: tf.Tensor, fm: FeatureMode, training: boolean): tf.Tensor2D {
  return (m.heads['embed'] as tf.LayersModel).apply(features(encode(m.encoder, x, training), fm), { training }) as tf.Tensor2D;
}

/**
 * RPL and Jigsaw share everything but their samples: patches on a jittered grid, each encoded by
 * the shared encoder and embedded to 64 values, the embeddings of one sample concatenated and
 * classified (26/8 query positions, or P permutations) with a softmax cross-entropy.
 */
export abstract class PatchGridTask {
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

  accuracy(pred: tf.Tensor, b: TaskBatch): tf.Scalar {
    return classAccuracy(pred, b.labels);
  }
}

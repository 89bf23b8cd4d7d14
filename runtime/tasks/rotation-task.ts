// Pretext task `rotation` in tfjs: rotated copies of each input, a classifier over the rotations.

import * as tf from '@tensorflow/tfjs';
import type { EncoderSpec, PretextSpec, RotationParams } from '../../core/graph.js';
import type { Rng } from '../../core/rng.js';
import { type Vol, cropBox, padToCube } from './crop.js';
import { SslRuntimeError } from '../../core/errors.js';
import { rotationCubeSide } from '../../core/tasks/rotation.js';
import { rotate, rotationClasses, type RotationVariant } from './rotation.js';
import { type Encoder, type FeatureMode, type PretextTask, type TaskBatch, type TaskModel, classAccuracy, classifierHead, encode, encoderDivisor, featureMode, features, holderModel, pickSamples, softmaxLoss, volTensor } from './task.js';
import { spatialOf, channelsOf } from './task-common.js';
import { msg } from '../../core/codes/index.js';

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
    if (!Number.isInteger(params.copies) || params.copies < 1) throw new SslRuntimeError(msg('SSL151', 'rotationCopies', { copies: params.copies }));
    const spatial = spatialOf(inputShape);
    const crop = params.crop;
    if (crop !== undefined && (!Number.isInteger(crop) || crop < 1 || crop > Math.min(...spatial))) {
      throw new SslRuntimeError(msg('SSL150', 'badCrop', { minSpatial: Math.min(...spatial), crop }));
    }
    const side = crop ?? rotationCubeSide(spatial);
    const div = encoderDivisor(encoder);
    if (side % div !== 0) throw new SslRuntimeError(msg('SSL150', 'rotationDivisor', { verb: crop === undefined ? 'pads inputs to' : 'crops inputs to', side, divisor: div }));
    this.encoderInputShape = [...spatialOf(inputShape).map(() => side), channelsOf(inputShape)];
    this.classes = rotationClasses(this.dim);
  }

  build(encoder: Encoder, seed: number): TaskModel {
    this.fm = featureMode(encoder);
    const classifier = classifierHead('rot', this.fm.size, this.spec.headHidden, this.classes, seed);
    return { encoder, heads: { classifier }, holder: holderModel('pretext_rotation', encoder, { classifier }) };
  }

  batch(pool: readonly Vol[], rng: Rng, size: number, training: boolean): TaskBatch {
    const picked = pickSamples(pool.length, size, rng);
    const vols: Vol[] = [];
    const labels: number[] = [];
    const copies = this.params.copies;
    for (const p of picked) {
      const cube = this.params.crop === undefined ? padToCube(pool[p] as Vol) : rotationCrop(pool[p] as Vol, this.params.crop, training ? rng : null);
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

  accuracy(pred: tf.Tensor, b: TaskBatch): tf.Scalar {
    return classAccuracy(pred, b.labels);
  }

  info(): Record<string, unknown> {
    return { classes: this.classes, copies: this.params.copies, ...(this.params.crop !== undefined ? { crop: this.params.crop } : {}), cube: this.encoderInputShape.slice(0, -1), class9Identity: this.variant === 'authors-code-bug', feature: this.fm };
  }
}

/**
 * The `crop` cube of `v`: centred (rng null: validation), or shifted from the centre by a uniform
 * whole number of voxels in ±⌊(side − crop)/4⌋ per axis (training). Staying near the centre keeps
 * the cube inside the anatomy, so its outline cannot tell the rotation.
 */
export function rotationCrop(v: Vol, crop: number, rng: Rng | null): Vol {
  const start = v.shape.map((s) => {
    const centre = Math.floor((s - crop) / 2);
    const shift = Math.floor((s - crop) / 4);
    return rng && shift > 0 ? centre + rng.intIn(-shift, shift) : centre;
  });
  return cropBox(v, start, v.shape.map(() => crop));
}

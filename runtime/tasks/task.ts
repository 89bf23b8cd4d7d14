// The common interface of the five pretext tasks, and what they share: the sample pool (cases →
// fitted volumes / 2D slices), encoder application, the per-patch feature, head layers and the
// "holder" model that owns every trainable weight (encoder + heads) for the training loop,
// checkpoints and parameter counts.

import * as tf from '@tensorflow/tfjs';
import { featureModeOf } from '../../core/geometry.js';
import type { EncoderSpec, PretextSpec, TaskName } from '../../core/graph.js';
import type { Case, LoadedDataset } from '../data/types.js';
import type { Encoder } from '../models/unet.js';
import { deriveSeed } from '../../core/rng.js';
import type { Rng } from '../../core/rng.js';
import { BatchNorm } from '../models/layers.js';
import type { Vol } from './crop.js';
import { centreFit, sliceIndices, sliceVolume, stack } from './crop.js';
import { SslRuntimeError } from '../../core/errors.js';
import { msg } from '../../core/codes/index.js';

export type { Encoder };

/** Everything trainable of a task: the shared encoder and the task's head layers. */
export interface TaskModel {
  encoder: Encoder;
  /** One model holding encoder + heads (weights with stable names, for the loop and checkpoints). */
  holder: tf.LayersModel;
  /** The head parts by role ('classifier', 'embed', 'gru', …); never `enc_`-prefixed. */
  heads: Record<string, tf.LayersModel>;
}

export interface TaskBatch {
  /** Image tensors (channels-last). */
  inputs: tf.Tensor[];
  /** Class indices (int32) for classification tasks, 0/1 labels or a placeholder otherwise. */
  targets: tf.Tensor;
  /** Extra integer tensors (CPC gather indices). */
  index: Record<string, tf.Tensor>;
  /** Number of source samples (volumes/images) in the batch. */
  samples: number;
  /** Plain-number copy of the targets/labels (for tests and accuracy). */
  labels: number[];
}

export interface PretextTask {
  readonly name: TaskName;
  readonly dim: 2 | 3;
  readonly variant: PretextSpec['variant'];
  /** Spatial shape + channels the encoder is built for (a patch for patch-based tasks). */
  readonly encoderInputShape: number[];
  /** Classes of a classification task (rotation, RPL, jigsaw), else null. */
  readonly classes: number | null;
  /** Build the head(s) around `encoder` (encoder built by the caller for encoderInputShape). */
  build(encoder: Encoder, seed: number): TaskModel;
  /** One batch from `size` samples of `pool` (training: random jitter/augmentation; else centred). */
  batch(pool: readonly Vol[], rng: Rng, size: number, training: boolean): TaskBatch;
  /** Forward pass: logits (classification, CPC) or embeddings (exemplar). */
  forward(m: TaskModel, b: TaskBatch, training: boolean): tf.Tensor;
  loss(pred: tf.Tensor, b: TaskBatch): tf.Scalar;
  /**
   * Fraction right (class accuracy, CPC positive ranked first / pair classified, exemplar d⁺ < d⁻)
   * as a scalar tensor: callers read it asynchronously, since a GPU backend cannot read back
   * synchronously in Node (tfjs-webgpu's dataSync needs a browser canvas).
   */
  accuracy(pred: tf.Tensor, b: TaskBatch): tf.Scalar;
  /** Static facts for task.json (geometry, permutation statistics, …). */
  info(): Record<string, unknown>;
}

export interface TaskOptions {
  /** Folder for cached permutation sets; null = no cache. */
  cacheDir: string | null;
}

// ───────────────────────── sample pool ─────────────────────────

/**
 * Turn cases into the task's samples: 3D volumes (3D task), 2D images (2D task on 2D data) or
 * `slices.perVolume` slices along `slices.axis` of each 3D volume (2D task on 3D data; slices
 * evenly spread over the central 60 % of the axis). Each sample is centre-cropped / zero-padded
 * to `inputShape`'s spatial part.
 */
export function samplePool(
  cases: readonly Case[],
  spec: Pick<PretextSpec, 'dim' | 'slices' | 'name'>,
  inputShape: readonly number[],
): Vol[] {
  const spatial = inputShape.slice(0, -1);
  const channels = inputShape[inputShape.length - 1] as number;
  if (spatial.length !== spec.dim) {
    throw new SslRuntimeError(msg('SSL154', 'inputRank', { name: spec.name, dim: spec.dim, inputShape }));
  }
  const out: Vol[] = [];
  for (const [ci, c] of cases.entries()) {
    if (c.channels !== channels) {
      throw new SslRuntimeError(msg('SSL154', 'caseChannels', { name: spec.name, id: c.id, channels: c.channels, declared: channels }));
    }
    const v: Vol = { shape: [...c.shape], channels: c.channels, data: c.image };
    if (c.shape.length === spec.dim) {
      out.push({ ...centreFit(v, spatial), source: ci });
    } else if (c.shape.length === 3 && spec.dim === 2) {
      if (!spec.slices) {
        throw new SslRuntimeError(msg('SSL154', 'needsSlices', { name: spec.name, id: c.id }));
      }
      const idx = sliceIndices(c.shape[spec.slices.axis] as number, spec.slices.perVolume);
      for (const s of sliceVolume(v, spec.slices.axis, idx)) out.push({ ...centreFit(s, spatial), source: ci });
    } else {
      throw new SslRuntimeError(msg('SSL154', 'caseDims', { name: spec.name, id: c.id, caseDim: c.shape.length, dim: spec.dim }));
    }
  }
  return out;
}

/** The samples of a dataset split. */
export function splitPool(ds: LoadedDataset, which: 'train' | 'val', spec: Pick<PretextSpec, 'dim' | 'slices' | 'name'>, inputShape: readonly number[]): Vol[] {
  return samplePool(ds.split[which].map((i) => ds.cases[i] as Case), spec, inputShape);
}

/** `size` sample indices: distinct while the pool allows, then drawn with replacement. */
export function pickSamples(poolSize: number, size: number, rng: Rng): number[] {
  if (poolSize < 1) throw new SslRuntimeError(msg('SSL152', 'noSamples'));
  const out: number[] = [];
  while (out.length < size) {
    const perm = rng.permutation(poolSize);
    out.push(...perm.slice(0, size - out.length));
  }
  return out;
}

/** Batch tensor [N, ...shape, C] from equally shaped volumes. */
export function volTensor(vols: readonly Vol[]): tf.Tensor {
  const first = vols[0];
  if (!first) throw new SslRuntimeError(msg('SSL154', 'emptyBatch'));
  return tf.tensor(stack(vols), [vols.length, ...first.shape, first.channels], 'float32');
}

// ───────────────────────── encoder + heads ─────────────────────────

export { encoderDivisor, FLATTEN_LIMIT } from '../../core/geometry.js';

export interface FeatureMode {
  mode: 'flatten' | 'gap';
  size: number;
}

/**
 * How the bottleneck becomes a feature vector: flattened (keeps the spatial layout, as the
 * authors' code) when it has at most FLATTEN_LIMIT elements, else global-average-pooled (DenseNet:
 * always pooled, as the authors' keras.applications DenseNet121 with `pooling`)
 * (a 128³ volume through the paper's encoder leaves 8³×512 = 262 144 values; a dense layer on
 * that would dwarf the encoder).
 */
export function featureMode(enc: Encoder): FeatureMode {
  const out = enc.outputs[enc.outputs.length - 1] as tf.SymbolicTensor;
  const dims = out.shape.slice(1) as number[];
  const total = dims.reduce((a, b) => a * b, 1);
  // DenseNet: always the global pooled 1024-d vector (the authors' keras.applications encoder)
  return featureModeOf(total, dims[dims.length - 1] as number, enc.spec.kind);
}

/** Bottleneck of the encoder applied to concrete inputs. */
export function encode(enc: Encoder, x: tf.Tensor, training: boolean): tf.Tensor {
  const y = enc.model.apply(x, { training }) as tf.Tensor | tf.Tensor[];
  return Array.isArray(y) ? (y[y.length - 1] as tf.Tensor) : y;
}

export function features(bottleneck: tf.Tensor, fm: FeatureMode): tf.Tensor2D {
  const n = bottleneck.shape[0] as number;
  if (fm.mode === 'flatten') return tf.reshape(bottleneck, [n, fm.size]) as tf.Tensor2D;
  const axes = Array.from({ length: bottleneck.rank - 2 }, (_, i) => i + 1);
  return tf.mean(bottleneck, axes) as tf.Tensor2D;
}

export function dense(units: number, name: string, seed: number, activation: 'relu' | 'linear' | 'sigmoid' = 'linear'): tf.layers.Layer {
  return tf.layers.dense({
    units,
    activation,
    name,
    kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, name, 'kernel') }),
    biasInitializer: 'zeros',
  });
}

/** A small sequential head: [inputSize] → layers. */
export function headModel(name: string, inputShape: number[], layers: tf.layers.Layer[]): tf.LayersModel {
  const m = tf.sequential({ name });
  layers.forEach((l, i) => {
    if (i === 0) {
      // the first layer needs the input shape; re-create it through an input layer
      m.add(tf.layers.inputLayer({ inputShape, name: `${name}_in` }));
    }
    m.add(l);
  });
  return m;
}

/**
 * The classifier every classification task (rotation, RPL, jigsaw) ends with: Dense(hidden, ReLU)
 * → batch norm → Dense(classes), the authors' `big_fully` pattern (each hidden Dense followed by
 * BatchNormalization). Without the norm, Adam at the paper's 1e-3 moves every weight of the wide
 * first layer (fan-in up to 8192 flattened features) by about lr per step, the hidden units by
 * several units per step, and the logits with them: the 1024-unit default diverged in its first
 * epoch (#16.7; bench/rotation-head.ts compares the heads, docs/tasks.md).
 */
export function classifierHead(prefix: string, inputSize: number, hidden: number, classes: number, seed: number): tf.LayersModel {
  return headModel(`${prefix}_classifier`, [inputSize], [
    dense(hidden, `${prefix}_hidden`, seed, 'relu'),
    new BatchNorm({ name: `${prefix}_hidden_norm` }),
    dense(classes, `${prefix}_out`, seed),
  ]);
}

/** One model holding the encoder and every head, so all weights live under stable names. */
export function holderModel(name: string, enc: Encoder, heads: Record<string, tf.LayersModel>): tf.LayersModel {
  const encIn = tf.input({ shape: enc.inputShape, name: `${name}_enc_in` });
  const encOut = enc.model.apply(encIn) as tf.SymbolicTensor | tf.SymbolicTensor[];
  const inputs: tf.SymbolicTensor[] = [encIn];
  const outputs: tf.SymbolicTensor[] = Array.isArray(encOut) ? [...encOut] : [encOut];
  for (const [role, h] of Object.entries(heads)) {
    const shape = (h.inputs[0] as tf.SymbolicTensor).shape.slice(1) as number[];
    const hi = tf.input({ shape, name: `${name}_${role}_in` });
    inputs.push(hi);
    outputs.push(h.apply(hi) as tf.SymbolicTensor);
  }
  return tf.model({ inputs, outputs, name });
}

/** Class accuracy of logits [N, K] against int labels. */
export function classAccuracy(logits: tf.Tensor, labels: readonly number[]): tf.Scalar {
  if (labels.length === 0) return tf.scalar(0);
  return tf.tidy(() => {
    const am = tf.slice(tf.argMax(logits, -1), 0, labels.length);
    return tf.mean(tf.cast(tf.equal(am, tf.tensor1d(labels as number[], 'int32')), 'float32')) as tf.Scalar;
  });
}

export function softmaxLoss(logits: tf.Tensor, targets: tf.Tensor, classes: number): tf.Scalar {
  return tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.cast(targets, 'int32') as tf.Tensor1D, classes), logits as tf.Tensor2D) as tf.Scalar);
}

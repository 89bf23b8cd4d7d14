// Fine-tuning pieces (the `finetune` node itself is runtime/nodes/finetune.ts): the losses
// (soft Dice, cross-entropy, both), the label indexer from dataset label values to class
// indices, the convergence metric of a node, and the sample shape of sliced fine-tuning.

import * as tf from '@tensorflow/tfjs';
import type { FinetuneNode, FinetuneSpec, MetricSpec } from '../../core/graph.js';
import { SslRuntimeError } from '../contract.js';
import { sliceShape } from '../eval/predict.js';
import { msg } from '../../core/codes/index.js';

// ─────────────────────────── losses ───────────────────────────

const EPS = 1e-5;

function classWeightTensor(weights: readonly number[] | null, k: number): tf.Tensor1D | null {
  if (!weights) return null;
  if (weights.length !== k) throw new SslRuntimeError(msg('SSL160', 'classWeights', { count: weights.length, classes: k }));
  return tf.tensor1d(weights as number[]);
}

/**
 * Soft multi-class Dice loss: 1 − Σ_c w_c·D_c / Σ_c w_c with D_c = (2Σ y·p + ε)/(Σ y + Σ p + ε),
 * sums over the batch and every voxel (batch Dice, as the authors' code), background included.
 * `yTrue` one-hot and `yPred` probabilities, class axis last.
 */
export function softDiceLoss(yTrue: tf.Tensor, yPred: tf.Tensor, weights: readonly number[] | null = null): tf.Scalar {
  return tf.tidy(() => {
    const k = yPred.shape[yPred.shape.length - 1]!;
    const axes = yPred.shape.slice(0, -1).map((_, i) => i);
    const inter = tf.sum(tf.mul(yTrue, yPred), axes);
    const denom = tf.add(tf.sum(yTrue, axes), tf.sum(yPred, axes));
    const d = tf.div(tf.add(tf.mul(inter, 2), EPS), tf.add(denom, EPS));
    const w = classWeightTensor(weights, k);
    const mean = w ? tf.div(tf.sum(tf.mul(d, w)), tf.sum(w)) : tf.mean(d);
    return tf.sub(1, mean) as tf.Scalar;
  });
}

/** Categorical cross-entropy with optional class weights: mean over voxels of −Σ_c w_c y_c log p_c. */
export function crossEntropyLoss(yTrue: tf.Tensor, yPred: tf.Tensor, weights: readonly number[] | null = null): tf.Scalar {
  return tf.tidy(() => {
    const k = yPred.shape[yPred.shape.length - 1]!;
    let t = tf.mul(yTrue, tf.log(tf.clipByValue(yPred, 1e-7, 1)));
    const w = classWeightTensor(weights, k);
    if (w) t = tf.mul(t, w);
    return tf.neg(tf.mean(tf.sum(t, -1))) as tf.Scalar;
  });
}

export function finetuneLoss(kind: FinetuneSpec['loss'], yTrue: tf.Tensor, yPred: tf.Tensor, weights: readonly number[] | null): tf.Scalar {
  if (kind === 'dice') return softDiceLoss(yTrue, yPred, weights);
  if (kind === 'ce') return crossEntropyLoss(yTrue, yPred, weights);
  return tf.tidy(() => tf.add(softDiceLoss(yTrue, yPred, weights), crossEntropyLoss(yTrue, yPred, weights)) as tf.Scalar);
}

// ─────────────────────────── inputs ───────────────────────────

export function labelIndexer(classes: readonly number[]): (mask: Uint8Array, caseId: string) => Uint8Array {
  const lut = new Int16Array(256).fill(-1);
  classes.forEach((v, i) => {
    if (v >= 0 && v < 256) lut[v] = i;
  });
  return (mask, caseId) => {
    const out = new Uint8Array(mask.length);
    for (let i = 0; i < mask.length; i++) {
      const k = lut[mask[i]!]!;
      if (k < 0) throw new SslRuntimeError(msg('SSL164', 'labelValue', { caseId, value: mask[i], classes: classes.join(', ') }));
      out[i] = k;
    }
    return out;
  };
}

/** The convergence metric: the EvalSpec's, else the first declared metric, else Dice / accuracy. */
export function convergenceMetric(node: FinetuneNode): MetricSpec {
  const ev = node.params.evaluation;
  return ev.convergence ?? ev.metrics[0] ?? (node.params.finetune.target === 'segmentation' ? { metric: 'dice', region: null } : { metric: 'accuracy', region: null });
}

/** Exposed for tests and tools: spatial shape of the samples a FinetuneNode trains on. */
export function sampleSpatialShape(volumeShape: number[], slices: FinetuneSpec['slices']): number[] {
  return slices ? sliceShape(volumeShape, slices.axis) : volumeShape;
}

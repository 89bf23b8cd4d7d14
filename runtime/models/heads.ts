// Generic head builders for pretext tasks and classifiers. Task-specific heads (CPC context
// network, jigsaw siamese branches, …) live in runtime/tasks; these are the shared pieces.
// All layers get explicit seeds and a caller-chosen name prefix (never `enc_`), so heads can be
// told apart from the encoder by name and dropped at fine-tuning.

import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../../core/rng.js';
import { apply1, dropout, type Sym } from './blocks.js';
import { BatchNorm, GlobalAvgPool } from './layers.js';
import { msg } from '../../core/codes/index.js';
import { SslRuntimeError } from '../../core/errors.js';

export interface DenseHeadOptions {
  /** Output activation (default linear: logits). */
  activation?: 'linear' | 'softmax' | 'sigmoid' | 'relu';
  /** Batch norm after the hidden layer (authors' `big_fully` style). */
  batchNorm?: boolean;
  /** Dropout after the hidden layer. */
  dropout?: number;
}

/**
 * Dense(hidden, ReLU) [→ BN] [→ Dropout] → Dense(out) on a flat [N, inputUnits] input, as a model
 * (the paper's "hidden layer with ReLU before the final classification layer", removed at
 * fine-tuning). hidden = 0 gives a single linear layer. Layers: `<prefix>hidden`, `<prefix>out`.
 */
export function denseHead(inputUnits: number, hidden: number, out: number, seed: number, namePrefix: string, o: DenseHeadOptions = {}): tf.LayersModel {
  if (namePrefix.startsWith('enc_')) throw new SslRuntimeError(msg('SSL135', 'headPrefix', { namePrefix }));
  if (!(inputUnits >= 1 && out >= 1 && hidden >= 0)) throw new SslRuntimeError(msg('SSL135', 'headSizes', { inputUnits, hidden, out }));
  const input = tf.input({ shape: [inputUnits], name: `${namePrefix}input` });
  const y = denseHeadOn(input, hidden, out, seed, namePrefix, o);
  return tf.model({ inputs: input, outputs: y, name: `${namePrefix}head` });
}

/** The same head applied to an existing symbolic tensor (flattened first if rank > 2). */
export function denseHeadOn(x: Sym, hidden: number, out: number, seed: number, namePrefix: string, o: DenseHeadOptions = {}): Sym {
  let y = x.shape.length > 2 ? apply1(tf.layers.flatten({ name: `${namePrefix}flatten` }), x) : x;
  if (hidden > 0) {
    y = apply1(tf.layers.dense({ units: hidden, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: deriveSeed(seed, `${namePrefix}hidden`) }), name: `${namePrefix}hidden` }), y);
    if (o.batchNorm) y = apply1(new BatchNorm({ name: `${namePrefix}hidden_bn` }), y);
    const d = dropout(o.dropout ?? 0, `${namePrefix}hidden_drop`, seed);
    if (d) y = apply1(d, y);
  }
  return apply1(
    tf.layers.dense({ units: out, activation: o.activation ?? 'linear', kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, `${namePrefix}out`) }), name: `${namePrefix}out` }),
    y,
  );
}

/** Global average pooling over the spatial axes of any [N, ...spatial, C] tensor → [N, C]. */
export function globalPool(x: Sym, name: string): Sym {
  return apply1(new GlobalAvgPool({ name }), x);
}

/** Flatten to [N, features] (named). */
export function flatten(x: Sym, name: string): Sym {
  return apply1(tf.layers.flatten({ name }), x);
}

// What every encoder builder returns (runtime/models/unet.ts, densenet.ts), in a file of its own
// so the builders import it without importing each other.

import type * as tf from '@tensorflow/tfjs';
import type { EncoderSpec } from '../../core/graph.js';
import type { Dim } from './blocks.js';

export type UnetSpec = Extract<EncoderSpec, { kind: 'unet3d' | 'unet2d' }>;
export type DenseNetSpec = Extract<EncoderSpec, { kind: 'densenet2d' }>;

export interface Encoder {
  /** input → [skip_0, …, skip_{L-2}, bottleneck] (finest first, coarsest last). */
  model: tf.LayersModel;
  input: tf.SymbolicTensor;
  outputs: tf.SymbolicTensor[];
  spec: EncoderSpec;
  inputShape: number[];
  dim: Dim;
  /** Channels of each output (same order as `outputs`). */
  channels: number[];
}

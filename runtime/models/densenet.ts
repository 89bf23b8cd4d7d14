// DenseNet (Huang et al. 2017), 2D, channels-last, built as the Keras `DenseNet121(include_top=False)`
// the authors used for the retina experiments: stem Conv7×7/2 – BN – ReLU – MaxPool3×3/2, dense
// blocks of BN–ReLU–Conv1×1(4k)–BN–ReLU–Conv3×3(k) layers concatenated, transitions
// BN–ReLU–Conv1×1(⌊C·compression⌋)–AvgPool2×2, final BN–ReLU. Convolutions have no bias; BN eps
// 1.001e-5 as in Keras. With blocks [6,12,24,16], growth 32, init 64, compression 0.5 this has
// 7,037,504 parameters (BN moving statistics included) — the Keras count.
// We use 'same' padding where Keras zero-pads explicitly: same output sizes, same parameters.

import * as tf from '@tensorflow/tfjs';
import { apply1, conv, dropout, maybe, pool, relu, type Sym } from './blocks.js';
import { BatchNorm } from './layers.js';
import type { DenseNetSpec, Encoder } from './encoder.js';
import { msg } from '../../core/codes/index.js';
import { SslRuntimeError } from '../../core/errors.js';

export type DenseNetPresetName = 'densenet121' | 'small';

export const densenetPresets: Record<DenseNetPresetName, DenseNetSpec> = {
  densenet121: { kind: 'densenet2d', blocks: [6, 12, 24, 16], growth: 32, initFilters: 64, compression: 0.5, dropout: 0 },
  /** A small DenseNet for tests and quick experiments (≈ 40 k parameters at 3 channels). */
  small: { kind: 'densenet2d', blocks: [2, 2, 2, 2], growth: 8, initFilters: 16, compression: 0.5, dropout: 0 },
};

const EPS = 1.001e-5;

function bnRelu(x: Sym, name: string): Sym {
  return apply1(relu(`${name}_relu`), apply1(new BatchNorm({ name: `${name}_bn`, epsilon: EPS }), x));
}

/**
 * DenseNet encoder. Outputs (finest first): stem (1/2, initFilters), the end of dense blocks
 * 1…n−1 (before each transition: 1/4, 1/8, …) and the final BN–ReLU features (coarsest), so a
 * 2D U-Net-style decoder can use them as skips. Classification uses only the last output.
 */
export function buildDenseNet(spec: DenseNetSpec, inputShape: number[], seed: number): Encoder {
  if (inputShape.length !== 3 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new SslRuntimeError(msg('SSL135', 'densenetInput', { inputShape: inputShape.join(', ') }));
  }
  if (spec.blocks.length < 1 || spec.blocks.some((b) => !Number.isInteger(b) || b < 1)) {
    throw new SslRuntimeError(msg('SSL135', 'densenetBlocks', { blocks: spec.blocks.join(', ') }));
  }
  if (!(spec.compression > 0 && spec.compression <= 1)) throw new SslRuntimeError(msg('SSL135', 'densenetCompression', { compression: spec.compression }));
  if (!(spec.growth >= 1 && spec.initFilters >= 1)) throw new SslRuntimeError(msg('SSL135', 'densenetGrowth'));
  const minSide = 2 ** (spec.blocks.length + 1);
  if (inputShape[0]! < minSide || inputShape[1]! < minSide) {
    throw new SslRuntimeError(msg('SSL135', 'densenetTooSmall', { blocks: spec.blocks.length, minSide, height: inputShape[0], width: inputShape[1] }));
  }

  const input = tf.input({ shape: inputShape, name: 'enc_input' });
  const outputs: Sym[] = [];
  const channels: number[] = [];
  let x = apply1(conv(2, spec.initFilters, 'enc_stem_conv', seed, { kernel: 7, strides: 2, useBias: false }), input);
  x = bnRelu(x, 'enc_stem');
  outputs.push(x);
  channels.push(spec.initFilters);
  x = apply1(pool(2, 'max', 'enc_stem_pool', 3, 2, 'same'), x);
  let c = spec.initFilters;
  spec.blocks.forEach((n, b) => {
    for (let i = 0; i < n; i++) {
      const p = `enc_b${b}_l${i}`;
      let y = bnRelu(x, `${p}_a`);
      y = apply1(conv(2, 4 * spec.growth, `${p}_conv1`, seed, { kernel: 1, useBias: false }), y);
      y = maybe(dropout(spec.dropout, `${p}_drop1`, seed), y);
      y = bnRelu(y, `${p}_b`);
      y = apply1(conv(2, spec.growth, `${p}_conv2`, seed, { kernel: 3, useBias: false }), y);
      y = maybe(dropout(spec.dropout, `${p}_drop2`, seed), y);
      x = apply1(tf.layers.concatenate({ name: `${p}_concat`, axis: -1 }), [x, y]);
      c += spec.growth;
    }
    if (b < spec.blocks.length - 1) {
      outputs.push(x);
      channels.push(c);
      const p = `enc_t${b}`;
      let y = bnRelu(x, p);
      c = Math.floor(c * spec.compression);
      y = apply1(conv(2, c, `${p}_conv`, seed, { kernel: 1, useBias: false }), y);
      x = apply1(pool(2, 'avg', `${p}_pool`), y);
    }
  });
  x = bnRelu(x, 'enc_final');
  outputs.push(x);
  channels.push(c);
  const model = tf.model({ inputs: input, outputs, name: 'encoder' });
  return { model, input, outputs, spec, inputShape: [...inputShape], dim: 2, channels };
}

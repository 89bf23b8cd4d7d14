// 3D / 2D U-Net encoder (the part pretext tasks train) and the decoder / classifier heads added at
// fine-tuning. Channels-last. Layer names are stable and prefixed (`enc_`, `dec_`, `cls_`), so
// freezing, weight files and encoder transfer all work by name, and an encoder built on 32³
// patches loads into one built on 128³ volumes (the network is fully convolutional).
//
// Block (authors' code, models/unet3d.py): Conv–ReLU–BN–Dropout–Conv–ReLU–BN ("plain");
// "residual" is the same with a projected (1×1(×1) conv) shortcut added after the second BN
// (identity shortcut when the channel count is unchanged).

import * as tf from '@tensorflow/tfjs';
import type { EncoderSpec } from '../../core/graph.js';
import { apply1, conv, dropout, maybe, norm, pool, relu, type Dim, type Sym } from './blocks.js';
import { ConvTranspose, GlobalAvgPool, UpSampling } from './layers.js';
import { deriveSeed } from '../../core/rng.js';
import { buildDenseNet } from './densenet.js';
import type { Encoder, UnetSpec } from './encoder.js';
import { msg } from '../../core/codes/index.js';
import { SslRuntimeError } from '../../core/errors.js';

export type { DenseNetSpec, Encoder, UnetSpec } from './encoder.js';

export type UnetPresetName = 'paper' | 'authors-code';

/**
 * Encoder presets. `paper`: Taleb et al. 2020 appendix (five levels of residual blocks, 32…512).
 * The paper names no norm or dropout; batch norm and no dropout are our choice.
 * `authors-code`: what the published code builds (enc_filters = 16, plain blocks, dropout 0.5,
 * max pool after the bottleneck): ≈ 3.54 M encoder / 2.11 M decoder parameters at 1 channel.
 */
export function unetPreset(name: UnetPresetName, dim: Dim = 3): UnetSpec {
  const kind = dim === 3 ? 'unet3d' : 'unet2d';
  if (name === 'paper') {
    return { kind, levels: 5, filters: [32, 64, 128, 256, 512], block: 'residual', norm: 'batch', dropout: 0, finalPool: 'none', upsample: 'transpose' };
  }
  if (name === 'authors-code') {
    return { kind, levels: 5, filters: [16, 32, 64, 128, 256], block: 'plain', norm: 'batch', dropout: 0.5, finalPool: 'max', upsample: 'transpose' };
  }
  throw new SslRuntimeError(msg('SSL135', 'unknownPreset', { name: String(name) }));
}

export const presets: Record<UnetPresetName, UnetSpec> = {
  paper: unetPreset('paper', 3),
  'authors-code': unetPreset('authors-code', 3),
};

function checkInput(spec: EncoderSpec, inputShape: number[], dim: Dim, poolings: number): void {
  if (inputShape.length !== dim + 1 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new SslRuntimeError(msg('SSL135', 'badInputShape', { kind: spec.kind, layout: dim === 3 ? '[D, H, W, C]' : '[H, W, C]', inputShape: inputShape.join(', ') }));
  }
  const f = 2 ** poolings;
  const bad = inputShape.slice(0, dim).filter((d) => d % f !== 0);
  if (bad.length > 0) {
    throw new SslRuntimeError(msg('SSL135', 'notDivisible', { kind: spec.kind, poolings, f, inputShape: inputShape.slice(0, dim).join('×') }));
  }
}

/** One Conv–ReLU–N–Drop–Conv–ReLU–N block (+ shortcut when residual). */
function convBlock(x: Sym, dim: Dim, filters: number, prefix: string, seed: number, o: { block: 'plain' | 'residual'; norm: 'batch' | 'instance' | 'none'; dropout: number; readsInput?: boolean }): Sym {
  let y = apply1(conv(dim, filters, `${prefix}_conv1`, seed, { activation: 'relu' }), x);
  y = maybe(norm(o.norm, `${prefix}_norm1`), y);
  y = maybe(dropout(o.dropout, `${prefix}_drop`, seed), y);
  y = apply1(conv(dim, filters, `${prefix}_conv2`, seed, { activation: 'relu' }), y);
  y = maybe(norm(o.norm, `${prefix}_norm2`), y);
  if (o.block === 'residual') {
    const cin = x.shape[x.shape.length - 1];
    // The block that reads the network input always projects its shortcut, so the encoder's
    // weights do not depend on whether the input channels happen to equal the first filters
    // (a 2-channel pretraining encoder must have the same layers as its 4-channel fine-tuning twin).
    const short = cin === filters && !o.readsInput ? x : apply1(conv(dim, filters, `${prefix}_proj`, seed, { kernel: 1 }), x);
    y = apply1(tf.layers.add({ name: `${prefix}_add` }), [y, short]);
  }
  return y;
}

/** Build the encoder for any EncoderSpec (U-Net 3D/2D or DenseNet 2D). */
export function buildEncoder(spec: EncoderSpec, inputShape: number[], seed: number): Encoder {
  if (spec.kind === 'densenet2d') return buildDenseNet(spec, inputShape, seed);
  const dim: Dim = spec.kind === 'unet3d' ? 3 : 2;
  if (!Number.isInteger(spec.levels) || spec.levels < 1) throw new SslRuntimeError(msg('SSL135', 'badLevels', { kind: spec.kind, levels: spec.levels }));
  if (spec.filters.length !== spec.levels) {
    throw new SslRuntimeError(msg('SSL135', 'filtersPerLevel', { kind: spec.kind, levels: spec.levels, count: spec.filters.length, filters: spec.filters.join(', ') }));
  }
  if (!(spec.dropout >= 0 && spec.dropout < 1)) throw new SslRuntimeError(msg('SSL135', 'badDropout', { kind: spec.kind, dropout: spec.dropout }));
  const poolings = spec.levels - 1 + (spec.finalPool === 'none' ? 0 : 1);
  checkInput(spec, inputShape, dim, poolings);

  const input = tf.input({ shape: inputShape, name: 'enc_input' });
  const outputs: Sym[] = [];
  let x: Sym = input;
  for (let l = 0; l < spec.levels; l++) {
    x = convBlock(x, dim, spec.filters[l]!, `enc_l${l}`, seed, { ...spec, readsInput: l === 0 });
    if (l < spec.levels - 1) {
      outputs.push(x);
      x = apply1(pool(dim, 'max', `enc_l${l}_pool`), x);
    }
  }
  if (spec.finalPool !== 'none') x = apply1(pool(dim, spec.finalPool, 'enc_final_pool'), x);
  outputs.push(x);
  const model = tf.model({ inputs: input, outputs, name: 'encoder' });
  return { model, input, outputs, spec, inputShape: [...inputShape], dim, channels: [...spec.filters] };
}

/** The coarsest output as a single-output model (what most pretext tasks encode with). */
export function bottleneckModel(enc: Encoder): tf.LayersModel {
  return tf.model({ inputs: enc.input, outputs: enc.outputs[enc.outputs.length - 1]!, name: 'encoder_bottleneck' });
}

function spatial(t: Sym): number[] {
  return t.shape.slice(1, t.shape.length - 1) as number[];
}

/**
 * U-Net decoder on an encoder's outputs with skip connections, softmax 1×1(×1) output at the
 * input resolution. Per skip (deep → shallow): up (ConvTranspose k=s=2, or nearest ×2 + 3×3
 * conv + ReLU) to the skip's filters, concatenate, conv block (same block/norm/dropout as the
 * encoder). If the encoder pooled its bottleneck, a nearest ×2 up-sampling comes first (as in
 * the authors' code). Outputs coarser than the input after the last skip (DenseNet) get extra
 * up-steps without skip.
 */
export function buildSegmenter(encoder: Encoder, classes: number, seed: number, upsample: 'transpose' | 'upsample' = 'transpose'): tf.LayersModel {
  if (!Number.isInteger(classes) || classes < 2) throw new SslRuntimeError(msg('SSL135', 'segmenterClasses', { classes }));
  const dim = encoder.dim;
  const spec = encoder.spec;
  const blockOpts = spec.kind === 'densenet2d'
    ? { block: 'plain' as const, norm: 'batch' as const, dropout: spec.dropout }
    : { block: spec.block, norm: spec.norm, dropout: spec.dropout };
  const skips = encoder.outputs.slice(0, -1);
  let x = encoder.outputs[encoder.outputs.length - 1]!;
  const up = (t: Sym, filters: number, name: string): Sym => {
    if (upsample === 'transpose') return apply1(new ConvTranspose({ filters, seed: deriveSeed(seed, name), name: `${name}_tconv` }), t);
    const u = apply1(new UpSampling({ name: `${name}_up` }), t);
    return apply1(conv(dim, filters, `${name}_conv`, seed, { activation: 'relu' }), u);
  };
  for (let i = skips.length - 1; i >= 0; i--) {
    const skip = skips[i]!;
    const f = skip.shape[skip.shape.length - 1] as number;
    // A pooled bottleneck (authors' code) is first brought back up by nearest up-sampling.
    for (let k = 0; spatial(x)[0]! * 2 < spatial(skip)[0]!; k++) x = apply1(new UpSampling({ name: `dec_l${i}_preup${k}` }), x);
    x = up(x, f, `dec_l${i}`);
    if (spatial(x).join('x') !== spatial(skip).join('x')) {
      throw new SslRuntimeError(msg('SSL135', 'skipMismatch', { i, size: spatial(x).join('×'), skip: spatial(skip).join('×') }));
    }
    x = apply1(tf.layers.concatenate({ name: `dec_l${i}_concat`, axis: -1 }), [x, skip]);
    x = convBlock(x, dim, f, `dec_l${i}`, seed, blockOpts);
  }
  let extra = 0;
  while (spatial(x)[0]! < encoder.inputShape[0]!) {
    const f = Math.max(8, Math.floor((x.shape[x.shape.length - 1] as number) / 2));
    x = up(x, f, `dec_extra${extra}`);
    x = convBlock(x, dim, f, `dec_extra${extra}`, seed, blockOpts);
    extra++;
  }
  const out = apply1(conv(dim, classes, 'dec_out', seed, { kernel: 1, activation: 'softmax', init: 'glorot' }), x);
  return tf.model({ inputs: encoder.input, outputs: out, name: 'segmenter' });
}

export interface ClassifierOptions {
  /** Hidden ReLU layer width (0/undefined = none). */
  hidden?: number;
  /** Dropout before the output layer. */
  dropout?: number;
  /** Output activation; default softmax. */
  activation?: 'softmax' | 'sigmoid' | 'linear';
}

/** Global average pool of the coarsest encoder output + dense head (`cls_` layers). */
export function buildClassifier(encoder: Encoder, classes: number, seed: number, opts: number | ClassifierOptions = {}): tf.LayersModel {
  const o: ClassifierOptions = typeof opts === 'number' ? { hidden: opts } : opts;
  if (!Number.isInteger(classes) || classes < 1) throw new SslRuntimeError(msg('SSL135', 'classifierOutputs', { classes }));
  let x = apply1(new GlobalAvgPool({ name: 'cls_gap' }), encoder.outputs[encoder.outputs.length - 1]!);
  if (o.hidden && o.hidden > 0) {
    x = apply1(tf.layers.dense({ units: o.hidden, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: deriveSeed(seed, 'cls_hidden') }), name: 'cls_hidden' }), x);
  }
  x = maybe(dropout(o.dropout ?? 0, 'cls_drop', seed), x);
  const out = apply1(
    tf.layers.dense({ units: classes, activation: o.activation ?? 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, 'cls_out') }), name: 'cls_out' }),
    x,
  );
  return tf.model({ inputs: encoder.input, outputs: out, name: 'classifier' });
}

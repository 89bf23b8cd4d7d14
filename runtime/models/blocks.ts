// Small dimension-agnostic layer factories shared by the U-Net, DenseNet and heads. Every
// initializer gets an explicit seed derived from (model seed, layer name).

import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../../core/rng.js';
import { BatchNorm, FusedConv3D, InstanceNorm, SeededDropout } from './layers.js';

export type Dim = 2 | 3;
export type Sym = tf.SymbolicTensor;

export function apply1(layer: tf.layers.Layer, x: Sym | Sym[]): Sym {
  return layer.apply(x) as Sym;
}

export interface ConvOpts {
  kernel?: number;
  strides?: number;
  activation?: 'relu' | 'linear' | 'softmax' | 'sigmoid';
  useBias?: boolean;
  padding?: 'same' | 'valid';
  init?: 'he' | 'glorot';
}

export function conv(dim: Dim, filters: number, name: string, seed: number, o: ConvOpts = {}): tf.layers.Layer {
  const k = o.kernel ?? 3;
  const init = o.init === 'glorot'
    ? tf.initializers.glorotUniform({ seed: deriveSeed(seed, name, 'kernel') })
    : tf.initializers.heNormal({ seed: deriveSeed(seed, name, 'kernel') });
  const args = {
    filters,
    kernelSize: k,
    strides: o.strides ?? 1,
    padding: o.padding ?? 'same',
    activation: o.activation ?? 'linear',
    useBias: o.useBias ?? true,
    kernelInitializer: init,
    biasInitializer: 'zeros' as const,
    name,
  };
  // 3D: tfjs' Conv3D with bias + ReLU fused on the native backend (2D convs already run the
  // native FusedConv2D kernel through tfjs).
  return dim === 3 ? new FusedConv3D(args) : tf.layers.conv2d(args);
}

export function pool(dim: Dim, kind: 'max' | 'avg', name: string, size = 2, strides = 2, padding: 'same' | 'valid' = 'valid'): tf.layers.Layer {
  const args = { poolSize: size, strides, padding, name };
  if (dim === 3) return kind === 'max' ? tf.layers.maxPooling3d(args) : tf.layers.averagePooling3d(args);
  return kind === 'max' ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args);
}

export function norm(kind: 'batch' | 'instance' | 'none', name: string, epsilon?: number): tf.layers.Layer | null {
  if (kind === 'batch') return new BatchNorm({ name, epsilon });
  if (kind === 'instance') return new InstanceNorm({ name, epsilon });
  return null;
}

export function dropout(rate: number, name: string, seed: number): tf.layers.Layer | null {
  return rate > 0 ? new SeededDropout({ rate, seed: deriveSeed(seed, name), name }) : null;
}

export function relu(name: string): tf.layers.Layer {
  return tf.layers.activation({ activation: 'relu', name });
}

/** Apply an optional layer. */
export function maybe(layer: tf.layers.Layer | null, x: Sym): Sym {
  return layer ? apply1(layer, x) : x;
}


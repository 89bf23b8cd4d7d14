// Small functional 3D models for the kernel benchmark and the backend tests: a quickstart-sized
// encoder (conv–norm–ReLU blocks, max-pool, global pool, dense head) and a 3D U-Net in the style
// of the authors' code (plain double-conv blocks, max-pool, transposed-conv decoder, skips).
// Weights come from a seeded tfjs initialiser; batch-norm uses the batch statistics.

import * as tf from '@tensorflow/tfjs';
import { fusedNorm } from './norm.js';

export interface BenchModel {
  name: string;
  vars: tf.Variable[];
  /** Loss of one batch; called inside optimizer.minimize. */
  loss(x: tf.Tensor5D, target: tf.Tensor): tf.Scalar;
  /** Floating-point operations of the convolutions in one forward pass (2 · MACs). */
  convFlops: number;
  /** Same for one training step: forward + input gradients (except layer 1) + filter gradients. */
  stepConvFlops: number;
}

// Each model constructor resets the seed, so the same model gets the same weights on any backend.
let seed = 1;
function weight(shape: number[]): tf.Variable {
  const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  return tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', seed++));
}

// Batch norm from tfjs ops (what most hand-written models do), or the fused kernel.
let useFused = false;
function norm(x: tf.Tensor5D, gamma: tf.Variable, beta: tf.Variable): tf.Tensor5D {
  if (useFused) return fusedNorm(x, gamma, beta, 'batch') as tf.Tensor5D;
  const { mean, variance } = tf.moments(x, [0, 1, 2, 3], true);
  return x.sub(mean).mul(tf.rsqrt(variance.add(1e-5))).mul(gamma).add(beta) as tf.Tensor5D;
}

interface ConvLayer { w: tf.Variable; g: tf.Variable; b: tf.Variable }

function convLayer(ci: number, co: number, k = 3): ConvLayer {
  return { w: weight([k, k, k, ci, co]), g: tf.variable(tf.ones([co])), b: tf.variable(tf.zeros([co])) };
}

const block = (x: tf.Tensor5D, l: ConvLayer): tf.Tensor5D => tf.relu(norm(tf.conv3d(x, l.w as tf.Tensor5D, 1, 'same'), l.g, l.b));

const convMacs = (n: number, s: number, ci: number, co: number, k = 3): number => n * s * s * s * ci * co * k * k * k;

/** Quickstart-sized encoder: filters f[0..], 2 conv blocks per level, max-pool between levels. */
export function encoderModel(batch: number, size: number, cin: number, filters = [8, 16, 32], classes = 4, baseSeed = 1, fused = false): BenchModel {
  seed = baseSeed;
  const layers: ConvLayer[] = [];
  let ci = cin, flops = 0, step = 0, s = size, first = true;
  for (const f of filters) {
    for (let r = 0; r < 2; r++) {
      layers.push(convLayer(ci, f));
      const m = 2 * convMacs(batch, s, ci, f);
      flops += m;
      step += m * (first ? 2 : 3);
      first = false;
      ci = f;
    }
    s = Math.floor(s / 2);
  }
  const dense = weight([ci, classes]);
  const bias = tf.variable(tf.zeros([classes]));
  const vars = [...layers.flatMap((l) => [l.w, l.g, l.b]), dense, bias];
  return {
    name: `encoder ${filters.join('/')} [${batch},${size}³,${cin}]${fused ? ' fusedNorm' : ''}`,
    vars,
    convFlops: flops,
    stepConvFlops: step,
    loss: (x, target) => {
      useFused = fused;
      let h = x;
      for (let i = 0; i < layers.length; i++) {
        h = block(h, layers[i]!);
        if (i % 2 === 1) h = tf.maxPool3d(h, 2, 2, 'valid');
      }
      const pooled = tf.mean(h, [1, 2, 3]) as tf.Tensor2D;
      const logits = tf.add(tf.matMul(pooled, dense), bias);
      return tf.losses.softmaxCrossEntropy(target, logits) as tf.Scalar;
    },
  };
}

/** 3D U-Net (authors' layout): levels f[0..] with 2 conv blocks each, bottleneck, transposed-conv decoder. */
export function unetModel(batch: number, size: number, cin: number, filters = [16, 32, 64, 128], bottleneck = 256, classes = 4, baseSeed = 1, fused = false): BenchModel {
  seed = baseSeed;
  const down: ConvLayer[][] = [], up: Array<{ t: tf.Variable; convs: ConvLayer[] }> = [];
  let ci = cin, s = size, flops = 0, step = 0, first = true;
  const count = (sz: number, a: number, b: number, k = 3, mult = 3): void => {
    const m = 2 * convMacs(batch, sz, a, b, k);
    flops += m;
    step += m * (first ? 2 : mult);
    first = false;
  };
  for (const f of filters) {
    count(s, ci, f); count(s, f, f);
    down.push([convLayer(ci, f), convLayer(f, f)]);
    ci = f;
    s = s / 2;
  }
  const mid = [convLayer(ci, bottleneck), convLayer(bottleneck, bottleneck)];
  count(s, ci, bottleneck); count(s, bottleneck, bottleneck);
  ci = bottleneck;
  for (const f of [...filters].reverse()) {
    // transposed conv 2×2×2 stride 2: ci → f at the finer level (MACs counted at the coarse level × 8 taps)
    flops += 2 * batch * s * s * s * ci * f * 8;
    step += 3 * 2 * batch * s * s * s * ci * f * 8;
    s = s * 2;
    up.push({ t: weight([2, 2, 2, f, ci]), convs: [convLayer(2 * f, f), convLayer(f, f)] });
    count(s, 2 * f, f); count(s, f, f);
    ci = f;
  }
  const head = weight([1, 1, 1, ci, classes]);
  count(s, ci, classes, 1);
  const vars = [...down.flat(), ...mid, ...up.flatMap((u) => u.convs)].flatMap((l) => [l.w, l.g, l.b]);
  vars.push(...up.map((u) => u.t), head);
  return {
    name: `U-Net ${filters.join('/')}+${bottleneck} [${batch},${size}³,${cin}]${fused ? ' fusedNorm' : ''}`,
    vars,
    convFlops: flops,
    stepConvFlops: step,
    loss: (x, target) => {
      useFused = fused;
      let h = x;
      const skips: tf.Tensor5D[] = [];
      for (const [a, b] of down) {
        h = block(block(h, a!), b!);
        skips.push(h);
        h = tf.maxPool3d(h, 2, 2, 'valid');
      }
      h = block(block(h, mid[0]!), mid[1]!);
      up.forEach((u, i) => {
        const skip = skips[skips.length - 1 - i]!;
        h = tf.conv3dTranspose(h, u.t as tf.Tensor5D, skip.shape.slice(0, 4).concat([u.t.shape[3]!]) as [number, number, number, number, number], 2, 'same');
        h = tf.concat([h, skip], 4) as tf.Tensor5D;
        h = block(block(h, u.convs[0]!), u.convs[1]!);
      });
      const logits = tf.conv3d(h, head as tf.Tensor5D, 1, 'same');
      return tf.losses.softmaxCrossEntropy(target, logits.reshape([-1, classes])) as tf.Scalar;
    },
  };
}

/** Random input and one-hot target for `model` (seeded). */
export function batchFor(model: BenchModel, batch: number, size: number, cin: number, dense: boolean, classes = 4): { x: tf.Tensor5D; y: tf.Tensor } {
  const x = tf.randomNormal([batch, size, size, size, cin], 0, 1, 'float32', 7) as tf.Tensor5D;
  const n = dense ? batch * size * size * size : batch;
  const labels = tf.randomUniform([n], 0, classes, 'int32', 8);
  const y = tf.oneHot(labels as tf.Tensor1D, classes).toFloat();
  labels.dispose();
  void model;
  return { x, y };
}

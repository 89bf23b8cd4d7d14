import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildClassifier, buildEncoder, buildSegmenter, unetPreset } from '../../../runtime/models/unet.js';
import { densenetPresets } from '../../../runtime/models/densenet.js';
import { countParams } from '../../../runtime/models/weights.js';
import { BatchNorm, SeededDropout, dropoutMask, setTrainingClock } from '../../../runtime/models/layers.js';
import { SslRuntimeError } from '../../../runtime/contract.js';
import type { EncoderSpec } from '../../../core/graph.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('U-Net encoder and decoder', () => {
  it('authors-code preset: 3.54 M encoder and 2.11 M decoder parameters at 1 channel (BN statistics included)', () => {
    const enc = buildEncoder(unetPreset('authors-code', 3), [32, 32, 32, 1], 1);
    const e = countParams(enc.model);
    // conv 27·Cin·F + F and 4·F per BN, summed over the levels 16,32,64,128,256 (two convs each)
    expect(e.total).toBe(3_537_424);
    expect(e.nonTrainable).toBe(2 * 2 * (16 + 32 + 64 + 128 + 256)); // moving mean + variance
    expect(enc.outputs.map((o) => o.shape)).toEqual([
      [null, 32, 32, 32, 16], [null, 16, 16, 16, 32], [null, 8, 8, 8, 64], [null, 4, 4, 4, 128], [null, 1, 1, 1, 256],
    ]);
    const seg = buildSegmenter(enc, 4, 2, 'transpose');
    const dec = countParams(seg).total - e.total;
    expect(dec).toBe(2_113_360 + 16 * 4 + 4); // + the 1×1×1 softmax conv for 4 classes
    expect(seg.outputs[0]!.shape).toEqual([null, 32, 32, 32, 4]);
    expect(seg.layers.filter((l) => l.name.startsWith('enc_')).length).toBe(enc.model.layers.length);
  });

  it('paper preset: 5 residual levels 32…512 without final pooling; 2D variant', () => {
    const enc = buildEncoder(unetPreset('paper', 3), [16, 16, 16, 2], 1);
    expect(enc.outputs.map((o) => o.shape[4])).toEqual([32, 64, 128, 256, 512]);
    expect(enc.outputs[4]!.shape.slice(1, 4)).toEqual([1, 1, 1]);
    expect(enc.model.layers.some((l) => l.name === 'enc_l0_add')).toBe(true);
    expect(enc.model.layers.some((l) => l.name === 'enc_l0_proj')).toBe(true);
    const enc2 = buildEncoder(unetPreset('authors-code', 2), [32, 32, 1], 1);
    // the authors' 2D U-Net: about 1.18 M parameters at 1 channel (3×3 kernels)
    expect(Math.abs(countParams(enc2.model).total - 1.18e6)).toBeLessThan(0.01e6);
  });

  it('runs forward and backward with transposed and up-sampling decoders, instance norm', () => {
    const spec: EncoderSpec = { kind: 'unet3d', levels: 3, filters: [4, 8, 16], block: 'residual', norm: 'instance', dropout: 0.1, finalPool: 'avg', upsample: 'upsample' };
    for (const up of ['transpose', 'upsample'] as const) {
      const enc = buildEncoder(spec, [8, 8, 8, 2], 5);
      const seg = buildSegmenter(enc, 3, 6, up);
      const x = tf.randomNormal([1, 8, 8, 8, 2], 0, 1, 'float32', 1);
      const f = () => tf.mean(seg.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
      tf.tidy(() => {
        tf.variableGrads(f); // warm-up: tfjs caches a few constants on first use
      });
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(f);
      expect(value.shape).toEqual([]);
      expect(Object.keys(grads).length).toBe(seg.trainableWeights.length);
      const y = seg.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([1, 8, 8, 8, 3]);
      const sums = tf.tidy(() => tf.sum(y, -1).dataSync());
      for (const s of sums) expect(s).toBeCloseTo(1, 4);
      tf.dispose([value, y, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    }
  });

  it('ConvTranspose matches a direct computation of the k=s=2 transposed convolution', () => {
    const spec: EncoderSpec = { kind: 'unet2d', levels: 2, filters: [2, 3], block: 'plain', norm: 'none', dropout: 0, finalPool: 'none', upsample: 'transpose' };
    const enc = buildEncoder(spec, [4, 4, 1], 1);
    const seg = buildSegmenter(enc, 2, 1, 'transpose');
    const layer = seg.getLayer('dec_l0_tconv');
    const xin = tf.randomNormal([1, 2, 2, 3], 0, 1, 'float32', 2);
    const y = layer.apply(xin) as tf.Tensor;
    const [k, b] = layer.getWeights();
    const K = k!.arraySync() as number[][][][]; // [2,2,Cout,Cin]
    const X = xin.arraySync() as number[][][][];
    const Y = y.arraySync() as number[][][][];
    const bias = b!.arraySync() as number[];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) for (let o = 0; o < 2; o++) {
      let v = bias[o]!;
      for (let c = 0; c < 3; c++) v += X[0]![i >> 1]![j >> 1]![c]! * K[i & 1]![j & 1]![o]![c]!;
      expect(Y[0]![i]![j]![o]!).toBeCloseTo(v, 5);
    }
    tf.dispose([xin, y]);
  });

  it('classifier head on U-Net and DenseNet encoders', () => {
    const enc = buildEncoder(unetPreset('authors-code', 3), [32, 32, 32, 1], 1);
    const cls = buildClassifier(enc, 5, 2, { hidden: 8 });
    expect(cls.outputs[0]!.shape).toEqual([null, 5]);
    const dn = buildEncoder(densenetPresets.small, [32, 32, 3], 1);
    const c2 = buildClassifier(dn, 5, 2);
    const y = c2.predict(tf.zeros([2, 32, 32, 3])) as tf.Tensor;
    expect(y.shape).toEqual([2, 5]);
    y.dispose();
  });

  it('DenseNet-121 has the Keras parameter count (7,037,504) and multi-scale outputs', () => {
    const dn = buildEncoder(densenetPresets.densenet121, [224, 224, 3], 1);
    expect(countParams(dn.model).total).toBe(7_037_504);
    expect(dn.outputs.map((o) => o.shape)).toEqual([[null, 112, 112, 64], [null, 56, 56, 256], [null, 28, 28, 512], [null, 14, 14, 1024], [null, 7, 7, 1024]]);
    const small = buildEncoder(densenetPresets.small, [32, 32, 1], 3);
    const seg = buildSegmenter(small, 3, 4, 'transpose');
    expect(seg.outputs[0]!.shape).toEqual([null, 32, 32, 3]);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const spec = unetPreset('authors-code', 2);
    const w = (seed: number) => buildEncoder(spec, [32, 32, 1], seed).model.getWeights()[0]!.dataSync().slice(0, 8);
    expect(Array.from(w(7))).toEqual(Array.from(w(7)));
    expect(Array.from(w(7))).not.toEqual(Array.from(w(8)));
  });

  it('rejects bad specifications with SSL135', () => {
    const spec = unetPreset('authors-code', 3);
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as SslRuntimeError;
      }
      throw new Error('no error');
    };
    const e1 = err(() => buildEncoder(spec, [24, 24, 24, 1], 1));
    expect(e1.code).toBe('SSL135');
    expect(e1.message).toMatch(/divisible by 32/);
    expect(err(() => buildEncoder({ ...spec, filters: [16, 32] }, [32, 32, 32, 1], 1)).code).toBe('SSL135');
    expect(err(() => buildEncoder(spec, [32, 32, 1], 1)).code).toBe('SSL135');
    expect(err(() => buildSegmenter(buildEncoder(spec, [32, 32, 32, 1], 1), 1, 1)).code).toBe('SSL135');
  });
});

describe('BatchNorm', () => {
  it('trains on 3D (rank-5) and dense (rank-2) inputs and normalises with batch statistics', () => {
    const enc = buildEncoder({ kind: 'unet3d', levels: 2, filters: [3, 4], block: 'plain', norm: 'batch', dropout: 0, finalPool: 'none', upsample: 'transpose' }, [4, 4, 4, 1], 1);
    const x = tf.randomNormal([2, 4, 4, 4, 1], 0, 1, 'float32', 3);
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square((enc.model.apply(x, { training: true }) as tf.Tensor[])[1]!)) as tf.Scalar);
    expect(Object.keys(grads).some((k) => k.includes('norm1/gamma'))).toBe(true);
    for (const g of Object.values(grads)) expect(Number.isFinite(tf.tidy(() => tf.sum(g).dataSync()[0]!))).toBe(true);
    // the first block's normalised output has ≈ zero mean and unit variance per channel in training mode
    const sub = tf.model({ inputs: enc.input, outputs: enc.model.getLayer('enc_l0_norm1').output as tf.SymbolicTensor });
    const y = sub.apply(x, { training: true }) as tf.Tensor;
    const { mean, variance } = tf.moments(y, [0, 1, 2, 3]);
    for (const m of mean.dataSync()) expect(Math.abs(m)).toBeLessThan(1e-4);
    for (const v of variance.dataSync()) expect(v === 0 || Math.abs(v - 1) < 0.01).toBe(true);
    tf.dispose([x, value, y, mean, variance, ...Object.values(grads)]);
  });
});

describe('BatchNorm gradient and SeededDropout', () => {
  it('analytic batch-norm gradient equals autodiff of the textbook formula (x, γ, β), and updates moving statistics', () => {
    const shape = [2, 3, 3, 3, 4];
    const bn = new BatchNorm({ name: 'bn_grad_check' });
    const x = tf.variable(tf.randomNormal(shape, 0.5, 2, 'float32', 1));
    bn.apply(x, { training: false });
    bn.setWeights([tf.randomNormal([4], 1, 0.3, 'float32', 2), tf.randomNormal([4], 0, 0.3, 'float32', 3), tf.zeros([4]), tf.ones([4])]);
    const [gammaV, betaV] = bn.trainableWeights.map((w) => w.read() as tf.Variable);
    const wts = tf.randomNormal(shape, 0, 1, 'float32', 4);
    const ours = tf.variableGrads(() => tf.sum(tf.mul(bn.apply(x, { training: true }) as tf.Tensor, wts)) as tf.Scalar, [x, gammaV!, betaV!]);
    const ref = tf.grads((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(xi, [0, 1, 2, 3]);
      return tf.sum(tf.mul(tf.add(tf.mul(tf.div(tf.sub(xi, mean), tf.sqrt(tf.add(variance, 1e-3))), g), b), wts));
    })([x, gammaV!, betaV!]);
    const close = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
    expect(close(ours.grads[x.name]!, ref[0]!)).toBeLessThan(1e-4);
    expect(close(ours.grads[gammaV!.name]!, ref[1]!)).toBeLessThan(1e-4);
    expect(close(ours.grads[betaV!.name]!, ref[2]!)).toBeLessThan(1e-4);
    const mm = bn.getWeights()[2]!.dataSync();
    const batchMean = tf.tidy(() => tf.mean(x, [0, 1, 2, 3]).dataSync());
    // one training call above (variableGrads) → one momentum update of (1 − momentum)·mean from 0
    expect(bn.momentum).toBe(0.9);
    mm.forEach((v, i) => expect(v).toBeCloseTo((1 - bn.momentum) * batchMean[i]!, 5));
    tf.dispose([x, wts, ours.value, ...Object.values(ours.grads), ...ref]);
  });

  it('dropout masks: rate respected, inverted scaling, fresh per step, identical for the same clock', () => {
    const m = dropoutMask([10000], 0.3, 7).dataSync();
    const zeros = m.filter((v) => v === 0).length;
    expect(Math.abs(zeros / 10000 - 0.3)).toBeLessThan(0.02);
    expect(m.every((v) => v === 0 || Math.abs(v - 1 / 0.7) < 1e-6)).toBe(true);
    const d = new SeededDropout({ rate: 0.5, seed: 3, name: 'drop_t' });
    const x = tf.ones([64]);
    const at = (e: number, s: number) => {
      setTrainingClock(e, s, 42);
      return Array.from((d.apply(x, { training: true }) as tf.Tensor).dataSync());
    };
    const a = at(1, 0), b = at(1, 1), a2 = at(1, 0);
    expect(a).toEqual(a2);
    expect(a).not.toEqual(b);
    expect(Array.from((d.apply(x, { training: false }) as tf.Tensor).dataSync())).toEqual(Array.from(x.dataSync()));
    setTrainingClock(0, 0, null);
    x.dispose();
  });
});

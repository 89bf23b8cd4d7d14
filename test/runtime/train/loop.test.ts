import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEncoder, buildSegmenter } from '../../../runtime/models/unet.js';
import { namedWeights } from '../../../runtime/models/weights.js';
import { trainLoop, warmupFreeze, type TrainLoopOptions } from '../../../runtime/train/loop.js';
import type { OptimizerSpec, EncoderSpec } from '../../../compiler/graph.js';
import { SslRuntimeError } from '../../../runtime/contract.js';
import { fakeContext, type FakeContext } from '../../helpers/fake-context.js';
import type { Rng } from '../../../runtime/rng.js';

const spec: EncoderSpec = { kind: 'unet2d', levels: 2, filters: [4, 8], block: 'plain', norm: 'batch', dropout: 0.2, finalPool: 'none', upsample: 'transpose' };
const adam: OptimizerSpec = { kind: 'adam', lr: 1e-2, beta1: 0.9, beta2: 0.999, momentum: 0, weightDecay: 0, clipNorm: null };

/** A bright disc at a random position on a noisy background; target = disc mask (2 classes). */
function blobBatch(rng: Rng, n = 2, s = 8): { x: tf.Tensor4D; y: tf.Tensor4D } {
  const xs = new Float32Array(n * s * s);
  const ys = new Float32Array(n * s * s * 2);
  for (let b = 0; b < n; b++) {
    const cy = rng.intIn(2, s - 3), cx = rng.intIn(2, s - 3);
    for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) {
      const inside = (i - cy) ** 2 + (j - cx) ** 2 <= 2.5;
      const k = b * s * s + i * s + j;
      xs[k] = (inside ? 1 : 0) + rng.normal(0, 0.1);
      ys[2 * k + (inside ? 1 : 0)] = 1;
    }
  }
  return { x: tf.tensor4d(xs, [n, s, s, 1]), y: tf.tensor4d(ys, [n, s, s, 2]) };
}

function setup(seed = 3) {
  const enc = buildEncoder(spec, [8, 8, 1], seed);
  const model = buildSegmenter(enc, 2, seed + 1, 'transpose');
  return model;
}

function options(ctx: FakeContext, model: tf.LayersModel, over: Partial<TrainLoopOptions<{ x: tf.Tensor4D; y: tf.Tensor4D }>> = {}): TrainLoopOptions<{ x: tf.Tensor4D; y: tf.Tensor4D }> {
  return {
    ctx, node: 'test:train', seed: 11, epochs: 3, stepsPerEpoch: 3, batchSize: 2, model, optimizer: adam, onNaN: 'stop',
    prepare: (rng) => blobBatch(rng),
    step: (_s, b) => {
      const p = model.apply(b.x, { training: true }) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(b.y, tf.log(tf.clipByValue(p, 1e-7, 1))) as tf.Scalar;
    },
    ...over,
  };
}

function weightsOf(model: tf.LayersModel): Map<string, Float32Array> {
  return new Map([...namedWeights(model)].map(([k, v]) => [k, v.read().dataSync() as Float32Array]));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('trainLoop', () => {
  const ctxs: FakeContext[] = [];
  afterAll(() => ctxs.forEach((c) => c.cleanup()));
  const mk = () => {
    const c = fakeContext();
    ctxs.push(c);
    return c;
  };

  it('lowers the loss, emits epoch/step/checkpoint events and checkpoints every epoch', async () => {
    const ctx = mk();
    const model = setup();
    const r = await trainLoop(options(ctx, model, { epochs: 6, stepsPerEpoch: 4 }));
    expect(r.interrupted).toBe(false);
    expect(r.epochs).toHaveLength(6);
    expect(r.epochs[5]!.loss).toBeLessThan(r.epochs[0]!.loss * 0.8);
    expect(ctx.events.filter((e) => e.type === 'epoch')).toHaveLength(6);
    expect(ctx.events.filter((e) => e.type === 'checkpoint')).toHaveLength(6);
    expect(ctx.checkpoints.map((c) => c.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('resumes from a checkpoint to the same weights as an uninterrupted run', async () => {
    const a = mk();
    const ma = setup();
    await trainLoop(options(a, ma));
    const wa = weightsOf(ma);

    const b = mk();
    b.abortAfter('checkpoint', 2);
    const mb1 = setup();
    const r1 = await trainLoop(options(b, mb1));
    expect(r1.interrupted).toBe(true);
    expect(r1.epochs).toHaveLength(2);
    const b2 = b.retry();
    const mb2 = setup(99); // different init: everything must come from the checkpoint
    const r2 = await trainLoop(options(b2, mb2));
    expect(r2.resumedFrom).toBe(2);
    expect(r2.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    const wb = weightsOf(mb2);
    for (const [k, v] of wa) {
      const w = wb.get(k)!;
      let maxd = 0;
      for (let i = 0; i < v.length; i++) maxd = Math.max(maxd, Math.abs(v[i]! - w[i]!));
      expect(maxd, k).toBeLessThanOrEqual(1e-6);
    }
  });
});

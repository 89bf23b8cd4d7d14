import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildEncoder, buildSegmenter } from '../../../runtime/models/unet.js';
import { namedWeights } from '../../../runtime/models/weights.js';
import { trainLoop, warmupFreeze, type TrainLoopOptions } from '../../../runtime/train/loop.js';
import type { OptimizerSpec, EncoderSpec } from '../../../core/graph.js';
import { SslRuntimeError } from '../../../runtime/contract.js';
import { fakeContexts, type FakeContext } from '../../helpers/fake-context.js';
import type { Rng } from '../../../core/rng.js';

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
  const mk = fakeContexts();

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

describe('trainLoop: determinism, freezing, NaN policy, leaks', () => {
  const mk = fakeContexts();

  it('is deterministic: same seed → same step losses and weights; another seed differs', async () => {
    const run = async (seed: number) => {
      const ctx = mk();
      const model = setup();
      const r = await trainLoop(options(ctx, model, { epochs: 1, stepsPerEpoch: 3, seed, stepEventIntervalMs: 0 }));
      const losses = ctx.events.filter((e) => e.type === 'step').map((e) => (e as { loss: number }).loss);
      return { losses, w: weightsOf(model), r };
    };
    const a = await run(5), b = await run(5), c = await run(6);
    expect(a.losses).toHaveLength(3);
    expect(b.losses).toEqual(a.losses);
    expect(c.losses[0]).not.toEqual(a.losses[0]);
    for (const [k, v] of a.w) expect(Array.from(b.w.get(k)!), k).toEqual(Array.from(v));
  });

  it('warm-up freezing: encoder weights (and BN statistics) fixed during warm-up, trained after; fresh optimiser at unfreezing', async () => {
    const ctx = mk();
    const model = setup();
    const snaps: Array<Map<string, Float32Array>> = [weightsOf(model)];
    const r = await trainLoop(options(ctx, model, {
      epochs: 3, stepsPerEpoch: 2, frozenAt: warmupFreeze(2), freshOptimizerAt: [3],
      validate: async () => {
        snaps.push(weightsOf(model));
        return { val_dummy: 1 };
      },
    }));
    const changed = (a: Map<string, Float32Array>, b: Map<string, Float32Array>, prefix: string) =>
      [...a].filter(([k]) => k.startsWith(prefix)).some(([k, v]) => v.some((x, i) => x !== b.get(k)![i]));
    expect(changed(snaps[0]!, snaps[2]!, 'enc_')).toBe(false); // epochs 1–2 frozen
    expect(changed(snaps[0]!, snaps[2]!, 'dec_')).toBe(true);
    expect(changed(snaps[2]!, snaps[3]!, 'enc_')).toBe(true); // epoch 3 unfrozen
    expect(r.epochs.map((e) => e.frozen)).toEqual([['enc_'], ['enc_'], []]);
    expect(r.epochs[2]!.metrics['val_dummy']).toBe(1);
    expect(ctx.events.some((e) => e.type === 'info' && /epoch 3: frozen layers none/.test(e.message))).toBe(true);
    // layers are left trainable after the loop
    expect(model.layers.every((l) => l.trainable)).toBe(true);
  });

  it('onNaN stop → SSL136 naming epoch and step; the previous checkpoint is kept', async () => {
    const ctx = mk();
    const model = setup();
    const o = options(ctx, model, { epochs: 3, stepsPerEpoch: 3 });
    const base = o.step;
    o.step = (s, b) => (s.epoch === 2 && s.step === 1 ? tf.scalar(NaN) as tf.Scalar : base(s, b));
    // a NaN loss that does not depend on the variables cannot be differentiated: make it depend
    o.step = (s, b) => {
      const l = base(s, b);
      return s.epoch === 2 && s.step === 1 ? tf.mul(l, NaN) as tf.Scalar : l;
    };
    const err = await trainLoop(o).then(() => null, (e: unknown) => e as SslRuntimeError);
    expect(err).toBeInstanceOf(SslRuntimeError);
    expect(err!.code).toBe('SSL136');
    expect(err!.message).toMatch(/epoch 2 step 2/);
    expect(ctx.checkpoints.map((c) => c.epoch)).toEqual([1]);
  });

  it('onNaN retry-lower-lr → warning, lr/10, epoch redone from its start; a second NaN → SSL137', async () => {
    const ctx = mk();
    const model = setup();
    let nans = 0;
    const o = options(ctx, model, { epochs: 2, stepsPerEpoch: 2, onNaN: 'retry-lower-lr' });
    const base = o.step;
    o.step = (s, b) => {
      const l = base(s, b);
      if (s.epoch === 2 && s.step === 1 && nans === 0) {
        nans++;
        return tf.mul(l, Infinity) as tf.Scalar;
      }
      return l;
    };
    const r = await trainLoop(o);
    expect(r.interrupted).toBe(false);
    expect(r.lr).toBeCloseTo(1e-3, 10);
    expect(r.epochs.map((e) => e.lr)).toEqual([1e-2, 1e-3]);
    const warn = ctx.events.find((e) => e.type === 'warning');
    expect(warn && 'message' in warn ? warn.message : '').toMatch(/epoch 2 step 2.*learning rate 0\.001/);

    const ctx2 = mk();
    const o2 = options(ctx2, setup(), { epochs: 2, stepsPerEpoch: 2, onNaN: 'retry-lower-lr' });
    const base2 = o2.step;
    o2.step = (s, b) => (s.epoch === 1 && s.step === 1 ? tf.mul(base2(s, b), NaN) as tf.Scalar : base2(s, b));
    const err = await trainLoop(o2).then(() => null, (e: unknown) => e as SslRuntimeError);
    expect(err?.code).toBe('SSL137');
  });

  it('rejects a non-scalar loss with SSL139, throttles step events, records step metrics', async () => {
    const ctx = mk();
    const model = setup();
    const bad = options(ctx, model, { epochs: 1, stepsPerEpoch: 1 });
    bad.step = (_s, b) => model.apply(b.x, { training: true }) as tf.Scalar;
    expect((await trainLoop(bad).then(() => null, (e: unknown) => e as SslRuntimeError))?.code).toBe('SSL139');

    const ctx2 = mk();
    const o = options(ctx2, model, { epochs: 1, stepsPerEpoch: 5, stepEventIntervalMs: 60_000 });
    const base = o.step;
    o.step = (s, b) => {
      s.record('acc', tf.scalar(s.step));
      return base(s, b);
    };
    const r = await trainLoop(o);
    const steps = ctx2.events.filter((e) => e.type === 'step');
    expect(steps.map((e) => (e as { step: number }).step)).toEqual([1, 5]); // first (interval elapsed since 0) and last
    expect(r.epochs[0]!.metrics['train_acc']).toBeCloseTo(2, 6);
  });

  it('does not leak tensors across epochs', async () => {
    const ctx = mk();
    const model = setup();
    const counts: number[] = [];
    await trainLoop(options(ctx, model, {
      epochs: 4, stepsPerEpoch: 2,
      validate: async () => {
        counts.push(tf.memory().numTensors);
        return {};
      },
    }));
    // after the first epoch (optimiser slots created) the count is flat
    expect(new Set(counts.slice(1)).size).toBe(1);
  });
});

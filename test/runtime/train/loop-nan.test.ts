// #17.11 NaN policy: the watch covers a NaN validation loss and an exploding (absurd) training
// loss, not only a NaN training loss; a retry restores the last good weights (the start of the
// bad epoch), never the diverged ones. Injected NaNs on a tiny 2D U-Net.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildEncoder, buildSegmenter } from '../../../runtime/models/unet.js';
import { trainLoop, EXPLODING_FACTOR, type TrainLoopOptions } from '../../../runtime/train/loop.js';
import type { OptimizerSpec, EncoderSpec } from '../../../core/graph.js';
import { SslRuntimeError } from '../../../runtime/contract.js';
import { fakeContexts, type FakeContext } from '../../helpers/fake-context.js';

const spec: EncoderSpec = { kind: 'unet2d', levels: 2, filters: [4, 8], block: 'plain', norm: 'batch', dropout: 0, finalPool: 'none', upsample: 'transpose' };
const adam: OptimizerSpec = { kind: 'adam', lr: 1e-2, beta1: 0.9, beta2: 0.999, momentum: 0, weightDecay: 0, clipNorm: null };
type B = { x: tf.Tensor4D; y: tf.Tensor4D };

const model = (seed = 3) => buildSegmenter(buildEncoder(spec, [8, 8, 1], seed), 2, seed + 1, 'transpose');
const firstKernel = (m: tf.LayersModel): Float32Array => Float32Array.from(m.trainableWeights[0]!.read().dataSync() as Float32Array);
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i]);

function options(ctx: FakeContext, m: tf.LayersModel, over: Partial<TrainLoopOptions<B>> = {}): TrainLoopOptions<B> {
  return {
    ctx, node: 'test:nan', seed: 5, epochs: 3, stepsPerEpoch: 2, batchSize: 2, model: m, optimizer: adam, onNaN: 'retry-lower-lr',
    prepare: (rng) => {
      const x = tf.tensor4d(Array.from({ length: 2 * 64 }, () => rng.normal(0, 1)), [2, 8, 8, 1]);
      const y = tf.oneHot(tf.tensor1d(Array.from({ length: 2 * 64 }, () => rng.intIn(0, 1)), 'int32'), 2).reshape([2, 8, 8, 2]) as tf.Tensor4D;
      return { x, y };
    },
    step: (_s, b) => tf.losses.softmaxCrossEntropy(b.y, tf.log(tf.clipByValue(m.apply(b.x, { training: true }) as tf.Tensor, 1e-7, 1))) as tf.Scalar,
    ...over,
  };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('NaN policy covers validation and exploding losses (#17.11)', () => {
  const mk = fakeContexts();

  it('a NaN validation loss fires retry-lower-lr, which restores the last good weights (start of the epoch), not the diverged ones', async () => {
    const ctx = mk();
    const m = model();
    const starts: Array<{ epoch: number; w: Float32Array }> = [];
    let endOfBadEpoch: Float32Array | null = null;
    let injected = false;
    const o = options(ctx, m);
    const prepare = o.prepare!;
    o.prepare = (rng, epoch, step) => {
      if (step === 0) starts.push({ epoch, w: firstKernel(m) });
      return prepare(rng, epoch, step);
    };
    o.validate = async (epoch) => {
      if (epoch === 2 && !injected) {
        injected = true;
        endOfBadEpoch = firstKernel(m); // the weights the bad epoch ended with
        return { val_loss: NaN };
      }
      return { val_loss: 0.7 };
    };
    const r = await trainLoop(o);
    expect(r.interrupted).toBe(false);
    expect(r.epochs.map((e) => e.lr)).toEqual([1e-2, 1e-3, 1e-3]);
    const e2 = starts.filter((s) => s.epoch === 2);
    expect(e2).toHaveLength(2); // the epoch ran twice
    expect(same(e2[1]!.w, e2[0]!.w)).toBe(true); // the retry started from the epoch's start weights …
    expect(same(e2[1]!.w, endOfBadEpoch!)).toBe(false); // … not from the weights the bad epoch left
    const warn = ctx.events.find((e) => e.type === 'warning');
    expect(warn && 'message' in warn ? warn.message : '').toMatch(/validation loss val_loss became NaN after epoch 2 .*restored the weights of the start of epoch 2 \(the last good ones\).*learning rate 0\.001/);
    expect(ctx.checkpoints.map((c) => c.epoch)).toEqual([1, 2, 3]);
    expect(r.epochs.every((e) => Number.isFinite(e.metrics['val_loss']))).toBe(true);
  });

  it('onNaN stop: a NaN validation loss stops with SSL136 and the bad epoch is not checkpointed', async () => {
    const ctx = mk();
    const m = model();
    const o = options(ctx, m, { onNaN: 'stop', validate: async (epoch) => ({ val_loss: epoch === 2 ? NaN : 0.7, val_acc: 0.5 }) });
    const err = await trainLoop(o).then(() => null, (e: unknown) => e as SslRuntimeError);
    expect(err).toBeInstanceOf(SslRuntimeError);
    expect(err!.code).toBe('SSL136');
    expect(err!.message).toMatch(/validation loss val_loss became NaN after epoch 2/);
    expect(ctx.checkpoints.map((c) => c.epoch)).toEqual([1]);
  });

  it('a NaN validation metric that is not a loss (QWK on one grade) is not a divergence', async () => {
    const ctx = mk();
    const o = options(ctx, model(), { epochs: 2, onNaN: 'stop', validate: async () => ({ val_qwk: NaN }) });
    const r = await trainLoop(o);
    expect(r.epochs).toHaveLength(2);
  });

  it(`an exploding finite loss (over ${EXPLODING_FACTOR} × the first) is caught like a NaN: stop → SSL136, retry → lr / 10`, async () => {
    const explode = (o: TrainLoopOptions<B>, once: { done: boolean }) => {
      const base = o.step;
      o.step = (s, b) => {
        const l = base(s, b);
        if (s.epoch === 2 && s.step === 1 && !once.done) {
          once.done = true;
          return tf.mul(l, 3.1e23) as tf.Scalar;
        }
        return l;
      };
      return o;
    };
    const ctx = mk();
    const err = await trainLoop(explode(options(ctx, model(), { onNaN: 'stop' }), { done: false })).then(() => null, (e: unknown) => e as SslRuntimeError);
    expect(err?.code).toBe('SSL136');
    expect(err!.message).toMatch(/loss exploded to \d\.\d+e\+23 \(the first loss was [\d.]+; above 10000 counts as diverging\) at epoch 2 step 2 of 2/);
    const ctx2 = mk();
    const r = await trainLoop(explode(options(ctx2, model()), { done: false }));
    expect(r.lr).toBeCloseTo(1e-3, 10);
    expect(r.epochs.every((e) => e.loss < 100)).toBe(true);
  });
});

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Optimizer } from '../../../runtime/train/optim.js';
import { trainLoop } from '../../../runtime/train/loop.js';
import { denseHead } from '../../../runtime/models/heads.js';
import { namedWeights } from '../../../runtime/models/weights.js';
import type { OptimizerSpec } from '../../../core/graph.js';
import { fakeContext, type FakeContext } from '../../helpers/fake-context.js';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

const base: OptimizerSpec = { kind: 'adam', lr: 0.1, beta1: 0.9, beta2: 0.999, momentum: 0, weightDecay: 0, clipNorm: null };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Optimizer', () => {
  const run = (spec: OptimizerSpec, w0: number[][], grads: number[][][]) => {
    const v = tf.variable(tf.tensor2d(w0));
    const o = new Optimizer(spec);
    for (const g of grads) {
      const gt = tf.tensor2d(g);
      o.apply([{ name: 'w', variable: v }], [gt]);
      gt.dispose();
    }
    const out = v.arraySync();
    v.dispose();
    o.dispose();
    return out;
  };

  it('Adam: first step moves every weight by lr against the gradient sign (bias-corrected)', () => {
    const w = run(base, [[1, 2]], [[[0.5, -3]]]);
    expect(w[0]![0]).toBeCloseTo(0.9, 5);
    expect(w[0]![1]).toBeCloseTo(2.1, 5);
  });

  it('SGD with momentum follows v ← μv + g, w ← w − lr·v', () => {
    const w = run({ ...base, kind: 'sgd', momentum: 0.5 }, [[1]], [[[1]], [[1]]]);
    // step 1: v = 1, w = 0.9; step 2: v = 1.5, w = 0.75
    expect(w[0]![0]).toBeCloseTo(0.75, 6);
  });

  it('clipNorm rescales each gradient tensor to norm ≤ clipNorm (Keras clipnorm)', () => {
    const w = run({ ...base, kind: 'sgd', clipNorm: 1 }, [[0, 0]], [[[3, 4]]]);
    expect(w[0]![0]).toBeCloseTo(-0.06, 6);
    expect(w[0]![1]).toBeCloseTo(-0.08, 6);
    const small = run({ ...base, kind: 'sgd', clipNorm: 10 }, [[0, 0]], [[[3, 4]]]);
    expect(small[0]![0]).toBeCloseTo(-0.3, 6);
  });

  it('weight decay: L2 for SGD, decoupled for Adam, kernels (rank ≥ 2) only', () => {
    const sgd = run({ ...base, kind: 'sgd', weightDecay: 0.5 }, [[2]], [[[0]]]);
    expect(sgd[0]![0]).toBeCloseTo(2 - 0.1 * 0.5 * 2, 6);
    const adam = run({ ...base, weightDecay: 0.5 }, [[2]], [[[1]]]);
    expect(adam[0]![0]).toBeCloseTo(2 - 0.1 * (1 + 0.5 * 2), 5);
    const bias = tf.variable(tf.tensor1d([2]));
    const o = new Optimizer({ ...base, kind: 'sgd', weightDecay: 0.5 });
    o.apply([{ name: 'b', variable: bias }], [tf.tensor1d([0])]);
    expect(bias.dataSync()[0]).toBe(2);
  });

  it('keeps slots by name across a changing trainable set and restores state exactly', () => {
    const a = tf.variable(tf.tensor2d([[1]])), b = tf.variable(tf.tensor2d([[1]]));
    const o = new Optimizer(base);
    const g = tf.tensor2d([[1]]);
    o.apply([{ name: 'b', variable: b }], [g]);
    o.apply([{ name: 'a', variable: a }, { name: 'b', variable: b }], [g, g]);
    expect(o.getMeta().steps).toEqual({ b: 2, a: 1 });
    // a's first update is a plain first Adam step (own step count): −lr
    expect(a.dataSync()[0]).toBeCloseTo(0.9, 5);
    const state = new Map(o.getState().map((s) => [s.name, { shape: [...s.tensor.shape], data: Float32Array.from(s.tensor.dataSync()) }]));
    const meta = o.getMeta();
    const o2 = new Optimizer(base);
    o2.setState(state, meta);
    const a2 = tf.variable(a.clone()), b2 = tf.variable(b.clone());
    o.apply([{ name: 'a', variable: a }, { name: 'b', variable: b }], [g, g]);
    o2.apply([{ name: 'a', variable: a2 }, { name: 'b', variable: b2 }], [g, g]);
    expect(a2.dataSync()[0]).toBe(a.dataSync()[0]);
    expect(b2.dataSync()[0]).toBe(b.dataSync()[0]);
    tf.dispose([a, b, a2, b2, g]);
    o.dispose();
    o2.dispose();
  });
});

describe('trainLoop with extra models, extra state and a mid-epoch abort', () => {
  const ctxs: FakeContext[] = [];
  afterAll(() => ctxs.forEach((c) => c.cleanup()));

  it('checkpoints extra models and extra state; an abort mid-epoch saves nothing partial and resume finishes', async () => {
    const make = () => ({ a: denseHead(3, 4, 2, 1, 'ha_'), b: denseHead(2, 0, 1, 2, 'hb_') });
    const x = tf.tensor2d([[1, 2, 3], [0, -1, 1]]);
    const y = tf.tensor2d([[0.5], [-0.5]]);
    let counter = 0;
    const opts = (ctx: FakeContext, m: ReturnType<typeof make>) => ({
      ctx, node: 'test:extra', seed: 3, epochs: 3, stepsPerEpoch: 4, model: m.a, extraModels: [m.b], optimizer: base, onNaN: 'stop' as const,
      step: () => {
        counter++;
        const h = m.a.apply(x, { training: true }) as tf.Tensor;
        return tf.losses.meanSquaredError(y, m.b.apply(h, { training: true }) as tf.Tensor) as tf.Scalar;
      },
      extraState: {
        save: async (dir: string) => fs.writeFile(path.join(dir, 'counter.json'), JSON.stringify({ counter })),
        load: async (dir: string) => {
          counter = (JSON.parse(await fs.readFile(path.join(dir, 'counter.json'), 'utf8')) as { counter: number }).counter;
        },
      },
    });
    const full = make();
    const c0 = fakeContext();
    ctxs.push(c0);
    counter = 0;
    await trainLoop(opts(c0, full));
    const wantB = Array.from(namedWeights(full.b).get('hb_out/kernel')!.read().dataSync());
    expect(counter).toBe(12);

    const c1 = fakeContext();
    ctxs.push(c1);
    c1.abortAfter('step', 6); // steps emitted every time (interval 0 below) → abort inside epoch 2
    counter = 0;
    const m1 = make();
    const r1 = await trainLoop({ ...opts(c1, m1), stepEventIntervalMs: 0 });
    expect(r1.interrupted).toBe(true);
    expect(c1.checkpoints.map((c) => c.epoch)).toEqual([1]);
    counter = -100; // must be restored from the checkpoint's extra state
    const m2 = make();
    const r2 = await trainLoop(opts(c1.retry(), m2));
    expect(r2.resumedFrom).toBe(1);
    expect(counter).toBe(12);
    expect(Array.from(namedWeights(m2.b).get('hb_out/kernel')!.read().dataSync())).toEqual(wantB);
    tf.dispose([x, y]);
  });
});

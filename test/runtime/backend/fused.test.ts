// The training-step fusions of the native backend against tfjs `cpu`: softmax and its one-pass
// gradient, the one-pass ReLU gradient, the fused Adam update, the C++ dropout mask (bit-identical
// to the JS stream) and the chunked reductions (bit-identical for any thread count).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAddon } from '../../../runtime/backend/addon.js';
import { nativeAvailable, selectBackend } from '../../../runtime/backend/index.js';
import { Rng, counterKeys, counterU32 } from '../../../core/rng.js';
import { Optimizer } from '../../../runtime/train/optim.js';
import type { OptimizerSpec } from '../../../core/graph.js';
import { maxRelErr } from '../../helpers/rel-err.js';
import { setPoisonOutputs } from '../../../runtime/backend/out-buffer.js';

// Native outputs allocated without zero-fill start as NaN here: an element a kernel does not write fails the comparison.
setPoisonOutputs(true);

const rng = new Rng(99);
function rand(n: number, scale = 1): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (rng.next() * 2 - 1) * scale;
  return v;
}
const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);

/** Run fn on native and cpu with the same inputs; max relative error over all outputs. */
function relErr(fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], inputs: Array<{ shape: number[]; values: Float32Array }>): number {
  const run = (backend: string): Float32Array[] => {
    tf.setBackend(backend);
    return tf.tidy(() => {
      const out = fn(...inputs.map((i) => tf.tensor(i.values, i.shape)));
      return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
    });
  };
  const a = run('native'), b = run('cpu');
  tf.setBackend('native');
  return maxRelErr(a, b);
}
const inp = (shape: number[], scale = 1) => ({ shape, values: rand(size(shape), scale) });

/** The kernels one forward call of a fresh `layer` on `x` runs (its weights disposed after). */
async function kernelsOf(layer: tf.layers.Layer, x: Float32Array, shape: number[]): Promise<string[]> {
  const xt = tf.tensor(x, shape);
  const info = await tf.profile(() => layer.apply(xt) as tf.Tensor);
  tf.dispose([xt, info.result as tf.Tensor]);
  layer.weights.forEach((w) => w.dispose());
  return info.kernelNames;
}

describe.runIf(nativeAvailable())('native training-step fusions match tfjs cpu', () => {
  beforeAll(async () => {
    await selectBackend('native');
  });
  afterAll(() => {
    loadAddon().addon!.setThreads(Math.max(1, Number(process.env.SSL3D_THREADS) || 2));
  });

  it('softmax over the last axis and its gradient (odd sizes, batch > 1)', () => {
    for (const shape of [[2, 7, 6, 9, 4], [3, 5, 5, 3], [2, 31, 33], [1, 17]]) {
      expect(relErr((x) => tf.softmax(x), [inp(shape, 5)])).toBeLessThan(1e-5);
      const g = (x: tf.Tensor, dy: tf.Tensor) => tf.grads((xx: tf.Tensor) => tf.softmax(xx).mul(dy).sum())([x]);
      expect(relErr(g, [inp(shape, 5), inp(shape)])).toBeLessThan(1e-5);
    }
    // the segmenter's loss path: a conv output, softmax, clipped log cross-entropy
    const ce = (z: tf.Tensor, y: tf.Tensor) =>
      tf.grads((zz: tf.Tensor) => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.clipByValue(tf.softmax(zz), 1e-7, 1))), -1))))([z]);
    expect(relErr(ce, [inp([2, 9, 8, 7, 4], 3), inp([2, 9, 8, 7, 4])])).toBeLessThan(1e-5);
  });

  it('ReLU gradient in one pass, including exact zeros and a conv + bias + relu chain', () => {
    const x = inp([2, 9, 7, 11, 5]);
    for (let i = 0; i < x.values.length; i += 7) x.values[i] = 0;
    const g = (xx: tf.Tensor, dy: tf.Tensor) => tf.grads((t: tf.Tensor) => tf.relu(t).mul(dy).sum())([xx]);
    expect(relErr(g, [x, inp(x.shape)])).toBe(0);
    const chain = (xx: tf.Tensor, w: tf.Tensor, b: tf.Tensor, dy: tf.Tensor) =>
      tf.grads((a: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.relu(tf.add(tf.conv3d(a as tf.Tensor5D, ww as tf.Tensor5D, 1, 'same'), bb)).mul(dy).sum())([xx, w, b]);
    expect(relErr(chain, [inp([2, 7, 6, 5, 3]), inp([3, 3, 3, 3, 6]), inp([6]), inp([2, 7, 6, 5, 6])])).toBeLessThan(1e-4);
  });

  it('fused Adam matches the tfjs-op Adam over 3 steps (with and without weight decay) and repeats bit for bit', () => {
    for (const weightDecay of [0, 0.01]) {
      const spec = { kind: 'adam', lr: 1e-2, beta1: 0.9, beta2: 0.999, momentum: 0, weightDecay, clipNorm: null } as unknown as OptimizerSpec;
      const shapes = [[3, 3, 3, 5, 7], [7], [40000]];
      const w0 = shapes.map((s) => rand(size(s)));
      const gs = [0, 1, 2].map(() => shapes.map((s) => rand(size(s))));
      const train = (backend: string): Float32Array[] => {
        tf.setBackend(backend);
        const opt = new Optimizer(spec);
        const vars = shapes.map((s, i) => ({ name: `v${i}`, variable: tf.tidy(() => tf.variable(tf.tensor(w0[i]!, s), true, `adam_${backend}_${weightDecay}_${i}_${Math.random()}`)) }));
        for (const step of gs) {
          const g = step.map((v, i) => tf.tensor(v, shapes[i]!));
          opt.apply(vars, g);
          tf.dispose(g);
        }
        const out = vars.map((v) => v.variable.dataSync().slice() as Float32Array);
        const state = opt.getState().map((s) => s.tensor.dataSync().slice() as Float32Array);
        vars.forEach((v) => v.variable.dispose());
        opt.dispose();
        return [...out, ...state];
      };
      const before = tf.memory().numTensors;
      const a = train('native'), a2 = train('native'), b = train('cpu');
      tf.setBackend('native');
      expect(tf.memory().numTensors).toBe(before);
      a.forEach((av, k) => {
        expect(Array.from(av)).toEqual(Array.from(a2[k]!));
        const bv = b[k]!;
        let err = 0, scale = 1e-6;
        for (let i = 0; i < bv.length; i++) scale = Math.max(scale, Math.abs(bv[i]!));
        for (let i = 0; i < bv.length; i++) err = Math.max(err, Math.abs(av[i]! - bv[i]!) / scale);
        expect(err).toBeLessThan(1e-5);
      });
    }
  });

  it('the C++ dropout mask is bit-identical to the JS counter stream, for any thread count', () => {
    const addon = loadAddon().addon!;
    const saved = addon.threads();
    try {
      for (const [seed, rate, n] of [[1, 0.5, 5000], [0xdeadbeef, 0.3, 100_007], [4294967295, 0.9, 4096]] as const) {
        const keep = 1 / (1 - rate);
        const threshold = Math.floor(rate * 4294967296);
        const k = counterKeys(seed);
        const js = new Float32Array(n);
        for (let i = 0; i < n; i++) js[i] = counterU32(k, i) >= threshold ? keep : 0;
        for (const threads of [1, 3]) {
          addon.setThreads(threads);
          const c = new Float32Array(n);
          addon.dropoutMask(c, seed, threshold, keep);
          expect(Buffer.from(c.buffer).equals(Buffer.from(js.buffer))).toBe(true);
        }
      }
    } finally {
      addon.setThreads(saved);
    }
  });

  it('reductions match cpu and are bit-identical for 1, 2 and 3 threads', () => {
    const addon = loadAddon().addon!;
    const x = inp([3, 17, 19, 23, 6]);
    const cases: Array<(t: tf.Tensor) => tf.Tensor> = [
      (t) => tf.sum(t, [0, 1, 2, 3]), (t) => tf.mean(t, [1, 2, 3]), (t) => tf.sum(t, -1, true), (t) => tf.max(t, [0, 2]),
      (t) => tf.min(t, [1, 3]), (t) => tf.sum(t), (t) => tf.mean(t, [0, 4]), (t) => tf.max(t, -1),
    ];
    for (const f of cases) expect(relErr(f, [x])).toBeLessThan(1e-5);
    const bits = (threads: number): string[] => {
      addon.setThreads(threads);
      return tf.tidy(() => cases.map((f) => Buffer.from((f(tf.tensor(x.values, x.shape)).dataSync() as Float32Array).buffer).toString('hex')));
    };
    const one = bits(1);
    expect(bits(2)).toEqual(one);
    expect(bits(3)).toEqual(one);
  });
});

describe.runIf(nativeAvailable())('Conv3D layer with fused bias + ReLU', () => {
  it('matches the tfjs layer (cpu) in value and in gradients for x, kernel and bias; keeps class name and weights', async () => {
    const { FusedConv3D } = await import('../../../runtime/models/layers.js');
    await selectBackend('native');
    for (const [shape, filters, strides, padding] of [[[2, 7, 6, 9, 3], 5, 1, 'same'], [[3, 8, 7, 6, 4], 17, 2, 'valid']] as const) {
      const x = rand(size([...shape]));
      const dy = rand(10_000);
      const run = (backend: string): Float32Array[] => {
        tf.setBackend(backend);
        const layer = new FusedConv3D({ filters, kernelSize: 3, strides, padding, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 5 }), biasInitializer: tf.initializers.randomNormal({ seed: 6 }), name: `fc_${backend}_${filters}` });
        const out = tf.tidy(() => {
          const xt = tf.tensor(x, [...shape]);
          layer.build(xt.shape);
          const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
          const f = () => {
            const y = layer.apply(xt) as tf.Tensor;
            return tf.sum(tf.mul(y, tf.tensor(dy.subarray(0, y.size), y.shape))) as tf.Scalar;
          };
          const y = layer.apply(xt) as tf.Tensor;
          const { grads } = tf.variableGrads(f, vars);
          const gx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(layer.apply(a) as tf.Tensor, tf.tensor(dy.subarray(0, y.size), y.shape))))(xt);
          return [y, gx, ...vars.map((v) => grads[v.name]!)].map((t) => t.dataSync().slice() as Float32Array);
        });
        expect(layer.getClassName()).toBe('Conv3D');
        expect(layer.trainableWeights.map((w) => w.originalName.split('/').pop())).toEqual(['kernel', 'bias']);
        layer.weights.forEach((w) => w.dispose());
        return out;
      };
      // The native layer takes the fused path: no separate bias Add or Relu kernel runs.
      tf.setBackend('native');
      const names = await kernelsOf(new FusedConv3D({ filters, kernelSize: 3, strides, padding, activation: 'relu', name: `probe_${filters}` }), x, [...shape]);
      expect(names).toContain('Conv3D');
      expect(names).not.toContain('Relu');
      expect(names).not.toContain('Add');
      const before = tf.memory().numTensors;
      const a = run('native'), b = run('cpu');
      tf.setBackend('native');
      expect(tf.memory().numTensors).toBe(before);
      a.forEach((av, k) => {
        const bv = b[k]!;
        let err = 0, scale = 1e-6;
        for (let i = 0; i < bv.length; i++) scale = Math.max(scale, Math.abs(bv[i]!));
        for (let i = 0; i < bv.length; i++) err = Math.max(err, Math.abs(av[i]! - bv[i]!) / scale);
        expect(err).toBeLessThan(1e-4);
      });
    }
  });
});

describe.runIf(nativeAvailable())('ConvTranspose layer through conv3dTranspose on native', () => {
  it('matches the matMul + pixel-shuffle path on cpu in value and in gradients for x, kernel and bias', async () => {
    const { ConvTranspose } = await import('../../../runtime/models/layers.js');
    await selectBackend('native');
    for (const [shape, filters] of [[[2, 3, 4, 5, 6], 4], [[1, 2, 3, 2, 17], 9]] as const) {
      const x = rand(size([...shape]));
      const outSize = shape[0] * shape[1] * 2 * shape[2] * 2 * shape[3] * 2 * filters;
      const dy = rand(outSize);
      const bias = rand(filters);
      const run = (backend: string): Float32Array[] => {
        tf.setBackend(backend);
        const layer = new ConvTranspose({ filters, seed: 11, name: `ct_${backend}_${filters}` });
        const out = tf.tidy(() => {
          const xt = tf.tensor(x, [...shape]);
          layer.build(xt.shape);
          // a non-zero bias so that its gradient path and the add are both exercised
          layer.weights[1]!.write(tf.tensor(bias));
          const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
          const dyt = tf.tensor(dy, [shape[0], shape[1] * 2, shape[2] * 2, shape[3] * 2, filters]);
          const y = layer.apply(xt) as tf.Tensor;
          const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(xt) as tf.Tensor, dyt)) as tf.Scalar, vars);
          const gx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(layer.apply(a) as tf.Tensor, dyt)))(xt);
          return [y, gx, ...vars.map((v) => grads[v.name]!)].map((t) => t.dataSync().slice() as Float32Array);
        });
        layer.weights.forEach((w) => w.dispose());
        return out;
      };
      tf.setBackend('native');
      const names = await kernelsOf(new ConvTranspose({ filters, seed: 3, name: `ctprobe_${filters}` }), x, [...shape]);
      expect(names).toContain('Conv3DBackpropInputV2');
      expect(names).not.toContain('BatchMatMul');
      const before = tf.memory().numTensors;
      const a = run('native'), b = run('cpu');
      tf.setBackend('native');
      expect(tf.memory().numTensors).toBe(before);
      expect(a.map((v) => v.length)).toEqual(b.map((v) => v.length));
      expect(maxRelErr(a, b)).toBeLessThan(1e-5);
    }
  });
});

describe.runIf(nativeAvailable())('native output arrays are recycled after disposal, never once read', () => {
  it('reuses a disposed conv output; an array returned by dataSync() keeps its values after disposal', async () => {
    const { outBufferStats } = await import('../../../runtime/backend/out-buffer.js');
    await selectBackend('native');
    const x = tf.tensor(rand(2 * 8 * 8 * 8 * 16), [2, 8, 8, 8, 16]) as tf.Tensor5D;
    const w = tf.tensor(rand(27 * 16 * 16, 0.2), [3, 3, 3, 16, 16]) as tf.Tensor5D;
    const ref = tf.conv3d(x, w, 1, 'same');
    const expected = ref.dataSync().slice();
    // read out, then disposed: the array belongs to the caller now and must never be reused
    const kept = ref.dataSync();
    ref.dispose();
    const r0 = outBufferStats().recycled;
    // a chain of same-sized outputs: each disposed one is reused by the next
    for (let i = 0; i < 4; i++) {
      const y = tf.conv3d(x, w, 1, 'same');
      const z = tf.relu(y);
      y.dispose();
      z.dispose();
    }
    expect(outBufferStats().recycled).toBeGreaterThan(r0);
    expect(Buffer.from(kept.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    // a recycled array is a correct output again (poisoned with NaN in between under the tests)
    const again = tf.conv3d(x, w, 1, 'same');
    expect(maxRelErr([again.dataSync()], [expected])).toBe(0);
    // a contiguous slice is a view of its source: the source must not be recycled under it
    const srcVals = tf.tidy(() => tf.relu(x).dataSync().slice());
    const src = tf.relu(x); // never read: only the view holds its array
    const view = tf.slice(src, [1, 0, 0, 0, 0], [1, 8, 8, 8, 16]);
    src.dispose();
    for (let i = 0; i < 3; i++) tf.relu(x).dispose();
    expect(maxRelErr([view.dataSync()], [srcVals.subarray(8 * 8 * 8 * 16)])).toBe(0);
    tf.dispose([x, w, again, view]);
  });
});

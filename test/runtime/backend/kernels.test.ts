// Every native kernel against tfjs `cpu` on random shapes: odd sizes, channel counts that are not
// multiples of 16, batch > 1, stride 2, 'same' and 'valid'. Max relative error ≤ 1e-4.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fusedNorm, nativeAvailable, selectBackend } from '../../../runtime/backend/index.js';
import { Rng } from '../../../core/rng.js';
import { maxRelErr } from '../../helpers/rel-err.js';
import { setPoisonOutputs } from '../../../runtime/backend/out-buffer.js';

// Native outputs allocated without zero-fill start as NaN here: an element a kernel does not write fails the comparison.
setPoisonOutputs(true);

const rng = new Rng(1234);
function rand(shape: number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.next() * 2 - 1;
  return v;
}

/** Run `fn` on both backends with the same input values; return max |a-b| / max(|b|, tiny). */
function compare(fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], inputs: Array<{ shape: number[]; values: Float32Array }>): number {
  const run = (backend: string): Float32Array[] => {
    tf.setBackend(backend);
    return tf.tidy(() => {
      const xs = inputs.map((i) => tf.tensor(i.values, i.shape));
      const out = fn(...xs);
      return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
    });
  };
  const a = run('native');
  const b = run('cpu');
  return maxRelErr(a, b);
}
const inp = (shape: number[]) => ({ shape, values: rand(shape) });

describe.runIf(nativeAvailable())('native kernels match tfjs cpu', () => {
  beforeAll(async () => {
    await selectBackend('native');
  });

  const conv3dCases: Array<{ x: number[]; k: number[]; s: number; pad: 'same' | 'valid' }> = [
    { x: [2, 7, 6, 9, 3], k: [3, 3, 3, 3, 5], s: 1, pad: 'same' },
    { x: [1, 8, 8, 8, 17], k: [3, 3, 3, 17, 20], s: 1, pad: 'same' },
    { x: [2, 9, 7, 8, 4], k: [3, 3, 3, 4, 33], s: 2, pad: 'same' },
    { x: [2, 8, 8, 8, 16], k: [2, 2, 2, 16, 8], s: 2, pad: 'valid' },
    { x: [3, 6, 7, 5, 2], k: [3, 2, 3, 2, 7], s: 1, pad: 'valid' },
    { x: [1, 5, 6, 7, 1], k: [1, 1, 1, 1, 4], s: 1, pad: 'same' },
    { x: [2, 10, 9, 11, 6], k: [3, 3, 3, 6, 9], s: 2, pad: 'valid' },
  ];
  for (const c of conv3dCases) {
    it(`conv3d ${c.x} * ${c.k} stride ${c.s} ${c.pad}: forward and both gradients`, () => {
      const f = (x: tf.Tensor, w: tf.Tensor) => tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, c.s, c.pad);
      expect(compare(f, [inp(c.x), inp(c.k)])).toBeLessThan(1e-4);
      const g = (x: tf.Tensor, w: tf.Tensor, dy: tf.Tensor) =>
        tf.grads((xx: tf.Tensor, ww: tf.Tensor) => f(xx, ww).mul(dy).sum())([x, w]);
      const yShape = tf.tidy(() => f(tf.zeros(c.x), tf.zeros(c.k)).shape);
      expect(compare(g, [inp(c.x), inp(c.k), inp(yShape)])).toBeLessThan(1e-4);
    });
  }

  it('conv3dTranspose (decoder up-sampling, stride 2) matches', () => {
    const f = (x: tf.Tensor, w: tf.Tensor) =>
      tf.conv3dTranspose(x as tf.Tensor5D, w as tf.Tensor5D, [2, 8, 10, 6, 5], 2, 'same');
    expect(compare(f, [inp([2, 4, 5, 3, 12]), inp([2, 2, 2, 5, 12])])).toBeLessThan(1e-4);
    const g = (x: tf.Tensor, w: tf.Tensor) => tf.grads((xx: tf.Tensor, ww: tf.Tensor) => f(xx, ww).square().sum())([x, w]);
    expect(compare(g, [inp([2, 4, 5, 3, 12]), inp([2, 2, 2, 5, 12])])).toBeLessThan(1e-4);
  });

  const conv2dCases: Array<{ x: number[]; k: number[]; s: number; pad: 'same' | 'valid' }> = [
    { x: [2, 13, 11, 5], k: [3, 3, 5, 19], s: 1, pad: 'same' },
    { x: [3, 12, 9, 8], k: [3, 3, 8, 16], s: 2, pad: 'same' },
    { x: [2, 10, 10, 3], k: [5, 4, 3, 6], s: 2, pad: 'valid' },
  ];
  for (const c of conv2dCases) {
    it(`conv2d ${c.x} * ${c.k} stride ${c.s} ${c.pad}: forward, fused bias+relu and gradients`, () => {
      const f = (x: tf.Tensor, w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.s, c.pad);
      expect(compare(f, [inp(c.x), inp(c.k)])).toBeLessThan(1e-4);
      const fused = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
        tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: c.s, pad: c.pad, bias: b, activation: 'relu' });
      expect(compare(fused, [inp(c.x), inp(c.k), inp([c.k[3]!])])).toBeLessThan(1e-4);
      const g = (x: tf.Tensor, w: tf.Tensor) => tf.grads((xx: tf.Tensor, ww: tf.Tensor) => f(xx, ww).square().sum())([x, w]);
      expect(compare(g, [inp(c.x), inp(c.k)])).toBeLessThan(1e-4);
    });
  }

  it('pools 3D and 2D (max, avg) and their gradients', () => {
    for (const [shape, k, s, pad] of [
      [[2, 8, 6, 10, 5], 2, 2, 'valid'],
      [[1, 7, 9, 5, 3], 3, 2, 'same'],
      [[2, 5, 5, 5, 17], 2, 1, 'same'],
    ] as Array<[number[], number, number, 'same' | 'valid']>) {
      for (const op of [tf.maxPool3d, tf.avgPool3d]) {
        const f = (x: tf.Tensor) => op(x as tf.Tensor5D, k, s, pad);
        expect(compare(f, [inp(shape)])).toBeLessThan(1e-4);
        expect(compare((x: tf.Tensor) => tf.grad((xx: tf.Tensor) => f(xx).square().sum())(x), [inp(shape)])).toBeLessThan(1e-4);
      }
      const s2 = [shape[0]!, shape[1]! * 2, shape[2]!, shape[4]!];
      for (const op of [tf.maxPool, tf.avgPool]) {
        const f = (x: tf.Tensor) => op(x as tf.Tensor4D, k, s, pad);
        expect(compare(f, [inp(s2)])).toBeLessThan(1e-4);
        expect(compare((x: tf.Tensor) => tf.grad((xx: tf.Tensor) => f(xx).square().sum())(x), [inp(s2)])).toBeLessThan(1e-4);
      }
    }
  });

  it('max pool gradient with ties (after relu) routes to the same element as cpu', () => {
    const f = (x: tf.Tensor) => tf.grad((xx: tf.Tensor) => tf.maxPool3d(tf.relu(xx) as tf.Tensor5D, 2, 2, 'valid').sum())(x);
    expect(compare(f, [inp([2, 8, 8, 8, 4])])).toBeLessThan(1e-6);
  });

  it('matMul / batchMatMul with transposes, broadcast batch and fused bias+activation', () => {
    const cases: Array<[number[], number[], boolean, boolean]> = [
      [[37, 45], [45, 19], false, false],
      [[45, 37], [45, 19], true, false],
      [[37, 45], [19, 45], false, true],
      [[3, 17, 9], [3, 9, 33], false, false],
      [[3, 17, 9], [1, 9, 33], false, false],
      [[2, 130], [130, 70], false, false],
    ];
    for (const [sa, sb, ta, tb] of cases) {
      expect(compare((a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, ta, tb), [inp(sa), inp(sb)])).toBeLessThan(1e-4);
    }
    const fused = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor) =>
      tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias, activation: 'elu' });
    expect(compare(fused, [inp([40, 64]), inp([64, 24]), inp([24])])).toBeLessThan(1e-4);
  });

  it('broadcasting binary ops and their gradients', () => {
    const pairs: Array<[number[], number[]]> = [
      [[2, 6, 7, 8, 13], [13]],
      [[2, 6, 7, 8, 13], [2, 1, 1, 1, 13]],
      [[2, 6, 7, 8, 13], [2, 6, 7, 8, 13]],
      [[1, 6, 1, 8, 13], [2, 1, 7, 8, 1]],
      [[2, 6, 7, 8, 13], []],
    ];
    for (const [sa, sb] of pairs) {
      for (const op of [tf.add, tf.sub, tf.mul, tf.div, tf.maximum, tf.minimum, tf.squaredDifference]) {
        const bVals = inp(sb);
        if (op === tf.div) for (let i = 0; i < bVals.values.length; i++) bVals.values[i] = 1 + Math.abs(bVals.values[i]!);
        expect(compare((a: tf.Tensor, b: tf.Tensor) => op(a, b), [inp(sa), bVals])).toBeLessThan(1e-4);
        // tfjs 4.22's Maximum/Minimum/SquaredDifference gradients do not reduce broadcast dims (a tfjs bug), so
        // gradients are compared for the other ops, or for equal shapes.
        if ((op !== tf.maximum && op !== tf.minimum && op !== tf.squaredDifference) || sa.join() === sb.join()) {
          expect(
            compare((a: tf.Tensor, b: tf.Tensor) => tf.grads((x: tf.Tensor, y: tf.Tensor) => op(x, y).square().sum())([a, b]), [inp(sa), bVals]),
          ).toBeLessThan(1e-4);
        }
      }
    }
  });

  it('reductions over leading, middle and last axes', () => {
    const shape = [2, 6, 7, 8, 13];
    for (const axes of [[0, 1, 2, 3], [4], [1, 2, 3], [0], [0, 4], [1, 3], undefined]) {
      for (const op of [tf.sum, tf.mean, tf.max, tf.min]) {
        expect(compare((x: tf.Tensor) => op(x, axes as number[]), [inp(shape)])).toBeLessThan(1e-4);
        expect(compare((x: tf.Tensor) => op(x, axes as number[], true), [inp(shape)])).toBeLessThan(1e-4);
      }
    }
  });

  it('activations, their gradients and transpose', () => {
    const shape = [2, 6, 7, 8, 13];
    const acts = [tf.relu, tf.elu, tf.sigmoid, tf.tanh, tf.exp, tf.neg, tf.abs, tf.square, tf.relu6,
      (x: tf.Tensor) => tf.leakyRelu(x, 0.1), (x: tf.Tensor) => tf.log(tf.abs(x).add(0.5)), (x: tf.Tensor) => tf.sqrt(tf.abs(x)),
      (x: tf.Tensor) => tf.rsqrt(tf.abs(x).add(0.5)), (x: tf.Tensor) => tf.reciprocal(tf.abs(x).add(0.5)),
      (x: tf.Tensor) => tf.log1p(tf.abs(x)), (x: tf.Tensor) => tf.softplus(x.mul(20)), (x: tf.Tensor) => tf.clipByValue(x, -0.3, 0.4)];
    for (const f of acts) {
      expect(compare((x: tf.Tensor) => f(x), [inp(shape)])).toBeLessThan(1e-4);
      expect(compare((x: tf.Tensor) => tf.grad((xx: tf.Tensor) => f(xx).sum())(x), [inp(shape)])).toBeLessThan(1e-4);
    }
    for (const perm of [[0, 4, 1, 2, 3], [4, 3, 2, 1, 0], [0, 2, 1, 3, 4], [1, 0, 2, 3, 4]]) {
      expect(compare((x: tf.Tensor) => tf.transpose(x, perm), [inp(shape)])).toBe(0);
    }
  });

  it('concat and split along every axis, and the concat gradient', () => {
    const sa = [2, 5, 6, 7, 9], sb = [2, 5, 6, 7, 4];
    expect(compare((a: tf.Tensor, b: tf.Tensor) => tf.concat([a, b], 4), [inp(sa), inp(sb)])).toBe(0);
    expect(compare((a: tf.Tensor, b: tf.Tensor) => tf.concat([a, b, a], 0), [inp(sa), inp(sa)])).toBe(0);
    expect(compare((a: tf.Tensor, b: tf.Tensor) => tf.concat([a, b], 2), [inp(sa), inp([2, 5, 3, 7, 9])])).toBe(0);
    expect(compare((a: tf.Tensor) => tf.split(a, [2, 3, 4], 4), [inp(sa)])).toBe(0);
    expect(compare((a: tf.Tensor) => tf.split(a, 3, 2), [inp(sa)])).toBe(0);
    expect(
      compare((a: tf.Tensor, b: tf.Tensor) => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.concat([x, y], 4).square().sum())([a, b]), [inp(sa), inp(sb)]),
    ).toBeLessThan(1e-6);
  });

  it('slice (non-contiguous crops), pad and tile / broadcastTo, with gradients', () => {
    const s = [2, 9, 8, 7, 5];
    expect(compare((x: tf.Tensor) => tf.slice(x, [0, 1, 2, 0, 1], [2, 6, 5, 7, 3]), [inp(s)])).toBe(0);
    expect(compare((x: tf.Tensor) => tf.slice(x, [1, 2, 0, 3, 0], [1, 7, 8, 4, 5]), [inp(s)])).toBe(0);
    expect(compare((x: tf.Tensor) => tf.pad(x, [[0, 0], [1, 2], [2, 1], [0, 3], [0, 0]]), [inp(s)])).toBe(0);
    expect(compare((x: tf.Tensor) => tf.pad(x, [[1, 0], [1, 1], [0, 0], [1, 1], [2, 0]], 0.5), [inp(s)])).toBe(0);
    expect(compare((x: tf.Tensor) => tf.tile(x, [2, 1, 3, 1, 2]), [inp(s)])).toBe(0);
    expect(compare((x: tf.Tensor) => tf.broadcastTo(x, [2, 9, 8, 7, 5]), [inp([1, 1, 8, 1, 5])])).toBe(0);
    expect(compare((x: tf.Tensor) => tf.broadcastTo(x, [3, 9, 8, 7, 5]), [inp([5])])).toBe(0);
    expect(
      compare((x: tf.Tensor) => tf.grad((a: tf.Tensor) => tf.pad(tf.slice(a, [0, 1, 1, 1, 0], [2, 7, 6, 5, 5]), [[0, 0], [1, 1], [1, 1], [1, 1], [0, 0]]).square().sum())(x), [inp(s)]),
    ).toBeLessThan(1e-6);
  });

  it('every cpu kernel is registered on native', () => {
    const cpu = tf.getKernelsForBackend('cpu').map((k) => k.kernelName).sort();
    const nat = new Set(tf.getKernelsForBackend('native').map((k) => k.kernelName));
    expect(cpu.filter((k) => !nat.has(k))).toEqual([]);
  });
});

describe.runIf(nativeAvailable())('fusedNorm (native C++ vs the same math in tfjs ops on cpu)', () => {
  it('batch and instance modes: forward and gradients for x, gamma, beta; no tensor leak', async () => {
    await selectBackend('native');
    for (const mode of ['batch', 'instance'] as const) {
      for (const shape of [[2, 6, 5, 7, 13], [3, 9, 8, 4]]) {
        const c = shape[shape.length - 1]!;
        const f = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => fusedNorm(x, g, b, mode);
        expect(compare(f, [inp(shape), inp([c]), inp([c])])).toBeLessThan(1e-4);
        const dy = inp(shape);
        const g = (x: tf.Tensor, gm: tf.Tensor, b: tf.Tensor, d: tf.Tensor) =>
          tf.grads((a: tf.Tensor, bb: tf.Tensor, cc: tf.Tensor) => f(a, bb, cc).mul(d).sum())([x, gm, b]);
        expect(compare(g, [inp(shape), inp([c]), inp([c]), dy])).toBeLessThan(1e-4);
      }
    }
    // batch statistics for moving averages match tf.moments
    for (const mode of ['batch', 'instance'] as const) {
      const xs = inp([2, 5, 6, 4, 7]);
      const stats = (backend: string): Float32Array[] => {
        tf.setBackend(backend);
        const out: Float32Array[] = [];
        tf.tidy(() => {
          fusedNorm(tf.tensor(xs.values, xs.shape), tf.ones([7]), tf.zeros([7]), mode, 1e-3, (m, v) => {
            out.push(m.dataSync() as Float32Array, v.dataSync() as Float32Array);
          });
        });
        return out.map((a) => Float32Array.from(a));
      };
      const [nm, nv] = stats('native'), [cm, cv] = stats('cpu');
      for (let i = 0; i < cm!.length; i++) {
        expect(Math.abs(nm![i]! - cm![i]!)).toBeLessThan(1e-5);
        expect(Math.abs(nv![i]! - cv![i]!) / cv![i]!).toBeLessThan(1e-4);
      }
    }
    tf.setBackend('native');
    const before = tf.memory().numTensors;
    const x = tf.randomNormal([2, 8, 8, 8, 6]), gm = tf.ones([6]), b = tf.zeros([6]);
    for (let i = 0; i < 5; i++) {
      tf.dispose(tf.grads((a: tf.Tensor, bb: tf.Tensor, cc: tf.Tensor) => fusedNorm(a, bb, cc).square().sum())([x, gm, b]));
    }
    tf.dispose([x, gm, b]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

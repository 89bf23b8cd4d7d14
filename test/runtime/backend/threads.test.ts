// The native kernels' work split across threads, and the re-tiled small-channel convolutions: the filter gradient in both of its modes
// (private per-part copies for small filters, filter tiles owned by one thread for large ones),
// the pooling gradient split over output planes, and the one-pass clipByValue gradient — each
// against tfjs `cpu` and at several thread counts (more threads than cores included), and the
// tile-mode filter gradient bit-identical for any thread count.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAddon } from '../../../runtime/backend/addon.js';
import { nativeAvailable, selectBackend } from '../../../runtime/backend/index.js';
import { Rng } from '../../../core/rng.js';
import { maxRelErr } from '../../helpers/rel-err.js';

const rng = new Rng(4242);
const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);
function inp(shape: number[]): { shape: number[]; values: Float32Array } {
  const v = new Float32Array(size(shape));
  for (let i = 0; i < v.length; i++) v[i] = rng.next() * 2 - 1;
  return { shape, values: v };
}

function outputs(backend: string, fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], inputs: Array<{ shape: number[]; values: Float32Array }>): Float32Array[] {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const out = fn(...inputs.map((i) => tf.tensor(i.values, i.shape)));
    return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
  });
}

const relErr = (a: Float32Array[], b: Float32Array[]): number => maxRelErr(a, b);

const hex = (xs: Float32Array[]): string[] => xs.map((x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('hex'));

describe.runIf(nativeAvailable())('native kernels split across threads', () => {
  beforeAll(async () => {
    await selectBackend('native');
  });
  afterAll(() => {
    loadAddon().addon!.setThreads(Math.max(1, Number(process.env.SSL3D_THREADS) || 2));
    tf.setBackend('native');
  });

  const filterGrad = (x: number[], k: number[], s: number, pad: 'same' | 'valid') => (xt: tf.Tensor, dy: tf.Tensor) =>
    tf.engine().runKernel('Conv3DBackpropFilterV2', { x: xt, dy }, { strides: [s, s, s], pad, filterShape: k } as unknown as tf.NamedAttrMap) as tf.Tensor;
  const outShape = (x: number[], k: number[], s: number, pad: 'same' | 'valid'): number[] =>
    tf.tidy(() => {
      const xt: tf.Tensor = tf.tensor(new Float32Array(size(x)), x);
      const wt: tf.Tensor = tf.tensor(new Float32Array(size(k)), k);
      return tf.conv3d(xt as tf.Tensor5D, wt as tf.Tensor5D, s, pad).shape;
    });

  // [x, filter, stride, pad]: small filter over a large volume (per-part copies) and a large
  // filter over a small volume with channel counts off the vector width (tiles).
  const cases: Array<[number[], number[], number, 'same' | 'valid']> = [
    [[2, 9, 8, 7, 3], [3, 3, 3, 3, 5], 1, 'same'],
    [[2, 3, 4, 5, 40], [3, 3, 3, 40, 37], 1, 'same'],
    [[1, 5, 4, 6, 26], [3, 3, 3, 26, 70], 2, 'valid'],
  ];
  it('filter gradient (both work splits) matches cpu at 1, 3 and 16 threads; tiles repeat bit for bit', () => {
    const addon = loadAddon().addon!;
    for (const [x, k, s, pad] of cases) {
      const f = filterGrad(x, k, s, pad);
      const ins = [inp(x), inp(outShape(x, k, s, pad))];
      const ref = outputs('cpu', f, ins);
      const bits: string[][] = [];
      for (const threads of [1, 3, 16]) {
        addon.setThreads(threads);
        const got = outputs('native', f, ins);
        expect(relErr(got, ref)).toBeLessThan(1e-4);
        bits.push(hex(got));
      }
      if (k[3]! >= 26) {
        expect(bits[1]).toEqual(bits[0]);
        expect(bits[2]).toEqual(bits[0]);
      }
    }
  });

  // Outputs of <= 16 channels with 3 taps along W run the tile that reuses each input for the 3
  // taps (forward, and the input gradient when the input has <= 16 channels): rows longer and
  // shorter than the tile, stride 2 along D/H only, 'valid', and a 2D conv.
  it('forward and input gradient with folded W taps match cpu (odd sizes, strides [2,2,1], valid, 2D)', () => {
    const conv3 = (s: [number, number, number], pad: 'same' | 'valid') => (x: tf.Tensor, w: tf.Tensor, dy: tf.Tensor) => {
      const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.conv3d(xx as tf.Tensor5D, ww as tf.Tensor5D, s, pad);
      return [f(x, w), ...tf.grads((xx: tf.Tensor, ww: tf.Tensor) => f(xx, ww).mul(dy).sum())([x, w])];
    };
    const cases3: Array<[number[], number[], [number, number, number], 'same' | 'valid']> = [
      [[2, 5, 6, 29, 16], [3, 3, 3, 16, 16], [1, 1, 1], 'same'],
      [[1, 7, 5, 30, 9], [3, 3, 3, 9, 13], [2, 2, 1], 'same'],
      [[2, 4, 5, 26, 4], [3, 1, 3, 4, 16], [1, 1, 1], 'valid'],
      [[1, 3, 4, 3, 20], [3, 3, 3, 20, 6], [1, 1, 1], 'same'],
    ];
    for (const [x, k, st, pad] of cases3) {
      const y = tf.tidy(() => {
        const xt: tf.Tensor = tf.tensor(new Float32Array(size(x)), x);
        const wt: tf.Tensor = tf.tensor(new Float32Array(size(k)), k);
        return tf.conv3d(xt as tf.Tensor5D, wt as tf.Tensor5D, st, pad).shape as number[];
      });
      const ins = [inp(x), inp(k), inp(y)];
      expect(relErr(outputs('native', conv3(st, pad), ins), outputs('cpu', conv3(st, pad), ins))).toBeLessThan(1e-4);
    }
    const conv2 = (x: tf.Tensor, w: tf.Tensor, dy: tf.Tensor) => {
      const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, 'same');
      return [f(x, w), ...tf.grads((xx: tf.Tensor, ww: tf.Tensor) => f(xx, ww).mul(dy).sum())([x, w])];
    };
    const ins2 = [inp([2, 9, 27, 16]), inp([3, 3, 16, 8]), inp([2, 9, 27, 8])];
    expect(relErr(outputs('native', conv2, ins2), outputs('cpu', conv2, ins2))).toBeLessThan(1e-4);
  });

  it('max / avg pool gradients split over output planes match cpu at 1, 3 and 16 threads', () => {
    const addon = loadAddon().addon!;
    const x = inp([2, 9, 8, 7, 5]);
    const fns = [
      (t: tf.Tensor) => tf.grad((a: tf.Tensor) => tf.maxPool3d(a as tf.Tensor5D, 2, 2, 'valid').square().sum())(t),
      (t: tf.Tensor) => tf.grad((a: tf.Tensor) => tf.avgPool3d(a as tf.Tensor5D, 2, 2, 'same').square().sum())(t),
      (t: tf.Tensor) => tf.grad((a: tf.Tensor) => tf.maxPool3d(a as tf.Tensor5D, 3, 2, 'same').square().sum())(t),
      (t: tf.Tensor) => tf.grad((a: tf.Tensor) => tf.avgPool3d(a as tf.Tensor5D, [1, 2, 2], [3, 2, 2], 'valid').square().sum())(t),
    ];
    for (const f of fns) {
      const ref = outputs('cpu', f, [x]);
      for (const threads of [1, 3, 16]) {
        addon.setThreads(threads);
        expect(relErr(outputs('native', f, [x]), ref)).toBeLessThan(1e-5);
      }
    }
  });

  it('clipByValue gradient in one pass equals tfjs (values at, inside and outside the bounds, NaN)', () => {
    const x = inp([3, 50, 70]);
    x.values[0] = 1e-7; x.values[1] = 1; x.values[2] = NaN; x.values[3] = 0; x.values[4] = 2;
    const f = (t: tf.Tensor) => tf.grad((a: tf.Tensor) => tf.clipByValue(a, 1e-7, 1).mul(tf.range(0, a.size).reshape(a.shape)).sum())(t);
    const a = outputs('native', f, [x]), b = outputs('cpu', f, [x]);
    expect(hex(a)).toEqual(hex(b));
  });
});

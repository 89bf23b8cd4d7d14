// The native kernels' work split across threads, and the re-tiled small-channel convolutions: the
// filter gradient in both of its modes (per-part private copies for small filters, filter tiles for
// large ones), forward and input gradient (dynamically claimed chunks), the fused norm, the pooling
// gradient split over output planes and the one-pass clipByValue gradient — against tfjs `cpu` at
// several thread counts (more threads than cores included), bit-identical for any thread count; and
// the number of independent chunks of each conv pass at the shapes (>= 4 per thread at 16).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAddon } from '../../../runtime/backend/addon.js';
import { nativeAvailable, selectBackend } from '../../../runtime/backend/index.js';
import { Rng } from '../../../core/rng.js';
import { maxRelErr } from '../../helpers/rel-err.js';
import { fusedNorm } from '../../../runtime/backend/norm.js';
import { setPoisonOutputs } from '../../../runtime/backend/out-buffer.js';

// Native outputs allocated without zero-fill start as NaN here: an element a kernel does not write fails the comparison.
setPoisonOutputs(true);

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
    // row parts that end inside a (n, d) plane: 144 rows in 4 parts, 221 rows in 16 parts
    [[2, 9, 8, 15, 3], [3, 3, 3, 3, 5], 1, 'same'],
    [[1, 17, 13, 40, 2], [3, 3, 3, 2, 3], 1, 'same'],
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
      for (const threads of [1, 2, 3, 16]) {
        addon.setThreads(threads);
        const got = outputs('native', f, ins);
        expect(relErr(got, ref)).toBeLessThan(1e-4);
        bits.push(hex(got));
      }
      // both modes split by the shape alone: the same bits for any thread count
      for (const b of bits.slice(1)) expect(b).toEqual(bits[0]);
    }
  });

  it('forward and input gradient give the same bits at 1, 2, 3 and 16 threads (dynamic chunks)', () => {
    const addon = loadAddon().addon!;
    const fwd = (s: number) => (xt: tf.Tensor, w: tf.Tensor) => tf.conv3d(xt as tf.Tensor5D, w as tf.Tensor5D, s, 'same');
    const bin = (x: number[], s: number) => (dy: tf.Tensor, w: tf.Tensor) =>
      tf.engine().runKernel('Conv3DBackpropInputV2', { dy, filter: w }, { strides: [s, s, s], pad: 'same', inputShape: x } as unknown as tf.NamedAttrMap) as tf.Tensor;
    for (const [x, k, s] of [[[2, 9, 8, 7, 3], [3, 3, 3, 3, 20], 1], [[1, 6, 5, 7, 17], [3, 3, 3, 17, 40], 2]] as Array<[number[], number[], number]>) {
      const xs = inp(x), ws = inp(k), dys = inp(outShape(x, k, s, 'same'));
      const refF = outputs('cpu', fwd(s), [xs, ws]), refB = outputs('cpu', bin(x, s), [dys, ws]);
      const bits: string[][] = [];
      for (const threads of [1, 2, 3, 16]) {
        addon.setThreads(threads);
        const f = outputs('native', fwd(s), [xs, ws]), b = outputs('native', bin(x, s), [dys, ws]);
        expect(relErr(f, refF)).toBeLessThan(1e-4);
        expect(relErr(b, refB)).toBeLessThan(1e-4);
        bits.push([...hex(f), ...hex(b)]);
      }
      for (const b of bits.slice(1)) expect(b).toEqual(bits[0]);
    }
  });

  it('fused batch / instance norm, forward and gradients, give the same bits at 1, 2, 3 and 16 threads', () => {
    const addon = loadAddon().addon!;
    const ins = [inp([2, 7, 9, 5, 6]), inp([6]), inp([6]), inp([2, 7, 9, 5, 6])];
    for (const mode of ['batch', 'instance'] as const) {
      const f = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, dy: tf.Tensor) =>
        [fusedNorm(x, g, b, mode), ...tf.grads((a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(fusedNorm(a, gg, bb, mode), dy)))([x, g, b])];
      const bits: string[][] = [];
      for (const threads of [1, 2, 3, 16]) {
        addon.setThreads(threads);
        bits.push(hex(outputs('native', f, ins)));
      }
      for (const b of bits.slice(1)) expect(b).toEqual(bits[0]);
    }
  });

  it('every conv pass of the issue shapes and the 32³ / 64³ U-Net layers is cut into >= 4 chunks per thread for 16 threads', () => {
    const addon = loadAddon().addon!;
    // conv3d 3×3×3 'same', stride 1: [N, D (cube), Ci, Co]
    const dims = (n: number, d: number, ci: number, co: number): Int32Array =>
      Int32Array.from([n, d, d, d, ci, 3, 3, 3, co, 1, 1, 1, 1, 1, 1, d, d, d]);
    const shapes: Array<[number, number, number, number]> = [
      [2, 32, 16, 32], [2, 32, 32, 64], [2, 64, 16, 32], // the conv table
      [2, 32, 4, 16], [2, 32, 16, 16], [2, 32, 32, 16], [2, 64, 4, 16], [2, 64, 16, 16], [2, 64, 32, 16], // full-resolution U-Net layers
      [2, 32, 32, 32], [2, 32, 64, 32], [2, 32, 64, 64], // the second level of a 64³ input
    ];
    for (const [n, d, ci, co] of shapes) {
      for (const which of [0, 1, 2] as const) {
        const chunks = addon.convChunks(which, dims(n, d, ci, co));
        expect(chunks, `pass ${which} of [${n},${d}³,${ci}→${co}]`).toBeGreaterThanOrEqual(4 * 16);
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

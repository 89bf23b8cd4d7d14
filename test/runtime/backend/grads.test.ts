// The ones-free Sum/Mean gradients (runtime/backend/grads.ts) give exactly tfjs' values:
// dy broadcast over the reduced axes (divided by the reduced size for Mean).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../../runtime/backend/index.js';

describe('Sum and Mean gradients without a host tensor of ones', () => {
  it('match dy broadcast over the reduced axes, for several axes, keepDims and ranks', async () => {
    await selectBackend('cpu', { quiet: true });
    const x = tf.randomNormal([2, 3, 4, 5, 3], 0, 1, 'float32', 1);
    const cases: Array<[number | number[] | undefined, boolean]> = [[-1, false], [[0, 1, 2, 3], false], [[1, 3], true], [undefined, false], [0, true]];
    for (const [axis, keep] of cases) {
      for (const op of ['sum', 'mean'] as const) {
        const f = (a: tf.Tensor): tf.Tensor => (op === 'sum' ? tf.sum(a, axis, keep) : tf.mean(a, axis, keep));
        const y = f(x);
        const w = tf.randomNormal(y.shape, 0, 1, 'float32', 2);
        const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a), w)))(x);
        // Expected: w expanded to x's rank (1 on reduced axes) and broadcast; / n for the mean.
        const axes = axis === undefined ? [0, 1, 2, 3, 4] : tf.util.parseAxisParam(axis, x.shape);
        const shape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
        const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
        const want = tf.mul(tf.reshape(w, shape), tf.ones(x.shape));
        const exp = op === 'sum' ? want : tf.div(want, n);
        expect(Array.from(g.dataSync())).toEqual(Array.from(exp.dataSync()));
        tf.dispose([y, w, g, want, exp]);
      }
    }
    x.dispose();
  });
});

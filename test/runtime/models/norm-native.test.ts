// The native backend's fused batch/instance norm must match the portable implementation:
// same outputs, same gradients, same moving statistics.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, nativeAvailable } from '../../../runtime/backend/index.js';
import { BatchNorm, InstanceNorm } from '../../../runtime/models/layers.js';
import { Rng } from '../../../core/rng.js';

function data(shape: number[], seed: number): Float32Array {
  const r = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, () => r.normal(0.3, 1.7));
}

async function runNorm(backend: string, kind: 'batch' | 'instance'): Promise<{ y: Float32Array; grads: Float32Array[]; stats: Float32Array[] }> {
  await tf.setBackend(backend);
  const shape = [2, 5, 6, 7, 3];
  const x = tf.tensor(data(shape, 1), shape);
  const dy = tf.tensor(data(shape, 2), shape);
  const layer = kind === 'batch' ? new BatchNorm({ name: `bn_${backend}` }) : new InstanceNorm({ name: `in_${backend}` });
  layer.apply(tf.input({ shape: shape.slice(1) }));
  const gamma = layer.trainableWeights[0]!.read();
  const beta = layer.trainableWeights[1]!.read();
  layer.trainableWeights[0]!.write(tf.tensor1d([0.5, 1.5, -1]));
  layer.trainableWeights[1]!.write(tf.tensor1d([0.1, -0.2, 0.3]));
  void gamma; void beta;
  const f = (xi: tf.Tensor): tf.Tensor => tf.sum(tf.mul(layer.call(xi, { training: true }) as tf.Tensor, dy));
  const y = (layer.call(x, { training: true }) as tf.Tensor).dataSync() as Float32Array;
  const { grads } = tf.variableGrads(() => f(x) as tf.Scalar, layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val));
  const dx = tf.grad(f)(x).dataSync() as Float32Array;
  const stats = layer.nonTrainableWeights.map((w) => Float32Array.from(w.read().dataSync() as Float32Array));
  return { y: Float32Array.from(y), grads: [Float32Array.from(dx), ...Object.values(grads).map((g) => Float32Array.from(g.dataSync() as Float32Array))], stats };
}

function maxRel(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / (1e-3 + Math.abs(b[i]!)));
  return m;
}

describe('norm layers on the native backend', () => {
  for (const kind of ['batch', 'instance'] as const) {
    it(`${kind} norm: fused native path equals the portable path (outputs, gradients, moving stats)`, async () => {
      await selectBackend('auto', { quiet: true });
      expect(nativeAvailable()).toBe(true);
      const nat = await runNorm('native', kind);
      const cpu = await runNorm('cpu', kind);
      expect(maxRel(nat.y, cpu.y)).toBeLessThan(1e-4);
      expect(nat.grads.length).toBe(cpu.grads.length);
      nat.grads.forEach((g, i) => expect(maxRel(g, cpu.grads[i]!)).toBeLessThan(1e-3));
      nat.stats.forEach((s, i) => expect(maxRel(s, cpu.stats[i]!)).toBeLessThan(1e-4));
      await tf.setBackend('native');
    });
  }
});

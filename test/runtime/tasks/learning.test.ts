// Each task, in 3D and 2D, learns on in-test synthetic volumes with a tiny encoder: the loss
// falls clearly within a few dozen steps and classification accuracy rises above chance.
// Also: the same seed gives the same batches and the same first-step loss.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TaskParams } from '../../../core/graph.js';
import { selectBackend } from '../../../runtime/backend/index.js';
import { buildEncoder } from '../../../runtime/models/unet.js';
import { Rng, deriveSeed } from '../../../core/rng.js';
import { makeOptimizer } from '../../../runtime/train/optim.js';
import { setTrainingClock } from '../../../runtime/models/layers.js';
import type { PretextTask, TaskBatch, TaskModel } from '../../../runtime/tasks/task.js';
import { createTask } from '../../../runtime/tasks/tasks.js';
import { PARAMS, TRAIN, pretext, synthVol, tinyEncoder } from './synth.js';

beforeAll(async () => {
  await selectBackend('auto', { quiet: true });
});

interface Setup { task: PretextTask; model: TaskModel; pool: ReturnType<typeof synthVol>[] }

function setup(params: TaskParams, dim: 2 | 3, shape: number[], channels: number, seed = 1, variant: 'paper' | 'authors-code' | 'authors-code-bug' = 'paper'): Setup {
  const enc = tinyEncoder(dim);
  const task = createTask(pretext(params, dim, variant), enc, [...shape, channels], seed, { cacheDir: null });
  const model = task.build(buildEncoder(enc, task.encoderInputShape, seed), seed);
  const pool = Array.from({ length: 12 }, (_, i) => synthVol(shape, channels, 100 + i));
  return { task, model, pool };
}

function dispose(b: TaskBatch): void {
  tf.dispose([...b.inputs, b.targets, ...Object.values(b.index)]);
}

/** Plain Adam steps (the node test covers the shared loop); returns per-step loss and accuracy. */
function train(s: Setup, steps: number, batch: number, lr = 3e-3): { loss: number[]; acc: number[] } {
  const opt = makeOptimizer({ ...TRAIN.optimizer, lr });
  const vars = s.model.holder.trainableWeights.map((w) => ({ name: w.originalName, variable: w.read() as tf.Variable }));
  const loss: number[] = [];
  const acc: number[] = [];
  for (let i = 0; i < steps; i++) {
    setTrainingClock(1, i);
    const b = s.task.batch(s.pool, new Rng(deriveSeed(7, 'batch', i)), batch, true);
    let a = 0;
    const { value, grads } = tf.variableGrads(() => {
      const pred = s.task.forward(s.model, b, true);
      a = s.task.accuracy(pred, b).dataSync()[0]!;
      return s.task.loss(pred, b);
    }, vars.map((v) => v.variable));
    loss.push(value.dataSync()[0]!);
    acc.push(a);
    opt.apply(vars, vars.map((v) => grads[v.variable.name] ?? null));
    tf.dispose([value, ...Object.values(grads)]);
    dispose(b);
  }
  opt.dispose();
  return { loss, acc };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

interface Case { name: string; params: TaskParams; shape: Record<2 | 3, number[]>; channels: number; batch: number; steps: number; variant?: 'paper' | 'authors-code' }
const CASES: Case[] = [
  { name: 'rotation', params: PARAMS.rotation, shape: { 3: [16, 16, 16], 2: [24, 24] }, channels: 1, batch: 4, steps: 30 },
  { name: 'rpl', params: PARAMS.rpl, shape: { 3: [24, 24, 24], 2: [24, 24] }, channels: 4, batch: 16, steps: 40 },
  { name: 'jigsaw', params: PARAMS.jigsaw, shape: { 3: [16, 16, 16], 2: [24, 24] }, channels: 4, batch: 4, steps: 40 },
  { name: 'cpc', params: PARAMS.cpc, shape: { 3: [16, 16, 16], 2: [24, 24] }, channels: 4, batch: 4, steps: 20 },
  { name: 'exemplar', params: PARAMS.exemplar, shape: { 3: [16, 16, 16], 2: [24, 24] }, channels: 1, batch: 4, steps: 30 },
];

describe('pretext tasks learn (tiny encoder, synthetic volumes)', () => {
  for (const c of CASES) {
    for (const dim of [3, 2] as const) {
      it(`${dim}D ${c.name}: loss falls, accuracy above chance`, () => {
        const s = setup(c.params, dim, c.shape[dim], c.channels);
        const before = tf.memory().numTensors;
        const r = train(s, c.steps, c.batch);
        expect(tf.memory().numTensors).toBe(before); // no leaks per step
        const first = mean(r.loss.slice(0, 5));
        const last = mean(r.loss.slice(-5));
        // the measured numbers go to docs/tasks.md
        console.log(`[tasks] ${dim}D ${c.name}: loss ${first.toFixed(3)} → ${last.toFixed(3)}, acc ${mean(r.acc.slice(0, 5)).toFixed(2)} → ${mean(r.acc.slice(-5)).toFixed(2)} (${c.steps} steps, batch ${c.batch}, chance ${s.task.classes ? (1 / s.task.classes).toFixed(3) : '-'})`);
        expect(last).toBeLessThan(first * 0.9);
        if (s.task.classes) expect(mean(r.acc.slice(-5))).toBeGreaterThan(1.5 / s.task.classes);
        else expect(mean(r.acc.slice(-5))).toBeGreaterThan(mean(r.acc.slice(0, 5)));
      });
    }
  }
});

describe('determinism', () => {
  for (const c of CASES) for (const dim of [3, 2] as const) {
    it(`${dim}D ${c.name}: same seed → same batches and the same first-step loss; another seed differs`, () => {
      const a = setup(c.params, dim, c.shape[dim], c.channels, 5);
      const b = setup(c.params, dim, c.shape[dim], c.channels, 5);
      const ba = a.task.batch(a.pool, new Rng(11), 2, true);
      const bb = b.task.batch(b.pool, new Rng(11), 2, true);
      const bc = a.task.batch(a.pool, new Rng(12), 2, true);
      expect(Array.from(ba.inputs[0]!.dataSync())).toEqual(Array.from(bb.inputs[0]!.dataSync()));
      expect(ba.labels).toEqual(bb.labels);
      expect(Array.from(ba.inputs[0]!.dataSync())).not.toEqual(Array.from(bc.inputs[0]!.dataSync()));
      const la = tf.tidy(() => a.task.loss(a.task.forward(a.model, ba, false), ba).dataSync()[0]);
      const lb = tf.tidy(() => b.task.loss(b.task.forward(b.model, bb, false), bb).dataSync()[0]);
      expect(la).toBe(lb);
      expect(Number.isFinite(la)).toBe(true);
      [ba, bb, bc].forEach(dispose);
    });
  }
});

describe('variants', () => {
  it('CPC authors-code (one negative, sigmoid of mean dot, BCE) learns too', () => {
    const s = setup(PARAMS.cpc, 3, [16, 16, 16], 4, 1, 'authors-code');
    expect(s.task.info()['negatives']).toBe(1);
    const r = train(s, 20, 2);
    expect(mean(r.loss.slice(-5))).toBeLessThan(mean(r.loss.slice(0, 5)));
  });
  it('exemplar authors-code has three unshared heads and learns', () => {
    const s = setup(PARAMS.exemplar, 2, [24, 24], 1, 1, 'authors-code');
    expect(Object.keys(s.model.heads).sort()).toEqual(['anchor', 'negative', 'positive']);
    const r = train(s, 20, 4, 1e-3);
    expect(mean(r.loss.slice(-5))).toBeLessThan(mean(r.loss.slice(0, 5)));
  });
  it('2D tasks train a DenseNet encoder too (globally pooled features)', () => {
    const enc = { kind: 'densenet2d' as const, blocks: [2, 2], growth: 4, initFilters: 8, compression: 0.5, dropout: 0 };
    const task = createTask(pretext(PARAMS.rotation, 2), enc, [32, 32, 3], 1, { cacheDir: null });
    const model = task.build(buildEncoder(enc, task.encoderInputShape, 1), 1);
    expect((task.info()['feature'] as { mode: string }).mode).toBe('gap');
    const s = { task, model, pool: Array.from({ length: 6 }, (_, i) => synthVol([32, 32], 3, 200 + i)) };
    const r = train(s, 3, 2);
    expect(r.loss.every((x) => Number.isFinite(x))).toBe(true);
  });
  it('heads are never enc_-prefixed; encoder layers all are', () => {
    for (const c of CASES) {
      const s = setup(c.params, 2, c.shape[2], c.channels);
      for (const h of Object.values(s.model.heads)) for (const w of h.weights) expect(w.originalName.startsWith('enc_')).toBe(false);
      for (const w of s.model.encoder.model.weights) expect(w.originalName.startsWith('enc_')).toBe(true);
      // every head has a hidden ReLU layer before its final layer (patch embeddings aside)
      const cfgs = Object.values(s.model.heads).flatMap((h) => h.layers.map((l) => l.getConfig()));
      expect(cfgs.some((cfg) => cfg['activation'] === 'relu')).toBe(true);
    }
  });
});

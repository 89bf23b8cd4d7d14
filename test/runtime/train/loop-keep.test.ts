// `train { keep = best }`: the loop keeps the weights of the epoch with the best validation
// score, across a resume, and the fine-tune node records which epoch it kept.
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FinetuneNode } from '../../../core/graph.js';
import { buildEncoder, buildSegmenter } from '../../../runtime/models/unet.js';
import { namedWeights } from '../../../runtime/models/weights.js';
import { finetuneHandler } from '../../../runtime/nodes/finetune.js';
import type { FinetuneHistory } from '../../../runtime/record.js';
import { trainLoop, type TrainLoopOptions } from '../../../runtime/train/loop.js';
import type { EncoderSpec, OptimizerSpec } from '../../../core/graph.js';
import { fakeContext, fakeContexts, type FakeContext } from '../../helpers/fake-context.js';
import { boxDataset, dataNode, finetuneNode, finetuneSpec, segEval, tinyUnet3d, writeDataset } from '../eval/helpers.js';

const spec: EncoderSpec = { kind: 'unet2d', levels: 2, filters: [4, 8], block: 'plain', norm: 'batch', dropout: 0, finalPool: 'none', upsample: 'transpose' };
const adam: OptimizerSpec = { kind: 'adam', lr: 1e-2, beta1: 0.9, beta2: 0.999, momentum: 0, weightDecay: 0, clipNorm: null };
type B = { x: tf.Tensor4D; y: tf.Tensor4D };

function model(seed = 3): tf.LayersModel {
  return buildSegmenter(buildEncoder(spec, [8, 8, 1], seed), 2, seed + 1, 'transpose');
}

function weightsOf(m: tf.LayersModel): Map<string, Float32Array> {
  return new Map([...namedWeights(m)].map(([k, v]) => [k, Float32Array.from(v.read().dataSync() as Float32Array)]));
}

function same(a: Map<string, Float32Array>, b: Map<string, Float32Array>): boolean {
  return [...a].every(([k, v]) => v.every((x, i) => x === b.get(k)![i]));
}

/** Train 5 epochs; `validate` returns `scores[epoch - 1]` and records the weights at each epoch. */
function options(ctx: FakeContext, m: tf.LayersModel, scores: number[], seen: Array<Map<string, Float32Array>>, over: Partial<TrainLoopOptions<B>> = {}): TrainLoopOptions<B> {
  return {
    ctx, node: 'test:keep', seed: 7, epochs: scores.length, stepsPerEpoch: 2, batchSize: 2, model: m, optimizer: adam, onNaN: 'stop',
    prepare: (rng) => {
      const x = new Float32Array(2 * 64).map(() => rng.normal(0, 1));
      const y = new Float32Array(2 * 64 * 2).map((_, i) => (i % 2 === 0 ? 1 : 0));
      return { x: tf.tensor4d(x, [2, 8, 8, 1]), y: tf.tensor4d(y, [2, 8, 8, 2]) };
    },
    step: (_s, b) => {
      const p = m.apply(b.x, { training: true }) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(b.y, tf.log(tf.clipByValue(p, 1e-7, 1))) as tf.Scalar;
    },
    validate: async (epoch) => {
      seen[epoch] = weightsOf(m);
      return { val_score: scores[epoch - 1]! };
    },
    keepBest: { metric: 'val_score', higherIsBetter: true },
    ...over,
  };
}

let root = '';
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'ssl3d-keep-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('trainLoop keepBest', () => {
  const mk = fakeContexts();

  it('ends holding the weights of the best epoch (ties keep the earlier one), and says so', async () => {
    const ctx = mk();
    const m = model();
    const seen: Array<Map<string, Float32Array>> = [];
    const r = await trainLoop(options(ctx, m, [0.2, 0.9, 0.5, 0.9, 0.7], seen));
    expect(r.keptEpoch).toBe(2);
    expect(same(weightsOf(m), seen[2]!)).toBe(true);
    expect(same(weightsOf(m), seen[5]!)).toBe(false);
    expect(ctx.events.some((e) => e.type === 'info' && /kept the weights of epoch 2 of 5 \(val_score 0\.9\)/.test(e.message))).toBe(true);
  });

  it('lower is better for a loss; NaN scores never count; no finite score keeps the last epoch', async () => {
    const a = mk();
    const ma = model();
    const seenA: Array<Map<string, Float32Array>> = [];
    const ra = await trainLoop(options(a, ma, [0.8, Number.NaN, 0.3, 0.4], seenA, { keepBest: { metric: 'val_score', higherIsBetter: false } }));
    expect(ra.keptEpoch).toBe(3);
    expect(same(weightsOf(ma), seenA[3]!)).toBe(true);

    const b = mk();
    const mb = model();
    const seenB: Array<Map<string, Float32Array>> = [];
    const rb = await trainLoop(options(b, mb, [Number.NaN, Number.NaN, Number.NaN], seenB));
    expect(rb.keptEpoch).toBeNull();
    expect(same(weightsOf(mb), seenB[3]!)).toBe(true);
    expect(b.events.some((e) => e.type === 'info' && /no epoch had a finite val_score; kept the last epoch's weights/.test(e.message))).toBe(true);
  });

  it('a run resumed after the best epoch still ends with the best epoch of the uninterrupted run', async () => {
    const scores = [0.1, 0.8, 0.3, 0.2];
    const full = mk();
    const mf = model();
    await trainLoop(options(full, mf, scores, []));
    const want = weightsOf(mf);

    const first = mk();
    first.abortAfter('checkpoint', 3);
    const r1 = await trainLoop(options(first, model(), scores, []));
    expect(r1.interrupted).toBe(true);
    const again = first.retry();
    const m2 = model(99); // another init: the kept weights must come from the checkpoint
    const r2 = await trainLoop(options(again, m2, scores, []));
    expect(r2.resumedFrom).toBe(3);
    expect(r2.keptEpoch).toBe(2);
    expect(same(weightsOf(m2), want)).toBe(true);
  });
});

describe('finetune node with keep = best', () => {
  it('records the kept epoch (the best validation Dice) in history.json and the summary', async () => {
    const ds = boxDataset(10);
    const dataDir = await writeDataset(join(root, 'seg'), ds);
    const data = dataNode(ds, 'segmentation');
    const base = finetuneSpec({}, 4, 0.02);
    const ft = finetuneNode({ data, arm: 'scratch', spec: { ...base, train: { ...base.train, keep: 'best' } }, encoder: tinyUnet3d, inputShape: [8, 8, 8, 1], evaluation: segEval });
    const ctx = fakeContext<FinetuneNode>({ node: ft, inputs: { [data.id]: { node: data, dir: dataDir } } });
    const res = await finetuneHandler(ctx);
    const h = JSON.parse(readFileSync(join(ctx.outDir, 'history.json'), 'utf8')) as FinetuneHistory;
    const vals = h.epochs.map((e) => Object.values(e.metrics)[0]!);
    const best = vals.indexOf(Math.max(...vals)) + 1;
    expect(h.keptEpoch).toBe(best);
    expect(res.summary['kept_epoch']).toBe(best);
    ctx.cleanup();
  });
});

import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FinetuneNode, PretrainNode } from '../../../core/graph.js';
import { buildEncoder } from '../../../runtime/models/unet.js';
import { loadTensors, saveWeights } from '../../../runtime/models/weights.js';
import type { FinetuneHistory } from '../../../runtime/record.js';
import { finetuneHandler } from '../../../runtime/nodes/finetune.js';
import { crossEntropyLoss, softDiceLoss } from '../../../runtime/train/finetune.js';
import { loadFinetunedModel, predictSegmentation } from '../../../runtime/eval/predict.js';
import { readDatasetArtifact } from '../../../runtime/data/artifact.js';
import { fakeContext } from '../../helpers/fake-context.js';
import { boxDataset, dataNode, finetuneNode, finetuneSpec, segEval, tinyUnet2d, tinyUnet3d, writeDataset } from '../eval/helpers.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

let root = '';
let dataDir = '';
let preDir = '';
let pre2dDir = '';
const ds = boxDataset(12);
const data = dataNode(ds, 'segmentation');
const pretrain = { kind: 'pretrain', id: 'pretrain:test', hash: 'p', inputs: [], output: 'encoder', seed: 9, cost: null } as unknown as PretrainNode;

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'ssl3d-ft-'));
  dataDir = await writeDataset(root, ds);
  preDir = join(root, 'pretrain');
  mkdirSync(preDir, { recursive: true });
  const enc = buildEncoder(tinyUnet3d, [8, 8, 8, 1], 123);
  // non-trivial BN moving statistics, so "unchanged during warm-up" is a real check
  for (const w of enc.model.weights) if (w.originalName.includes('moving_mean')) w.write(tf.fill(w.shape as number[], 0.25));
  await saveWeights(enc.model, preDir, 'encoder');
  enc.model.dispose();
  pre2dDir = join(root, 'pretrain2d');
  mkdirSync(pre2dDir, { recursive: true });
  const enc2 = buildEncoder(tinyUnet2d, [8, 8, 1], 321);
  // non-trivial BN moving statistics, so "unchanged" is a real check
  for (const w of enc2.model.weights) if (w.originalName.includes('moving_mean')) w.write(tf.fill(w.shape as number[], 0.25));
  await saveWeights(enc2.model, pre2dDir, 'encoder');
  enc2.model.dispose();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function ctxFor(node: FinetuneNode, preFolder = preDir) {
  return fakeContext<FinetuneNode>({
    node,
    inputs: {
      [data.id]: { node: data, dir: dataDir },
      ...(node.inputs.includes(pretrain.id) ? { [pretrain.id]: { node: pretrain, dir: preFolder } } : {}),
    },
  });
}

async function encWeights(dir: string, name: string): Promise<Map<string, Float32Array>> {
  const { tensors } = await loadTensors(dir, name);
  return new Map([...tensors].filter(([k]) => k.startsWith('enc_')).map(([k, v]) => [k, v.data]));
}

function same(a: Map<string, Float32Array>, b: Map<string, Float32Array>): boolean {
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w || w.length !== v.length) return false;
    for (let i = 0; i < v.length; i++) if (v[i] !== w[i]) return false;
  }
  return a.size > 0;
}

describe('losses', () => {
  it('soft Dice and CE on hand-computed cases', () => {
    const y = tf.tensor2d([[1, 0], [0, 1]]);
    // perfect prediction: Dice loss ≈ 0, CE ≈ −log(1) = 0
    expect(softDiceLoss(y, y).dataSync()[0]).toBeCloseTo(0, 5);
    const p = tf.tensor2d([[0.5, 0.5], [0.5, 0.5]]);
    // per class: 2·0.5 / (1 + 1) = 0.5 → loss 0.5;  CE = −log 0.5
    expect(softDiceLoss(y, p).dataSync()[0]).toBeCloseTo(0.5, 5);
    expect(crossEntropyLoss(y, p).dataSync()[0]).toBeCloseTo(Math.log(2), 5);
    // class weights [3, 1]: CE = (3·log2 + 1·log2)/2
    expect(crossEntropyLoss(y, p, [3, 1]).dataSync()[0]).toBeCloseTo(2 * Math.log(2), 5);
    tf.dispose([y, p]);
  });
});

describe('finetune handler', () => {
  it('scratch: validation Dice rises on a small synthetic set; writes history, model and model.json', async () => {
    const node = finetuneNode({ data, arm: 'scratch', spec: finetuneSpec({}, 6, 0.02), encoder: tinyUnet3d, inputShape: [8, 8, 8, 1], evaluation: segEval });
    const ctx = ctxFor(node);
    const t0 = Date.now();
    const res = await finetuneHandler(ctx);
    const ms = Date.now() - t0;
    const h = JSON.parse(readFileSync(join(ctx.outDir, 'history.json'), 'utf8')) as FinetuneHistory;
    expect(h.epochs).toHaveLength(6);
    expect(h.trainCases).toHaveLength(8);
    expect(h.valCases).toEqual(['box-000', 'box-001']);
    const dice = h.epochs.map((e) => e.metrics.dice_box!);
    expect(Math.max(...dice.slice(-2))).toBeGreaterThan(dice[0]! + 0.1);
    expect(res.summary.best_val_dice_box).toBeGreaterThan(0.5);
    const epochMs = h.epochs.reduce((a, e) => a + e.durationMs, 0) / h.epochs.length;
    process.stdout.write(`[finetune] tiny 8³ U-Net, 8 cases, batch 2: ${epochMs.toFixed(0)} ms/epoch (incl. validation), ${ms} ms total\n`);
    // rebuild from the artifact and predict a whole volume
    const { model, desc } = await loadFinetunedModel(ctx.outDir);
    const loaded = await readDatasetArtifact(dataDir);
    const pred = await predictSegmentation(model, loaded.cases[0]!, desc);
    expect(pred).toHaveLength(512);
    model.dispose();
    expect(ctx.events.filter((e) => e.type === 'epoch')).toHaveLength(6);
    ctx.cleanup();
  });

  it('finetune arm: encoder unchanged during warm-up (BN statistics included), trained after; fresh optimiser', async () => {
    const spec = finetuneSpec({ warmup: 2 }, 3);
    const node = finetuneNode({ data, arm: 'finetune', spec, encoder: tinyUnet3d, inputShape: [8, 8, 8, 1], evaluation: segEval, pretrain: pretrain.id });
    const ctx = ctxFor(node);
    await finetuneHandler(ctx);
    const pre = await encWeights(preDir, 'encoder');
    expect([...pre.keys()].some((k) => k.includes('moving_mean'))).toBe(true);
    expect(ctx.checkpoints.map((c) => c.epoch)).toEqual([1, 2, 3]);
    const e1 = await encWeights(ctx.checkpoints[0]!.dir, 'model_0');
    const e2 = await encWeights(ctx.checkpoints[1]!.dir, 'model_0');
    const e3 = await encWeights(ctx.checkpoints[2]!.dir, 'model_0');
    expect(same(pre, e1)).toBe(true);
    expect(same(pre, e2)).toBe(true);
    expect(same(pre, e3)).toBe(false);
    const h = JSON.parse(readFileSync(join(ctx.outDir, 'history.json'), 'utf8')) as FinetuneHistory;
    expect(h.epochs.map((e) => e.frozen)).toEqual([true, true, false]);
    // the decoder did train during warm-up
    const d0 = (await loadTensors(ctx.checkpoints[0]!.dir, 'model_0')).tensors;
    const d1 = (await loadTensors(ctx.checkpoints[1]!.dir, 'model_0')).tensors;
    const dk = [...d0.keys()].find((k) => k.startsWith('dec_') && k.endsWith('/kernel'))!;
    expect(d0.get(dk)!.data).not.toEqual(d1.get(dk)!.data);
    // fresh Adam at unfreezing: the decoder's step count restarts at epoch 3
    const steps = (i: number): Record<string, number> => (JSON.parse(readFileSync(join(ctx.checkpoints[i]!.dir, 'meta.json'), 'utf8')) as { optimizer: { steps: Record<string, number> } }).optimizer.steps;
    const perEpoch = steps(0)[dk]!;
    expect(perEpoch).toBeGreaterThan(0);
    expect(steps(1)[dk]).toBe(2 * perEpoch);
    expect(steps(2)[dk]).toBe(perEpoch);
    ctx.cleanup();
    // atUnfreeze: keep → the count continues
    const keep = finetuneNode({ data, arm: 'finetune', spec: { ...spec, atUnfreeze: 'keep' }, encoder: tinyUnet3d, inputShape: [8, 8, 8, 1], evaluation: segEval, pretrain: pretrain.id });
    const ctx2 = ctxFor(keep);
    await finetuneHandler(ctx2);
    const steps2 = (JSON.parse(readFileSync(join(ctx2.checkpoints[2]!.dir, 'meta.json'), 'utf8')) as { optimizer: { steps: Record<string, number> } }).optimizer.steps;
    expect(steps2[dk]).toBe(3 * perEpoch);
    ctx2.cleanup();
  });

  it('frozen arm never changes the encoder', async () => {
    const node = finetuneNode({ data, arm: 'frozen', spec: finetuneSpec({ slices: { axis: 1, perVolume: 2 } }, 2), encoder: tinyUnet2d, inputShape: [8, 8, 1], evaluation: segEval, pretrain: pretrain.id });
    const ctx = ctxFor(node, pre2dDir);
    await finetuneHandler(ctx);
    expect(same(await encWeights(pre2dDir, 'encoder'), await encWeights(ctx.outDir, 'model'))).toBe(true);
    ctx.cleanup();
  });

  it('3D pretrained encoder into the finetune arm (transfer by name)', async () => {
    const node = finetuneNode({ data, arm: 'finetune', spec: finetuneSpec({ warmup: 1 }, 2), encoder: tinyUnet3d, inputShape: [8, 8, 8, 1], evaluation: segEval, pretrain: pretrain.id });
    const ctx = ctxFor(node);
    await finetuneHandler(ctx);
    expect(same(await encWeights(preDir, 'encoder'), await encWeights(ctx.checkpoints[0]!.dir, 'model_0'))).toBe(true);
    expect(same(await encWeights(preDir, 'encoder'), await encWeights(ctx.outDir, 'model'))).toBe(false);
    ctx.cleanup();
  });

  it('2D fine-tuning on slices of 3D volumes, evaluated by re-stacking', async () => {
    const node = finetuneNode({ data, arm: 'scratch', spec: finetuneSpec({ slices: { axis: 0, perVolume: 3 } }, 1), encoder: tinyUnet2d, inputShape: [8, 8, 1], evaluation: segEval });
    const ctx = ctxFor(node);
    const res = await finetuneHandler(ctx);
    expect(res.summary.epochs).toBe(1);
    const { model, desc } = await loadFinetunedModel(ctx.outDir);
    expect(desc.slices).toEqual({ axis: 0, perVolume: 3 });
    const loaded = await readDatasetArtifact(dataDir);
    const pred = await predictSegmentation(model, loaded.cases[2]!, desc);
    expect(pred).toHaveLength(512);
    model.dispose();
    ctx.cleanup();
  });

  it('an interrupted fine-tune resumes from its checkpoint and finishes the same', async () => {
    const node = finetuneNode({ data, arm: 'finetune', spec: finetuneSpec({ warmup: 1 }, 2), encoder: tinyUnet3d, inputShape: [8, 8, 8, 1], evaluation: segEval, pretrain: pretrain.id });
    const whole = ctxFor(node);
    await finetuneHandler(whole);
    const ctx = ctxFor(node);
    ctx.abortAfter('epoch', 1);
    await expect(finetuneHandler(ctx)).rejects.toMatchObject({ name: 'AbortError' });
    expect(ctx.checkpoints.map((c) => c.epoch)).toEqual([1]);
    const again = ctx.retry();
    await finetuneHandler(again);
    const h1 = JSON.parse(readFileSync(join(whole.outDir, 'history.json'), 'utf8')) as FinetuneHistory;
    const h2 = JSON.parse(readFileSync(join(again.outDir, 'history.json'), 'utf8')) as FinetuneHistory;
    expect(h2.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(h2.epochs.map((e) => e.loss)).toEqual(h1.epochs.map((e) => e.loss));
    expect(same(await encWeights(whole.outDir, 'model'), await encWeights(again.outDir, 'model'))).toBe(true);
    whole.cleanup();
    ctx.cleanup();
  });

  it('rejects a warm-up as long as the training and label values outside the classes', async () => {
    const bad = finetuneNode({ data, arm: 'finetune', spec: finetuneSpec({ warmup: 3 }, 3), encoder: tinyUnet3d, inputShape: [8, 8, 8, 1], evaluation: segEval, pretrain: pretrain.id });
    await expect(finetuneHandler(ctxFor(bad))).rejects.toMatchObject({ code: 'SSL167' });
    const wrongClasses = finetuneNode({ data, arm: 'scratch', spec: finetuneSpec({ classes: [0, 2] }, 1), encoder: tinyUnet3d, inputShape: [8, 8, 8, 1], evaluation: segEval });
    await expect(finetuneHandler(ctxFor(wrongClasses))).rejects.toMatchObject({ code: 'SSL164' });
    const wrongShape = finetuneNode({ data, arm: 'scratch', spec: finetuneSpec({}, 1), encoder: tinyUnet3d, inputShape: [16, 16, 16, 1], evaluation: segEval });
    await expect(finetuneHandler(ctxFor(wrongShape))).rejects.toMatchObject({ code: 'SSL160' });
    const badRegion = finetuneNode({ data, arm: 'scratch', spec: finetuneSpec({}, 1), encoder: tinyUnet3d, inputShape: [8, 8, 8, 1], evaluation: { ...segEval, convergence: { metric: 'dice', region: 'WT' } } });
    await expect(finetuneHandler(ctxFor(badRegion))).rejects.toMatchObject({ code: 'SSL165' });
  });
});

// The pretrain node through a fake executor context: dataset artifact in, encoder weights +
// task.json out; the weights load into a fresh encoder (and, for patch tasks, into a full-size
// one, as fine-tuning does); an interrupted run resumes to the same result.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DataNode, EncoderSpec, PretrainNode, TaskParams } from '../../../core/graph.js';
import { selectBackend } from '../../../runtime/backend/index.js';
import { datasetFingerprint, writeDatasetArtifact } from '../../../runtime/data/artifact.js';
import type { LoadedDataset } from '../../../runtime/data/types.js';
import { buildEncoder } from '../../../runtime/models/unet.js';
import { loadTensors, loadWeights, transferEncoder } from '../../../runtime/models/weights.js';
import { pretrainHandler } from '../../../runtime/nodes/pretrain.js';
import { readTaskArtifact } from '../../../runtime/tasks/artifact.js';
import { createTask } from '../../../runtime/tasks/tasks.js';
import { fakeContext, type FakeContext } from '../../helpers/fake-context.js';
import { PARAMS, TRAIN, pretext, synthCases } from './synth.js';

beforeAll(async () => {
  await selectBackend('auto', { quiet: true });
});

const ENC3: EncoderSpec = { kind: 'unet3d', levels: 2, filters: [4, 8], block: 'plain', norm: 'batch', dropout: 0.1, finalPool: 'none', upsample: 'transpose' };
const ENC2: EncoderSpec = { ...ENC3, kind: 'unet2d' };

async function datasetDir(ctxRoot: string, dim: 2 | 3, shape: number[], channels: number): Promise<{ dir: string; node: DataNode }> {
  const cases = synthCases(8, shape, channels, 3);
  const split = { train: [0, 1, 2, 3, 4, 5], val: [6], test: [7] };
  const ds: LoadedDataset = { name: 'synth', dim, channels, cases, split, fingerprint: datasetFingerprint(cases, split) };
  const dir = path.join(ctxRoot, 'data-artifact');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir, { recursive: true });
  await writeDatasetArtifact(dir, ds);
  const node = { id: 'data:synth', kind: 'data', hash: 'd', inputs: [], output: 'dataset', seed: 1, cost: null } as unknown as DataNode;
  return { dir, node };
}

function pretrainNode(params: TaskParams, dim: 2 | 3, encoder: EncoderSpec, inputShape: number[], extra: Parameters<typeof pretext>[3] = {}, epochs = 1): PretrainNode {
  const spec = pretext(params, dim, 'paper', { train: { ...TRAIN, epochs, batch: 2, stepsPerEpoch: 2 }, ...extra });
  return { id: `pretrain:${spec.name}`, kind: 'pretrain', hash: 'p', inputs: ['data:synth'], output: 'encoder', seed: 42, cost: null, params: { pretext: spec, encoder, inputShape } };
}

async function run(node: PretrainNode, dataDim: 2 | 3, dataShape: number[], channels: number, ctx?: FakeContext<PretrainNode>): Promise<FakeContext<PretrainNode>> {
  const c = ctx ?? fakeContext<PretrainNode>({ node });
  const data = await datasetDir(c.root, dataDim, dataShape, channels);
  c.inputs['data:synth'] = { node: data.node, dir: data.dir };
  await pretrainHandler(c);
  return c;
}

describe('pretrain node', () => {
  const cases: Array<{ name: string; params: TaskParams; shape: number[]; label?: string }> = [
    { name: 'rotation', params: PARAMS.rotation, shape: [16, 16, 16] },
    // rotation of an 8³ cube from inside each 16³ input: the encoder trains on 8³
    { name: 'rotation', params: { task: 'rotation', copies: 2, crop: 8 }, shape: [16, 16, 16], label: 'rotation crop 8' },
    { name: 'rpl', params: PARAMS.rpl, shape: [24, 24, 24] },
    { name: 'jigsaw', params: PARAMS.jigsaw, shape: [16, 16, 16] },
    { name: 'cpc', params: PARAMS.cpc, shape: [16, 16, 16] },
    { name: 'exemplar', params: PARAMS.exemplar, shape: [16, 16, 16] },
  ];
  for (const c of cases) {
    it(`3D ${c.label ?? c.name}: writes encoder weights that load into a fresh (and a full-size) encoder, and task.json`, async () => {
      const node = pretrainNode(c.params, 3, ENC3, [...c.shape, 1]);
      const probe = createTask(node.params.pretext, ENC3, [...c.shape, 1], 1, { cacheDir: null });
      const probeModel = probe.build(buildEncoder(ENC3, probe.encoderInputShape, 1), 1);
      const trainable = probeModel.holder.trainableWeights.length;
      probeModel.holder.dispose();
      const before = tf.memory().numTensors;
      const ctx = await run(node, 3, c.shape, 1);
      // models, batches and the loop's Adam state are all freed
      expect(trainable).toBeGreaterThan(0);
      expect(tf.memory().numTensors - before).toBe(0);
      try {
        const art = await readTaskArtifact(ctx.outDir);
        expect(art.task).toBe(c.name);
        expect(art.channels).toBe(1);
        if (c.label) expect(art.encoderInputShape).toEqual([8, 8, 8, 1]);
        expect(art.samples).toEqual({ train: 6, val: 1 });
        expect(Number.isFinite(art.final.loss)).toBe(true);
        expect(art.final.valLoss === null || Number.isFinite(art.final.valLoss)).toBe(true);
        expect(art.params.heads.trainable).toBeGreaterThan(0);
        expect(ctx.events.some((e) => e.type === 'epoch')).toBe(true);
        expect(ctx.events.some((e) => e.type === 'checkpoint')).toBe(true);
        // only encoder weights in encoder.json
        const { tensors } = await loadTensors(ctx.outDir, 'encoder');
        expect([...tensors.keys()].every((k) => k.startsWith('enc_'))).toBe(true);
        // a fresh encoder of the same spec and shape loads them exactly
        const fresh = buildEncoder(ENC3, art.encoderInputShape, 999);
        const rep = await loadWeights(fresh.model, ctx.outDir, 'encoder', { prefix: 'enc_' });
        expect(rep.loaded.length).toBe(fresh.model.weights.length);
        for (const w of fresh.model.weights) {
          expect(Array.from(w.read().dataSync())).toEqual(Array.from(tensors.get(w.originalName)!.data));
        }
        // the fine-tuning path: a full-size encoder takes the (patch-trained) weights
        const full = buildEncoder(ENC3, [...c.shape, 1], 7);
        const tr = await transferEncoder(ctx.outDir, full.model, { adapter: 'duplicate', fromChannels: 1, toChannels: 1 });
        expect(tr.skipped.length).toBe(0);
      } finally {
        ctx.cleanup();
      }
    });
  }

  it('2D jigsaw on slices of 3D volumes (the "2D counterpart"), Hamming stats in task.json', async () => {
    const node = pretrainNode(PARAMS.jigsaw, 2, ENC2, [16, 16, 2], { slices: { axis: 2, perVolume: 3 } });
    const ctx = await run(node, 3, [16, 16, 12], 2);
    try {
      const art = await readTaskArtifact(ctx.outDir);
      expect(art.samples).toEqual({ train: 18, val: 3 });
      expect(art.dim).toBe(2);
      const perms = art.info['permutations'] as { count: number; hamming: { min: number; mean: number } };
      expect(perms.count).toBe(8);
      expect(perms.hamming.min).toBeGreaterThanOrEqual(2); // 4 tiles: at most 4 of 24 permutations can differ everywhere
      expect(ctx.events.some((e) => e.type === 'info' && /Hamming/.test(e.message))).toBe(true);
    } finally {
      ctx.cleanup();
    }
  });

  it('2D rotation on 2D images (3 channels)', async () => {
    const node = pretrainNode(PARAMS.rotation, 2, ENC2, [24, 24, 3]);
    const ctx = await run(node, 2, [24, 24], 3);
    try {
      const art = await readTaskArtifact(ctx.outDir);
      expect(art.channels).toBe(3);
      expect(art.encoderInputShape).toEqual([24, 24, 3]);
      expect(art.info['classes']).toBe(4);
    } finally {
      ctx.cleanup();
    }
  });

  it('rejects a 2D task on 3D data without slices, with a located message', async () => {
    const node = pretrainNode(PARAMS.rotation, 2, ENC2, [16, 16, 1]);
    const ctx = fakeContext<PretrainNode>({ node });
    try {
      await expect(run(node, 3, [16, 16, 16], 1, ctx)).rejects.toMatchObject({ code: 'SSL154' });
    } finally {
      ctx.cleanup();
    }
  });

  it('an interrupted run resumes from its checkpoint to the same encoder as an uninterrupted one', async () => {
    const node = pretrainNode(PARAMS.rotation, 3, ENC3, [16, 16, 16, 1], {}, 2);
    const full = await run(node, 3, [16, 16, 16], 1);
    const a = fakeContext<PretrainNode>({ node });
    try {
      a.abortAfter('epoch', 1);
      await expect(run(node, 3, [16, 16, 16], 1, a)).rejects.toThrow();
      expect(a.checkpoints.length).toBe(1);
      const b = a.retry();
      await run(node, 3, [16, 16, 16], 1, b);
      expect(b.events.some((e) => e.type === 'info' && /resuming after epoch 1/.test(e.message))).toBe(true);
      const x = await loadTensors(full.outDir, 'encoder');
      const y = await loadTensors(b.outDir, 'encoder');
      for (const [k, t] of x.tensors) expect(Array.from(y.tensors.get(k)!.data)).toEqual(Array.from(t.data));
      const ta = JSON.parse(readFileSync(path.join(full.outDir, 'task.json'), 'utf8')) as { final: unknown };
      const tb = JSON.parse(readFileSync(path.join(b.outDir, 'task.json'), 'utf8')) as { final: unknown };
      expect(tb.final).toEqual(ta.final);
    } finally {
      full.cleanup();
      a.cleanup();
    }
  });
});

// Tiny synthetic downstream data and graph nodes for fine-tuning / evaluation tests.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DataNode, EncoderSpec, EvalSpec, EvaluateNode, FinetuneNode, FinetuneSpec } from '../../../core/graph.js';
import { datasetFingerprint, writeDatasetArtifact } from '../../../runtime/data/artifact.js';
import type { Case, LoadedDataset } from '../../../runtime/data/types.js';
import { Rng } from '../../../core/rng.js';

/** n cases of an S³ volume with one bright box (label 1) on noise; spacing [2,1,1] mm. */
export function boxDataset(n: number, size = 8, seed = 1): LoadedDataset {
  const rng = new Rng(seed);
  const cases: Case[] = [];
  for (let i = 0; i < n; i++) {
    const image = new Float32Array(size ** 3);
    const mask = new Uint8Array(size ** 3);
    const len = 3 + rng.int(2);
    const o = [rng.int(size - len + 1), rng.int(size - len + 1), rng.int(size - len + 1)];
    for (let z = 0; z < size; z++) for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
      const v = (z * size + y) * size + x;
      const inside = z >= o[0]! && z < o[0]! + len && y >= o[1]! && y < o[1]! + len && x >= o[2]! && x < o[2]! + len;
      image[v] = (inside ? 1 : 0) + rng.normal(0, 0.15);
      mask[v] = inside ? 1 : 0;
    }
    cases.push({ id: `box-${String(i).padStart(3, '0')}`, shape: [size, size, size], channels: 1, image, mask, grade: null, spacing: [2, 1, 1] });
  }
  const split = { train: Array.from({ length: n - 4 }, (_, i) => i + 4), val: [0, 1], test: [2, 3] };
  return { name: 'boxes', dim: 3, channels: 1, cases, split, fingerprint: datasetFingerprint(cases, split) };
}

/** n 2D images [S,S,1] whose grade (0..2) is the brightness level. */
export function gradeDataset(n: number, size = 8, seed = 2): LoadedDataset {
  const rng = new Rng(seed);
  const cases: Case[] = [];
  for (let i = 0; i < n; i++) {
    const grade = i % 3;
    const image = new Float32Array(size * size);
    for (let v = 0; v < image.length; v++) image[v] = grade * 0.5 + rng.normal(0, 0.1);
    cases.push({ id: `img-${String(i).padStart(3, '0')}`, shape: [size, size], channels: 1, image, mask: null, grade, spacing: [1, 1] });
  }
  const split = { train: Array.from({ length: n - 6 }, (_, i) => i + 6), val: [0, 1, 2], test: [3, 4, 5] };
  return { name: 'grades', dim: 2, channels: 1, cases, split, fingerprint: datasetFingerprint(cases, split) };
}

export async function writeDataset(root: string, ds: LoadedDataset): Promise<string> {
  const dir = join(root, 'data');
  mkdirSync(dir, { recursive: true });
  await writeDatasetArtifact(dir, ds);
  return dir;
}

export function dataNode(ds: LoadedDataset, kind: 'segmentation' | 'classification'): DataNode {
  return {
    kind: 'data', id: `data:${ds.name}`, hash: 'd', inputs: [], output: 'dataset', seed: 1, cost: null,
    params: {
      dataset: {
        name: ds.name,
        source: { kind: 'phantom3d', anatomy: 'brain', cases: ds.cases.length, channels: 1, size: [8, 8, 8], labelled: true },
        preprocess: { crop: null, resize: null, window: null, normalize: 'none', channels: null },
        split: { val: 0.2, test: 0.2, seed: 1 },
        dim: ds.dim,
        channels: 1,
        labels: kind === 'segmentation' ? { kind: 'segmentation', classes: [0, 1] } : { kind: 'classification', classes: 3 },
        regions: kind === 'segmentation' ? { box: [1] } : {},
        knownCases: ds.cases.length,
      },
    },
  };
}

export const tinyUnet3d: EncoderSpec = { kind: 'unet3d', levels: 2, filters: [4, 8], block: 'plain', norm: 'batch', dropout: 0, finalPool: 'none', upsample: 'transpose' };
export const tinyUnet2d: EncoderSpec = { kind: 'unet2d', levels: 2, filters: [4, 8], block: 'plain', norm: 'batch', dropout: 0, finalPool: 'none', upsample: 'transpose' };

export const segEval: EvalSpec = {
  metrics: [{ metric: 'dice', region: 'box' }, { metric: 'iou', region: 'box' }, { metric: 'hd95', region: 'box' }],
  convergence: { metric: 'dice', region: 'box' },
  emptyPolicy: 'one',
};
export const clsEval: EvalSpec = { metrics: [{ metric: 'qwk', region: null }, { metric: 'accuracy', region: null }], convergence: { metric: 'accuracy', region: null }, emptyPolicy: 'one' };

export function finetuneSpec(over: Partial<FinetuneSpec> = {}, epochs = 3, lr = 0.01): FinetuneSpec {
  return {
    target: 'segmentation', classes: [0, 1], loss: 'dice+ce', classWeights: null, warmup: 0, atUnfreeze: 'fresh', adapter: 'duplicate',
    train: { epochs, batch: 2, stepsPerEpoch: null, optimizer: { kind: 'adam', lr, beta1: 0.9, beta2: 0.999, momentum: 0, weightDecay: 0, clipNorm: null }, onNaN: 'stop' },
    slices: null,
    ...over,
  };
}

export function finetuneNode(o: { data: DataNode; arm: FinetuneNode['params']['arm']; spec: FinetuneSpec; encoder: EncoderSpec; inputShape: number[]; evaluation: EvalSpec; pretrain?: string; fraction?: number; seed?: number }): FinetuneNode {
  return {
    kind: 'finetune', id: `finetune:${o.arm}`, hash: 'f', inputs: o.pretrain ? [o.data.id, o.pretrain] : [o.data.id], output: 'model', seed: o.seed ?? 11, cost: null,
    params: {
      method: o.arm === 'scratch' ? 'scratch' : '3D-Test', arm: o.arm, fraction: o.fraction ?? 1, repetition: 0, subsetSeed: 5,
      finetune: o.spec, encoder: o.encoder, inputShape: o.inputShape, pretrainedChannels: o.pretrain ? 1 : null, evaluation: o.evaluation,
    },
  };
}

export function evaluateNode(ft: FinetuneNode, data: DataNode): EvaluateNode {
  return {
    kind: 'evaluate', id: `evaluate:${ft.params.arm}`, hash: 'e', inputs: [ft.id, data.id], output: 'metrics', seed: 3, cost: null,
    params: { method: ft.params.method, arm: ft.params.arm, fraction: ft.params.fraction, repetition: ft.params.repetition, evaluation: ft.params.evaluation, regions: data.params.dataset.regions },
  };
}

// The `pretrain` graph node: read the dataset artifact, build the encoder and the pretext task,
// train with the shared loop (checkpoints, resume, NaN policy, events), and write the encoder
// weights (`encoder.json/.bin`, only `enc_` layers) plus `task.json` into the artifact folder.
// The fine-tuning node loads them with transferEncoder(dir, model, …).

import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { PretrainNode } from '../../core/graph.js';
import type { NodeContext, NodeHandler, NodeResult } from '../contract.js';
import { SslRuntimeError } from '../contract.js';
import { readDatasetArtifact } from '../data/artifact.js';
import { buildEncoder } from '../models/unet.js';
import { countParams, saveWeights } from '../models/weights.js';
import { Rng, deriveSeed } from '../../core/rng.js';
import { trainLoop } from '../train/loop.js';
import { taskError } from '../../core/errors.js';
import type { Vol } from './crop.js';
import { createTask } from './tasks.js';
import type { PretextTask, TaskBatch, TaskModel } from './task.js';
import { splitPool } from './task.js';

export const TASK_ARTIFACT_VERSION = 1;

/** task.json: what a pretrain artifact holds besides the encoder weights. */
export interface TaskArtifact {
  format: 'ssl3d-pretext';
  version: typeof TASK_ARTIFACT_VERSION;
  node: string;
  task: string;
  name: string;
  dim: 2 | 3;
  variant: string;
  /** Input channels of the encoder (the fine-tuning adapter needs them). */
  channels: number;
  /** Shape the encoder was trained on (a patch for patch tasks), channels last. */
  encoderInputShape: number[];
  encoder: PretrainNode['params']['encoder'];
  params: {
    encoder: { trainable: number; nonTrainable: number };
    heads: { trainable: number; nonTrainable: number };
  };
  samples: { train: number; val: number };
  epochs: number;
  stepsPerEpoch: number;
  batch: number;
  final: { loss: number; accuracy: number | null; valLoss: number | null; valAccuracy: number | null };
  history: Array<{ epoch: number; loss: number; metrics: Record<string, number> }>;
  /** Task-specific facts (geometry, permutation set and its Hamming statistics, …). */
  info: Record<string, unknown>;
  lr: number;
}

function batchTensors(b: TaskBatch): tf.Tensor[] {
  return [...b.inputs, b.targets, ...Object.values(b.index)];
}

/** Mean loss/accuracy over fixed validation batches (the same batches every epoch). */
export async function evaluate(task: PretextTask, m: TaskModel, pool: readonly Vol[], seed: number, batch: number, maxBatches = 8): Promise<{ loss: number; accuracy: number }> {
  const n = Math.min(maxBatches, Math.max(1, Math.ceil(pool.length / batch)));
  let loss = 0, acc = 0;
  for (let i = 0; i < n; i++) {
    const b = task.batch(pool, new Rng(deriveSeed(seed, 'val', i)), batch, false);
    const pred = task.forward(m, b, false);
    // Asynchronous read-backs: a GPU backend has no synchronous one in Node.
    const [l, a] = [task.loss(pred, b), task.accuracy(pred, b)];
    loss += (await l.data())[0]!;
    acc += (await a.data())[0]!;
    tf.dispose([l, a]);
    pred.dispose();
    tf.dispose(batchTensors(b));
  }
  return { loss: loss / n, accuracy: acc / n };
}

export const pretrainHandler: NodeHandler<PretrainNode> = async (ctx: NodeContext<PretrainNode>): Promise<NodeResult> => {
  const node = ctx.node;
  const { pretext, encoder: encSpec, inputShape } = node.params;
  const dataId = node.inputs[0];
  const input = dataId ? ctx.inputs[dataId] : undefined;
  if (!dataId || !input) throw new SslRuntimeError('SSL155', `${node.id}: the pretrain node needs its dataset artifact as its first input`);
  const ds = await readDatasetArtifact(input.dir);

  const task = createTask(pretext, encSpec, [...inputShape], deriveSeed(node.seed, 'task'), { cacheDir: path.join(ctx.dataCacheDir, 'permutations') });
  const trainPool = splitPool(ds, 'train', pretext, inputShape);
  const valPool = splitPool(ds, 'val', pretext, inputShape);
  if (trainPool.length === 0) throw taskError('tooFewCases', `${node.id}: dataset '${ds.name}' has no training cases for pretext training`);
  if (pretext.task === 'exemplar' && trainPool.length < 2) {
    throw taskError('tooFewCases', `${node.id}: exemplar needs at least 2 training samples, dataset '${ds.name}' has ${trainPool.length}`);
  }
  const canValidate = valPool.length >= (pretext.task === 'exemplar' ? 2 : 1);
  if (!canValidate) ctx.emit({ type: 'info', node: node.id, message: `no validation samples (val split has ${valPool.length}); reporting training metrics only` });

  const encoder = buildEncoder(encSpec, task.encoderInputShape, deriveSeed(node.seed, 'encoder'));
  const model = task.build(encoder, deriveSeed(node.seed, 'head'));
  try {
    return await trainAndSave(ctx, task, model, trainPool, valPool, canValidate);
  } finally {
    // the holder owns the encoder and the heads: free their weights (a run has many nodes)
    model.holder.dispose();
  }
};

async function trainAndSave(
  ctx: NodeContext<PretrainNode>,
  task: PretextTask,
  model: TaskModel,
  trainPool: Vol[],
  valPool: Vol[],
  canValidate: boolean,
): Promise<NodeResult> {
  const node = ctx.node;
  const { pretext, encoder: encSpec, inputShape } = node.params;
  const encoder = model.encoder;
  const train = pretext.train;
  const batch = train.batch;
  const stepsPerEpoch = train.stepsPerEpoch ?? Math.max(1, Math.ceil(trainPool.length / batch));
  if (task.info()['permutations']) {
    const p = task.info()['permutations'] as { count: number; hamming: { min: number; mean: number } };
    ctx.emit({ type: 'info', node: node.id, message: `jigsaw: ${p.count} permutations, pairwise Hamming min ${p.hamming.min}, mean ${p.hamming.mean.toFixed(2)}` });
  }

  let current: TaskBatch | null = null;
  const result = await trainLoop<tf.Tensor[]>({
    ctx,
    node: node.id,
    seed: node.seed,
    epochs: train.epochs,
    stepsPerEpoch,
    batchSize: batch,
    model: model.holder,
    optimizer: train.optimizer,
    onNaN: train.onNaN,
    // batches depend only on (seed, epoch, step): resume and reruns see the same data
    prepare: (_rng, epoch, step) => {
      current = task.batch(trainPool, new Rng(deriveSeed(node.seed, 'batch', epoch, step)), batch, true);
      return batchTensors(current);
    },
    step: (s) => {
      const b = current as TaskBatch;
      const pred = task.forward(model, b, true);
      const loss = task.loss(pred, b);
      s.record('acc', task.accuracy(pred, b));
      return loss;
    },
    validate: canValidate
      ? async () => {
          const v = await evaluate(task, model, valPool, node.seed, batch);
          return { val_loss: v.loss, val_acc: v.accuracy };
        }
      : undefined,
  });
  // interrupted: the last finished epoch is checkpointed; the executor records the interruption
  if (result.interrupted) ctx.signal.throwIfAborted();

  await saveWeights(encoder.model, ctx.outDir, 'encoder', { node: node.id, task: pretext.task, variant: pretext.variant });
  const last = result.epochs[result.epochs.length - 1];
  const encParams = countParams(encoder.model);
  const allParams = countParams(model.holder);
  const metric = (k: string): number | null => (last && Number.isFinite(last.metrics[k]) ? (last.metrics[k] as number) : null);
  const artifact: TaskArtifact = {
    format: 'ssl3d-pretext',
    version: TASK_ARTIFACT_VERSION,
    node: node.id,
    task: pretext.task,
    name: pretext.name,
    dim: pretext.dim,
    variant: pretext.variant,
    channels: inputShape[inputShape.length - 1] as number,
    encoderInputShape: task.encoderInputShape,
    encoder: encSpec,
    params: {
      encoder: { trainable: encParams.trainable, nonTrainable: encParams.nonTrainable },
      heads: { trainable: allParams.trainable - encParams.trainable, nonTrainable: allParams.nonTrainable - encParams.nonTrainable },
    },
    samples: { train: trainPool.length, val: valPool.length },
    epochs: train.epochs,
    stepsPerEpoch,
    batch,
    final: { loss: last?.loss ?? NaN, accuracy: metric('train_acc'), valLoss: metric('val_loss'), valAccuracy: metric('val_acc') },
    history: result.epochs.map((e) => ({ epoch: e.epoch, loss: e.loss, metrics: e.metrics })),
    info: task.info(),
    lr: result.lr,
  };
  await fs.writeFile(path.join(ctx.outDir, 'task.json'), JSON.stringify(artifact, null, 1));

  const summary: Record<string, number> = { loss: artifact.final.loss };
  if (artifact.final.accuracy !== null) summary['acc'] = artifact.final.accuracy;
  if (artifact.final.valLoss !== null) summary['val_loss'] = artifact.final.valLoss;
  if (artifact.final.valAccuracy !== null) summary['val_acc'] = artifact.final.valAccuracy;
  return { summary };
}

/** Read and check a pretrain artifact's task.json. */
export async function readTaskArtifact(dir: string): Promise<TaskArtifact> {
  const file = path.join(dir, 'task.json');
  let x: unknown;
  try {
    x = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (e) {
    throw new SslRuntimeError('SSL155', `cannot read ${file}: ${(e as Error).message}`, file);
  }
  const a = x as Partial<TaskArtifact>;
  if (a.format !== 'ssl3d-pretext' || a.version !== TASK_ARTIFACT_VERSION || typeof a.channels !== 'number') {
    throw new SslRuntimeError('SSL155', `${file} is not a pretrain artifact of version ${TASK_ARTIFACT_VERSION}`, file);
  }
  return a as TaskArtifact;
}

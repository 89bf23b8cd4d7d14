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
import { TASK_ARTIFACT_VERSION, type TaskArtifact } from '../tasks/artifact.js';
import type { Vol } from '../tasks/crop.js';
import { batchTensors, evaluate } from '../tasks/evaluate.js';
import { createTask } from '../tasks/tasks.js';
import type { PretextTask, TaskBatch, TaskModel } from '../tasks/task.js';
import { splitPool } from '../tasks/task.js';
import { msg, withCode } from '../../core/codes/index.js';

export const pretrainHandler: NodeHandler<PretrainNode> = async (ctx: NodeContext<PretrainNode>): Promise<NodeResult> => {
  const node = ctx.node;
  const { pretext, encoder: encSpec, inputShape } = node.params;
  const dataId = node.inputs[0];
  const input = dataId ? ctx.inputs[dataId] : undefined;
  if (!dataId || !input) throw new SslRuntimeError(msg('SSL155', 'noDatasetInput', { node: node.id }));
  const ds = await readDatasetArtifact(input.dir);

  const task = createTask(pretext, encSpec, [...inputShape], deriveSeed(node.seed, 'task'), { cacheDir: path.join(ctx.dataCacheDir, 'permutations') });
  const trainPool = splitPool(ds, 'train', pretext, inputShape);
  const valPool = splitPool(ds, 'val', pretext, inputShape);
  if (trainPool.length === 0) throw new SslRuntimeError(msg('SSL152', 'noTrainingCases', { node: node.id, name: ds.name }));
  if (pretext.task === 'exemplar' && trainPool.length < 2) {
    throw new SslRuntimeError(msg('SSL152', 'exemplarTrainCases', { node: node.id, name: ds.name, count: trainPool.length }));
  }
  const canValidate = valPool.length >= (pretext.task === 'exemplar' ? 2 : 1);
  if (!canValidate) ctx.emit({ type: 'info', node: node.id, message: `no validation samples (val split has ${valPool.length}); reporting training metrics only` });
  if (!canValidate && pretext.train.keep === 'best') ctx.emit({ type: 'warning', node: node.id, message: withCode(msg('SSL161', 'keepBestNoValidation', { node: node.id, what: ds.name })) });

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
  // keep = best: the epoch with the lowest validation loss (the authors' ModelCheckpoint rule)
  const keepBest = train.keep === 'best' && canValidate ? { metric: 'val_loss', higherIsBetter: false } : undefined;
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
    keepBest,
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
  // with keep = best the artifact's `final` describes the kept epoch, not the last one
  const kept = result.keptEpoch === null ? undefined : result.epochs.find((e) => e.epoch === result.keptEpoch);
  const last = kept ?? result.epochs[result.epochs.length - 1];
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
    ...(keepBest ? { keptEpoch: result.keptEpoch } : {}),
  };
  await fs.writeFile(path.join(ctx.outDir, 'task.json'), JSON.stringify(artifact, null, 1));

  const summary: Record<string, number> = { loss: artifact.final.loss };
  if (artifact.final.accuracy !== null) summary['acc'] = artifact.final.accuracy;
  if (artifact.final.valLoss !== null) summary['val_loss'] = artifact.final.valLoss;
  if (artifact.final.valAccuracy !== null) summary['val_acc'] = artifact.final.valAccuracy;
  return { summary };
}

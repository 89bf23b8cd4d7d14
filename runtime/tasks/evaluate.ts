// Validation of a pretext task: mean loss and accuracy over fixed batches (the pretrain node
// runs it after every epoch).

import * as tf from '@tensorflow/tfjs';
import { Rng, deriveSeed } from '../../core/rng.js';
import type { Vol } from './crop.js';
import type { PretextTask, TaskBatch, TaskModel } from './task.js';

/** Every tensor of a batch (to dispose them together). */
export function batchTensors(b: TaskBatch): tf.Tensor[] {
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

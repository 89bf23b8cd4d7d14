// task.json: what a pretrain artifact holds besides the encoder weights (written by the
// pretrain node, runtime/nodes/pretrain.ts), and its reader.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { PretrainNode } from '../../core/graph.js';
import { SslRuntimeError } from '../contract.js';
import { msg } from '../../core/codes/index.js';

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
  /** `train { keep = best }`: the epoch (best validation loss) whose encoder was saved; `final` is that epoch's. */
  keptEpoch?: number | null;
}

/** Read and check a pretrain artifact's task.json. */
export async function readTaskArtifact(dir: string): Promise<TaskArtifact> {
  const file = path.join(dir, 'task.json');
  let x: unknown;
  try {
    x = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (e) {
    throw new SslRuntimeError(msg('SSL155', 'cannotRead', { file, reason: (e as Error).message }), file);
  }
  const a = x as Partial<TaskArtifact>;
  if (a.format !== 'ssl3d-pretext' || a.version !== TASK_ARTIFACT_VERSION || typeof a.channels !== 'number') {
    throw new SslRuntimeError(msg('SSL155', 'wrongVersion', { file, version: TASK_ARTIFACT_VERSION }), file);
  }
  return a as TaskArtifact;
}

// Determinism of the real training step on `native`: builds the authors'-code 3D U-Net segmenter
// (as bench/unet-step.ts), runs 3 Adam steps on fixed data and prints a hash of all weights.
// The hash must be the same from run to run and for any SSL3D_THREADS:
//   for t in 1 2 3; do SSL3D_THREADS=$t node --import tsx bench/step-determinism.ts 32; done
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../runtime/backend/index.js';
import { buildEncoder, buildSegmenter, unetPreset } from '../runtime/models/index.js';
import { setTrainingClock } from '../runtime/models/layers.js';
import { Optimizer } from '../runtime/train/optim.js';
import { crossEntropyLoss } from '../runtime/train/finetune.js';
import type { OptimizerSpec } from '../core/graph.js';
const D = Number(process.argv[2] ?? 16);
await selectBackend('native');
const enc = buildEncoder(unetPreset('authors-code', 3), [D, D, D, 4], 1);
const model = buildSegmenter(enc, 4, 1);
const opt = new Optimizer({ kind: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, momentum: 0, weightDecay: 0, clipNorm: null } as unknown as OptimizerSpec);
const vars = model.trainableWeights.map((w) => ({ name: w.originalName, variable: w.read() as tf.Variable }));
const x = tf.randomNormal([2, D, D, D, 4], 0, 1, 'float32', 3);
const y = tf.tidy(() => tf.oneHot(tf.randomUniform([2, D, D, D], 0, 4, 'int32', 4) as tf.Tensor4D, 4));
for (let i = 0; i < 3; i++) {
  setTrainingClock(1, i, 7);
  const { value, grads } = tf.variableGrads(() => crossEntropyLoss(y, model.apply(x, { training: true }) as tf.Tensor), vars.map((v) => v.variable));
  opt.apply(vars, vars.map((v) => grads[v.variable.name] ?? null));
  tf.dispose([value, ...Object.values(grads)]);
}
const h = createHash('sha256');
for (const w of model.weights) h.update(Buffer.from((w.read().dataSync() as Float32Array).buffer));
console.log(`D=${D} threads=${process.env.SSL3D_THREADS} weights sha256 ${h.digest('hex').slice(0, 16)}`);

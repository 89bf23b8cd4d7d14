// Measure one optimiser step (forward + backward + Adam) of the authors-code 3D U-Net encoder
// through the shared training loop's optimiser, on the plain `cpu` backend and on the
// registry's `auto` choice, in the same process.
//
//   npx tsx runtime/train/bench-step.ts [side=64] [backends=cpu,auto]
//
// Prints one line per backend: backend name, input, ms per step (a warm-up step on a 32³ input
// is run first and not counted).

import * as tf from '@tensorflow/tfjs';
import { buildEncoder, unetPreset, bottleneckModel } from '../models/unet.js';
import { selectBackend, type BackendChoice } from '../backend/index.js';
import { Optimizer } from './optim.js';
import { setTrainingClock } from '../models/layers.js';

const side = Number(process.argv[2] ?? 64);
const choices = (process.argv[3] ?? 'cpu,auto').split(',') as BackendChoice[];

async function stepOnce(side: number, seed: number): Promise<number> {
  const enc = buildEncoder(unetPreset('authors-code', 3), [side, side, side, 1], seed);
  const m = bottleneckModel(enc);
  const opt = new Optimizer({ kind: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, momentum: 0, weightDecay: 0, clipNorm: 1 });
  const vars = m.trainableWeights.map((w) => ({ name: w.originalName, variable: w.read() as tf.Variable }));
  const x = tf.randomNormal([1, side, side, side, 1], 0, 1, 'float32', seed);
  setTrainingClock(1, 0, seed);
  const t0 = performance.now();
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(m.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar, vars.map((v) => v.variable));
  await value.data();
  opt.apply(vars, vars.map((v) => grads[v.variable.name] ?? null));
  await vars[0]!.variable.data();
  const ms = performance.now() - t0;
  tf.dispose([value, x, ...Object.values(grads)]);
  opt.dispose();
  m.dispose();
  return ms;
}

for (const choice of choices) {
  const sel = await selectBackend(choice, { quiet: true });
  await stepOnce(32, 1);
  const ms = await stepOnce(side, 2);
  console.log(`${choice} -> ${sel.name}: authors-code encoder, input [1, ${side}³, 1], one training step ${ms.toFixed(0)} ms (${sel.reason})`);
}

import * as tf from '@tensorflow/tfjs';
import { selectBackend } from './runtime/backend/index.js';
import { buildEncoder, buildSegmenter, unetPreset } from './runtime/models/index.js';
import { Optimizer } from './runtime/train/optim.js';
import { setTrainingClock } from './runtime/models/layers.js';
const be = process.argv[2] ?? 'webgpu', D = Number(process.argv[3] ?? 32), steps = Number(process.argv[4] ?? 3);
const sel = await selectBackend(be as any, { quiet: true }); console.log(sel.name, sel.reason);
const spec = process.env.TINY ? { ...unetPreset('authors-code', 3), levels: 2, filters: [4, 8], finalPool: 'none' as const, dropout: 0 } : unetPreset('authors-code', 3);
const enc = buildEncoder(spec, [D, D, D, 4], 1);
const m = buildSegmenter(enc, 4, 1);
const opt = new Optimizer({ kind: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, momentum: 0, weightDecay: 0, clipNorm: null } as any);
const vars = m.trainableWeights.map((w: any) => ({ name: w.originalName, variable: w.read() }));
const x = tf.randomNormal([2, D, D, D, 4], 0, 1, 'float32', 3);
const y = tf.oneHot(tf.randomUniform([2, D, D, D], 0, 4, 'int32', 4) as any, 4);
for (let i = 0; i < steps; i++) {
  setTrainingClock(1, i, 7);
  const t0 = performance.now();
  const { value, grads } = tf.variableGrads(() => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.add(m.apply(x, { training: true }) as any, 1e-7))), -1))) as any, vars.map((v: any) => v.variable));
  const loss = (await value.data())[0];
  opt.apply(vars, vars.map((v: any) => grads[v.variable.name] ?? null));
  await vars[0].variable.data();
  tf.dispose([value, ...Object.values(grads)]);
  console.log(`step ${i} loss ${loss} ${(performance.now() - t0).toFixed(0)} ms tensors ${tf.memory().numTensors}`);
}
process.exit(0);

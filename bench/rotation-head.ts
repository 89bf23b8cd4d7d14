// #16.7: the first steps of 3D rotation pretraining with different classifier heads.
//   node --import tsx bench/rotation-head.ts                       # the five rows of docs/tasks.md
//   CFG=none:1024:0.001,batch:1024:0.001 STEPS=36 node --import tsx bench/rotation-head.ts
// Each config is head-norm:hidden:lr. Small preset encoder, 2-channel brain phantoms of 24³
// (16 training volumes, 8 held out), batch 2, one rotated copy per volume, seed 3.
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../runtime/backend/index.js';
import { createTask } from '../runtime/tasks/tasks.js';
import { dense, headModel, type TaskModel } from '../runtime/tasks/task.js';
import { buildEncoder } from '../runtime/models/unet.js';
import { BatchNorm } from '../runtime/models/layers.js';
import { phantomCase } from '../runtime/data/phantoms.js';
import { minMaxNormalize } from '../runtime/data/preprocess.js';
import { Optimizer } from '../runtime/train/optim.js';
import { Rng } from '../core/rng.js';
import { UNET_PRESETS } from '../compiler/defaults.js';
import type { PretextSpec } from '../core/graph.js';

await selectBackend('auto', { quiet: true });
const S = 24;
const vols = (seed: number, n: number) =>
  Array.from({ length: n }, (_, i) => {
    const c = phantomCase({ kind: 'phantom3d', anatomy: 'brain', cases: n, channels: 2, size: [S, S, S], labelled: false }, seed, i);
    return { shape: c.shape, channels: 2, data: minMaxNormalize(c.image, 2) };
  });
const pool = vols(7, 16);
const held = vols(99, 8);
const steps = Number(process.env['STEPS'] ?? 36);
const configs = (process.env['CFG'] ?? 'none:1024:0.001,layer:1024:0.001,batch:1024:0.001,none:1024:0.0001,none:64:0.001').split(',');
const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
for (const cfg of configs) {
  const [norm, hs, lrs] = cfg.split(':') as [string, string, string];
  const hidden = Number(hs);
  const lr = Number(lrs);
  const enc = { kind: 'unet3d' as const, ...UNET_PRESETS.small };
  const spec: PretextSpec = {
    name: 'rot', task: 'rotation', dim: 3, variant: 'paper', params: { task: 'rotation', copies: 1 }, headHidden: hidden, slices: null,
    train: { epochs: 1, batch: 2, stepsPerEpoch: steps, optimizer: { kind: 'adam', lr, beta1: 0.9, beta2: 0.999, momentum: 0, weightDecay: 0, clipNorm: null }, onNaN: 'stop' },
  };
  const task = createTask(spec, enc, [S, S, S, 2], 11);
  const encoder = buildEncoder(enc, task.encoderInputShape, 5);
  const built = task.build(encoder, 6); // sets the feature mode
  const size = (encoder.outputs.at(-1)!.shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
  const normLayer: tf.layers.Layer[] = norm === 'batch' ? [new BatchNorm({ name: 'h_norm' })] : norm === 'layer' ? [tf.layers.layerNormalization({ name: 'h_norm' })] : [];
  const head = headModel('h', [size], [dense(hidden, 'h_hidden', 6, 'relu'), ...normLayer, dense(10, 'h_out', 6)]);
  const m: TaskModel = { encoder, heads: { classifier: head }, holder: built.holder };
  const weights = [...encoder.model.trainableWeights, ...head.trainableWeights];
  const vars = weights.map((w) => ({ name: w.originalName, variable: (w as unknown as { val: tf.Variable }).val }));
  const opt = new Optimizer(spec.train.optimizer);
  const rng = new Rng(3);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const b = task.batch(pool, rng, 2, true);
    const { value, grads } = tf.variableGrads(() => task.loss(task.forward(m, b, true), b), vars.map((v) => v.variable));
    opt.apply(vars, vars.map((v) => grads[v.variable.name] ?? null));
    losses.push(value.dataSync()[0]!);
    tf.dispose([value, ...Object.values(grads), ...b.inputs, b.targets]);
  }
  let ok = 0, n = 0;
  for (let i = 0; i < 8; i++) {
    const b = task.batch(held, new Rng(1000 + i), 4, false);
    const p = task.forward(m, b, false);
    ok += task.accuracy(p, b).dataSync()[0]! * b.labels.length;
    n += b.labels.length;
    tf.dispose([p, ...b.inputs, b.targets]);
  }
  const first = losses.slice(0, 12);
  const last = losses.length >= 24 ? mean(losses.slice(-12)).toFixed(2) : '–';
  console.log(`${norm} head, ${hidden} units, lr ${lr}: mean loss steps 1-12 ${mean(first).toFixed(2)}, max ${Math.max(...first).toFixed(2)}, last 12 ${last}, held-out acc ${(ok / n).toFixed(2)} (${n})`);
  built.holder.dispose();
  head.dispose();
}

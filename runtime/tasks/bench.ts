// Measurements behind docs/tasks.md: permutation-set statistics and timing, and each task's
// loss/accuracy before and after a short training run on seeded brain phantoms (3D, and the 2D
// counterparts on axial slices), with the baseline (the untrained model) measured in the same run.
//   node --import tsx runtime/tasks/bench.ts [steps=40] [side=32] [norm=batch|none]

import * as tf from '@tensorflow/tfjs';
import type { EncoderSpec, PretextSpec, TaskName, TaskParams } from '../../core/graph.js';
import { selectBackend } from '../backend/index.js';
import { phantomCase } from '../data/phantoms.js';
import type { Case } from '../data/types.js';
import { setTrainingClock } from '../models/layers.js';
import { buildEncoder } from '../models/unet.js';
import { Rng, deriveSeed } from '../../core/rng.js';
import { makeOptimizer } from '../train/optim.js';
import { evaluate } from './evaluate.js';
import { hammingStats, maxHammingPermutations, randomPermutations } from './permutations.js';
import { samplePool } from './task.js';
import { createTask } from './tasks.js';

function minmax(c: Case): Case {
  const img = Float32Array.from(c.image);
  for (let ch = 0; ch < c.channels; ch++) {
    let lo = Infinity, hi = -Infinity;
    for (let i = ch; i < img.length; i += c.channels) { lo = Math.min(lo, img[i]!); hi = Math.max(hi, img[i]!); }
    for (let i = ch; i < img.length; i += c.channels) img[i] = hi > lo ? (img[i]! - lo) / (hi - lo) : 0;
  }
  return { ...c, image: img };
}

function permutationBench(): void {
  console.log('\n## Jigsaw permutation sets (pairwise Hamming distance)\n');
  console.log('| tiles | P | selection | min | mean | time (ms) |');
  console.log('|---|---|---|---|---|---|');
  for (const [tiles, P] of [[27, 100], [27, 1000], [9, 100], [8, 100]] as const) {
    let t0 = Date.now();
    const mh = maxHammingPermutations(tiles, P, 1).perms;
    const tMh = Date.now() - t0;
    t0 = Date.now();
    const rnd = randomPermutations(tiles, P, 1);
    const tR = Date.now() - t0;
    const a = hammingStats(mh), b = hammingStats(rnd);
    console.log(`| ${tiles} | ${P} | max-hamming | ${a.min} | ${a.mean.toFixed(2)} | ${tMh} |`);
    console.log(`| ${tiles} | ${P} | random | ${b.min} | ${b.mean.toFixed(2)} | ${tR} |`);
  }
}

async function main(): Promise<void> {
  const steps = Number(process.argv[2] ?? 40);
  const side = Number(process.argv[3] ?? 32);
  const normKind = (process.argv[4] ?? 'batch') === 'none' ? 'none' : 'batch';
  const backend = await selectBackend('auto', { quiet: true });
  permutationBench();
  const source = { kind: 'phantom3d' as const, anatomy: 'brain' as const, cases: 20, channels: 2, size: [side, side, side], labelled: false };
  const cases = Array.from({ length: source.cases }, (_, i) => minmax(phantomCase(source, 7, i)));
  const trainCases = cases.slice(0, 16), valCases = cases.slice(16);
  const h = side / 4;
  // one sample configuration per task (a task registered without one does not compile)
  const params: { [K in TaskName]: Extract<TaskParams, { task: K }> } = {
    rotation: { task: 'rotation', copies: 2 },
    rpl: { task: 'rpl', grid: 3, jitter: 1 },
    jigsaw: { task: 'jigsaw', grid: 3, jitter: 1, permutations: 100, selection: 'max-hamming' },
    cpc: { task: 'cpc', grid: 4, patch: h, overlap: 0, codeSize: 64, contextSize: 64, predictTerms: 2, negatives: 15 },
    exemplar: { task: 'exemplar', codeSize: 64, margin: 1, transforms: ['flip', 'translate', 'brightness', 'contrast'], negatives: 'batch' },
  };
  console.log(`\n## Learning on brain phantoms (${side}³ × 2 channels, 16 train / 4 val cases; ${backend.name} backend; ${steps} Adam steps, lr 1e-3, encoder U-Net 3 levels 8/16/32, norm ${normKind})\n`);
  console.log('| task | dim | batch | chance | val loss before → after | val acc before → after | train loss first 5 → last 5 | ms/step |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const dim of [3, 2] as const) {
    for (const [name, p] of Object.entries(params)) {
      const enc: EncoderSpec = { kind: dim === 3 ? 'unet3d' : 'unet2d', levels: 3, filters: [8, 16, 32], block: 'plain', norm: normKind, dropout: 0, finalPool: 'none', upsample: 'transpose' };
      const spec: PretextSpec = {
        name: `${name}${dim}d`, task: p.task, dim, variant: 'paper', params: p, headHidden: 128,
        slices: dim === 2 ? { axis: 0, perVolume: 4 } : null,
        train: { epochs: 1, batch: 4, stepsPerEpoch: steps, optimizer: { kind: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, momentum: 0, weightDecay: 0, clipNorm: null }, onNaN: 'stop' },
      };
      const shape = dim === 3 ? [side, side, side, 2] : [side, side, 2];
      const task = createTask(spec, enc, shape, 1, { cacheDir: null });
      const model = task.build(buildEncoder(enc, task.encoderInputShape, 1), 1);
      const trainPool = samplePool(trainCases, spec, shape);
      const valPool = samplePool(valCases, spec, shape);
      const batch = name === 'rpl' ? 16 : 4;
      const before = await evaluate(task, model, valPool, 3, batch, 4);
      const opt = makeOptimizer(spec.train.optimizer);
      const vars = model.holder.trainableWeights.map((w) => ({ name: w.originalName, variable: w.read() as tf.Variable }));
      const losses: number[] = [];
      const t0 = Date.now();
      for (let s = 0; s < steps; s++) {
        setTrainingClock(1, s);
        const b = task.batch(trainPool, new Rng(deriveSeed(5, 'batch', s)), batch, true);
        const { value, grads } = tf.variableGrads(() => task.loss(task.forward(model, b, true), b), vars.map((v) => v.variable));
        losses.push(value.dataSync()[0]!);
        opt.apply(vars, vars.map((v) => grads[v.variable.name] ?? null));
        tf.dispose([value, ...Object.values(grads), ...b.inputs, b.targets, ...Object.values(b.index)]);
      }
      const ms = (Date.now() - t0) / steps;
      const after = await evaluate(task, model, valPool, 3, batch, 4);
      const m = (xs: number[]): string => (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(3);
      const chance = task.classes ? (1 / task.classes).toFixed(3) : '–';
      console.log(`| ${name} | ${dim}D | ${batch} | ${chance} | ${before.loss.toFixed(3)} → ${after.loss.toFixed(3)} | ${before.accuracy.toFixed(2)} → ${after.accuracy.toFixed(2)} | ${m(losses.slice(0, 5))} → ${m(losses.slice(-5))} | ${ms.toFixed(0)} |`);
      opt.dispose();
    }
  }
}

await main();

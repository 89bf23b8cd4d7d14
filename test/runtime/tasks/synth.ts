// In-test synthetic volumes for the task tests: a smooth oriented intensity ramp (so patch
// position and orientation are recoverable), a few random Gaussian blobs, and a little noise.
import type { PretextSpec, TaskParams, EncoderSpec, TrainSpec } from '../../../core/graph.js';
import type { Case } from '../../../runtime/data/types.js';
import { Rng } from '../../../core/rng.js';
import type { Vol } from '../../../runtime/tasks/crop.js';

export function synthVol(shape: number[], channels: number, seed: number): Vol {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n * channels);
  const blobs = Array.from({ length: 3 }, () => ({ c: shape.map((s) => rng.uniform(0, s)), r: rng.uniform(1.5, 3), a: rng.uniform(0.3, 0.6) * Number(process.env.BLOB ?? 1) }));
  const w = [0.5, 0.3, 0.15];
  for (let i = 0; i < n; i++) {
    let r = i;
    const x = new Array<number>(shape.length);
    for (let d = shape.length - 1; d >= 0; d--) { x[d] = r % shape[d]!; r = Math.floor(r / shape[d]!); }
    let v = 0;
    x.forEach((xi, d) => { v += w[d]! * (xi / (shape[d]! - 1)); });
    for (const b of blobs) {
      const d2 = x.reduce((acc, xi, d) => acc + (xi - b.c[d]!) ** 2, 0);
      v += b.a * Math.exp(-d2 / (2 * b.r * b.r));
    }
    for (let c = 0; c < channels; c++) {
      // channel c (c ≥ 1) also carries a ramp along axis c − 1, so position is easy to read
      const ramp = c >= 1 && c <= shape.length ? (x[c - 1]! / (shape[c - 1]! - 1)) : 0;
      data[i * channels + c] = v * (c === 0 ? 1 : 0.3) + ramp + rng.normal(0, 0.02);
    }
  }
  return { shape: [...shape], channels, data };
}

export function synthCases(count: number, shape: number[], channels: number, seed: number): Case[] {
  return Array.from({ length: count }, (_, i) => {
    const v = synthVol(shape, channels, seed * 1000 + i);
    return { id: `synth-${String(i).padStart(3, '0')}`, shape: [...shape], channels, image: v.data, mask: null, grade: null, spacing: shape.map(() => 1) };
  });
}

export const TRAIN: TrainSpec = {
  epochs: 1, batch: 4, stepsPerEpoch: 8,
  optimizer: { kind: 'adam', lr: Number(process.env.LR ?? 3e-3), beta1: 0.9, beta2: 0.999, momentum: 0, weightDecay: 0, clipNorm: null },
  onNaN: 'stop',
};

export function tinyEncoder(dim: 2 | 3, filters: number[] = [4, 8]): EncoderSpec {
  return { kind: dim === 3 ? 'unet3d' : 'unet2d', levels: filters.length, filters, block: 'plain', norm: 'none', dropout: 0, finalPool: 'none', upsample: 'transpose' };
}

export function pretext(params: TaskParams, dim: 2 | 3, variant: PretextSpec['variant'] = 'paper', extra: Partial<PretextSpec> = {}): PretextSpec {
  return { name: `${params.task}${dim}d`, task: params.task, dim, variant, params, headHidden: 32, slices: null, train: TRAIN, ...extra };
}

export const PARAMS = {
  rotation: { task: 'rotation', copies: 2 } as TaskParams,
  rpl: { task: 'rpl', grid: 3, jitter: 1 } as TaskParams,
  jigsaw: { task: 'jigsaw', grid: 2, jitter: 1, permutations: 8, selection: 'max-hamming' } as TaskParams,
  cpc: { task: 'cpc', grid: 4, patch: 4, overlap: 0, codeSize: 16, contextSize: 16, predictTerms: 2, negatives: 7 } as TaskParams,
  exemplar: { task: 'exemplar', codeSize: 16, margin: 1, transforms: ['flip', 'translate', 'brightness', 'contrast'], negatives: 'batch' } as TaskParams,
};

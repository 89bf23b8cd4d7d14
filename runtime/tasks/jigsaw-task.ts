// Pretext task `jigsaw` in tfjs: which permutation shuffled the tiles.

import * as tf from '@tensorflow/tfjs';
import { PATCH_EMBEDDING } from '../../core/geometry.js';
import type { EncoderSpec, JigsawParams, PretextSpec } from '../../core/graph.js';
import { type Rng, deriveSeed } from '../../core/rng.js';
import { jigsawPermutationCount } from '../../core/tasks/jigsaw.js';
import { type Vol, gridCount } from './crop.js';
import { jigsawSample } from './jigsaw.js';
import { permutationSet, type PermutationSet } from './permutations.js';
import { type PretextTask, type TaskBatch, type TaskOptions, pickSamples, volTensor } from './task.js';
import { PatchGridTask } from './patch-grid.js';

export class JigsawTask extends PatchGridTask implements PretextTask {
  readonly name = 'jigsaw' as const;
  readonly classes: number;
  readonly permutations: PermutationSet & { cached: boolean };
  readonly tiles: number;

  constructor(spec: PretextSpec, params: JigsawParams, inputShape: number[], encoder: EncoderSpec, seed: number, opts: TaskOptions) {
    super(spec, params, inputShape, encoder);
    this.tiles = gridCount(this.geometry);
    // authors' code: 100 permutations — uniformly random ones in 3D (permutations3d_100_27.npy),
    // a max-Hamming set in 2D (permutations_100_max.bin) — whatever the declaration says
    const selection = spec.variant === 'authors-code' ? (spec.dim === 3 ? 'random' : 'max-hamming') : params.selection;
    const count = jigsawPermutationCount(params.permutations, spec.variant === 'authors-code');
    this.permutations = permutationSet({ tiles: this.tiles, count, seed: deriveSeed(seed, 'jigsaw-permutations'), selection, cacheDir: opts.cacheDir });
    this.classes = this.permutations.perms.length;
  }

  protected patchesPerSample(): number {
    return this.tiles; // in shuffled order
  }

  protected prefix(): string {
    return 'jig';
  }

  batch(pool: readonly Vol[], rng: Rng, size: number, training: boolean): TaskBatch {
    const picked = pickSamples(pool.length, size, rng);
    const vols: Vol[] = [];
    const labels: number[] = [];
    for (const p of picked) {
      const s = jigsawSample(pool[p] as Vol, this.geometry, this.permutations.perms, rng, training);
      vols.push(...s.tiles);
      labels.push(s.label);
    }
    return { inputs: [volTensor(vols)], targets: tf.tensor1d(labels, 'int32'), index: {}, samples: picked.length, labels };
  }

  info(): Record<string, unknown> {
    const g = this.geometry;
    const p = this.permutations;
    return {
      classes: this.classes, tiles: this.tiles, grid: g.grid, cell: g.cell, patch: g.patch, jitter: g.jitter, slack: g.slack,
      permutations: { count: p.perms.length, selection: p.selection, seed: p.seed, pool: p.pool, hamming: p.stats },
      embedding: PATCH_EMBEDDING, feature: this.fm,
    };
  }
}

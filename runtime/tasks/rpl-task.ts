// Pretext task `rpl` in tfjs: relative patch location.

import * as tf from '@tensorflow/tfjs';
import { PATCH_EMBEDDING } from '../../core/geometry.js';
import type { EncoderSpec, PretextSpec, RplParams } from '../../core/graph.js';
import type { Rng } from '../../core/rng.js';
import type { Vol } from './crop.js';
import { rplClasses, rplSample } from './rpl.js';
import { type PretextTask, type TaskBatch, pickSamples, volTensor } from './task.js';
import { PatchGridTask } from './patch-grid.js';

export class RplTask extends PatchGridTask implements PretextTask {
  readonly name = 'rpl' as const;
  readonly classes: number;

  constructor(spec: PretextSpec, params: RplParams, inputShape: number[], encoder: EncoderSpec) {
    super(spec, params, inputShape, encoder);
    this.classes = rplClasses(this.geometry);
  }

  protected patchesPerSample(): number {
    return 2; // [centre ‖ query]
  }

  protected prefix(): string {
    return 'rpl';
  }

  batch(pool: readonly Vol[], rng: Rng, size: number, training: boolean): TaskBatch {
    const picked = pickSamples(pool.length, size, rng);
    const vols: Vol[] = [];
    const labels: number[] = [];
    // authors' code jitters validation patches too; the paper variant centres them
    const jitter = training || this.variant === 'authors-code';
    for (const p of picked) {
      const s = rplSample(pool[p] as Vol, this.geometry, rng, jitter);
      vols.push(s.centre, s.query);
      labels.push(s.label);
    }
    return { inputs: [volTensor(vols)], targets: tf.tensor1d(labels, 'int32'), index: {}, samples: picked.length, labels };
  }

  info(): Record<string, unknown> {
    const g = this.geometry;
    return { classes: this.classes, grid: g.grid, cell: g.cell, patch: g.patch, jitter: g.jitter, slack: g.slack, embedding: PATCH_EMBEDDING, feature: this.fm };
  }
}

// Block-schema pieces shared by the pretext tasks.
import { int, oneOfWords, qty, ref, sharedRef, str, type Schema } from '../schemas/common.js';
import { PATCH_EMBEDDING } from '../../core/geometry.js';
import type { HeadBuilder, HeadContext } from './types.js';

/** Keys every pretext block has. */
export const pretextCommon: Record<string, Schema> = {
  data: ref('dataset'),
  encoder: ref('encoder'),
  dim: { type: 'integer', enum: [2, 3], 'x-expect': '3 or 2' },
  variant: oneOfWords(['paper', 'authors-code', 'authors-code-bug']),
  label: str,
  'head-hidden': int(1, 100000, 'the hidden size of the task head'),
  slices: sharedRef('slices'),
  train: sharedRef('train'),
};
export const jitter = qty('voxels', { integer: true, min: 0, example: '3 voxels' });
export const grid = int(2, 16, 'patches per side (at least 2), e.g. 3');

/** Patch tasks: per patch features → 64 (patch embedding); then `inputs` embeddings → hidden (ReLU) → classes. */
export function patchClassifierHead(h: HeadBuilder, ctx: HeadContext, patches: number, inputs: number, classes: number): void {
  h.runs(patches, (p) => p.dense(ctx.features, PATCH_EMBEDDING));
  h.dense(inputs * PATCH_EMBEDDING, ctx.hidden);
  h.norm([], ctx.hidden, 'batch');
  h.dense(ctx.hidden, classes);
}

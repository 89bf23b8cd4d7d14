// The five pretext tasks as PretextTask implementations (targets from the pure modules, heads
// and losses in tfjs), one file per task (`<name>-task.ts`). Created from a PretextSpec by
// `createTask`; the compiler's side of each task is compiler/tasks/<name>.ts.

import type { EncoderSpec, PretextSpec } from '../../core/graph.js';
import { taskError } from '../../core/errors.js';
import { CpcTask } from './cpc-task.js';
import { ExemplarTask } from './exemplar-task.js';
import { JigsawTask } from './jigsaw-task.js';
import { RotationTask } from './rotation-task.js';
import { RplTask } from './rpl-task.js';
import type { PretextTask, TaskOptions } from './task.js';

/** Size of the per-patch embedding of the patch tasks (paper appendix: 64; core/geometry.ts). */
export { PATCH_EMBEDDING } from '../../core/geometry.js';
export { authorsCpcPatchAugment, authorsCpcShift, CpcTask, gatherRows } from './cpc-task.js';
export { ExemplarTask } from './exemplar-task.js';
export { JigsawTask } from './jigsaw-task.js';
export { RotationTask } from './rotation-task.js';
export { RplTask } from './rpl-task.js';

/** The task of a pretext declaration, for an encoder spec and the (spatial + channels) input shape. */
export function createTask(spec: PretextSpec, encoder: EncoderSpec, inputShape: number[], seed: number, opts: TaskOptions = { cacheDir: null }): PretextTask {
  const p = spec.params;
  if (p.task !== spec.task) throw taskError('badParams', `${spec.name}: task '${spec.task}' carries parameters of '${p.task}'`);
  if (inputShape.length !== spec.dim + 1) throw taskError('badInput', `${spec.name}: a ${spec.dim}D task needs an input shape of ${spec.dim} sides + channels, got [${inputShape}]`);
  const encDim = encoder.kind === 'unet3d' ? 3 : 2;
  if (encDim !== spec.dim) throw taskError('badParams', `${spec.name}: a ${spec.dim}D task cannot train a ${encoder.kind} encoder`);
  if (spec.variant === 'authors-code-bug' && p.task !== 'rotation') throw taskError('badParams', `${spec.name}: variant 'authors-code-bug' exists for rotation only`);
  if (!Number.isInteger(spec.headHidden) || spec.headHidden < 1) throw taskError('badParams', `${spec.name}: headHidden must be ≥ 1, got ${spec.headHidden}`);
  switch (p.task) {
    case 'rotation': return new RotationTask(spec, p, inputShape, encoder);
    case 'rpl': return new RplTask(spec, p, inputShape, encoder);
    case 'jigsaw': return new JigsawTask(spec, p, inputShape, encoder, seed, opts);
    case 'cpc': return new CpcTask(spec, p, inputShape, encoder);
    case 'exemplar': return new ExemplarTask(spec, p, inputShape, encoder);
    default: {
      const bad: never = p;
      throw taskError('badParams', `unknown pretext task '${String((bad as { task: string }).task)}'`);
    }
  }
}

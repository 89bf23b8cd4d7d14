// The five pretext tasks as PretextTask implementations (targets from the pure modules, heads
// and losses in tfjs), one file per task (`<name>-task.ts`), registered in `RUNTIME_TASKS`.
// Created from a PretextSpec by `createTask`; the compiler's side of each task is
// compiler/tasks/<name>.ts, the numbers both sides share core/tasks/<name>.ts.

import type { EncoderSpec, PretextSpec, TaskName, TaskParams } from '../../core/graph.js';
import { SslRuntimeError } from '../../core/errors.js';
import { CpcTask } from './cpc-task.js';
import { ExemplarTask } from './exemplar-task.js';
import { JigsawTask } from './jigsaw-task.js';
import { RotationTask } from './rotation-task.js';
import { RplTask } from './rpl-task.js';
import type { PretextTask, TaskOptions } from './task.js';
import { msg } from '../../core/codes/index.js';

/** Size of the per-patch embedding of the patch tasks (paper appendix: 64; core/geometry.ts). */
export { PATCH_EMBEDDING } from '../../core/geometry.js';
export { authorsCpcPatchAugment, authorsCpcShift, CpcTask, gatherRows } from './cpc-task.js';
export { ExemplarTask } from './exemplar-task.js';
export { JigsawTask } from './jigsaw-task.js';
export { RotationTask } from './rotation-task.js';
export { RplTask } from './rpl-task.js';

type TaskFactory<K extends TaskName> = (spec: PretextSpec, params: Extract<TaskParams, { task: K }>, inputShape: number[], encoder: EncoderSpec, seed: number, opts: TaskOptions) => PretextTask;

/** The tfjs side of each pretext task, by name (the compiler's registry is compiler/tasks/index.ts; a TaskName without an entry here does not compile). */
export const RUNTIME_TASKS: { [K in TaskName]: TaskFactory<K> } = {
  rotation: (spec, p, shape, enc) => new RotationTask(spec, p, shape, enc),
  rpl: (spec, p, shape, enc) => new RplTask(spec, p, shape, enc),
  jigsaw: (spec, p, shape, enc, seed, opts) => new JigsawTask(spec, p, shape, enc, seed, opts),
  cpc: (spec, p, shape, enc) => new CpcTask(spec, p, shape, enc),
  exemplar: (spec, p, shape, enc) => new ExemplarTask(spec, p, shape, enc),
};

/** The task of a pretext declaration, for an encoder spec and the (spatial + channels) input shape. */
export function createTask(spec: PretextSpec, encoder: EncoderSpec, inputShape: number[], seed: number, opts: TaskOptions = { cacheDir: null }): PretextTask {
  const p = spec.params;
  if (p.task !== spec.task) throw new SslRuntimeError(msg('SSL151', 'wrongParams', { name: spec.name, task: spec.task, params: p.task }));
  if (inputShape.length !== spec.dim + 1) throw new SslRuntimeError(msg('SSL154', 'inputShape', { name: spec.name, dim: spec.dim, inputShape }));
  const encDim = encoder.kind === 'unet3d' ? 3 : 2;
  if (encDim !== spec.dim) throw new SslRuntimeError(msg('SSL151', 'wrongEncoder', { name: spec.name, dim: spec.dim, encoder: encoder.kind }));
  if (spec.variant === 'authors-code-bug' && p.task !== 'rotation') throw new SslRuntimeError(msg('SSL151', 'bugVariant', { name: spec.name }));
  if (!Number.isInteger(spec.headHidden) || spec.headHidden < 1) throw new SslRuntimeError(msg('SSL151', 'badHeadHidden', { name: spec.name, headHidden: spec.headHidden }));
  const make = RUNTIME_TASKS[p.task] as TaskFactory<TaskName> | undefined;
  if (!make) throw new SslRuntimeError(msg('SSL151', 'unknownTask', { task: String(p.task) }));
  return make(spec, p, inputShape, encoder, seed, opts);
}

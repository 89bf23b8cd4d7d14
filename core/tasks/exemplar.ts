// Exemplar: a sample and a transformed copy of it are pulled together, other samples pushed away
// (triplet loss on the encoder's code). Its graph parameters; the compiler side is
// compiler/tasks/exemplar.ts, the tfjs side runtime/tasks/exemplar-task.ts.
import { en, int, num } from '../json-schema.js';
import { taskContract } from './contract.js';

export interface ExemplarParams {
  task: 'exemplar';
  codeSize: number;
  margin: number;
  /** Transformations used to make the positive. */
  transforms: Array<'flip' | 'translate' | 'brightness' | 'contrast'>;
  /** Where negatives come from. */
  negatives: 'batch' | 'dataset';
}

/** The largest triplet margin: 1e308 is Infinity in the float32 of training (loss Infinity at step 1). */
export const EXEMPLAR_MAX_MARGIN = 1e6;

/** The graph contract of the task's parameters (registered in core/tasks/index.ts). */
export const exemplarContract = taskContract<ExemplarParams>({
  codeSize: int(1),
  margin: { ...num, maximum: EXEMPLAR_MAX_MARGIN },
  transforms: { type: 'array', items: en('flip', 'translate', 'brightness', 'contrast') },
  negatives: en('batch', 'dataset'),
});

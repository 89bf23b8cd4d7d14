// The compiler's check phase: one checker per declaration kind (this folder), the built-in
// table of them, and the program-level driver. `compiler/lower.ts` consumes the result.
import type { Diagnostics } from '../diag.js';
import type { Module } from '../modules.js';
import type { CheckOptions, Checkers } from './context.js';
import { checkDataset } from './dataset.js';
import { checkEncoder } from './encoder.js';
import { checkEvaluation } from './evaluate.js';
import { checkProgram } from './experiment.js';
import { checkFinetune } from './finetune.js';
import { checkPretext } from './pretext.js';
import { checkReport } from './report.js';
import { checkSweep } from './sweep.js';
import type { CheckedExperiment } from './types.js';

export type { CheckOptions, Checkers } from './context.js';
export type * from './types.js';
export { memoryWarnings, type MemoryPeak } from './memory.js';

export const CHECKERS: Checkers = {
  dataset: checkDataset,
  encoder: checkEncoder,
  pretext: checkPretext,
  finetune: checkFinetune,
  evaluate: checkEvaluation,
  sweep: checkSweep,
  report: checkReport,
};

/** Check a loaded program: every problem becomes a diagnostic; the result is null when there is an error. */
export function checkExperiment(root: Module, modules: Module[], diags: Diagnostics, opts: CheckOptions, checkers: Checkers = CHECKERS): CheckedExperiment | null {
  return checkProgram(root, modules, diags, opts, checkers);
}

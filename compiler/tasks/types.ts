// What a pretext task contributes to the compiler: its title, the keys of its block beyond the
// ones every pretext block has, its check → TaskParams (with located diagnostics), whether the
// encoder sees the whole input, its encoder input geometry and its heads for the cost estimate.
// One file per task in this folder, registered in `index.ts`; the tfjs implementation is
// `runtime/tasks/<name>-task.ts`, registered in `runtime/tasks/tasks.ts`.
import type { CodedMessage } from '../../core/codes/index.js';
import type { Dim, TaskName, TaskParams } from '../../core/graph.js';
import type { Schema } from '../schemas/common.js';
import type { JsonObject } from '../values.js';

export interface TaskCheckInput {
  json: JsonObject;
  dim: Dim;
  /** A variant other than `paper` (the authors' code). */
  authors: boolean;
  /** The shortest spatial side of one sample (after slicing). */
  side: number;
  /** The encoder's smallest input and the divisor its input sides must have. */
  needs: { min: number; divisor: number };
  encoderName: string;
  error(m: CodedMessage, pointer: string, hint?: string): void;
  /** SSL053 when a patch is below the encoder's minimum. */
  checkPatch(patch: number, what: string, pointer: string): void;
}

/** The cost walker's view of a head: weights once, activations and FLOPs per run. */
export interface HeadBuilder {
  dense(inp: number, out: number): void;
  norm(spatial: number[], channels: number, kind: 'batch'): void;
  /** A sub-head applied `n` times per sample. */
  runs(n: number, f: (h: HeadBuilder) => void): void;
  /** Parameters and FLOPs counted by hand (a GRU). */
  add(params: number, flops: number): void;
}

export interface HeadContext {
  /** Encoder feature size per encoder input. */
  features: number;
  hidden: number;
  d: number;
  authors: boolean;
}

export interface PretextTaskDef<P extends TaskParams = TaskParams> {
  name: TaskName;
  /** Name in method labels: `3D-Rotation`. */
  title: string;
  /** Block keys beyond the common pretext keys. */
  fields: Record<string, Schema>;
  /** The encoder sees the whole (padded) input, which must then suit the encoder (SSL053/SSL040); a function when a parameter decides. */
  wholeInput: boolean | ((params: P) => boolean);
  /** Whether `variant = authors-code-bug` exists for this task. */
  authorsCodeBug?: boolean;
  check(input: TaskCheckInput): P;
  /** One encoder input (a patch, a padded cube or the sample) and encoder passes per sample; `div` is the encoder's divisor. */
  encoderInput(params: P, authors: boolean, spatial: number[], div: number): { patch: number[]; runs: number };
  heads(params: P, h: HeadBuilder, ctx: HeadContext): void;
}

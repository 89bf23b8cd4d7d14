// The typed results of the compiler's check phase. Each declaration kind has its checker in this
// folder (dataset.ts, encoder.ts, pretext.ts, finetune.ts, evaluate.ts, sweep.ts, report.ts,
// experiment.ts); a checker reads one schema-validated block, reports every problem it finds as
// a located diagnostic and returns a `Checked*` record (or null when the block has errors).
// `compiler/lower.ts` turns a `CheckedExperiment` into the execution graph and reports nothing.
import type { Declaration } from '../../grammar/ast.js';
import type {
  Arm, DatasetSpec, Dim, EncoderSpec, EvalSpec, ExecutorSpec, FinetuneSpec, PretextSpec, ReportSpec, TrainSpec,
} from '../../core/graph.js';
import type { Symbol } from '../modules.js';
import type { JsonObject, SpanMap } from '../values.js';

/** One declaration after its block was validated against its schema (compiler/schemas). */
export interface Block {
  sym: Symbol;
  decl: Declaration;
  json: JsonObject;
  spans: SpanMap;
  /** False when the block could not be repaired into its schema (it is then never checked further). */
  ok: boolean;
}

export type Target = 'segmentation' | 'classification';
export type Slices = { axis: 0 | 1 | 2; perVolume: number };

export interface CheckedDataset {
  block: Block;
  spec: DatasetSpec;
  /** Spatial shape after preprocessing, or null when unknown. */
  shape: number[] | null;
  /** What identifies the data for the data node's hash. */
  fingerprint: unknown;
}

export interface CheckedEncoder {
  block: Block;
  spec: EncoderSpec;
  dim: Dim;
}

export interface CheckedPretext {
  block: Block;
  spec: PretextSpec;
  data: CheckedDataset;
  encoder: CheckedEncoder;
  inputShape: number[];
  /** The method label in reports: `3D-Jigsaw`, or the block's `label`. */
  method: string;
}

export interface CheckedFinetune {
  block: Block;
  data: CheckedDataset;
  target: Target;
  arms: Arm[];
  warmup: number;
  atUnfreeze: 'fresh' | 'keep';
  adapter: FinetuneSpec['adapter'];
  loss: FinetuneSpec['loss'];
  classWeights: number[] | null;
  classes: number[];
  slices: Slices | null;
  encoder: CheckedEncoder | null;
  /** Train spec for 3D and 2D encoders (the defaults differ by dimension). */
  train: (dim: Dim) => TrainSpec;
}

export interface CheckedEvaluation {
  spec: EvalSpec;
  fractions: number[];
  repetitions: number;
}

/** What a sweep evaluates; reports are checked against it (also when the sweep itself failed). */
export interface SweepContext {
  evalSpec: EvalSpec;
  fractions: number[];
  target: Target;
  regions: string[];
  /** The evaluation has errors of its own, so its metric list is incomplete. */
  partial?: boolean;
}

export interface SweepMethod {
  /** `scratch` or the pretext's qualified name. */
  id: string;
  label: string;
  pre: CheckedPretext | null;
  arms: Arm[];
}

/** One method of a sweep with everything its fine-tuning nodes need. */
export interface SweepPlan {
  method: SweepMethod;
  encoder: EncoderSpec;
  inputShape: number[];
  slices: Slices | null;
  train: TrainSpec;
}

export interface CheckedSweep {
  block: Block;
  finetune: CheckedFinetune;
  evaluation: CheckedEvaluation;
  fractions: number[];
  repetitions: number;
  plans: SweepPlan[];
}

export interface CheckedReport {
  block: Block;
  /** The sweep it reports on. */
  sweep: Declaration;
  spec: ReportSpec;
}

/** Everything the lowering needs, all of it checked: the experiment file's declarations by kind. */
export interface CheckedExperiment {
  name: string;
  seed: number;
  backend: string;
  executor?: ExecutorSpec;
  /** Several sweeps prefix their node ids with the sweep's name. */
  multipleSweeps: boolean;
  sweeps: CheckedSweep[];
  /** Pretext declarations of the experiment file (they pretrain even when no sweep uses them). */
  pretexts: CheckedPretext[];
  reports: CheckedReport[];
}

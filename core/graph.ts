// The typed execution graph: the only contract between compiler/ and runtime/.
//
// Plain, JSON-serialisable data. The compiler lowers a checked experiment into this shape
// (with every default resolved, so the runtime never guesses), and the runtime validates it
// against core/graph-schema.ts (JSON Schema) when it loads one from disk.
// Field names here are the canonical names; the `.ssl` surface syntax may spell them
// differently, but the compiler resolves everything into this form.
import type { BackendChoice } from './backends.js';
import type { DataSource } from './datasets.js';
import type { MetricName } from './metrics.js';
import type { TaskName, TaskParams } from './tasks/index.js';

export type Vec3 = [number, number, number];
export type Vec2 = [number, number];
export type Dim = 2 | 3;

export const GRAPH_VERSION = 1;

// ───────────────────────────── data ─────────────────────────────

// One contract per dataset layout (its DataSource type and JSON Schema), registered in
// LAYOUT_FACTS (core/datasets.ts): the DataSource union is read from it.
export type { DataSource, Modality } from './datasets.js';

export interface PreprocessSpec {
  /** Foreground crop: voxels above `threshold` (after windowing), with a margin in voxels. */
  crop: { threshold: number; margin: number } | null;
  /** Target spatial size (3D: [D,H,W], 2D: [H,W]); null keeps the native size. */
  resize: number[] | null;
  /** CT window in raw intensity units (e.g. Hounsfield), applied before normalisation. */
  window: Vec2 | null;
  normalize: 'minmax' | 'zscore' | 'none';
  /** Keep only these channel indices (0-based), in this order; null keeps all. */
  channels: number[] | null;
}

export interface SplitSpec {
  /** Fractions of all cases (0..1) held out, chosen with the split seed; never move with the label fraction. */
  val: number;
  test: number;
  seed: number;
}

export interface DatasetSpec {
  name: string;
  source: DataSource;
  preprocess: PreprocessSpec;
  split: SplitSpec;
  /** Spatial dimensionality of the stored samples (3 for volumes, 2 for images). */
  dim: Dim;
  /** Channel count after preprocessing. */
  channels: number;
  /** What the labels are: segmentation masks, a class per case, or none. */
  labels: { kind: 'segmentation'; classes: number[] } | { kind: 'classification'; classes: number } | { kind: 'none' };
  /** Named label regions (BraTS ET = [4], TC = [1,4], WT = [1,2,4]; pancreas = [1], tumour = [2]). */
  regions: Record<string, number[]>;
  /** Number of cases if it is known at compile time (phantoms, declared `cases`), else null. */
  knownCases: number | null;
  /**
   * Channel (modality) names after preprocessing, in channel order (`channel-names`, BraTS
   * modalities, phantom contrasts); null when unknown. The 2→4 adapter pairs channels by them.
   */
  channelNames?: string[] | null;
}

// ───────────────────────────── models ─────────────────────────────

export type EncoderSpec =
  | {
      kind: 'unet3d' | 'unet2d';
      /** Number of resolution levels (including the bottleneck). */
      levels: number;
      /** Filters per level, length = levels. */
      filters: number[];
      block: 'plain' | 'residual';
      norm: 'batch' | 'instance' | 'none';
      dropout: number;
      /** Pooling after the bottleneck, as the authors' code has it (`none` in the paper preset). */
      finalPool: 'max' | 'avg' | 'none';
      /** Decoder upsampling at fine-tuning. */
      upsample: 'transpose' | 'upsample';
    }
  | {
      kind: 'densenet2d';
      /** Dense block sizes, DenseNet-121 = [6, 12, 24, 16]. */
      blocks: number[];
      growth: number;
      initFilters: number;
      compression: number;
      dropout: number;
    };

// ───────────────────────────── training ─────────────────────────────

export interface OptimizerSpec {
  kind: 'adam' | 'sgd';
  lr: number;
  /** Adam betas / SGD momentum. */
  beta1: number;
  beta2: number;
  momentum: number;
  weightDecay: number;
  clipNorm: number | null;
}

export interface TrainSpec {
  epochs: number;
  batch: number;
  /** Optimiser steps per epoch; null = one pass over the training cases. */
  stepsPerEpoch: number | null;
  optimizer: OptimizerSpec;
  /** What to do on a NaN/Inf loss: stop the node with an error, or retry once with lr / 10. */
  onNaN: 'stop' | 'retry-lower-lr';
  /**
   * Which weights the node keeps: absent = those of the last epoch; 'best' = those of the epoch
   * with the best validation score (fine-tuning: the convergence metric; pretext: the validation
   * loss, as the authors' ModelCheckpoint). Absent rather than 'last' so that graphs compiled
   * before this field existed keep their hashes.
   */
  keep?: 'best';
}

// ───────────────────────────── pretext tasks ─────────────────────────────

// One file per task in core/tasks/ (its parameters' type and JSON Schema), registered in
// TASK_CONTRACTS (core/tasks/index.ts): the task names and the parameter union are read from it.
export type { TaskName, TaskParams } from './tasks/index.js';
export type { CpcParams } from './tasks/cpc.js';
export type { ExemplarParams } from './tasks/exemplar.js';
export type { JigsawParams } from './tasks/jigsaw.js';
export type { RotationParams } from './tasks/rotation.js';
export type { RplParams } from './tasks/rpl.js';

export interface PretextSpec {
  /** The declaration's name (`rotation3d`). */
  name: string;
  task: TaskName;
  dim: Dim;
  /** 'paper' (default), 'authors-code', or for rotation 'authors-code-bug'. */
  variant: 'paper' | 'authors-code' | 'authors-code-bug';
  params: TaskParams;
  /** Hidden size of the task head's ReLU layer (removed at fine-tuning). */
  headHidden: number;
  /** How 2D tasks take slices of 3D data; null for 3D tasks or 2D data. */
  slices: { axis: 0 | 1 | 2; perVolume: number } | null;
  train: TrainSpec;
}

// ───────────────────────────── fine-tuning ─────────────────────────────

export type Arm = 'scratch' | 'frozen' | 'finetune';

export interface FinetuneSpec {
  target: 'segmentation' | 'classification';
  /** Output classes (segmentation: label values including background 0; classification: grades). */
  classes: number[];
  loss: 'dice' | 'ce' | 'dice+ce';
  classWeights: number[] | null;
  /** Frozen-encoder epochs at the start of the `finetune` arm. */
  warmup: number;
  /** Optimiser state when the encoder is unfrozen. */
  atUnfreeze: 'fresh' | 'keep';
  /** How a pretrained input layer with C channels is adapted to C′. */
  adapter: 'duplicate' | 'average' | 'zero' | 'none';
  train: TrainSpec;
  /** 2D tasks on 3D data: slicing used at fine-tuning (null otherwise). */
  slices: { axis: 0 | 1 | 2; perVolume: number } | null;
}

// ───────────────────────────── evaluation ─────────────────────────────

/** A metric name from the registry (`core/metrics.ts`). */
export type { MetricName };

export interface MetricSpec {
  metric: MetricName;
  /** Dice/IoU/HD95 over a named region, or per class; null for classification metrics. */
  region: string | null;
}

export interface EvalSpec {
  metrics: MetricSpec[];
  /** The metric tracked on the validation set after every epoch (convergence). */
  convergence: MetricSpec | null;
  /** Policy when both reference and prediction are empty: dice = 1 (nnU-Net/BraTS style) or excluded. */
  emptyPolicy: 'one' | 'exclude';
  /**
   * HD95 when exactly one of reference and prediction is empty (the distance is undefined there):
   * 'exclude' leaves the case out of the HD95 mean (and counts it), a number scores that distance
   * in mm (BraTS challenges use 373.13 mm, the image diagonal). Absent means 'exclude', so graphs
   * compiled before this field existed keep their meaning and their hashes.
   */
  hd95Empty?: 'exclude' | number;
  /**
   * K-fold cross-validation (the paper's 5 folds for retinopathy): the train and test splits are
   * dealt into `count` folds with `seed` (stratified by grade when every case has one);
   * repetition r tests on fold r and draws its label fractions from the other folds. Absent: the
   * dataset's fixed test split (graphs compiled before this field keep their hashes).
   */
  folds?: { count: number; seed: number };
}

// ───────────────────────────── reports ─────────────────────────────

export interface TableSpec {
  name: string;
  rows: 'method' | 'fraction';
  columns: 'region' | 'fraction' | 'metric';
  /** Which fraction the table reports when rows × regions (null = the largest). */
  fraction: number | null;
  aggregate: 'mean-sd' | 'min-avg-max';
  deltaVsScratch: boolean;
  /**
   * `metric = …` of the table: the metric of a `columns = fraction` table (default: the first
   * declared one), or the metrics a region/metric table is limited to. Absent = not given (graphs
   * compiled before the field existed keep their meaning and their hashes).
   */
  metrics?: MetricSpec[];
  /** Published reference table to print beside ours (e.g. 'taleb2020-table1'). */
  reference: string | null;
}

export interface PlotSpec {
  name: string;
  kind: 'data-efficiency' | 'convergence';
  metric: MetricSpec;
  /** For convergence plots: which label fraction. */
  fraction: number | null;
}

export interface ReportSpec {
  name: string;
  tables: TableSpec[];
  plots: PlotSpec[];
  formats: Array<'md' | 'csv' | 'tex' | 'svg' | 'png'>;
}

// ───────────────────────────── nodes ─────────────────────────────

export type ArtifactType = 'dataset' | 'encoder' | 'model' | 'metrics' | 'report';

export interface CostEstimate {
  trainableParams: number;
  /** Activation memory for one batch (forward), bytes. */
  activationBytes: number;
  /** Floating point operations per optimiser step (forward + backward ≈ 3× forward). */
  flopsPerStep: number;
  /** Total optimiser steps the node will take (null when unknown at compile time). */
  steps: number | null;
}

interface NodeBase {
  /** Stable, readable id: `data:ukb`, `pretrain:rotation3d`, `finetune:rotation3d/finetune/10%/r0`. */
  id: string;
  /** Content hash (hex sha256) over kind, params, input hashes, data fingerprint and code version. */
  hash: string;
  /** Ids of the nodes whose artifacts this node consumes. */
  inputs: string[];
  output: ArtifactType;
  /** Seed for this node, derived from the experiment seed through the seed tree. */
  seed: number;
  cost: CostEstimate | null;
}

export interface DataNode extends NodeBase {
  kind: 'data';
  output: 'dataset';
  params: { dataset: DatasetSpec };
}

export interface PretrainNode extends NodeBase {
  kind: 'pretrain';
  output: 'encoder';
  /** inputs: [data node] */
  params: { pretext: PretextSpec; encoder: EncoderSpec; inputShape: number[] };
}

export interface FinetuneNode extends NodeBase {
  kind: 'finetune';
  output: 'model';
  /** inputs: [downstream data node] or [downstream data node, pretrain node] */
  params: {
    /** Row label in reports: 'scratch', '3D-Rotation', '2D-CPC', … */
    method: string;
    arm: Arm;
    /** Label fraction (0..1] of the training cases; nested across fractions. */
    fraction: number;
    repetition: number;
    /** Seed that selects the nested subsets (shared by every method so they see the same cases). */
    subsetSeed: number;
    finetune: FinetuneSpec;
    encoder: EncoderSpec;
    inputShape: number[];
    /** Channels the pretrained encoder saw (for the adapter); null for scratch. */
    pretrainedChannels: number | null;
    /** Channel names of the fine-tuning data and of the pretraining data (adapter pairing by name). */
    channelNames?: string[] | null;
    pretrainedChannelNames?: string[] | null;
    evaluation: EvalSpec;
  };
}

export interface EvaluateNode extends NodeBase {
  kind: 'evaluate';
  output: 'metrics';
  /** inputs: [finetune node, data node] — evaluates on the test split. */
  params: { method: string; arm: Arm; fraction: number; repetition: number; evaluation: EvalSpec; regions: Record<string, number[]> };
}

export interface ReportNode extends NodeBase {
  kind: 'report';
  output: 'report';
  /** inputs: every evaluate node (and, for convergence, the finetune nodes). */
  params: { report: ReportSpec };
}

export type GraphNode = DataNode | PretrainNode | FinetuneNode | EvaluateNode | ReportNode;
export type NodeKind = GraphNode['kind'];

/**
 * Every node kind, in run order: the list the graph JSON Schema, the executor block of the
 * language and the compiler's executor settings read. A GraphNode kind missing here does not
 * compile.
 */
export const NODE_KINDS = everyKind(['data', 'pretrain', 'finetune', 'evaluate', 'report']);

function everyKind<const T extends readonly NodeKind[]>(kinds: T & ([Exclude<NodeKind, T[number]>] extends [never] ? unknown : { missing: Exclude<NodeKind, T[number]> })): T {
  return kinds;
}

// ───────────────────────────── where nodes run ─────────────────────────────

/** Resources one node's cluster job asks for; unset fields come from the node's cost estimate. */
export interface NodeResources {
  memoryGB?: number;
  cpus?: number;
  gpus?: number;
  /** Slurm time limit: minutes (`"90"`) or Slurm's own `[days-]hours:minutes:seconds`. */
  time?: string;
}

/**
 * What sbatch can be given: the largest memory, time, CPUs and GPUs of one job (beyond them the
 * number became `--mem=InfinityM` or a time Slurm cannot read), and the form of a Slurm time
 * string (`minutes`, `minutes:seconds`, `hours:minutes:seconds`, `days-hours[:minutes[:seconds]]`).
 */
export const SLURM_LIMITS = { memoryGB: 65_536, minutes: 5_256_000, cpus: 1024, gpus: 64 } as const;
export const SLURM_TIME_PATTERN = '^\\d{1,7}(-\\d{1,2})?(:\\d{1,2}){0,2}$';

/**
 * The experiment's `executor` setting. It says where nodes run, never what they compute, so it
 * is not part of any node hash. Unset fields fall back to the user profile, then to defaults.
 */
export interface ExecutorSpec {
  kind: 'local' | 'slurm';
  partition?: string;
  account?: string;
  /** Default time limit of every job (Slurm syntax, see NodeResources.time). */
  time?: string;
  /** How many of one submission's jobs may run at the same time. */
  maxJobs?: number;
  /** Let Slurm requeue a preempted or failed-node job; it resumes from the node's checkpoint. */
  requeue?: boolean;
  /** Extra sbatch options, passed as they are (e.g. `--qos=long`). */
  sbatch?: string[];
  /** Per node kind resource overrides. */
  resources?: Partial<Record<NodeKind, NodeResources>>;
}

export interface ExecutionGraph {
  version: typeof GRAPH_VERSION;
  experiment: string;
  /** Path of the root source file relative to where it was compiled, and the sha256 of all sources. */
  source: { file: string; hash: string };
  seed: number;
  backend: BackendChoice;
  /** Nodes in a valid topological order. */
  nodes: GraphNode[];
  /** Where the nodes run (absent: locally, unless the user profile or `--executor` says otherwise). */
  executor?: ExecutorSpec;
}

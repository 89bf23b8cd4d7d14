// Artifact file formats and the run record: what fine-tuning and evaluation leave on disk, and
// what reports are computed from. Reports never retrain: they read these files alone.

import type { EvaluateNode, ExecutionGraph, FinetuneNode } from '../core/graph.js';
import type { RunBackend } from './events.js';

/** One epoch of a training node (pretrain or finetune). */
export interface EpochRecord {
  epoch: number;
  loss: number;
  /** Validation metrics after this epoch, e.g. { dice_WT: 0.81, dice_ET: 0.6 } or { qwk: 0.7 }. */
  metrics: Record<string, number>;
  durationMs: number;
  /** Whether the encoder was frozen during this epoch (warm-up). */
  frozen: boolean;
}

/** `history.json` in a finetune node's artifact folder. */
export interface FinetuneHistory {
  epochs: EpochRecord[];
  /** Ids of the training cases this run used (the nested label-fraction subset). */
  trainCases: string[];
  valCases: string[];
  /** `train { keep = best }`: the epoch whose weights the model holds (null: no finite validation score, the last epoch's). */
  keptEpoch?: number | null;
}

/** `metrics.json` in an evaluate node's artifact folder (test split). */
export interface EvalMetrics {
  /** Aggregate over test cases: metric key (`dice_ET`, `hd95_WT`, `qwk`, `accuracy`) → value. */
  aggregate: Record<string, number>;
  /** Per-case values (segmentation); empty for classification. */
  perCase: Array<{ id: string; values: Record<string, number> }>;
  /** How empty reference/prediction pairs were scored, printed in reports. */
  emptyPolicy: string;
  testCases: number;
  /**
   * Segmentation: the grid the test metrics were computed on — 'original' (every case on its
   * label file's grid), 'preprocessed' (phantoms: generated on that grid), or 'mixed'.
   */
  grid?: 'original' | 'preprocessed' | 'mixed';
}

/** Everything a report needs. Built from a run record or from cached artifacts. */
export interface ReportInput {
  graph: ExecutionGraph;
  results: Array<{ node: EvaluateNode; metrics: EvalMetrics }>;
  histories: Array<{ node: FinetuneNode; history: FinetuneHistory }>;
  /** True when the data are synthetic phantoms or otherwise not the paper's data. */
  differentData: boolean;
  /** Evaluations of the graph with no result in the run (an interrupted or failed run), with their status. */
  missing?: Array<{ id: string; status: string }>;
}

export interface NodeRecord {
  id: string;
  kind: string;
  hash: string;
  status: 'ok' | 'cached' | 'failed' | 'interrupted' | 'skipped' | 'pending';
  durationMs: number;
  summary: Record<string, number>;
  epochs: EpochRecord[];
  error: { code: string; message: string } | null;
}

/** `record.json` of a run, written from the event stream. */
export interface RunRecord {
  runId: string;
  experiment: string;
  startedAt: string;
  endedAt: string | null;
  status: 'running' | 'ok' | 'failed' | 'interrupted';
  /** Set when a later run found this record still `running` with its process gone (SSL189). */
  interruption?: { reason: 'process-died'; detectedAt: string };
  source: { file: string; hash: string; text: string };
  graph: ExecutionGraph;
  versions: { node: string; tfjs: string; ssl3d: string };
  backend: RunBackend;
  cpu: { model: string; cores: number; features: string[] };
  seed: number;
  nodes: Record<string, NodeRecord>;
  /** Evaluate nodes' metrics.json and finetune nodes' history.json, copied in when they finish. */
  artifacts: { metrics: Record<string, EvalMetrics>; histories: Record<string, FinetuneHistory> };
}

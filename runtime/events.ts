// Typed runtime events: the only way the runtime reports anything. Renderers (Ink TUI,
// plain lines, JSONL) and the run record consume exactly these. Every event is plain JSON.

import type { NodeKind } from '../core/graph.js';

/** The training backend of a run; `adapter` is the GPU when it is 'webgpu'. */
export interface RunBackend {
  name: string;
  reason: string;
  adapter?: { vendor: string; architecture: string; device: string; description: string; software: boolean };
}

interface EventBase {
  /** Milliseconds since the Unix epoch. */
  t: number;
}

export interface RunStartEvent extends EventBase {
  type: 'run-start';
  experiment: string;
  runId: string;
  backend: RunBackend;
  nodes: Array<{
    id: string;
    kind: NodeKind;
    hash: string;
    state: 'cached' | 'partial' | 'to-run';
    /** Why the node will (re)run or is cached, as `ssl3d plan` shows it. */
    reason?: string;
    /** Planned epochs and optimiser steps per epoch (training nodes), for progress and ETA. */
    epochs?: number | null;
    stepsPerEpoch?: number | null;
    /** Estimated FLOPs per optimiser step (compiler cost model), to scale ETAs across nodes. */
    flopsPerStep?: number | null;
    /** Sweep coordinates of finetune/evaluate nodes, for the grid view. */
    method?: string;
    fraction?: number;
    repetition?: number;
  }>;
}

export interface RunEndEvent extends EventBase {
  type: 'run-end';
  status: 'ok' | 'failed' | 'interrupted';
  durationMs: number;
}

export interface NodeStartEvent extends EventBase {
  type: 'node-start';
  node: string;
  kind: NodeKind;
  /** Epoch it resumes from (0 = fresh start). */
  resumeEpoch: number;
  /** Total epochs / steps if known, for progress bars and ETA. */
  totalEpochs: number | null;
  stepsPerEpoch: number | null;
}

export interface NodeEndEvent extends EventBase {
  type: 'node-end';
  node: string;
  /** 'skipped': not run because an input failed or was skipped. */
  status: 'ok' | 'cached' | 'failed' | 'interrupted' | 'skipped';
  durationMs: number;
  /** Headline results of the node (e.g. final test metrics), for the log pane. */
  summary: Record<string, number>;
}

export interface EpochEvent extends EventBase {
  type: 'epoch';
  node: string;
  epoch: number;
  totalEpochs: number;
  loss: number;
  /** Validation/training metrics measured at the end of this epoch (e.g. `val_dice_WT`, `acc`). */
  metrics: Record<string, number>;
  durationMs: number;
  /** Whether the encoder was frozen during this epoch (fine-tuning warm-up); absent = false. */
  frozen?: boolean;
}

export interface StepEvent extends EventBase {
  type: 'step';
  node: string;
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  loss: number;
  /** Samples per second over the last step. */
  samplesPerSec: number;
}

export interface MetricEvent extends EventBase {
  type: 'metric';
  node: string;
  name: string;
  value: number;
}

export interface CheckpointEvent extends EventBase {
  type: 'checkpoint';
  node: string;
  epoch: number;
  path: string;
}

export interface LogEvent extends EventBase {
  type: 'warning' | 'info';
  node: string | null;
  message: string;
}

export interface ErrorEvent extends EventBase {
  type: 'error';
  node: string | null;
  /** Stable code (SSL1xx for runtime errors) and a one-line message — never a stack trace. */
  code: string;
  message: string;
}

export type RunEvent =
  | RunStartEvent
  | RunEndEvent
  | NodeStartEvent
  | NodeEndEvent
  | EpochEvent
  | StepEvent
  | MetricEvent
  | CheckpointEvent
  | LogEvent
  | ErrorEvent;

/** Distributive Omit so callers can emit without a timestamp. */
export type EventInput = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, 't'> : never) : never;

export type EventSink = (event: EventInput) => void;

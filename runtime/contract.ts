// Contracts between the executor (runtime/executor) and the node handlers implemented by
// runtime/data, runtime/tasks, runtime/train, runtime/eval and report/.
//
// A node handler turns its input artifacts into its output artifact. It writes every file
// of its artifact into `ctx.outDir` (the executor renames that folder into the cache
// atomically when the handler returns), reports progress only through `ctx.emit`, checks
// `ctx.signal` between steps, and saves a checkpoint at least once per epoch with
// `ctx.saveCheckpoint` so a killed run resumes where it stopped.

import type { ExecutionGraph, GraphNode } from '../core/graph.js';
import type { EventSink } from './events.js';

/** A finished input artifact: the node that made it and the folder holding its files. */
export interface InputArtifact {
  node: GraphNode;
  dir: string;
}

export interface Checkpoint {
  /** The last completed epoch (1-based) stored in this checkpoint. */
  epoch: number;
  /** Folder holding the handler's checkpoint files. */
  dir: string;
}

export interface NodeContext<N extends GraphNode = GraphNode> {
  node: N;
  graph: ExecutionGraph;
  /** Artifacts of `node.inputs`, by node id. */
  inputs: Record<string, InputArtifact>;
  /** Empty folder for this node's artifact; becomes the cache entry on success. */
  outDir: string;
  /** Folder of the experiment file: relative data paths resolve against it. */
  baseDir: string;
  /** Shared on-disk cache for preprocessed data keyed by content hash. */
  dataCacheDir: string;
  emit: EventSink;
  signal: AbortSignal;
  /** Name of the tfjs backend in use ('native', 'cpu', 'tensorflow'). */
  backend: string;
  /**
   * Save a checkpoint after `epoch` completed epochs. `write` gets an empty folder and
   * fills it; the executor makes it the current checkpoint atomically afterwards.
   */
  saveCheckpoint(epoch: number, write: (dir: string) => Promise<void>): Promise<void>;
  /** The latest checkpoint of an interrupted earlier attempt at this node, or null. */
  loadCheckpoint(): Checkpoint | null;
}

export interface NodeResult {
  /** Headline numbers for the log pane and the run record (e.g. final loss, test Dice). */
  summary: Record<string, number>;
}

export type NodeHandler<N extends GraphNode = GraphNode> = (ctx: NodeContext<N>) => Promise<NodeResult>;

export { SslRuntimeError } from '../core/errors.js';
export type { CodeInfo } from '../core/diagnostics.js';

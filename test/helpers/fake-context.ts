// A small in-memory NodeContext for unit tests of node handlers and the training loop.
// Checkpoints go to a temporary folder (one sub-folder per epoch, latest wins), events are
// collected in `events`. `abortAfter(n)` aborts the signal after the n-th event of a type.

import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExecutionGraph, GraphNode } from '../../core/graph.js';
import type { Checkpoint, NodeContext } from '../../runtime/contract.js';
import type { EventInput, RunEvent } from '../../runtime/events.js';

export interface FakeContext<N extends GraphNode = GraphNode> extends NodeContext<N> {
  events: RunEvent[];
  /** Root temp folder (outDir, checkpoints, dataCache live under it). */
  root: string;
  /** Checkpoints saved so far, in order. */
  checkpoints: Checkpoint[];
  controller: AbortController;
  /** Abort the signal once `count` events of `type` were emitted. */
  abortAfter(type: RunEvent['type'], count: number): void;
  /** A context for a second attempt at the same node that sees this one's checkpoints. */
  retry(): FakeContext<N>;
  cleanup(): void;
}

export interface FakeContextOptions<N extends GraphNode> {
  node?: N;
  graph?: ExecutionGraph;
  inputs?: NodeContext<N>['inputs'];
  root?: string;
  checkpoints?: Checkpoint[];
  backend?: string;
}

export function fakeContext<N extends GraphNode = GraphNode>(o: FakeContextOptions<N> = {}): FakeContext<N> {
  const root = o.root ?? mkdtempSync(path.join(os.tmpdir(), 'ssl3d-ctx-'));
  const outDir = path.join(root, 'out');
  const ckRoot = path.join(root, 'checkpoints');
  const dataCacheDir = path.join(root, 'data-cache');
  for (const d of [outDir, ckRoot, dataCacheDir]) mkdirSync(d, { recursive: true });
  const controller = new AbortController();
  const events: RunEvent[] = [];
  const checkpoints: Checkpoint[] = o.checkpoints ? [...o.checkpoints] : [];
  let trigger: { type: RunEvent['type']; count: number } | null = null;
  const node = (o.node ?? ({ id: 'test:node', kind: 'data', hash: '0', inputs: [], output: 'dataset', seed: 1, cost: null } as unknown)) as N;
  const graph = o.graph ?? ({ version: 1, experiment: 'test', source: { file: 'test.ssl', hash: '0' }, seed: 1, backend: 'cpu', nodes: [node] } as ExecutionGraph);
  let attempt = 0;
  const ctx: FakeContext<N> = {
    node,
    graph,
    inputs: o.inputs ?? {},
    outDir,
    baseDir: root,
    dataCacheDir,
    backend: o.backend ?? 'cpu',
    signal: controller.signal,
    controller,
    events,
    root,
    checkpoints,
    emit(e: EventInput) {
      events.push({ ...e, t: Date.now() } as RunEvent);
      if (trigger && events.filter((x) => x.type === trigger!.type).length >= trigger.count) controller.abort();
    },
    async saveCheckpoint(epoch, write) {
      const dir = path.join(ckRoot, `epoch-${String(epoch).padStart(4, '0')}-${process.pid}-${attempt++}`);
      mkdirSync(dir, { recursive: true });
      await write(dir);
      checkpoints.push({ epoch, dir });
    },
    loadCheckpoint() {
      return checkpoints.length ? checkpoints[checkpoints.length - 1]! : null;
    },
    abortAfter(type, count) {
      trigger = { type, count };
    },
    retry() {
      return fakeContext<N>({ node, graph, inputs: ctx.inputs, root, checkpoints, backend: ctx.backend });
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
  return ctx;
}

/** Inside a `describe`: a maker of fake contexts that are all cleaned up after the block. */
export function fakeContexts(): () => FakeContext {
  const made: FakeContext[] = [];
  afterAll(() => made.forEach((c) => c.cleanup()));
  return () => {
    const c = fakeContext();
    made.push(c);
    return c;
  };
}

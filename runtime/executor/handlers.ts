// Which handler runs which node kind. Modules are imported on first use, so a missing or broken
// module gives one clear error (SSL181) for the nodes that need it, not a crash at start-up.

import type { GraphNode, NodeKind } from '../../compiler/graph.js';
import { SslRuntimeError, type NodeHandler } from '../contract.js';

export type HandlerResolver = (kind: NodeKind) => Promise<NodeHandler<GraphNode>>;

const modules: Record<NodeKind, { file: string; load: () => Promise<unknown>; name: string }> = {
  data: { file: 'runtime/data/node', name: 'dataHandler', load: () => import('../data/node.js') },
  pretrain: { file: 'runtime/tasks/node', name: 'pretrainHandler', load: () => import('../tasks/node.js') },
  finetune: { file: 'runtime/train/finetune', name: 'finetuneHandler', load: () => import('../train/finetune.js') },
  evaluate: { file: 'runtime/eval/node', name: 'evaluateHandler', load: () => import('../eval/node.js') },
  report: { file: 'report/node', name: 'reportHandler', load: () => import('../../report/node.js') },
};

const loaded = new Map<NodeKind, Promise<NodeHandler<GraphNode>>>();

/** The built-in handlers (data, pretrain, finetune, evaluate, report). */
export const defaultHandlers: HandlerResolver = (kind) => {
  let p = loaded.get(kind);
  if (!p) {
    const spec = modules[kind];
    p = (async () => {
      if (!spec) throw new SslRuntimeError('SSL181', `no handler is known for node kind '${String(kind)}'`);
      let mod: Record<string, unknown>;
      try {
        // loaded lazily: a broken or missing module fails only the nodes that need it
        mod = (await spec.load()) as Record<string, unknown>;
      } catch (err) {
        const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0];
        throw new SslRuntimeError('SSL181', `cannot load the ${kind} node handler (${spec.file}): ${msg}`);
      }
      const h = mod[spec.name];
      if (typeof h !== 'function') throw new SslRuntimeError('SSL181', `${spec.file} does not export ${spec.name}()`);
      return h as NodeHandler<GraphNode>;
    })();
    loaded.set(kind, p);
  }
  return p;
};

/** A resolver from a plain table (tests, embedding). */
export function handlersFrom(table: Partial<Record<NodeKind, NodeHandler<GraphNode>>>): HandlerResolver {
  return async (kind) => {
    const h = table[kind];
    if (!h) throw new SslRuntimeError('SSL181', `no handler registered for node kind '${kind}'`);
    return h;
  };
}

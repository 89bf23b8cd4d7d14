// How the executor finds the handler of a node kind. The table of built-in handlers is wired at
// the composition root (cli/handlers.ts); here are the two ways to make a resolver: from modules
// imported on first use (a missing or broken module gives one clear error, SSL181, for the nodes
// that need it, not a crash at start-up), or from a plain table (tests, embedding).

import type { GraphNode, NodeKind } from '../../core/graph.js';
import { SslRuntimeError, type NodeHandler } from '../contract.js';
import { msg } from '../../core/codes/index.js';

export type HandlerResolver = (kind: NodeKind) => Promise<NodeHandler<GraphNode>>;

/** Where the handler of one node kind lives: `load()` imports `file`, whose export `name` it is. */
export interface HandlerModule {
  file: string;
  name: string;
  load: () => Promise<unknown>;
}

/** A resolver that imports each kind's module the first time a node of that kind runs. */
export function lazyHandlers(modules: Record<NodeKind, HandlerModule>): HandlerResolver {
  const loaded = new Map<NodeKind, Promise<NodeHandler<GraphNode>>>();
  return (kind) => {
    let p = loaded.get(kind);
    if (!p) {
      const spec = modules[kind];
      p = (async () => {
        if (!spec) throw new SslRuntimeError(msg('SSL181', 'unknownKind', { kind: String(kind) }));
        let mod: Record<string, unknown>;
        try {
          // loaded lazily: a broken or missing module fails only the nodes that need it
          mod = (await spec.load()) as Record<string, unknown>;
        } catch (err) {
          const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
          throw new SslRuntimeError(msg('SSL181', 'cannotLoad', { kind, file: spec.file, reason }));
        }
        const h = mod[spec.name];
        if (typeof h !== 'function') throw new SslRuntimeError(msg('SSL181', 'noExport', { file: spec.file, name: spec.name }));
        return h as NodeHandler<GraphNode>;
      })();
      loaded.set(kind, p);
    }
    return p;
  };
}

/** A resolver from a plain table (tests, embedding). */
export function handlersFrom(table: Partial<Record<NodeKind, NodeHandler<GraphNode>>>): HandlerResolver {
  return async (kind) => {
    const h = table[kind];
    if (!h) throw new SslRuntimeError(msg('SSL181', 'notRegistered', { kind }));
    return h;
  };
}

// Bind a compiled graph to the data files as they are now.
//
// The compiler is pure, so a file dataset's node hash covers only its declared patterns, not the
// bytes behind them. Before a run (and for `ssl3d plan`'s cache states) every data node that
// reads files gets the signature of its inputs (path, size and modification time of every file,
// `dataInputsSignature`) folded into its hash, and every node downstream has its hash re-derived
// from its inputs' new hashes. Editing or replacing one NIfTI file therefore changes the cache
// keys of that dataset and of everything trained or evaluated on it, while phantom datasets (no
// files) keep the compiler's hashes unchanged.

import { createHash } from 'node:crypto';
import type { ExecutionGraph, GraphNode } from '../../core/graph.js';
import { dataInputsSignature } from '../data/inputs.js';

const sha = (...parts: string[]): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p + '\u0000');
  return h.digest('hex');
};

/** Signatures of the file datasets of `graph`, by node id (phantoms and unreadable sources are left out). */
export async function dataSignatures(graph: ExecutionGraph, baseDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const node of graph.nodes) {
    if (node.kind !== 'data') continue;
    try {
      const sig = await dataInputsSignature(node.params.dataset, baseDir);
      if (sig) out[node.id] = sig;
    } catch {
      // Missing or unreadable inputs: keep the compiled hash; the data node reports the located
      // error (SSL110–118) when it runs.
    }
  }
  return out;
}

/** A copy of `graph` whose node hashes also cover the current input files of its datasets. */
export function rehash(graph: ExecutionGraph, signatures: Record<string, string>): ExecutionGraph {
  if (Object.keys(signatures).length === 0) return graph;
  const changed = new Map<string, string>();
  const nodes = graph.nodes.map((node): GraphNode => {
    const sig = signatures[node.id];
    const inputHashes = node.inputs.map((id) => changed.get(id));
    if (sig === undefined && inputHashes.every((h) => h === undefined)) return node;
    const hash = sha(node.hash, sig ?? '', ...node.inputs.map((id, i) => `${id}=${inputHashes[i] ?? ''}`));
    changed.set(node.id, hash);
    return { ...node, hash } as GraphNode;
  });
  return { ...graph, nodes };
}

export async function bindDataInputs(graph: ExecutionGraph, baseDir: string): Promise<ExecutionGraph> {
  return rehash(graph, await dataSignatures(graph, baseDir));
}

// The one road into a report: a ReportInput is collected from an execution graph and a source
// of artifacts, evaluate metrics and fine-tune histories by node id. The run record is one
// source (`reportInputFromRecord`, used by `ssl3d report` and after `ssl3d run`), the artifact
// folders of a report node's inputs the other (`report/node.ts`); both go through here, so they
// pick, order and label the same results.

import type { DataNode, ExecutionGraph } from '../core/graph.js';
import { isSynthetic } from '../core/datasets.js';
import type { EvalMetrics, FinetuneHistory, ReportInput, RunRecord } from '../runtime/record.js';
import { SslRuntimeError } from '../runtime/contract.js';
import { msg } from '../core/codes/index.js';

/** Where the artifacts come from. */
export interface ReportSource {
  metrics(evaluateId: string): EvalMetrics | undefined;
  history(finetuneId: string): FinetuneHistory | undefined;
}

/** Whether a data node reads synthetic or otherwise non-paper data. */
export function isDifferentData(node: DataNode): boolean {
  return isSynthetic(node.params.dataset.source);
}

/**
 * The evaluations (in graph order) with metrics, limited to `evaluateIds` when given, and the
 * histories of the fine-tuning runs they score.
 */
export function collectReportInput(graph: ExecutionGraph, source: ReportSource, evaluateIds?: readonly string[]): ReportInput {
  const wanted = evaluateIds ? new Set(evaluateIds) : null;
  const results: ReportInput['results'] = [];
  const histories: ReportInput['histories'] = [];
  const scored = new Set<string>();
  for (const n of graph.nodes) {
    if (n.kind !== 'evaluate' || (wanted && !wanted.has(n.id))) continue;
    if (n.inputs[0]) scored.add(n.inputs[0]);
    const m = source.metrics(n.id);
    if (m) results.push({ node: n, metrics: m });
  }
  for (const n of graph.nodes) {
    if (n.kind !== 'finetune' || (wanted && !scored.has(n.id))) continue;
    const h = source.history(n.id);
    if (h) histories.push({ node: n, history: h });
  }
  const differentData = graph.nodes.some((n) => n.kind === 'data' && isDifferentData(n));
  return { graph, results, histories, differentData };
}

/**
 * The ReportInput of a run record: evaluate metrics and finetune histories copied into it.
 * `evaluateIds` limits it to those evaluate nodes (a report node's inputs: the one sweep the
 * report names) and the fine-tuning runs they score; without it every evaluation of the record
 * is taken, which is only right for a graph with one sweep (see reportScopes).
 */
export function reportInputFromRecord(record: RunRecord, evaluateIds?: readonly string[]): ReportInput {
  if (!record || typeof record !== 'object' || !record.graph || !Array.isArray(record.graph.nodes) || !record.artifacts) {
    throw new SslRuntimeError(msg('SSL171', 'malformed'));
  }
  const input = collectReportInput(record.graph, { metrics: (id) => record.artifacts.metrics?.[id], history: (id) => record.artifacts.histories?.[id] }, evaluateIds);
  const missing = record.graph.nodes
    .filter((n) => n.kind === 'evaluate' && !record.artifacts.metrics?.[n.id])
    .map((n) => ({ id: n.id, status: record.nodes?.[n.id]?.status ?? 'pending' }));
  return { ...input, ...(missing.length ? { missing } : {}) };
}

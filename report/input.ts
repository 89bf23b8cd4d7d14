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

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Metric values as stored: numbers, or null where JSON could not hold a NaN. */
const numbers = (v: unknown): boolean => isObj(v) && Object.values(v).every((x) => x === null || typeof x === 'number');
const strings = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** What is wrong with an evaluate node's metrics as read back (a record or metrics.json edited, or of another version), or null. */
export function metricsProblem(m: unknown): string | null {
  if (!isObj(m)) return 'not an object';
  if (!numbers(m['aggregate'])) return 'aggregate is not a table of numbers';
  if (!Array.isArray(m['perCase']) || !m['perCase'].every((c) => isObj(c) && typeof c['id'] === 'string' && numbers(c['values']))) return 'perCase is not a list of { id, values }';
  if (!Number.isSafeInteger(m['testCases']) || (m['testCases'] as number) < 0) return 'testCases is not a count';
  if (typeof m['emptyPolicy'] !== 'string') return 'emptyPolicy is not text';
  return null;
}

/** What is wrong with a finetune node's history as read back, or null. */
export function historyProblem(h: unknown): string | null {
  if (!isObj(h)) return 'not an object';
  if (!strings(h['trainCases']) || !strings(h['valCases'])) return 'trainCases/valCases are not lists of case ids';
  const epochOk = (e: unknown): boolean => isObj(e) && typeof e['epoch'] === 'number' && (e['loss'] === null || typeof e['loss'] === 'number') && numbers(e['metrics']);
  if (!Array.isArray(h['epochs']) || !h['epochs'].every(epochOk)) return 'epochs is not a list of { epoch, loss, metrics }';
  return null;
}

/** What is wrong with the shape of a run record as read back (what a report walks: the graph's nodes, the artifacts), or null. */
export function recordProblem(r: unknown): string | null {
  if (!isObj(r)) return 'not an object';
  if (!isObj(r['artifacts']) || !isObj((r['artifacts'] as Obj)['metrics']) || !isObj((r['artifacts'] as Obj)['histories'])) return 'it lacks the artifacts section';
  const g = r['graph'];
  if (!isObj(g)) return 'it lacks the graph';
  if (!Array.isArray(g['nodes'])) return 'the graph has no list of nodes';
  const k = g['nodes'].findIndex((n) => !isObj(n) || typeof n['id'] !== 'string' || typeof n['kind'] !== 'string' || !strings(n['inputs']) || !isObj(n['params']));
  if (k >= 0) return `node ${k} of the graph is not { id, kind, inputs, params }`;
  return null;
}

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
    if (m === undefined || m === null) continue;
    const bad = metricsProblem(m);
    if (bad) throw new SslRuntimeError(msg('SSL171', 'badArtifact', { what: `the metrics of ${n.id}`, problem: bad }));
    results.push({ node: n, metrics: m });
  }
  for (const n of graph.nodes) {
    if (n.kind !== 'finetune' || (wanted && !scored.has(n.id))) continue;
    const h = source.history(n.id);
    if (h === undefined || h === null) continue;
    const bad = historyProblem(h);
    if (bad) throw new SslRuntimeError(msg('SSL171', 'badArtifact', { what: `the history of ${n.id}`, problem: bad }));
    histories.push({ node: n, history: h });
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
  const bad = recordProblem(record);
  if (bad) throw new SslRuntimeError(msg('SSL171', 'invalid', { problem: bad }));
  const input = collectReportInput(record.graph, { metrics: (id) => record.artifacts.metrics?.[id], history: (id) => record.artifacts.histories?.[id] }, evaluateIds);
  const missing = record.graph.nodes
    .filter((n) => n.kind === 'evaluate' && !record.artifacts.metrics?.[n.id])
    .map((n) => ({ id: n.id, status: record.nodes?.[n.id]?.status ?? 'pending' }));
  return { ...input, ...(missing.length ? { missing } : {}) };
}

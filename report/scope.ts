// Which evaluations a report reads: one sweep per report, never pooled. Kept free of heavy
// imports so that the renderers (TUI, plain) can use it too.

import type { EvaluateNode, ExecutionGraph, ReportNode, ReportSpec } from '../core/graph.js';
import type { ReportInput } from '../runtime/record.js';
import { SslRuntimeError } from '../runtime/contract.js';
import { msg } from '../core/codes/index.js';

/**
 * The sweep an evaluate node belongs to, from its id: the compiler prefixes the keys of a graph
 * with several sweeps with `<sweep>.` (`evaluate:s3.rot3d/finetune/10%/r0`); null with one sweep.
 */
export function sweepOfNode(id: string): string | null {
  const key = id.slice(id.indexOf(':') + 1);
  const first = key.split('/')[0] ?? '';
  const dot = first.indexOf('.');
  return dot > 0 ? first.slice(0, dot) : null;
}

/** What one report shows: its spec (null: the default report) and the evaluate nodes it reads. */
export interface ReportScope {
  /** Name of the report (the sweep's name is added to a default report of a multi-sweep graph). */
  name: string;
  spec: ReportSpec | null;
  evaluateIds: string[];
  /** The sweep these evaluations belong to, when the graph has several. */
  sweep: string | null;
  /** The report node that renders this report (a declared report); null for a default report. */
  nodeId: string | null;
}

/**
 * The reports of a graph, each limited to one sweep: a declared report reads exactly the
 * evaluate nodes the compiler wired into it (the sweep it names); without a declared report
 * there is one default report per sweep. Rows of different sweeps are never pooled.
 */
export function reportScopes(graph: ExecutionGraph): ReportScope[] {
  const evals = graph.nodes.filter((n): n is EvaluateNode => n.kind === 'evaluate');
  const reports = graph.nodes.filter((n): n is ReportNode => n.kind === 'report');
  if (reports.length) {
    const isEval = new Set(evals.map((n) => n.id));
    return reports.map((r) => {
      const ids = r.inputs.filter((i) => isEval.has(i));
      const sweeps = [...new Set(ids.map(sweepOfNode))];
      return { name: r.params.report.name, spec: r.params.report, evaluateIds: ids, sweep: sweeps.length === 1 ? sweeps[0]! : null, nodeId: r.id };
    });
  }
  const bySweep = new Map<string | null, string[]>();
  for (const n of evals) {
    const s = sweepOfNode(n.id);
    bySweep.set(s, [...(bySweep.get(s) ?? []), n.id]);
  }
  if (bySweep.size <= 1) return [{ name: 'report', spec: null, evaluateIds: evals.map((n) => n.id), sweep: null, nodeId: null }];
  return [...bySweep].map(([sweep, ids]) => ({ name: sweep ? `report-${sweep}` : 'report', spec: null, evaluateIds: ids, sweep, nodeId: null }));
}

/**
 * Rows are keyed by method and arm: two evaluations with the same method, arm, fraction and
 * repetition can only come from different sweeps (e.g. the 3D and the 2D scratch baseline),
 * and averaging them would pass one sweep's baseline off as another's repetition. Refuse.
 */
export function assertOneSweep(input: ReportInput): void {
  const seen = new Map<string, string>();
  for (const r of input.results) {
    const p = r.node.params;
    const k = `${p.method}\u0000${p.arm}\u0000${p.fraction}\u0000${p.repetition}`;
    const other = seen.get(k);
    if (other) {
      throw new SslRuntimeError(
        msg('SSL171', 'sameCell', { other, node: r.node.id }),
      );
    }
    seen.set(k, r.node.id);
  }
}

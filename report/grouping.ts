// Grouping run results for tables: row labels, method order, fractions, declared metrics, collapses.
import type { Arm, MetricSpec } from '../core/graph.js';
import type { ReportInput } from '../runtime/record.js';
import { metricKey } from '../runtime/eval/metrics.js';
import { collapsesOf, collapseText, type Collapse } from './collapse.js';
import type { Column, Cell, Row } from './table-model.js';
import { pct } from './units.js';

/** Row identity: the method, with the arm added when one method appears with several arms. */
export function rowLabels(results: ReportInput['results']): Map<string, string> {
  const arms = new Map<string, Set<Arm>>();
  for (const r of results) {
    const s = arms.get(r.node.params.method) ?? new Set<Arm>();
    s.add(r.node.params.arm);
    arms.set(r.node.params.method, s);
  }
  const out = new Map<string, string>();
  for (const r of results) {
    const { method, arm } = r.node.params;
    out.set(`${method}\u0000${arm}`, (arms.get(method)?.size ?? 0) > 1 ? `${method} (${arm})` : method);
  }
  return out;
}

/** Methods in order of first appearance in the graph (scratch first). */
export function methodOrder(results: ReportInput['results']): Array<{ method: string; arm: Arm }> {
  const seen = new Map<string, { method: string; arm: Arm }>();
  for (const r of results) {
    const k = `${r.node.params.method}\u0000${r.node.params.arm}`;
    if (!seen.has(k)) seen.set(k, { method: r.node.params.method, arm: r.node.params.arm });
  }
  const list = [...seen.values()];
  return [...list.filter((m) => m.arm === 'scratch'), ...list.filter((m) => m.arm !== 'scratch')];
}

export function fractions(input: ReportInput): number[] {
  return [...new Set(input.results.map((r) => r.node.params.fraction))].sort((a, b) => a - b);
}

/** Metric specs declared on the evaluate nodes, in declaration order (deduplicated). */
export function declaredMetrics(input: ReportInput): MetricSpec[] {
  const seen = new Map<string, MetricSpec>();
  for (const r of input.results) for (const m of r.node.params.evaluation.metrics) if (!seen.has(metricKey(m))) seen.set(metricKey(m), m);
  return [...seen.values()];
}

export function collapsedIn(results: ReportInput['results'], method: string, arm: Arm, fraction: number, key: string): Cell['collapsed'] {
  const out: Cell['collapsed'] = [];
  for (const r of results) {
    const p = r.node.params;
    if (p.method !== method || p.arm !== arm || p.fraction !== fraction) continue;
    const c = collapsesOf(r.metrics.aggregate, r.metrics.testCases, r.metrics.perCase).find((x) => x.key === key);
    if (c) out.push({ repetition: p.repetition, ...c });
  }
  return out.sort((a, b) => a.repetition - b.repetition);
}

/** One note per collapsed repetition of the table (its metrics in the table's columns). */
export function collapseNotes(rows: Row[], columns: Column[]): string[] {
  const byRep = new Map<string, { where: string; repetition: number; cs: Collapse[] }>();
  for (const r of rows) {
    r.cells.forEach((c, i) => {
      const col = columns[i]!;
      const f = col.fraction ?? r.fraction;
      for (const x of c.collapsed) {
        const k = `${r.method}\u0000${r.arm}\u0000${f}\u0000${x.repetition}`;
        const e = byRep.get(k) ?? { where: `${r.label.replace(/^[^·]*· /, '')}${f === null ? '' : ` at ${pct(f)}`}`, repetition: x.repetition, cs: [] };
        if (!e.cs.some((y) => y.key === x.key)) e.cs.push(x);
        byRep.set(k, e);
      }
    });
  }
  if (byRep.size === 0) return [];
  return [
    `† Collapsed repetition (kept in the numbers above): ${[...byRep.values()].map((e) => `${e.where}: ${collapseText(e.repetition, e.cs)}`).join('; ')}.`,
  ];
}

export function values(results: ReportInput['results'], method: string, arm: Arm, fraction: number, key: string): number[] {
  return results
    .filter((r) => r.node.params.method === method && r.node.params.arm === arm && r.node.params.fraction === fraction)
    .sort((a, b) => a.node.params.repetition - b.node.params.repetition)
    .map((r) => r.metrics.aggregate[key] ?? NaN);
}

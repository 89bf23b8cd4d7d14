// Paper-style tables from a ReportInput: methods × regions (Table 1 style, at one label
// fraction), methods × label fractions, and ours beside a published table. Each table is a
// plain model first (numbers), then rendered as Markdown, CSV and LaTeX.
// One concern per file: table-model.ts (types), units.ts, grouping.ts, render-table.ts,
// comparison.ts; re-exported here.
export type { Cell, Column, Row, TableModel } from './table-model.js';
export { displayDigits, displayScale, metricLabel, pct } from './units.js';
export { declaredMetrics, fractions } from './grouping.js';
export { latexEscape, renderCsv, renderLatex, renderMarkdown } from './render-table.js';
export { buildComparison, renderComparisonCsv, renderComparisonLatex, renderComparisonMarkdown, type ComparisonModel } from './comparison.js';
import type { TableSpec } from '../core/graph.js';
import type { ReportInput } from '../runtime/record.js';
import { higherIsBetter, metricKey } from '../runtime/eval/metrics.js';
import { isSegmentationMetric } from '../core/metrics.js';
import { summarize } from '../runtime/eval/protocol.js';
import type { Column, Row, TableModel } from './table-model.js';
import { displayScale, metricLabel, pct } from './units.js';
import { collapsedIn, collapseNotes, declaredMetrics, fractions, methodOrder, rowLabels, values } from './grouping.js';

function protocolNotes(input: ReportInput, spec: TableSpec, rows: Row[]): string[] {
  const notes: string[] = [];
  const ns = rows.flatMap((r) => r.cells.map((c) => c.summary.n)).filter((n) => n > 0);
  const lo = ns.length ? Math.min(...ns) : 0;
  const hi = ns.length ? Math.max(...ns) : 0;
  const reps = lo === hi ? String(hi) : `${lo}–${hi}`;
  notes.push(
    spec.aggregate === 'mean-sd'
      ? `Cells: mean ± sample sd over ${reps} repetition(s) (sd shown as — with one repetition).`
      : `Cells: min / avg / max over ${reps} repetition(s).`,
  );
  if (spec.deltaVsScratch) notes.push('Δ: difference to the scratch row at the same label fraction, in the column\'s units.');
  // Classification (QWK, accuracy) has no masks, no HD95 and no per-volume averaging: say what applies.
  const segmentation = declaredMetrics(input).some((m) => isSegmentationMetric(m.metric));
  notes.push(segmentation ? 'Bold: best in the column (lowest for HD95).' : 'Bold: best in the column.');
  const policies = [...new Set(input.results.map((r) => r.metrics.emptyPolicy))].filter((p) => p && !p.startsWith('not applicable'));
  if (segmentation && policies.length) notes.push(`Empty masks: ${policies.join(' | ')}.`);
  // What a fraction meant in cases (a small fraction of a small dataset is rounded up to 1 case).
  const perFraction = fractions(input)
    .map((f) => {
      const ns = [...new Set(input.histories.filter((h) => h.node.params.fraction === f).map((h) => h.history.trainCases.length))].sort((a, b) => a - b);
      return ns.length ? `${pct(f)} → ${ns.length === 1 ? ns[0] : `${ns[0]}–${ns[ns.length - 1]}`}` : null;
    })
    .filter((x): x is string => x !== null);
  if (perFraction.length) notes.push(`Labelled training cases per fraction: ${perFraction.join(', ')}.`);
  const tests = [...new Set(input.results.map((r) => r.metrics.testCases))];
  if (tests.length) {
    notes.push(
      segmentation
        ? `Test cases per evaluation: ${tests.join(', ')} (per-volume metrics, averaged over volumes).`
        : `Test images per evaluation: ${tests.join(', ')} (QWK and accuracy computed over all of them at once).`,
    );
  }
  const excluded = new Map<string, number>();
  for (const r of input.results) {
    for (const [k, v] of Object.entries(r.metrics.aggregate)) {
      if (k.endsWith('__excluded') && v > 0) excluded.set(k.slice(0, -10), (excluded.get(k.slice(0, -10)) ?? 0) + v);
    }
  }
  const caseEvals = input.results.reduce((n, r) => n + r.metrics.testCases, 0);
  for (const [k, v] of excluded) {
    notes.push(`${metricLabel(k).replace(/ \((%|mm)\)$/, '')}: ${v} of ${caseEvals} case evaluations excluded by the empty-mask policy; means are over the rest.`);
  }
  if (input.differentData) notes.push('⚠ These results come from different data than the paper (e.g. synthetic phantoms); they are not comparable with published numbers.');
  return notes;
}

function markBest(rows: Row[], columns: Column[], groupOf: (r: Row) => string): void {
  columns.forEach((col, ci) => {
    const higher = higherIsBetter(col.key);
    const groups = new Map<string, Row[]>();
    for (const r of rows) groups.set(groupOf(r), [...(groups.get(groupOf(r)) ?? []), r]);
    for (const g of groups.values()) {
      const means = g.map((r) => r.cells[ci]!.summary.mean).filter((m) => Number.isFinite(m));
      if (means.length < 2) continue;
      const best = higher ? Math.max(...means) : Math.min(...means);
      // all equal (e.g. every method at Dice 0): nothing is best
      if (means.every((m) => m === best)) continue;
      for (const r of g) if (r.cells[ci]!.summary.mean === best) r.cells[ci]!.best = true;
    }
  });
}

function addDeltas(rows: Row[], columns: Column[]): void {
  for (const r of rows) {
    const scratch = rows.find((s) => s.arm === 'scratch' && s.fraction === r.fraction);
    if (!scratch || scratch === r) continue;
    columns.forEach((col, ci) => {
      const a = r.cells[ci]!.summary.mean;
      const b = scratch.cells[ci]!.summary.mean;
      if (Number.isFinite(a) && Number.isFinite(b)) r.cells[ci]!.delta = (a - b) * displayScale(col.key);
    });
  }
}

/** Build the numbers of one TableSpec. */
export function buildTable(input: ReportInput, spec: TableSpec): TableModel {
  const results = input.results;
  const labels = rowLabels(results);
  const methods = methodOrder(results);
  const fracs = fractions(input);
  const declared = declaredMetrics(input);
  // `metric = …` on the table: the fraction table's metric, or the columns a region/metric table keeps
  const chosen = spec.metrics?.length ? declared.filter((m) => spec.metrics!.some((x) => x.metric === m.metric && x.region === m.region)) : [];
  const metrics = chosen.length ? chosen : declared;
  const primary = spec.metrics?.length && spec.columns === 'fraction' ? spec.metrics[0] : metrics[0];
  const largest = fracs[fracs.length - 1] ?? 1;
  const atFraction = spec.fraction ?? largest;
  let columns: Column[];
  if (spec.columns === 'fraction') {
    const key = primary ? metricKey(primary) : '';
    columns = fracs.map((f) => ({ label: pct(f), key, fraction: f }));
  } else {
    // Region tables: one column per region, grouped by metric family (the first declared family
    // first: Dice ET, WT, TC, then HD95 …). Every declared metric appears; none is dropped.
    const families = [...new Set(metrics.map((m) => m.metric))];
    const ms = spec.columns === 'region' ? families.flatMap((f) => metrics.filter((m) => m.metric === f)) : metrics;
    columns = ms.map((m) => ({ label: metricLabel(metricKey(m)), key: metricKey(m), fraction: null }));
  }
  const rows: Row[] = [];
  const rowFractions = spec.rows === 'fraction' && spec.columns !== 'fraction' ? fracs : [atFraction];
  for (const f of rowFractions) {
    for (const m of methods) {
      const label0 = labels.get(`${m.method}\u0000${m.arm}`) ?? m.method;
      const cells = columns.map((c) => ({
        summary: summarize(values(results, m.method, m.arm, c.fraction ?? f, c.key)),
        delta: null,
        best: false,
        collapsed: collapsedIn(results, m.method, m.arm, c.fraction ?? f, c.key),
      }));
      if (cells.every((c) => c.summary.n === 0)) continue;
      const fr = spec.columns === 'fraction' ? null : f;
      rows.push({ label: spec.rows === 'fraction' && spec.columns !== 'fraction' ? `${pct(f)} · ${label0}` : label0, method: m.method, arm: m.arm, fraction: fr, cells });
    }
  }
  if (spec.deltaVsScratch) {
    if (spec.columns === 'fraction') {
      const scratch = rows.find((r) => r.arm === 'scratch');
      if (scratch) {
        for (const r of rows) {
          if (r === scratch) continue;
          columns.forEach((col, ci) => {
            const a = r.cells[ci]!.summary.mean;
            const b = scratch.cells[ci]!.summary.mean;
            if (Number.isFinite(a) && Number.isFinite(b)) r.cells[ci]!.delta = (a - b) * displayScale(col.key);
          });
        }
      }
    } else addDeltas(rows, columns);
  }
  markBest(rows, columns, (r) => String(r.fraction));
  const what = spec.columns === 'fraction' ? `${primary ? metricLabel(metricKey(primary)) : ''} vs % labelled training cases` : `at ${pct(atFraction)} labelled training cases`;
  const title = spec.rows === 'fraction' && spec.columns !== 'fraction' ? `${spec.name}: methods × label fractions` : `${spec.name}: ${what}`;
  return {
    name: spec.name,
    title,
    rowHeader: spec.rows === 'fraction' && spec.columns !== 'fraction' ? 'Fraction · Method' : 'Method',
    columns,
    rows,
    aggregate: spec.aggregate,
    deltaVsScratch: spec.deltaVsScratch,
    notes: [...protocolNotes(input, spec, rows), ...collapseNotes(rows, columns)],
  };
}

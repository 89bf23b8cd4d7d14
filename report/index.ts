// Reports: tables (Markdown, CSV, LaTeX) and figures (SVG, PNG) computed from a ReportInput
// alone — a run record or the cached artifacts — so they are regenerated without retraining.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EvaluateNode, FinetuneNode, PlotSpec, ReportSpec, TableSpec } from '../core/graph.js';
import type { ReportInput } from '../runtime/record.js';
import { metricKey } from '../runtime/eval/metrics.js';
import { isSegmentationMetric } from '../core/metrics.js';
import { plotSpec, renderPng, renderSvg } from './figures.js';
import { assertOneSweep } from './scope.js';
import { prepareOutDir, putReportFile } from './outdir.js';
import { pretrainCorpusText } from '../core/geometry.js';
import { referenceNames } from './reference/index.js';
import {
  buildComparison,
  buildTable,
  declaredMetrics,
  renderComparisonCsv,
  renderComparisonLatex,
  renderComparisonMarkdown,
  renderCsv,
  renderLatex,
  renderMarkdown,
} from './tables.js';
import { csvField } from './render-table.js';
import { msg, withCode } from '../core/codes/index.js';

export { prepareOutDir } from './outdir.js';
export { assertOneSweep, reportScopes, sweepOfNode, type ReportScope } from './scope.js';
export { buildTable, buildComparison, renderMarkdown, renderCsv, renderLatex } from './tables.js';
export { plotSpec, renderSvg, renderPng } from './figures.js';

export { collectReportInput, historyProblem, isDifferentData, metricsProblem, recordProblem, reportInputFromRecord, type ReportSource } from './input.js';

/** A sensible report when the experiment declares none: Table-1 style, data efficiency, convergence. */
export function defaultReportSpec(input: ReportInput): ReportSpec {
  const metrics = declaredMetrics(input);
  // Classification (QWK, accuracy) has no regions: its first table is methods × metrics.
  const segmentation = metrics.some((m) => isSegmentationMetric(m.metric));
  const tables: TableSpec[] = [
    segmentation
      ? { name: 'by-region', rows: 'method', columns: 'region', fraction: null, aggregate: 'mean-sd', deltaVsScratch: true, reference: null }
      : { name: 'by-metric', rows: 'method', columns: 'metric', fraction: null, aggregate: 'mean-sd', deltaVsScratch: true, reference: null },
    { name: 'by-fraction', rows: 'method', columns: 'fraction', fraction: null, aggregate: 'mean-sd', deltaVsScratch: true, reference: null },
  ];
  const plots: PlotSpec[] = [];
  const primary = metrics[0];
  if (primary) plots.push({ name: 'data-efficiency', kind: 'data-efficiency', metric: primary, fraction: null });
  const conv = input.histories.find((h) => h.node.params.evaluation.convergence)?.node.params.evaluation.convergence;
  if (conv) plots.push({ name: 'convergence', kind: 'convergence', metric: conv, fraction: null });
  return { name: 'report', tables, plots, formats: ['md', 'csv', 'tex', 'svg', 'png'] };
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'table';
}

/** What each pretrained method of the report trained on (#16.11): "3D-Rotation pretrains on 91 of 96 cases of corpus (…)". */
export function pretrainingLines(input: ReportInput): string[] {
  const byId = new Map(input.graph.nodes.map((n) => [n.id, n]));
  const out = new Map<string, string>();
  for (const r of input.results) {
    const ft = byId.get(r.node.inputs[0] ?? '');
    const pre = ft && ft.kind === 'finetune' ? byId.get(ft.inputs[1] ?? '') : undefined;
    if (!pre || pre.kind !== 'pretrain' || out.has(pre.id)) continue;
    const data = byId.get(pre.inputs[0] ?? '');
    if (data && data.kind === 'data') out.set(pre.id, `Pretraining: ${ft!.kind === 'finetune' ? ft!.params.method : pre.id} ${pretrainCorpusText(data.params.dataset)}.`);
  }
  return [...out.values()];
}

export interface WrittenReport {
  /** Paths of the written files, relative to outDir. */
  files: string[];
  /** Markdown of every table (for printing). */
  tables: string[];
  /** Non-fatal problems (unknown reference, figure rendering failed). */
  warnings: string[];
}

/** Write every table and figure of `spec` into `outDir` (created), plus an index `report.md`. */
export async function writeReport(input: ReportInput, spec: ReportSpec, outDir: string): Promise<WrittenReport> {
  assertOneSweep(input);
  prepareOutDir(outDir);
  const files: string[] = [];
  const tables: string[] = [];
  const warnings: string[] = [];
  const want = new Set(spec.formats);
  const put = async (name: string, data: string | Buffer): Promise<void> => {
    await putReportFile(outDir, name, (path) => writeFile(path, data));
    files.push(name);
  };
  const index: string[] = [`# ${spec.name} — ${input.graph.experiment}`, ''];
  const evals = input.results.length;
  const reps = new Set(input.results.map((r) => r.node.params.repetition)).size;
  index.push(`${evals} evaluation(s), ${reps} repetition(s), ${input.histories.length} training histories.`, '');
  if (input.differentData) index.push('> **⚠ Different data:** these results come from synthetic phantoms or other non-paper data; published numbers are shown for orientation only.', '');
  if (evals === 0) index.push('> No evaluation has finished in this run yet; the tables are empty.', '');
  const corpus = pretrainingLines(input);
  if (corpus.length) index.push(...corpus.map((l) => `- ${l}`), '');
  if (input.missing?.length && evals > 0) {
    // A partial run: say which cells are missing or averaged over fewer repetitions.
    const list = input.missing.map((m) => `${m.id} (${m.status})`).join(', ');
    const line = `partial results: ${input.missing.length} of ${evals + input.missing.length} evaluations have no result, so their cells are missing or averaged over fewer repetitions: ${list}`;
    index.push(`> **⚠ Partial results:** ${line.slice('partial results: '.length)}`, '');
    warnings.push(line);
  }

  for (const t of spec.tables) {
    const model = buildTable(input, t);
    const base = `table-${safeName(t.name)}`;
    const md = renderMarkdown(model);
    tables.push(md);
    index.push(md);
    if (want.has('md')) await put(`${base}.md`, md);
    if (want.has('csv')) await put(`${base}.csv`, renderCsv(model));
    if (want.has('tex')) await put(`${base}.tex`, renderLatex(model));
    if (t.reference) {
      const cmp = buildComparison(input, t);
      if (!cmp) {
        warnings.push(withCode(msg('SSL173', 'unknownReference', { table: t.reference, known: referenceNames().join(', ') }), ': '));
        continue;
      }
      const cbase = `reference-${safeName(t.name)}`;
      const cmd = renderComparisonMarkdown(cmp);
      tables.push(cmd);
      index.push(cmd);
      if (want.has('md')) await put(`${cbase}.md`, cmd);
      if (want.has('csv')) await put(`${cbase}.csv`, renderComparisonCsv(cmp));
      if (want.has('tex')) await put(`${cbase}.tex`, renderComparisonLatex(cmp));
    }
  }

  if (want.has('svg') || want.has('png')) {
    for (const p of spec.plots) {
      const base = `figure-${safeName(p.name)}`;
      try {
        const svg = await renderSvg(plotSpec(input, p));
        if (want.has('svg')) await put(`${base}.svg`, svg);
        if (want.has('png')) await put(`${base}.png`, renderPng(svg));
        index.push(`![${p.name}: ${p.kind} (${metricKey(p.metric)})](${want.has('svg') ? base + '.svg' : base + '.png'})`, '');
      } catch (err) {
        warnings.push(withCode(msg('SSL174', 'notRendered', { name: p.name, reason: err instanceof Error ? err.message : String(err) }), ': '));
      }
    }
  }
  if (want.has('csv')) {
    const perCase = perCaseCsv(input);
    if (perCase) {
      await put('per-case.csv', perCase);
      index.push('Per-case values of every evaluation (for paired tests between methods on the same test cases): [per-case.csv](per-case.csv).', '');
    }
  }
  if (warnings.length) index.push('## Warnings', '', ...warnings.map((w) => `- ${w}`), '');
  if (want.has('md')) await put('report.md', index.join('\n'));
  return { files, tables, warnings };
}

/**
 * One row per (method, arm, fraction, repetition, test case) with every per-case metric value
 * (raw: Dice/IoU as fractions, HD95 in mm; empty = undefined under the empty-mask policy), or
 * null when no evaluation has per-case values (classification).
 */
export function perCaseCsv(input: ReportInput): string | null {
  const keys: string[] = [];
  for (const r of input.results) for (const c of r.metrics.perCase) for (const k of Object.keys(c.values)) if (!keys.includes(k)) keys.push(k);
  if (keys.length === 0) return null;
  const lines = [['method', 'arm', 'fraction', 'repetition', 'case', ...keys].join(',')];
  const sorted = [...input.results].sort(
    (a, b) =>
      a.node.params.method.localeCompare(b.node.params.method) ||
      a.node.params.arm.localeCompare(b.node.params.arm) ||
      a.node.params.fraction - b.node.params.fraction ||
      a.node.params.repetition - b.node.params.repetition,
  );
  for (const r of sorted) {
    const p = r.node.params;
    for (const c of r.metrics.perCase) {
      const vals = keys.map((k) => {
        const v = c.values[k];
        return typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
      });
      lines.push([csvField(p.method), p.arm, String(p.fraction), String(p.repetition), csvField(c.id), ...vals].join(','));
    }
  }
  return lines.join('\n') + '\n';
}

/** Evaluate and finetune nodes of the input, for callers that assemble a ReportInput by hand. */
export function reportNodes(input: ReportInput): { evaluate: EvaluateNode[]; finetune: FinetuneNode[] } {
  return { evaluate: input.results.map((r) => r.node), finetune: input.histories.map((h) => h.node) };
}

// Paper-style tables from a ReportInput: methods × regions (Table 1 style, at one label
// fraction), methods × label fractions, and ours beside a published table. Each table is a
// plain model first (numbers), then rendered as Markdown, CSV and LaTeX.

import type { Arm, EvaluateNode, MetricSpec, TableSpec } from '../core/graph.js';
import type { ReportInput } from '../runtime/record.js';
import { higherIsBetter, metricKey } from '../runtime/eval/metrics.js';
import { isSegmentationMetric, metricOfKey } from '../core/metrics.js';
import { summarize, type Summary } from '../runtime/eval/protocol.js';
import { loadReference, referenceRow, type ReferenceTable } from './reference/index.js';
import { collapsesOf, collapseText, type Collapse } from './collapse.js';

export interface Column {
  /** Column header as printed. */
  label: string;
  /** Metric key the values come from. */
  key: string;
  /** For fraction columns. */
  fraction: number | null;
}

export interface Cell {
  summary: Summary;
  /** Mean minus the scratch row's mean (same column, same fraction), in display units; null when not applicable. */
  delta: number | null;
  best: boolean;
  /** Repetitions that collapsed on this column's metric (Dice/IoU 0 on every scored test case); kept in the summary. */
  collapsed: Array<{ repetition: number } & Collapse>;
}

export interface Row {
  label: string;
  method: string;
  arm: Arm;
  fraction: number | null;
  cells: Cell[];
}

export interface TableModel {
  name: string;
  title: string;
  rowHeader: string;
  columns: Column[];
  rows: Row[];
  aggregate: TableSpec['aggregate'];
  deltaVsScratch: boolean;
  notes: string[];
}

// ─────────────────────────── units ───────────────────────────

/** From the metric registry: Dice/IoU/accuracy print as percentages (as the paper), QWK as a fraction, HD95 in mm. */
export function displayScale(key: string): number {
  return metricOfKey(key)?.scale ?? 1;
}

export function displayDigits(key: string): number {
  return metricOfKey(key)?.digits ?? 2;
}

export function metricLabel(key: string): string {
  const [m, ...rest] = key.split('_');
  const region = rest.join('_');
  const info = metricOfKey(key);
  const name = info?.label ?? m ?? key;
  const unit = displayScale(key) === 100 ? ' (%)' : info?.unit ? ` (${info.unit})` : '';
  return `${name}${region ? ' ' + region : ''}${unit}`;
}

export function pct(fraction: number): string {
  const p = fraction * 100;
  return `${Number.isInteger(p) ? p.toFixed(0) : p.toFixed(p < 1 ? 2 : 1)}%`;
}

function fmt(v: number, key: string): string {
  return Number.isFinite(v) ? (v * displayScale(key)).toFixed(displayDigits(key)) : '—';
}

function fmtDelta(d: number, key: string): string {
  const s = d.toFixed(displayDigits(key));
  return d > 0 || (d === 0 && !s.startsWith('-')) ? `+${s}` : s;
}

// ─────────────────────────── grouping ───────────────────────────

/** Row identity: the method, with the arm added when one method appears with several arms. */
function rowLabels(results: ReportInput['results']): Map<string, string> {
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
function methodOrder(results: ReportInput['results']): Array<{ method: string; arm: Arm }> {
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

function collapsedIn(results: ReportInput['results'], method: string, arm: Arm, fraction: number, key: string): Cell['collapsed'] {
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
function collapseNotes(rows: Row[], columns: Column[]): string[] {
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

function values(results: ReportInput['results'], method: string, arm: Arm, fraction: number, key: string): number[] {
  return results
    .filter((r) => r.node.params.method === method && r.node.params.arm === arm && r.node.params.fraction === fraction)
    .sort((a, b) => a.node.params.repetition - b.node.params.repetition)
    .map((r) => r.metrics.aggregate[key] ?? NaN);
}

// ─────────────────────────── building ───────────────────────────

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

// ─────────────────────────── rendering ───────────────────────────

function cellText(c: Cell, key: string, agg: TableSpec['aggregate'], pm: string): string {
  const s = c.summary;
  if (s.n === 0) return '—';
  const core = agg === 'mean-sd'
    ? Number.isFinite(s.sd) ? `${fmt(s.mean, key)} ${pm} ${fmt(s.sd, key)}` : fmt(s.mean, key)
    : `${fmt(s.min, key)} / ${fmt(s.mean, key)} / ${fmt(s.max, key)}`;
  return core;
}

export function renderMarkdown(t: TableModel): string {
  const head = [t.rowHeader, ...t.columns.map((c) => c.label)];
  const lines = [`**${t.title}**`, '', `| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? ' :--- ' : ' ---: ')).join('|')}|`];
  for (const r of t.rows) {
    const cells = r.cells.map((c, i) => {
      const key = t.columns[i]!.key;
      let s = cellText(c, key, t.aggregate, '±');
      if (c.best && s !== '—') s = `**${s}**`;
      if (c.collapsed.length) s += ' †';
      if (c.delta !== null) s += ` (Δ ${fmtDelta(c.delta, key)})`;
      return s;
    });
    lines.push(`| ${[r.label, ...cells].join(' | ')} |`);
  }
  lines.push('');
  for (const n of t.notes) lines.push(`- ${n}`);
  return lines.join('\n') + '\n';
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function num(v: number | null): string {
  return v === null || !Number.isFinite(v) ? '' : String(Number(v.toPrecision(10)));
}

/** CSV with raw values (fractions, not percent): one column per statistic. */
export function renderCsv(t: TableModel): string {
  const stats = t.aggregate === 'mean-sd' ? ['mean', 'sd'] : ['min', 'avg', 'max'];
  const head = ['row', 'method', 'arm', 'fraction'];
  for (const c of t.columns) {
    const base = c.fraction === null ? c.key : `${c.key}@${c.fraction}`;
    for (const s of stats) head.push(`${base}_${s}`);
    head.push(`${base}_n`);
    if (t.deltaVsScratch) head.push(`${base}_delta`);
    head.push(`${base}_best`, `${base}_collapsed`);
  }
  const lines = [head.map(csvField).join(',')];
  for (const r of t.rows) {
    const f = [r.label, r.method, r.arm, num(r.fraction)];
    r.cells.forEach((c, i) => {
      const key = t.columns[i]!.key;
      const s = c.summary;
      if (t.aggregate === 'mean-sd') f.push(num(s.mean), num(s.sd));
      else f.push(num(s.min), num(s.mean), num(s.max));
      f.push(String(s.n));
      if (t.deltaVsScratch) f.push(num(c.delta === null ? null : c.delta / displayScale(key)));
      f.push(c.best ? '*' : '', c.collapsed.map((x) => `r${x.repetition}`).join(' '));
    });
    lines.push(f.map(csvField).join(','));
  }
  return lines.join('\n') + '\n';
}

export function latexEscape(s: string): string {
  return s.replace(/\\/g, '\\textbackslash{}').replace(/([&%$#_{}])/g, '\\$1').replace(/~/g, '\\textasciitilde{}').replace(/\^/g, '\\textasciicircum{}').replace(/Δ/g, '$\\Delta$').replace(/·/g, '$\\cdot$').replace(/⚠/g, '(!)').replace(/±/g, '$\\pm$').replace(/—/g, '--').replace(/→/g, '$\\rightarrow$').replace(/×/g, '$\\times$')
    // Characters pdflatex's default utf8 inputenc does not know (U+2212 stops the run with "not set up for use with LaTeX").
    .replace(/−/g, '$-$').replace(/–/g, '--').replace(/³/g, '$^3$').replace(/²/g, '$^2$').replace(/≥/g, '$\\geq$').replace(/≤/g, '$\\leq$').replace(/…/g, '\\ldots{}').replace(/µ/g, '$\\mu$').replace(/†/g, '$^\\dagger$');
}

export function renderLatex(t: TableModel): string {
  const lines = [
    '% Generated by ssl3d report; needs \\usepackage{booktabs}',
    '\\begin{table}[t]',
    '\\centering',
    `\\caption{${latexEscape(t.title)}}`,
    `\\label{tab:${t.name.replace(/[^A-Za-z0-9:-]/g, '-')}}`,
    `\\begin{tabular}{l${'r'.repeat(t.columns.length)}}`,
    '\\toprule',
    `${[t.rowHeader, ...t.columns.map((c) => c.label)].map(latexEscape).join(' & ')} \\\\`,
    '\\midrule',
  ];
  for (const r of t.rows) {
    const cells = r.cells.map((c, i) => {
      const key = t.columns[i]!.key;
      const txt = cellText(c, key, t.aggregate, '\\pm');
      if (txt === '—') return '--';
      let s = `$${txt}$`;
      if (c.best) s = `$\\mathbf{${txt.replace(/ \/ /g, '/')}}$`;
      if (c.collapsed.length) s += '$^\\dagger$';
      if (c.delta !== null) s += ` {\\scriptsize(${fmtDelta(c.delta, key)})}`;
      return s;
    });
    lines.push(`${[latexEscape(r.label), ...cells].join(' & ')} \\\\`);
  }
  lines.push('\\bottomrule', '\\end{tabular}');
  if (t.notes.length) lines.push(`\\par\\smallskip{\\footnotesize ${t.notes.map(latexEscape).join(' ')}}`);
  lines.push('\\end{table}');
  return lines.join('\n') + '\n';
}

// ─────────────────────────── published comparison ───────────────────────────

export interface ComparisonModel {
  name: string;
  reference: ReferenceTable;
  fraction: number;
  columns: string[];
  rows: Array<{ method: string; paperModel: string; ours: Array<number | null>; paper: Array<number | null> }>;
  differentData: boolean;
  notes: string[];
}

function datasetDim(input: ReportInput, node: EvaluateNode): 2 | 3 | null {
  const ft = input.graph.nodes.find((n) => n.id === node.inputs[0]);
  if (ft && ft.kind === 'finetune') return ft.params.encoder.kind === 'unet3d' ? 3 : 2;
  return null;
}

/** Ours beside a published table (null when the reference name is unknown). */
export function buildComparison(input: ReportInput, spec: TableSpec): ComparisonModel | null {
  if (!spec.reference) return null;
  const ref = loadReference(spec.reference);
  if (!ref) return null;
  const fracs = fractions(input);
  const at = spec.fraction ?? fracs[fracs.length - 1] ?? 1;
  const scale = ref.metric === 'dice_percent' ? 100 : 1;
  const rows: ComparisonModel['rows'] = [];
  for (const m of methodOrder(input.results)) {
    const sample = input.results.find((r) => r.node.params.method === m.method && r.node.params.arm === m.arm);
    const pr = referenceRow(ref, m.method, m.arm, sample ? datasetDim(input, sample.node) : null);
    if (!pr) continue;
    const ours = ref.columns.map((c) => {
      const s = summarize(values(input.results, m.method, m.arm, at, `dice_${c}`));
      return s.n ? s.mean * scale : null;
    });
    const paper = ref.columns.map((c) => (typeof pr[c] === 'number' ? (pr[c] as number) : null));
    rows.push({ method: m.method + (m.arm === 'frozen' ? ' (frozen)' : ''), paperModel: pr.model, ours, paper });
  }
  const { described, differences } = dataDifferences(input, at);
  const notes = [
    `Reference: ${ref.source}. Data: ${ref.dataset}.`,
    `Ours: mean over repetitions at ${pct(at)} labelled training cases on ${described.length ? described.join('; ') : 'the run\'s data'}; Δ = ours − paper (percentage points).`,
  ];
  const different = input.differentData || differences.length > 0;
  if (different) {
    notes.unshift(
      `⚠ DIFFERENT DATA: ${differences.length ? differences.join('; ') : 'our numbers come from different data than the paper\'s'}. The differences below are not a replication result.`,
    );
  }
  return { name: spec.name, reference: ref, fraction: at, columns: ref.columns, rows, differentData: different, notes };
}

/**
 * How our data differ from the published Table 1 setting (BraTS 2018, 128³, scored on the 66
 * validation cases): every difference we can tell from the graph and the artifacts, so that the
 * comparison never looks like a replication when it is not one.
 */
function dataDifferences(input: ReportInput, at: number): { described: string[]; differences: string[] } {
  const described: string[] = [];
  const differences: string[] = [];
  const dataNodes = input.graph.nodes.filter((n): n is Extract<typeof n, { kind: 'data' }> => n.kind === 'data' && input.results.some((r) => r.node.inputs.includes(n.id)));
  const tests = [...new Set(input.results.map((r) => r.metrics.testCases))].sort((a, b) => a - b);
  const trains = [
    ...new Set(input.histories.filter((h) => Math.abs(h.node.params.fraction - at) < 1e-9).map((h) => h.history.trainCases.length)),
  ].sort((a, b) => a - b);
  const range = (xs: number[]): string => (xs.length === 0 ? '?' : xs[0] === xs[xs.length - 1] ? String(xs[0]) : `${xs[0]}–${xs[xs.length - 1]}`);
  for (const n of dataNodes) {
    const d = n.params.dataset;
    const size = d.preprocess.resize ? d.preprocess.resize.join('×') : 'native size';
    described.push(`${d.name} (${d.source.kind}; ${range(trains)} training and ${range(tests)} test cases; ${size})`);
    if (d.source.kind === 'phantom3d' || d.source.kind === 'phantom2d') differences.push(`${d.name} is synthetic phantom data`);
    else if (d.source.kind !== 'brats') differences.push(`${d.name} is a ${d.source.kind} dataset, not BraTS 2018`);
    if (d.preprocess.resize && d.preprocess.resize.some((v) => v !== 128)) differences.push(`volumes resized to ${size}, not 128³`);
  }
  // the paper fine-tunes on all 285 BraTS 2018 training cases at 100 %: any fewer is other data
  if (trains.length && trains[trains.length - 1]! < 285 && Math.abs(at - 1) < 1e-9) differences.push(`fine-tuned on ${range(trains)} cases, not 285`);
  if (tests.length) differences.push(`scored on ${range(tests)} held-out case(s) of our own split, not the 66 BraTS 2018 validation cases`);
  return { described, differences: [...new Set(differences)] };
}

function f2(v: number | null): string {
  return v === null || !Number.isFinite(v) ? '—' : v.toFixed(2);
}

export function renderComparisonMarkdown(c: ComparisonModel): string {
  const head = ['Method', 'Paper row', ...c.columns.flatMap((k) => [`${k} ours`, `${k} paper`, `${k} Δ`])];
  const lines = [`**${c.name}: ours vs published (${c.reference.metric === 'dice_percent' ? 'Dice %' : c.reference.metric})${c.differentData ? ' — DIFFERENT DATA' : ''}**`, '', `| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 2 ? ' :--- ' : ' ---: ')).join('|')}|`];
  for (const r of c.rows) {
    const cells = c.columns.flatMap((_, i) => {
      const o = r.ours[i] ?? null;
      const p = r.paper[i] ?? null;
      return [f2(o), f2(p), o !== null && p !== null ? fmtDelta(o - p, '') : '—'];
    });
    lines.push(`| ${[r.method, r.paperModel, ...cells].join(' | ')} |`);
  }
  if (c.rows.length === 0) lines.push(`| (no method of this run matches a row of the published table) |${' |'.repeat(head.length - 1)}`);
  lines.push('');
  for (const n of c.notes) lines.push(`- ${n}`);
  return lines.join('\n') + '\n';
}

export function renderComparisonCsv(c: ComparisonModel): string {
  const head = ['method', 'paper_model', ...c.columns.flatMap((k) => [`${k}_ours`, `${k}_paper`, `${k}_delta`]), 'different_data'];
  const lines = [head.join(',')];
  for (const r of c.rows) {
    const cells = c.columns.flatMap((_, i) => {
      const o = r.ours[i] ?? null;
      const p = r.paper[i] ?? null;
      return [num(o), num(p), o !== null && p !== null ? num(o - p) : ''];
    });
    lines.push([r.method, r.paperModel, ...cells, c.differentData ? 'true' : 'false'].map(csvField).join(','));
  }
  return lines.join('\n') + '\n';
}

export function renderComparisonLatex(c: ComparisonModel): string {
  const lines = [
    '% Generated by ssl3d report; needs \\usepackage{booktabs}',
    '\\begin{table}[t]',
    '\\centering',
    `\\caption{${latexEscape(`${c.name}: ours vs published${c.differentData ? ' (different data)' : ''}`)}}`,
    `\\begin{tabular}{ll${'rrr'.repeat(c.columns.length)}}`,
    '\\toprule',
    ` & & ${c.columns.map((k) => `\\multicolumn{3}{c}{${latexEscape(k)}}`).join(' & ')} \\\\`,
    `Method & Paper row & ${c.columns.map(() => 'ours & paper & $\\Delta$').join(' & ')} \\\\`,
    '\\midrule',
  ];
  for (const r of c.rows) {
    const cells = c.columns.flatMap((_, i) => {
      const o = r.ours[i] ?? null;
      const p = r.paper[i] ?? null;
      return [f2(o), f2(p), o !== null && p !== null ? fmtDelta(o - p, '') : '--'].map((s) => (s === '—' ? '--' : s));
    });
    lines.push(`${[latexEscape(r.method), latexEscape(r.paperModel), ...cells].join(' & ')} \\\\`);
  }
  lines.push('\\bottomrule', '\\end{tabular}', `\\par\\smallskip{\\footnotesize ${c.notes.map(latexEscape).join(' ')}}`, '\\end{table}');
  return lines.join('\n') + '\n';
}

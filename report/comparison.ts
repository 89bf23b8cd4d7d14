// Our numbers beside a published table (same protocol, same metric), with the data differences said.
import { csvField, latexEscape, num } from './render-table.js';
import type { EvaluateNode, TableSpec } from '../core/graph.js';
import type { ReportInput } from '../runtime/record.js';
import { summarize } from '../runtime/eval/protocol.js';
import { loadReference, referenceRow, type ReferenceTable } from './reference/index.js';
import { pct, fmtDelta } from './units.js';
import { methodOrder, fractions, values } from './grouping.js';

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

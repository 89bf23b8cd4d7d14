// The view model shared by the TUI and the plain renderer: folded from events alone.
// (Renderers never reach into the runtime; everything they show arrives as an event.)

import type { NodeKind } from '../../core/graph.js';
import { isMetricKey } from '../../core/metrics.js';
import type { RunEvent } from '../../runtime/events.js';
import { collapsesOf, collapseText } from '../../report/collapse.js';
import { sweepOfNode } from '../../report/scope.js';

export type NodeState = 'to-run' | 'partial' | 'cached' | 'running' | 'done' | 'failed' | 'interrupted' | 'skipped';

export interface NodeView {
  id: string;
  kind: NodeKind;
  state: NodeState;
  reason: string;
  method: string | null;
  fraction: number | null;
  repetition: number | null;
  totalEpochs: number | null;
  stepsPerEpoch: number | null;
  flopsPerStep: number | null;
  resumeEpoch: number;
  epoch: number;
  step: number;
  /** Optimiser steps finished so far, counting epochs restored from a checkpoint. */
  stepsDone: number;
  /** Loss per finished epoch, and recent step losses (sparklines). */
  epochLosses: number[];
  stepLosses: number[];
  /** Metric name → values per epoch. */
  metrics: Record<string, number[]>;
  samplesPerSec: number | null;
  startedAt: number | null;
  endedAt: number | null;
  durationMs: number;
  /** Measured milliseconds per optimiser step in this attempt (null until measured). */
  msPerStep: number | null;
  summary: Record<string, number>;
  error: { code: string; message: string } | null;
  lastCheckpointEpoch: number | null;
}

export interface RunView {
  experiment: string;
  runId: string;
  backend: { name: string; reason: string } | null;
  order: string[];
  nodes: Record<string, NodeView>;
  current: string | null;
  startedAt: number | null;
  endedAt: number | null;
  /** Time of the newest event (the view's notion of "now" when replaying). */
  now: number;
  status: 'running' | 'ok' | 'failed' | 'interrupted' | null;
  warnings: Array<{ t: number; node: string | null; message: string }>;
  errors: Array<{ t: number; node: string | null; code: string; message: string }>;
  /** Finished nodes in the order they finished (the log pane). */
  finished: string[];
}

const STEP_LOSS_WINDOW = 60;

export function emptyView(): RunView {
  return { experiment: '', runId: '', backend: null, order: [], nodes: {}, current: null, startedAt: null, endedAt: null, now: 0, status: null, warnings: [], errors: [], finished: [] };
}

function blankNode(id: string, kind: NodeKind): NodeView {
  return {
    id, kind, state: 'to-run', reason: '', method: null, fraction: null, repetition: null, totalEpochs: null, stepsPerEpoch: null, flopsPerStep: null,
    resumeEpoch: 0, epoch: 0, step: 0, stepsDone: 0, epochLosses: [], stepLosses: [], metrics: {}, samplesPerSec: null, startedAt: null, endedAt: null,
    durationMs: 0, msPerStep: null, summary: {}, error: null, lastCheckpointEpoch: null,
  };
}

/** Fold one event into the view (mutates and returns it; cheap enough for every step event). */
export function reduce(view: RunView, e: RunEvent): RunView {
  view.now = Math.max(view.now, e.t);
  switch (e.type) {
    case 'run-start':
      view.experiment = e.experiment;
      view.runId = e.runId;
      view.backend = e.backend;
      view.startedAt = e.t;
      view.status = 'running';
      view.order = e.nodes.map((n) => n.id);
      for (const n of e.nodes) {
        const v = blankNode(n.id, n.kind);
        v.state = n.state;
        v.reason = n.reason ?? '';
        v.totalEpochs = n.epochs ?? null;
        v.stepsPerEpoch = n.stepsPerEpoch ?? null;
        v.flopsPerStep = n.flopsPerStep ?? null;
        v.method = n.method ?? null;
        v.fraction = n.fraction ?? null;
        v.repetition = n.repetition ?? null;
        view.nodes[n.id] = v;
      }
      break;
    case 'node-start': {
      const v = view.nodes[e.node] ?? (view.nodes[e.node] = blankNode(e.node, e.kind));
      if (!view.order.includes(e.node)) view.order.push(e.node);
      v.state = 'running';
      v.startedAt = e.t;
      v.resumeEpoch = e.resumeEpoch;
      v.epoch = e.resumeEpoch;
      v.step = 0;
      v.msPerStep = null;
      if (e.totalEpochs !== null) v.totalEpochs = e.totalEpochs;
      if (e.stepsPerEpoch !== null) v.stepsPerEpoch = e.stepsPerEpoch;
      v.stepsDone = e.resumeEpoch * (v.stepsPerEpoch ?? 0);
      view.current = e.node;
      break;
    }
    case 'step': {
      const v = view.nodes[e.node];
      if (!v) break;
      v.step = e.step;
      v.stepsPerEpoch = e.stepsPerEpoch;
      v.samplesPerSec = e.samplesPerSec;
      v.stepLosses.push(e.loss);
      if (v.stepLosses.length > STEP_LOSS_WINDOW) v.stepLosses.splice(0, v.stepLosses.length - STEP_LOSS_WINDOW);
      v.stepsDone = (e.epoch - 1) * e.stepsPerEpoch + e.step;
      const done = v.stepsDone - v.resumeEpoch * e.stepsPerEpoch;
      if (v.startedAt !== null && done > 0) v.msPerStep = (e.t - v.startedAt) / done;
      break;
    }
    case 'epoch': {
      const v = view.nodes[e.node];
      if (!v) break;
      v.epoch = e.epoch;
      v.totalEpochs = e.totalEpochs;
      v.epochLosses.push(e.loss);
      for (const [k, val] of Object.entries(e.metrics)) (v.metrics[k] ??= []).push(val);
      if (v.stepsPerEpoch && v.startedAt !== null) {
        const epochsDone = e.epoch - v.resumeEpoch;
        if (epochsDone > 0) v.msPerStep = (e.t - v.startedAt) / (epochsDone * v.stepsPerEpoch);
      }
      v.step = v.stepsPerEpoch ?? v.step;
      if (v.stepsPerEpoch) v.stepsDone = e.epoch * v.stepsPerEpoch;
      break;
    }
    case 'metric': {
      const v = view.nodes[e.node];
      if (v) (v.metrics[e.name] ??= []).push(e.value);
      break;
    }
    case 'checkpoint': {
      const v = view.nodes[e.node];
      if (v) v.lastCheckpointEpoch = e.epoch;
      break;
    }
    case 'node-end': {
      const v = view.nodes[e.node];
      if (!v) break;
      v.state = e.status === 'ok' ? 'done' : e.status;
      v.endedAt = e.t;
      v.durationMs = e.durationMs;
      v.summary = e.summary;
      if (view.current === e.node) view.current = null;
      if (v.kind === 'evaluate' && (e.status === 'ok' || e.status === 'cached')) {
        const c = collapsesOf(e.summary, e.summary.testCases ?? 0);
        if (c.length) view.warnings.push({ t: e.t, node: e.node, message: `${collapseText(v.repetition ?? 0, c)} (kept in the results)` });
      }
      if (e.status !== 'skipped') view.finished.push(e.node);
      break;
    }
    case 'warning':
      view.warnings.push({ t: e.t, node: e.node, message: e.message });
      break;
    case 'info':
      break;
    case 'error': {
      view.errors.push({ t: e.t, node: e.node, code: e.code, message: e.message });
      const v = e.node ? view.nodes[e.node] : undefined;
      if (v) v.error = { code: e.code, message: e.message };
      break;
    }
    case 'run-end':
      view.status = e.status;
      view.endedAt = e.t;
      view.current = null;
      break;
  }
  return view;
}

export function viewFrom(events: readonly RunEvent[]): RunView {
  const v = emptyView();
  for (const e of events) reduce(v, e);
  return v;
}

// ───────────────────────────── progress and ETA ─────────────────────────────

/** Optimiser steps a training node still has to take (null for nodes without a plan). */
export function remainingSteps(v: NodeView): number | null {
  if (v.totalEpochs === null || v.stepsPerEpoch === null) return null;
  if (v.state === 'done' || v.state === 'cached' || v.state === 'skipped' || v.state === 'failed') return 0;
  if (v.state === 'running') return Math.max(0, v.totalEpochs * v.stepsPerEpoch - v.stepsDone);
  // not started yet (a 'partial' node resumes, but we do not know its epoch until it starts)
  return v.totalEpochs * v.stepsPerEpoch;
}

/** Milliseconds per step to assume for `v`: its own measurement, else one scaled from measured nodes. */
function rateFor(view: RunView, v: NodeView): number | null {
  if (v.msPerStep !== null) return v.msPerStep;
  // same kind first, scaled by FLOPs if both have them
  const measured = view.order.map((id) => view.nodes[id]!).filter((n) => n.msPerStep !== null && n.id !== v.id);
  const same = measured.filter((n) => n.kind === v.kind);
  const pool = same.length ? same : measured;
  if (!pool.length) return null;
  const scaled = pool.map((n) => (n.flopsPerStep && v.flopsPerStep ? (n.msPerStep! * v.flopsPerStep) / n.flopsPerStep : n.msPerStep!));
  return scaled.reduce((a, b) => a + b, 0) / scaled.length;
}

/** Estimated milliseconds left for one node, or null when nothing has been measured yet. */
export function nodeEta(view: RunView, v: NodeView): number | null {
  const steps = remainingSteps(v);
  if (steps === null) return null;
  if (steps === 0) return 0;
  const rate = rateFor(view, v);
  return rate === null ? null : steps * rate;
}

/** Estimated milliseconds left for the whole run (training nodes only; others are quick). */
export function runEta(view: RunView): number | null {
  let total = 0;
  let known = false;
  for (const id of view.order) {
    const v = view.nodes[id]!;
    const eta = nodeEta(view, v);
    if (eta === null) {
      if (remainingSteps(v)) return null;
      continue;
    }
    total += eta;
    known = true;
  }
  return known ? total : null;
}

// ───────────────────────────── formatting ─────────────────────────────

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m) return `${m}m${String(sec).padStart(2, '0')}s`;
  if (ms < 10_000 && ms > 0) return `${(ms / 1000).toFixed(1)}s`;
  return `${sec}s`;
}

export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e7) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return x.toExponential(2);
  return x.toFixed(a >= 100 ? 1 : 4);
}

export function formatSummary(summary: Record<string, number>, max = 4): string {
  return Object.entries(summary)
    .filter(([k]) => !k.includes('__'))
    .slice(0, max)
    .map(([k, v]) => `${k} ${formatNumber(v)}`)
    .join(', ');
}

const SPARK = '▁▂▃▄▅▆▇█';
export function sparkline(values: readonly number[], width = 20): string {
  const xs = values.filter(Number.isFinite).slice(-width);
  if (!xs.length) return '';
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return xs.map((x) => SPARK[hi === lo ? 3 : Math.round(((x - lo) / (hi - lo)) * (SPARK.length - 1))]).join('');
}

export function bar(fraction: number, width: number): string {
  const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.floor(f * width);
  return '█'.repeat(full) + (full < width ? '░'.repeat(width - full) : '');
}

/** Results of finished evaluate nodes as rows of method × fraction (mean ± sd over repetitions). */
export interface ResultCell {
  mean: number;
  sd: number;
  n: number;
}
export interface ResultTable {
  metric: string;
  fractions: number[];
  methods: string[];
  cells: Record<string, Record<string, ResultCell>>;
  /** Collapsed repetitions (Dice/IoU 0 on every scored test case), kept in the cells: "3D-Rotation 10%: r1 collapsed: …". */
  collapsed: string[];
}

export function resultTable(view: RunView, metric?: string): ResultTable | null {
  const evals = view.order.map((id) => view.nodes[id]!).filter((v) => v.kind === 'evaluate' && (v.state === 'done' || v.state === 'cached') && v.method !== null && v.fraction !== null);
  if (!evals.length) return null;
  const key = metric ?? metricKeys(view)[0];
  if (!key) return null;
  const groups = new Map<string, number[]>();
  const fractions = new Set<number>();
  const methods: string[] = [];
  // Rows of different sweeps never pool (the 3D and the 2D scratch baseline are different rows).
  const several = new Set(evals.map((v) => sweepOfNode(v.id))).size > 1;
  const collapsed: Array<{ label: string; fraction: number; text: string }> = [];
  for (const v of evals) {
    const val = v.summary[key];
    if (val === undefined) continue;
    fractions.add(v.fraction!);
    const sweep = several ? sweepOfNode(v.id) : null;
    const label = sweep ? `${sweep}: ${v.method}` : v.method!;
    if (!methods.includes(label)) methods.push(label);
    const g = `${label}\u0000${v.fraction}`;
    (groups.get(g) ?? groups.set(g, []).get(g)!).push(val);
    const c = collapsesOf(v.summary, v.summary.testCases ?? 0).filter((x) => x.key === key);
    if (c.length) collapsed.push({ label, fraction: v.fraction!, text: collapseText(v.repetition ?? 0, c) });
  }
  const cells: ResultTable['cells'] = {};
  for (const [g, xs] of groups) {
    const [m, f] = g.split('\u0000') as [string, string];
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
    (cells[m] ??= {})[f] = { mean, sd, n: xs.length };
  }
  return {
    metric: key,
    fractions: [...fractions].sort((a, b) => a - b),
    methods,
    cells,
    collapsed: collapsed.map((c) => `${c.label} ${formatFraction(c.fraction)}: ${c.text}`),
  };
}

export function formatFraction(f: number): string {
  const p = f * 100;
  return `${Number.isInteger(p) ? p : p.toFixed(1)}%`;
}


/** Metric keys reported by finished evaluate nodes (e.g. dice_ET, dice_TC, dice_WT), in order. */
export function metricKeys(view: RunView): string[] {
  const keys: string[] = [];
  for (const id of view.order) {
    const v = view.nodes[id]!;
    if (v.kind !== 'evaluate') continue;
    // `dice_WT__excluded` and the like are counts that ride along with a metric, not metrics
    for (const k of Object.keys(v.summary)) if (isMetricKey(k) && !keys.includes(k)) keys.push(k);
  }
  return keys;
}

/** One result table per reported metric. */
export function resultTables(view: RunView): ResultTable[] {
  return metricKeys(view)
    .map((k) => resultTable(view, k))
    .filter((t): t is ResultTable => t !== null);
}

/** The result table as aligned text lines. */
export function resultTableLines(t: ResultTable): string[] {
  const header = ['method', ...t.fractions.map(formatFraction)];
  const rows = t.methods.map((m) => [
    m,
    ...t.fractions.map((f) => {
      const c = t.cells[m]?.[String(f)];
      const flag = t.collapsed.some((x) => x.startsWith(`${m} ${formatFraction(f)}: `)) ? ' †' : '';
      return c ? `${c.mean.toFixed(3)} ± ${c.sd.toFixed(3)} (n=${c.n})${flag}` : '—';
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [
    `${t.metric} on the test split (mean ± sd over repetitions)`,
    line(header),
    ...rows.map(line),
    ...t.collapsed.map((c) => `† ${c} (kept in the mean)`),
  ];
}

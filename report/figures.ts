// Figures as vega-lite specifications, rendered to SVG by vega (headless, renderer 'none')
// and to PNG by resvg. Data efficiency: metric vs % labelled, one line per method with ± sd
// error bars over repetitions (the paper's Figs. 2–4). Convergence: validation metric vs
// epoch per method at one label fraction, mean line with a ± sd band (Figs. 5–6).

import * as vl from 'vega-lite';
import * as vega from 'vega';
import { Resvg } from '@resvg/resvg-js';
import type { PlotSpec } from '../core/graph.js';
import type { ReportInput } from '../runtime/record.js';
import { metricKey } from '../runtime/eval/metrics.js';
import { summarize } from '../runtime/eval/protocol.js';
import { displayScale, fractions, metricLabel, pct } from './tables.js';

export const FIGURE_WIDTH = 480;
export const FIGURE_HEIGHT = 300;
/** PNG pixels per SVG unit. */
export const PNG_SCALE = 2;
const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

type VlSpec = vl.TopLevelSpec;

function methodName(method: string, arm: string, multiArm: boolean): string {
  return multiArm ? `${method} (${arm})` : method;
}

function multiArmMethods(input: ReportInput): Set<string> {
  const m = new Map<string, Set<string>>();
  for (const r of input.results) m.set(r.node.params.method, (m.get(r.node.params.method) ?? new Set()).add(r.node.params.arm));
  for (const h of input.histories) m.set(h.node.params.method, (m.get(h.node.params.method) ?? new Set()).add(h.node.params.arm));
  return new Set([...m].filter(([, s]) => s.size > 1).map(([k]) => k));
}

/** Error-bar ends, clipped to the metric's range for bounded metrics (Dice/IoU/accuracy in [0, 100] %). */
function band(mean: number, sd: number, scale: number): { lo: number; hi: number } {
  const lo = (mean - sd) * scale;
  const hi = (mean + sd) * scale;
  return scale === 100 ? { lo: Math.max(0, lo), hi: Math.min(100, hi) } : { lo, hi };
}

/** Scratch is drawn in the same grey in every figure. */
export const SCRATCH_COLOUR = '#595959';
/** The paper's tasks keep one hue each: [3D (dark), 2D (light)]. */
const TASK_COLOURS: Record<string, readonly [string, string]> = {
  CPC: ['#1f77b4', '#8fc1e8'],
  RPL: ['#d62728', '#f4a19f'],
  Jigsaw: ['#2ca02c', '#98df8a'],
  Rotation: ['#ff7f0e', '#ffc285'],
  Exemplar: ['#9467bd', '#cdb9e2'],
};
/** Colours for other labels and variants, picked by a hash of the name (never grey). */
const EXTRA_COLOURS = ['#8c564b', '#e377c2', '#17becf', '#bcbd22', '#393b79', '#637939', '#843c39', '#7b4173', '#3182bd', '#e6550d'];

function hashName(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/**
 * A method's colour from its name alone, so the same method has the same colour in every figure
 * and every report (#16.11): scratch grey; 3D-/2D-<task> the task's dark/light hue (with the
 * finetune arm, or no arm); anything else (another arm, a variant, a custom label) a colour
 * chosen by a hash of the whole name.
 */
export function methodColour(name: string): string {
  if (/^scratch\b/.test(name)) return SCRATCH_COLOUR;
  const m = /^([23])D-(CPC|RPL|Jigsaw|Rotation|Exemplar)( \(finetune\))?$/.exec(name);
  if (m) return TASK_COLOURS[m[2]!]![m[1] === '3' ? 0 : 1];
  return EXTRA_COLOURS[hashName(name) % EXTRA_COLOURS.length]!;
}

/**
 * The colour scale of a figure: each method's own colour; should two methods of one figure hash
 * to the same colour, the later (in name order) takes the next free one of the palette.
 */
export function colourScale(methods: readonly string[]): { domain: string[]; range: string[] } {
  const domain = [...new Set(methods)].sort((a, b) => a.localeCompare(b));
  const used = new Set<string>();
  const range = domain.map((name) => {
    let c = methodColour(name);
    if (used.has(c)) c = [...Object.values(TASK_COLOURS).flat(), ...EXTRA_COLOURS].find((x) => !used.has(x) && x !== SCRATCH_COLOUR) ?? c;
    used.add(c);
    return c;
  });
  return { domain, range };
}

/**
 * Horizontal dodge of the points of one fraction (#16.11): method i of k is shifted by
 * (i − (k−1)/2) steps, a step being 1.5 % of the x range (in log10 units on a log axis), at most
 * 8 % in all, so error bars at the same fraction sit side by side instead of on top of each other.
 */
export function dodgedX(percent: number, i: number, k: number, percents: readonly number[], logX: boolean): number {
  if (k <= 1) return percent;
  const lo = Math.min(...percents);
  const hi = Math.max(...percents);
  const offset = i - (k - 1) / 2;
  if (logX) {
    const range = Math.log10(hi / lo) || 1;
    const step = Math.min(0.015, 0.08 / (k - 1)) * range;
    return percent * 10 ** (offset * step);
  }
  const range = hi - lo || Math.max(10, hi);
  const step = Math.min(0.015, 0.08 / (k - 1)) * range;
  return percent + offset * step;
}

const baseConfig = {
  font: FONT,
  view: { stroke: '#888' },
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true },
  // Opaque legend swatches: a legend shared by a line and its 0.18-opacity sd band (or the error
  // bars) otherwise takes the band's opacity, and the method colours become unreadable.
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 360, symbolOpacity: 1, symbolStrokeWidth: 3 },
  title: { fontSize: 13 },
};

/** Rows of the data-efficiency figure: one per method × fraction. */
export function dataEfficiencyRows(input: ReportInput, plot: PlotSpec): Array<{ method: string; percent: number; mean: number; lo: number; hi: number; n: number }> {
  const key = metricKey(plot.metric);
  const scale = displayScale(key);
  const multi = multiArmMethods(input);
  const groups = new Map<string, { method: string; percent: number; vals: number[] }>();
  for (const r of input.results) {
    const name = methodName(r.node.params.method, r.node.params.arm, multi.has(r.node.params.method));
    const g = `${name}\u0000${r.node.params.fraction}`;
    const e = groups.get(g) ?? { method: name, percent: r.node.params.fraction * 100, vals: [] };
    e.vals.push(r.metrics.aggregate[key] ?? NaN);
    groups.set(g, e);
  }
  const rows = [];
  for (const g of groups.values()) {
    const s = summarize(g.vals);
    if (s.n === 0) continue;
    const sd = Number.isFinite(s.sd) ? s.sd : 0;
    rows.push({ method: g.method, percent: g.percent, mean: s.mean * scale, ...band(s.mean, sd, scale), n: s.n });
  }
  return rows.sort((a, b) => a.method.localeCompare(b.method) || a.percent - b.percent);
}

/** Figure subtitle: what a line and its spread are (a reader cannot tell mean ± sd from min–max). */
function spreadNote(ns: number[], what: string): string {
  if (ns.length === 0) return '';
  const lo = Math.min(...ns);
  const hi = Math.max(...ns);
  const reps = lo === hi ? String(hi) : `${lo}–${hi}`;
  return hi > 1 ? `lines: mean over ${reps} repetition(s); ${what}: ± 1 sample sd` : 'one repetition per point (no spread shown)';
}

/**
 * The y scale: free (not from zero) as usual, but with an explicit domain when every value is the
 * same (e.g. QWK 0 for every method), where vega would draw a zero-height axis labelled
 * "0.000000" with no grid.
 */
function yScale(rows: Array<{ lo: number; hi: number; mean: number }>, key: string): { zero: false; domain?: [number, number] } {
  const vals = rows.flatMap((r) => [r.lo, r.hi, r.mean]).filter((v) => Number.isFinite(v));
  if (vals.length === 0) return { zero: false };
  const lo = Math.min(...vals);
  const hi = Math.max(...vals);
  if (hi - lo > 1e-9) return { zero: false };
  const pad = Math.max(Math.abs(lo) * 0.05, displayScale(key) === 100 ? 5 : 0.05);
  return { zero: false, domain: [lo - pad, hi + pad] };
}

export function dataEfficiencySpec(input: ReportInput, plot: PlotSpec): VlSpec {
  const key = metricKey(plot.metric);
  const rows = dataEfficiencyRows(input, plot);
  const percents = rows.map((r) => r.percent);
  const logX = percents.length > 0 && Math.max(...percents) / Math.min(...percents) >= 20;
  // points are drawn at a dodged x (error bars side by side); the axis ticks stay at the fractions
  const colours = colourScale(rows.map((r) => r.method));
  const values = rows.map((r) => ({ ...r, x: dodgedX(r.percent, colours.domain.indexOf(r.method), colours.domain.length, percents, logX) }));
  const x = { field: 'x', type: 'quantitative' as const, title: '% of labelled training cases', scale: logX ? { type: 'log' as const, padding: 14 } : { zero: false, padding: 14 }, axis: { values: [...new Set(percents)].sort((a, b) => a - b) } };
  const color = { field: 'method', type: 'nominal' as const, title: 'Method', scale: colours };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${plot.name}: ${metricLabel(key)} vs labelled data`, subtitle: spreadNote(rows.map((r) => r.n), 'error bars') },
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
    background: 'white',
    config: baseConfig,
    data: { values },
    layer: [
      { mark: { type: 'errorbar', ticks: true }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: metricLabel(key), scale: yScale(rows, key) }, y2: { field: 'hi' }, color } },
      { mark: { type: 'line', point: true }, encoding: { x, y: { field: 'mean', type: 'quantitative' }, color } },
    ],
  } as VlSpec;
}

/** Rows of the convergence figure: one per method × epoch (mean ± sd over repetitions). */
export function convergenceRows(input: ReportInput, plot: PlotSpec): Array<{ method: string; epoch: number; mean: number; lo: number; hi: number; n: number }> {
  const key = metricKey(plot.metric);
  const scale = displayScale(key);
  const fracs = [...new Set(input.histories.map((h) => h.node.params.fraction))].sort((a, b) => a - b);
  const at = plot.fraction ?? fracs[fracs.length - 1] ?? fractions(input).at(-1) ?? 1;
  const multi = multiArmMethods(input);
  const groups = new Map<string, { method: string; epoch: number; vals: number[] }>();
  for (const h of input.histories) {
    if (h.node.params.fraction !== at) continue;
    const name = methodName(h.node.params.method, h.node.params.arm, multi.has(h.node.params.method));
    for (const e of h.history.epochs) {
      const v = e.metrics[key] ?? e.metrics[`val_${key}`];
      if (v === undefined) continue;
      const g = `${name}\u0000${e.epoch}`;
      const entry = groups.get(g) ?? { method: name, epoch: e.epoch, vals: [] };
      entry.vals.push(v);
      groups.set(g, entry);
    }
  }
  const rows = [];
  for (const g of groups.values()) {
    const s = summarize(g.vals);
    if (s.n === 0) continue;
    const sd = Number.isFinite(s.sd) ? s.sd : 0;
    rows.push({ method: g.method, epoch: g.epoch, mean: s.mean * scale, ...band(s.mean, sd, scale), n: s.n });
  }
  return rows.sort((a, b) => a.method.localeCompare(b.method) || a.epoch - b.epoch);
}

/** "5 of 18 epoch values undefined …" when a validation metric was NaN (e.g. QWK on one grade). */
function undefinedNote(input: ReportInput, key: string, at: number): string {
  let missing = 0;
  let total = 0;
  for (const h of input.histories) {
    if (h.node.params.fraction !== at) continue;
    for (const e of h.history.epochs) {
      const v = (e.metrics as Record<string, number | null | undefined>)[key];
      if (v === undefined) continue;
      total++;
      if (v === null || !Number.isFinite(v)) missing++;
    }
  }
  return missing ? `${missing} of ${total} epoch values undefined (NaN, e.g. QWK on a single grade), left out` : '';
}

export function convergenceSpec(input: ReportInput, plot: PlotSpec): VlSpec {
  const key = metricKey(plot.metric);
  const rows = convergenceRows(input, plot);
  const fracs = [...new Set(input.histories.map((h) => h.node.params.fraction))].sort((a, b) => a - b);
  const at = plot.fraction ?? fracs[fracs.length - 1] ?? 1;
  const warmups = [...new Set(input.histories.filter((h) => h.node.params.arm === 'finetune' && h.node.params.fraction === at).map((h) => h.node.params.finetune.warmup))].filter((w) => w > 0);
  const x = { field: 'epoch', type: 'quantitative' as const, title: 'Epoch', scale: { zero: false }, axis: { format: 'd', tickMinStep: 1 } };
  const color = { field: 'method', type: 'nominal' as const, title: 'Method', scale: colourScale(rows.map((r) => r.method)) };
  const layers: unknown[] = [
    { mark: { type: 'area', opacity: 0.18 }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: `Validation ${metricLabel(key)}`, scale: yScale(rows, key) }, y2: { field: 'hi' }, color } },
    { mark: { type: 'line' }, encoding: { x, y: { field: 'mean', type: 'quantitative' }, color: { ...color, legend: { symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1 } } } },
  ];
  if (warmups.length) {
    layers.push({ data: { values: warmups.map((w) => ({ warmup: w + 0.5 })) }, mark: { type: 'rule', strokeDash: [4, 4], color: '#666' }, encoding: { x: { field: 'warmup', type: 'quantitative' } } });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${plot.name}: validation ${metricLabel(key)} per epoch at ${pct(at)} labels${warmups.length ? ' (dashed: end of warm-up)' : ''}`,
      // a second subtitle line (not a wider one) for undefined values
      subtitle: [spreadNote(rows.map((r) => r.n), 'bands'), undefinedNote(input, key, at)].filter((x) => x),
    },
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
    background: 'white',
    config: baseConfig,
    data: { values: rows },
    layer: layers,
  } as VlSpec;
}

export function plotSpec(input: ReportInput, plot: PlotSpec): VlSpec {
  return plot.kind === 'data-efficiency' ? dataEfficiencySpec(input, plot) : convergenceSpec(input, plot);
}

/** vega-lite → vega → SVG string (no DOM, no canvas). */
export async function renderSvg(spec: VlSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** SVG → PNG at PNG_SCALE pixels per unit, with system fonts. */
export function renderPng(svg: string, scale = PNG_SCALE): Buffer {
  const r = new Resvg(svg, { fitTo: { mode: 'zoom', value: scale }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: 'white' });
  return r.render().asPng();
}

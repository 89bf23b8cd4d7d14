// report NAME { sweep?, table …, plot …, formats }: every table and plot is checked against what
// its sweep evaluates (fractions, metrics, convergence) — also when the sweep itself has errors.
import type { Declaration } from '../../grammar/ast.js';
import type { MetricSpec, PlotSpec, ReportSpec, TableSpec } from '../../core/graph.js';
import { metricsFor } from '../../core/metrics.js';
import { REFERENCE_TABLES } from '../defaults.js';
import { arr, frac, obj, percentLabel, str, word } from '../json.js';
import { didYouMeanHint } from '../suggest.js';
import { keySpan, valueSpan, type CheckContext } from './context.js';
import { checkMetric, showMetric } from './evaluate.js';
import type { Block, CheckedReport, SweepContext } from './types.js';
import { msg } from '../../core/codes/index.js';

export function checkReport(ctx: CheckContext, c: Block, sweep: Declaration, sr: SweepContext): CheckedReport | null {
  const before = ctx.errorCount;
  const j = c.json;
  const tables: TableSpec[] = [];
  const plots: PlotSpec[] = [];
  const names = new Set<string>();
  const regions = (): Record<string, number[]> => Object.fromEntries(sr.regions.map((r) => [r, []]));
  // sr.partial: the evaluation has errors of its own, so its metric list is incomplete; checks
  // against it would only repeat those errors
  const evaluated = (m: MetricSpec): boolean => !!sr.partial || sr.evalSpec.metrics.some((x) => x.metric === m.metric && x.region === m.region);
  const checkFraction = (pointer: string, f: number): void => {
    if (!sr.fractions.some((x) => Math.abs(x - f) < 1e-9))
      ctx.error(msg('SSL061', 'fractionNotRun', { fraction: percentLabel(f), fractions: sr.fractions.map(percentLabel).join(', ') }), valueSpan(c, pointer));
  };
  const uniqueName = (pointer: string, name: string): void => {
    if (names.has(name)) ctx.error(msg('SSL061', 'duplicateName', { name }), c.spans.get(pointer)?.type ?? keySpan(c, pointer));
    names.add(name);
  };
  (arr(j.table) ?? []).forEach((t, i) => {
    const o = obj(t);
    const here = `/table/${i}`;
    const name = word(o.$type) ?? `table${i + 1}`;
    uniqueName(here, name);
    const f = frac(o.fraction);
    if (f !== undefined) checkFraction(`${here}/fraction`, f);
    const ref = o.reference === undefined || o.reference === 'none' ? null : word(o.reference) ?? str(o.reference) ?? null;
    if (ref !== null && !REFERENCE_TABLES.includes(ref))
      ctx.error(msg('SSL063', 'unknownReference', { ref }), valueSpan(c, `${here}/reference`), didYouMeanHint(ref, REFERENCE_TABLES) ?? `known: ${REFERENCE_TABLES.join(', ')}`);
    const columns = (word(o.columns) ?? (sr.target === 'segmentation' ? 'region' : 'metric')) as TableSpec['columns'];
    if (columns === 'region' && sr.target !== 'segmentation')
      ctx.error(msg('SSL048', 'regionColumns', { target: sr.target }), valueSpan(c, `${here}/columns`), 'use columns = metric or fraction');
    // metric = …: the one metric of a fractions table, or the metrics a region/metric table shows
    let tableMetrics: MetricSpec[] | undefined;
    if (o.metric !== undefined) {
      const ms = checkMetric(ctx, c, `${here}/metric`, sr.target, regions());
      if (ms) {
        // `metric = dice` on a region/metric table: the Dice columns the evaluation computes
        const missing = ms.length > 1 && ms.some(evaluated) ? [] : ms.filter((m) => !evaluated(m));
        if (columns === 'fraction' && ms.length !== 1) ctx.error(msg('SSL050', 'fractionTableOneMetric'), valueSpan(c, `${here}/metric`), `e.g. metric = ${showMetric(ms.find(evaluated) ?? ms[0]!)}`);
        else if (missing.length) ctx.error(msg('SSL061', 'tableMetricMissing', { missing: missing.map(showMetric).join(', ') }), valueSpan(c, `${here}/metric`), `add it to the evaluate metrics (${sr.evalSpec.metrics.map(showMetric).join(', ')})`);
        else tableMetrics = ms.filter(evaluated);
      }
    }
    tables.push({
      name,
      rows: (word(o.rows) ?? 'method') as TableSpec['rows'],
      columns,
      fraction: f ?? null,
      aggregate: (word(o.aggregate) ?? 'mean-sd') as TableSpec['aggregate'],
      deltaVsScratch: o['delta-vs-scratch'] === true,
      ...(tableMetrics ? { metrics: tableMetrics } : {}),
      reference: ref,
    });
  });
  (arr(j.plot) ?? []).forEach((p, i) => {
    const o = obj(p);
    const here = `/plot/${i}`;
    const name = word(o.$type) ?? `plot${i + 1}`;
    uniqueName(here, name);
    const kind = (word(o.kind) ?? 'data-efficiency') as PlotSpec['kind'];
    let metric: MetricSpec | null = (kind === 'convergence' ? sr.evalSpec.convergence : sr.evalSpec.metrics[0]) ?? null;
    if (o.metric !== undefined) {
      const ms = checkMetric(ctx, c, `${here}/metric`, sr.target, regions());
      if (ms && ms.length !== 1) ctx.error(msg('SSL050', 'plotOneMetric'), valueSpan(c, `${here}/metric`));
      metric = ms?.[0] ?? null;
      if (metric && kind === 'data-efficiency' && !evaluated(metric))
        ctx.error(msg('SSL061', 'plotMetricMissing', { metric: showMetric(metric) }), valueSpan(c, `${here}/metric`), `add it to the evaluate metrics (${sr.evalSpec.metrics.map(showMetric).join(', ')})`);
    }
    if (kind === 'convergence') {
      const conv = sr.evalSpec.convergence;
      if (sr.partial) {
        // the evaluation's own errors explain a missing convergence metric
      } else if (!conv) {
        ctx.error(msg('SSL062', 'noConvergence'), keySpan(c, here), 'set convergence = dice.WT (for example) in the evaluate block');
      } else if (metric && (metric.metric !== conv.metric || metric.region !== conv.region)) {
        ctx.error(msg('SSL062', 'otherMetric', { metric: showMetric(metric), tracked: showMetric(conv) }), valueSpan(c, `${here}/metric`));
      }
    }
    let f = frac(o.fraction) ?? null;
    if (f !== null) checkFraction(`${here}/fraction`, f);
    else if (kind === 'convergence') f = Math.max(...sr.fractions);
    if (metric) plots.push({ name, kind, metric, fraction: f });
  });
  if (tables.length === 0 && plots.length === 0) {
    tables.push({ name: 'results', rows: 'method', columns: sr.target === 'segmentation' ? 'region' : 'metric', fraction: null, aggregate: 'mean-sd', deltaVsScratch: false, reference: null });
  }
  const formats = (arr(j.formats)?.map((x) => word(x)!) ?? ['md', 'csv']) as ReportSpec['formats'];
  ctx.noDuplicates(c, '/formats', formats);
  const figureFormats = formats.filter((f) => f === 'svg' || f === 'png');
  if (plots.length === 0 && figureFormats.length > 0) {
    ctx.warning(
      msg('SSL073', 'noPlot', { count: figureFormats.length, formats: figureFormats.join(' and '), verb: figureFormats.length === 1 ? 'makes' : 'make', report: c.decl.name }),
      valueSpan(c, '/formats'),
      `add a plot, e.g. plot efficiency { kind = data-efficiency, metric = ${metricsFor(sr.target)[0]} }, or drop ${figureFormats.join(' and ')}`,
    );
  }
  if (ctx.errorCount > before) return null;
  return { block: c, sweep, spec: { name: c.decl.name, tables, plots, formats } };
}

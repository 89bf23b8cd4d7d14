// evaluate NAME { metrics, convergence, fractions, repetitions, folds, … } and the metric
// references (`dice.WT`, `auc`) that evaluations and reports name, all against core/metrics.ts.
import { deriveSeed } from '../../core/rng.js';
import type { MetricName, MetricSpec } from '../../core/graph.js';
import { isSegmentationMetric, metricInfo, METRICS, metricsFor, orList } from '../../core/metrics.js';
import { arr, frac, num, word } from '../json.js';
import { closest, didYouMeanHint } from '../suggest.js';
import { at, keySpan, valueSpan, type CheckContext } from './context.js';
import type { Block, CheckedEvaluation, Target } from './types.js';
import { msg } from '../../core/codes/index.js';

/** The metric named at `pointer`: one spec, or one per region for `dice` on a segmentation. */
export function checkMetric(ctx: CheckContext, c: Block, pointer: string, target: Target, regions: Record<string, number[]>): MetricSpec[] | null {
  const raw = word(at(c, pointer));
  if (!raw) return null;
  const [name, region] = raw.split('.') as [MetricName, string | undefined];
  const segMetric = isSegmentationMetric(name);
  if (segMetric && target !== 'segmentation') {
    ctx.error(msg('SSL048', 'segmentationMetric', { name, target }), valueSpan(c, pointer), `use ${orList(metricsFor('classification'))} for classification`);
    return null;
  }
  if (!segMetric && target !== 'classification') {
    ctx.error(msg('SSL048', 'classificationMetric', { name, target }), valueSpan(c, pointer), `use ${orList(metricsFor('segmentation'))} (e.g. ${metricsFor('segmentation')[0]}.WT) for segmentation`);
    return null;
  }
  if (!metricInfo(name)?.perRegion) {
    if (region !== undefined) {
      ctx.error(msg('SSL050', 'perCase', { name, region }), valueSpan(c, pointer), `write ${name}`);
      return null;
    }
    return [{ metric: name, region: null }];
  }
  if (region === undefined) return Object.keys(regions).map((r) => ({ metric: name, region: r }));
  if (!Object.hasOwn(regions, region)) {
    const names = Object.keys(regions);
    ctx.error(msg('SSL050', 'noSuchRegion', { region, regions: names.join(', ') || 'none' }), valueSpan(c, pointer), didYouMeanHint(region, names) ? `did you mean '${name}.${closest(region, names)}'?` : undefined);
    return null;
  }
  return [{ metric: name, region }];
}

export function showMetric(m: MetricSpec): string {
  return m.region ? `${m.metric}.${m.region}` : m.metric;
}

/** `partial`: return what resolved even when there were errors (reports are still checked against it). */
export function checkEvaluation(ctx: CheckContext, c: Block, target: Target, regions: Record<string, number[]>, partial: boolean): CheckedEvaluation | null {
  const before = ctx.errorCount;
  const j = c.json;
  const metrics: MetricSpec[] = [];
  const list = arr(j.metrics);
  if (list) {
    list.forEach((_, i) => {
      const m = checkMetric(ctx, c, `/metrics/${i}`, target, regions);
      if (m) for (const x of m) if (!metrics.some((y) => y.metric === x.metric && y.region === x.region)) metrics.push(x);
    });
  } else {
    // the registry's default metrics of the target: per region, or once
    for (const m of METRICS) {
      if (m.target !== target || !m.byDefault) continue;
      if (m.perRegion) for (const r of Object.keys(regions)) metrics.push({ metric: m.name, region: r });
      else metrics.push({ metric: m.name, region: null });
    }
  }
  let convergence: MetricSpec | null = metrics[0] ?? null;
  if (j.convergence === 'none') convergence = null;
  else if (j.convergence !== undefined) {
    const m = checkMetric(ctx, c, '/convergence', target, regions);
    if (m && m.length !== 1) ctx.error(msg('SSL050', 'convergenceOneMetric', { metric: String(m[0]?.metric), region: String(m[0]?.region) }), valueSpan(c, '/convergence'));
    convergence = m?.[0] ?? null;
  }
  const fractions = (arr(j.fractions)?.map((x) => frac(x)!) ?? [1]).slice();
  ctx.noDuplicates(c, '/fractions', fractions);
  if (ctx.errorCount > before && !partial) return null;
  // HD95 with exactly one mask empty: left out of the graph when it is the default ('exclude'),
  // so that experiments which do not declare it keep their node hashes
  const hd95Empty = j['hd95-empty'] === undefined || j['hd95-empty'] === 'exclude' ? undefined : num(j['hd95-empty']);
  if (hd95Empty !== undefined && !metrics.some((m) => m.metric === 'hd95') && convergence?.metric !== 'hd95') {
    ctx.warning(msg('SSL072', 'hd95EmptyUnused'), keySpan(c, '/hd95-empty'), 'add e.g. hd95.WT to metrics, or remove hd95-empty');
  }
  // folds = K: K-fold cross-validation, one repetition per fold unless repetitions says fewer
  const folds = num(j.folds);
  const repetitions = num(j.repetitions) ?? folds ?? 1;
  if (folds !== undefined) checkFolds(ctx, c, folds, repetitions, '/repetitions');
  return {
    spec: {
      metrics, convergence, emptyPolicy: (word(j['empty-masks']) ?? 'one') as 'one' | 'exclude', ...(hd95Empty !== undefined ? { hd95Empty } : {}),
      ...(folds !== undefined ? { folds: { count: folds, seed: deriveSeed(ctx.seed, 'folds', c.decl.name) } } : {}),
    },
    fractions,
    repetitions,
  };
}

/** SSL080: with cross-validation, repetition r tests on fold r, so there are at most `folds` repetitions. */
export function checkFolds(ctx: CheckContext, c: Block, folds: number, repetitions: number, pointer: string): void {
  if (repetitions <= folds) return;
  ctx.error(
    msg('SSL080', 'moreRepetitionsThanFolds', { repetitions, folds }),
    c.json.repetitions !== undefined ? valueSpan(c, pointer) : c.decl.nameSpan,
    `repetitions = ${folds}, or folds = ${repetitions}`,
  );
}

// The metric registry: the one list of evaluation metrics. Everything that needs to know which
// metrics exist, which target they measure, whether they take a region, which way is better, or
// how they print reads this table: the block schema (`compiler/schemas/blocks.ts`), the graph
// contract and its JSON Schema, the compiler's checks, the evaluation node, fine-tuning's
// convergence tracking, the reports, the TUI and the editor's completions.
//
// A new metric is one entry here plus its computation in `runtime/eval/metrics.ts`
// (`segmentationMetric` / `evaluateClassification`), docs and tests.

export type MetricTarget = 'segmentation' | 'classification';

export interface MetricInfo {
  /** The name written in `.ssl` (`dice`, `dice.WT`) and the prefix of its result key (`dice_WT`). */
  readonly name: string;
  readonly target: MetricTarget;
  /** Computed per region or class (`dice.WT`), as opposed to once per case set (`qwk`). */
  readonly perRegion: boolean;
  /** An overlap score in [0, 1] whose 0 on every case means the model found nothing (collapse). */
  readonly overlap: boolean;
  readonly higherIsBetter: boolean;
  /** Display: value × scale, with `digits` decimals and `unit` in headers (`%` when scale is 100). */
  readonly scale: 1 | 100;
  readonly digits: number;
  readonly unit: '' | 'mm';
  /** Name in tables and figures. */
  readonly label: string;
  /** Evaluated when an `evaluate` block names no metrics (dice per region; every classification metric). */
  readonly byDefault: boolean;
}

export const METRICS = [
  { name: 'dice', target: 'segmentation', perRegion: true, overlap: true, higherIsBetter: true, scale: 100, digits: 2, unit: '', label: 'Dice', byDefault: true },
  { name: 'iou', target: 'segmentation', perRegion: true, overlap: true, higherIsBetter: true, scale: 100, digits: 2, unit: '', label: 'IoU', byDefault: false },
  { name: 'hd95', target: 'segmentation', perRegion: true, overlap: false, higherIsBetter: false, scale: 1, digits: 2, unit: 'mm', label: 'HD95', byDefault: false },
  { name: 'qwk', target: 'classification', perRegion: false, overlap: false, higherIsBetter: true, scale: 1, digits: 3, unit: '', label: 'QWK', byDefault: true },
  { name: 'accuracy', target: 'classification', perRegion: false, overlap: false, higherIsBetter: true, scale: 100, digits: 2, unit: '', label: 'Accuracy', byDefault: true },
] as const satisfies readonly MetricInfo[];

export type MetricName = (typeof METRICS)[number]['name'];

/** Every metric name, in registry order (read at call time, so a test may register a fake metric first). */
export function metricNames(): MetricName[] {
  return METRICS.map((m) => m.name);
}

export function metricInfo(name: MetricName): MetricInfo;
export function metricInfo(name: string): MetricInfo | undefined;
export function metricInfo(name: string): MetricInfo | undefined {
  return (METRICS as readonly MetricInfo[]).find((m) => m.name === name);
}

/** The metrics that measure a target, in registry order. */
export function metricsFor(target: MetricTarget): MetricName[] {
  return METRICS.filter((m) => m.target === target).map((m) => m.name);
}

/** Whether a metric measures segmentations (and so takes a region). */
export function isSegmentationMetric(name: string): boolean {
  return metricInfo(name)?.target === 'segmentation';
}

/**
 * The registry entry of a result key (`dice_ET`, `hd95_2`, `qwk`, `dice_WT__excluded`): the
 * metric whose name is the key's first `_`-separated part.
 */
export function metricOfKey(key: string): MetricInfo | undefined {
  return metricInfo(key.split('_')[0] ?? '');
}

/** Whether a result key is a metric value (not a count that rides along, like `dice_WT__excluded`). */
export function isMetricKey(key: string): boolean {
  return metricOfKey(key) !== undefined && !key.includes('__');
}

/** "a, b or c" — metric lists in messages. */
export function orList(names: readonly string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

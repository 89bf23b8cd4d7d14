// How metric values print: scale, digits, unit and label from the metric registry.
import { metricOfKey } from '../core/metrics.js';

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

export function fmt(v: number, key: string): string {
  return Number.isFinite(v) ? (v * displayScale(key)).toFixed(displayDigits(key)) : '—';
}

export function fmtDelta(d: number, key: string): string {
  const s = d.toFixed(displayDigits(key));
  return d > 0 || (d === 0 && !s.startsWith('-')) ? `+${s}` : s;
}

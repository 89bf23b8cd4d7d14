// Collapsed repetitions: an evaluation whose Dice (or IoU) is 0 on every scored test case of a
// region — the model predicts nothing there (or everything wrong). A mean ± sd over repetitions
// hides one such repetition among good ones, so tables and the TUI flag it, and the number stays
// in the mean (dropping it would flatter the method). Lightweight on purpose: the renderers use it.

import { metricOfKey } from '../core/metrics.js';

/** Metrics whose 0 on every case means the model found nothing: the registry's overlap scores, per region. */
function overlap(key: string): { label: string; region: string } | null {
  const info = metricOfKey(key);
  const region = key.slice((info?.name.length ?? 0) + 1);
  return info?.overlap && region !== '' ? { label: info.label, region } : null;
}

export interface Collapse {
  /** Metric key, e.g. `dice_WT`. */
  key: string;
  /** Test cases scoring exactly 0, and cases scored (those the empty-mask policy did not exclude). */
  zero: number;
  scored: number;
}

/**
 * The overlap metrics on which one evaluation collapsed. With per-case values the cases are
 * counted; without them (TUI summaries) a mean of exactly 0 over non-negative scores means every
 * scored case was 0, and `scored` is the test cases less those the policy excluded.
 */
export function collapsesOf(aggregate: Readonly<Record<string, number>>, testCases: number, perCase?: ReadonlyArray<{ values: Readonly<Record<string, number>> }>): Collapse[] {
  const out: Collapse[] = [];
  for (const [key, mean] of Object.entries(aggregate)) {
    if (!overlap(key) || key.includes('__')) continue;
    if (perCase && perCase.length) {
      const vals = perCase.map((c) => c.values[key]).filter((v): v is number => typeof v === 'number' && !Number.isNaN(v));
      if (vals.length > 0 && vals.every((v) => v === 0)) out.push({ key, zero: vals.length, scored: vals.length });
    } else if (mean === 0) {
      const scored = Math.max(0, testCases - (aggregate[`${key}__excluded`] ?? 0));
      if (scored > 0) out.push({ key, zero: scored, scored });
    }
  }
  return out;
}

function label(key: string): string {
  const m = overlap(key);
  return m ? `${m.label} ${m.region}` : key;
}

/** "r1 collapsed: Dice WT 0 on 10/10 test cases" (several regions: "Dice WT, TC 0 on …"). */
export function collapseText(repetition: number, cs: readonly Collapse[]): string {
  const byCount = new Map<string, string[]>();
  for (const c of cs) {
    const k = `${c.zero}/${c.scored}`;
    byCount.set(k, [...(byCount.get(k) ?? []), label(c.key)]);
  }
  const parts = [...byCount].map(([count, labels]) => {
    const family = labels[0]!.split(' ')[0]!;
    const same = labels.every((l) => l.startsWith(family + ' '));
    const names = same ? `${family} ${labels.map((l) => l.slice(family.length + 1)).join(', ')}` : labels.join(', ');
    return `${names} 0 on ${count} test cases`;
  });
  return `r${repetition} collapsed: ${parts.join('; ')}`;
}

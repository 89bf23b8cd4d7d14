// Pretraining vs scratch in one run record: per method, arm and label fraction, the test Dice of
// every repetition with its mean, the paired difference to scratch (same repetition = same
// labelled subset), and the validation curve (mean over repetitions) of the convergence metric.
//   node --import tsx bench/effect.ts RECORD.json [RECORD.json …] [--metric dice_WT]
// RECORD.json: <cache>/runs/<run id>/record.json (cached nodes are included). Several records of
// one experiment (e.g. an interrupted run and its continuation) are merged, the later ones win.
import { readFileSync } from 'node:fs';
import type { RunRecord } from '../runtime/record.js';

const args = process.argv.slice(2);
const mi = args.indexOf('--metric');
const metric = mi >= 0 ? (args[mi + 1] ?? 'dice_WT') : 'dice_WT';
const files = args.filter((a, i) => a !== '--metric' && a !== '--md' && (mi < 0 || i !== mi + 1));
if (files.length === 0) {
  console.error('usage: node --import tsx bench/effect.ts RECORD.json [RECORD.json …] [--metric dice_WT]');
  process.exit(2);
}
const records: RunRecord[] = [];
for (const file of files) {
  try {
    records.push(JSON.parse(readFileSync(file, 'utf8')) as RunRecord);
  } catch (e) {
    console.error(`bench/effect: cannot read the run record ${file}: ${(e as Error).message.split('\n')[0]}`);
    process.exit(1);
  }
}
const rec = records[records.length - 1]!;
type Row = { test: Map<number, number>; curves: Map<number, number[]> };
const rows = new Map<string, Row>();
const parse = (id: string): { key: string; rep: number } | null => {
  const m = /^(?:evaluate|finetune):(.+)\/r(\d+)$/.exec(id);
  return m ? { key: m[1]!, rep: Number(m[2]) } : null;
};
const row = (k: string): Row => rows.get(k) ?? (rows.set(k, { test: new Map(), curves: new Map() }), rows.get(k)!);
for (const [id, m] of records.flatMap((r) => Object.entries(r.artifacts.metrics))) {
  const p = parse(id);
  const v = m.aggregate[metric];
  if (p && typeof v === 'number') row(p.key).test.set(p.rep, v * 100);
}
for (const [id, h] of records.flatMap((r) => Object.entries(r.artifacts.histories ?? {}))) {
  const p = parse(id);
  if (!p) continue;
  row(p.key).curves.set(p.rep, h.epochs.map((e) => (e.metrics[metric] ?? NaN) * 100));
}
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '–');
console.log(`${rec.experiment} seed ${rec.seed}, run ${records.map((r) => r.runId).join(' + ')}: test ${metric} (%) per repetition, mean, paired Δ vs scratch; validation curve (mean over repetitions)`);
for (const [key, r] of [...rows].sort((a, b) => a[0].localeCompare(b[0]))) {
  const reps = [...r.test.keys()].sort((a, b) => a - b);
  const frac = key.split('/').at(-1)!;
  const base = rows.get(`scratch/scratch/${frac}`);
  const paired = base && !key.startsWith('scratch/') ? reps.filter((i) => base.test.has(i)).map((i) => r.test.get(i)! - base.test.get(i)!) : [];
  const curves = [...r.curves.values()];
  const n = Math.max(0, ...curves.map((c) => c.length));
  const curve = Array.from({ length: n }, (_, e) => mean(curves.map((c) => c[e]!).filter((x) => Number.isFinite(x))));
  console.log(
    `${key.padEnd(28)} ${reps.map((i) => fmt(r.test.get(i)!)).join(' / ').padEnd(22)} mean ${fmt(mean(reps.map((i) => r.test.get(i)!)))}` +
      (paired.length ? `  Δ ${paired.map(fmt).join(' / ')} (mean ${fmt(mean(paired))})` : '') +
      (curve.length ? `\n${''.padEnd(29)}val: ${curve.map((x) => fmt(x)).join(' ')}` : ''),
  );
}

// --md: the same numbers as a Markdown table (rows: method/arm, columns: label fractions)
if (args.includes('--md')) {
  const fracs = [...new Set([...rows.keys()].map((k) => k.split('/').at(-1)!))].sort((a, b) => parseFloat(a) - parseFloat(b));
  const methods = [...new Set([...rows.keys()].map((k) => k.split('/').slice(0, -1).join('/')))].sort((a, b) => (a.startsWith('scratch') ? -1 : b.startsWith('scratch') ? 1 : a.localeCompare(b)));
  const sd = (xs: number[]): number => (xs.length < 2 ? NaN : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
  console.log(`\n| method | ${fracs.join(' | ')} |\n| --- | ${fracs.map(() => '---:').join(' | ')} |`);
  for (const m of methods) {
    const cells = fracs.map((f) => {
      const r = rows.get(`${m}/${f}`);
      if (!r || r.test.size === 0) return 'not run';
      const xs = [...r.test.values()];
      const base = rows.get(`scratch/scratch/${f}`);
      const paired = base && !m.startsWith('scratch') ? [...r.test.keys()].filter((i) => base.test.has(i)).map((i) => r.test.get(i)! - base.test.get(i)!) : [];
      return `${fmt(mean(xs))} ± ${fmt(sd(xs))}${xs.length < 3 ? ` (n = ${xs.length})` : ''}${paired.length ? ` (Δ ${paired.length ? (mean(paired) >= 0 ? '+' : '') + fmt(mean(paired)) : ''})` : ''}`;
    });
    console.log(`| ${m} | ${cells.join(' | ')} |`);
  }
}

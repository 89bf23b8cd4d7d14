import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { GraphNode, Modality, ReportSpec, TableSpec } from '../../core/graph.js';
import type { RunRecord } from '../../runtime/record.js';
import { buildComparison, buildTable, defaultReportSpec, perCaseCsv, renderCsv, renderLatex, renderMarkdown, reportInputFromRecord, writeReport } from '../../report/index.js';
import { renderComparisonLatex, renderComparisonMarkdown } from '../../report/tables.js';
import { convergenceRows, dataEfficiencyRows, PNG_SCALE, plotSpec, renderPng, renderSvg } from '../../report/figures.js';
import { fixtureInput, graph } from './fixtures/input.js';

const here = dirname(fileURLToPath(import.meta.url));
const goldenDir = join(here, 'fixtures', 'golden');

/** Compare with a golden file; UPDATE_GOLDEN=1 rewrites it (review the diff before committing). */
function golden(name: string, text: string): void {
  const p = join(goldenDir, name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(p)) {
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(p, text);
  }
  expect(text).toBe(readFileSync(p, 'utf8'));
}

const byRegion: TableSpec = { name: 'table1', rows: 'method', columns: 'region', fraction: 1, aggregate: 'mean-sd', deltaVsScratch: true, reference: 'taleb2020-table1' };
const byFraction: TableSpec = { name: 'efficiency', rows: 'method', columns: 'fraction', fraction: null, aggregate: 'min-avg-max', deltaVsScratch: true, reference: null };
const fracRows: TableSpec = { name: 'all', rows: 'fraction', columns: 'metric', fraction: null, aggregate: 'mean-sd', deltaVsScratch: false, reference: null };

describe('tables', () => {
  it('methods × regions at one fraction (golden md/csv/tex)', () => {
    const t = buildTable(fixtureInput, byRegion);
    expect(t.columns.map((c) => c.key)).toEqual(['dice_ET', 'dice_WT', 'dice_TC', 'hd95_WT']);
    expect(t.rows.map((r) => r.label)).toEqual(['scratch', '3D-RPL', '3D-Rotation (finetune)', '3D-Rotation (frozen)']);
    // ET at 100%: scratch mean (0.701+0.689)/2 = 0.695, RPL 0.738 → best, Δ = +4.30 points
    const rpl = t.rows[1]!.cells[0]!;
    expect(rpl.summary.mean).toBeCloseTo(0.738, 12);
    expect(rpl.best).toBe(true);
    expect(rpl.delta).toBeCloseTo(4.3, 10);
    expect(t.rows[0]!.cells[0]!.summary.sd).toBeCloseTo(Math.sqrt(((0.701 - 0.695) ** 2 + (0.689 - 0.695) ** 2) / 1), 12);
    golden('table1.md', renderMarkdown(t));
    golden('table1.csv', renderCsv(t));
    golden('table1.tex', renderLatex(t));
  });

  it('methods × label fractions, min/avg/max (golden)', () => {
    const t = buildTable(fixtureInput, byFraction);
    expect(t.columns.map((c) => c.label)).toEqual(['10%', '100%']);
    expect(t.rows[0]!.cells[0]!.summary.min).toBeCloseTo(0.412, 12);
    golden('efficiency.md', renderMarkdown(t));
    golden('efficiency.csv', renderCsv(t));
    golden('efficiency.tex', renderLatex(t));
  });

  it('HD95 best is the lowest; fraction rows group bests per fraction', () => {
    const t = buildTable(fixtureInput, fracRows);
    const hd = t.columns.findIndex((c) => c.key === 'hd95_WT');
    const best100 = t.rows.filter((r) => r.fraction === 1 && r.cells[hd]!.best).map((r) => r.method);
    expect(best100).toEqual(['3D-RPL']);
    expect(t.rows.filter((r) => r.cells[0]!.best)).toHaveLength(2);
    golden('all.md', renderMarkdown(t));
  });

  it('marks no best when a column is all equal, and states the repetition range', () => {
    const results = fixtureInput.results
      .filter((r) => !(r.node.params.method === 'scratch' && r.node.params.repetition === 1))
      .map((r) => ({ ...r, metrics: { ...r.metrics, aggregate: { ...r.metrics.aggregate, dice_ET: 0 } } }));
    const t = buildTable({ ...fixtureInput, results }, byRegion);
    expect(t.rows.some((r) => r.cells[0]!.best)).toBe(false);
    expect(t.rows[0]!.cells[0]!.summary.n).toBe(1);
    expect(t.notes[0]).toContain('over 1–2 repetition(s)');
    expect(renderMarkdown(t)).toContain('| scratch | 0.00 † |'); // Dice 0 on every case: flagged as collapsed (#16.3)
  });

  it('classification metrics: QWK as a fraction with 3 decimals, accuracy in %', () => {
    const evaluation = { metrics: [{ metric: 'qwk' as const, region: null }, { metric: 'accuracy' as const, region: null }], convergence: null, emptyPolicy: 'one' as const };
    const results = fixtureInput.results.map((r) => ({
      node: { ...r.node, params: { ...r.node.params, evaluation } },
      metrics: { ...r.metrics, aggregate: { qwk: r.metrics.aggregate.dice_WT! - 0.1, accuracy: r.metrics.aggregate.dice_ET! } },
    }));
    const t = buildTable({ ...fixtureInput, results }, { ...byRegion, columns: 'metric', reference: null });
    expect(t.columns.map((c) => c.label)).toEqual(['QWK', 'Accuracy (%)']);
    const md = renderMarkdown(t);
    // scratch at 100%: QWK mean (0.842 + 0.851)/2 − 0.1 = 0.7465, which is 0.74649999… in binary → 0.746 (± 0.006)
    expect(md).toContain('| scratch | 0.746 ± 0.006 | 69.50 ± 0.85 |');
    // segmentation-only notes stay out of a classification table
    expect(md).not.toMatch(/HD95|Empty masks|per-volume/);
    expect(md).toContain('Test images per evaluation: 3');
    // the default report of a classification run names its first table by metric, not by region
    expect(defaultReportSpec({ ...fixtureInput, results }).tables.map((x) => `${x.name}:${x.columns}`)).toEqual(['by-metric:metric', 'by-fraction:fraction']);
    expect(defaultReportSpec(fixtureInput).tables[0]!.name).toBe('by-region');
  });

  it('prints ours beside the published Table 1 with the difference and a different-data flag', () => {
    const c = buildComparison(fixtureInput, byRegion)!;
    expect(c.rows.map((r) => r.paperModel)).toEqual(['3D-From scratch', '3D-RPL', '3D-Rotation', '3D-Rotation']);
    // ours RPL ET at 100% = 73.8, paper 81.28
    expect(c.rows[1]!.ours[0]).toBeCloseTo(73.8, 10);
    expect(c.rows[1]!.paper[0]).toBe(81.28);
    const md = renderComparisonMarkdown(c);
    expect(md).toContain('DIFFERENT DATA');
    expect(md).toContain('-7.48');
    golden('reference-table1.md', md);
  });

  it('flags a 100 % run on fewer training cases than the paper\'s 285 (e.g. 228 after an own test split)', () => {
    const histories = fixtureInput.histories.map((h) => ({ ...h, history: { ...h.history, trainCases: Array.from({ length: 228 }, (_, i) => `case${i}`) } }));
    const md = renderComparisonMarkdown(buildComparison({ ...fixtureInput, histories }, byRegion)!);
    expect(md).toContain('fine-tuned on 228 cases, not 285');
  });

  it('flags real but non-paper data as different, with the reasons (never a silent replication claim)', () => {
    // a BraTS-layout dataset at 16³ with a handful of cases: real files, but not the paper's setting
    const nodes = fixtureInput.graph.nodes.map((n): GraphNode =>
      n.kind === 'data'
        ? { ...n, params: { dataset: { ...n.params.dataset, source: { kind: 'brats' as const, root: 'b', modalities: ['t1', 't1ce', 't2', 'flair'] as Modality[] }, preprocess: { ...n.params.dataset.preprocess, resize: [16, 16, 16] }, knownCases: null } } }
        : n,
    );
    const input = { ...fixtureInput, graph: { ...fixtureInput.graph, nodes }, differentData: false };
    const c = buildComparison(input, byRegion)!;
    expect(c.differentData).toBe(true);
    const md = renderComparisonMarkdown(c);
    expect(md).toContain('DIFFERENT DATA');
    expect(md).toContain('volumes resized to 16×16×16, not 128³');
    expect(md).toContain('not the 66 BraTS 2018 validation cases');
    expect(md).not.toContain('?');
    // the LaTeX must compile with plain pdflatex: nothing outside ASCII (− and ³ used to slip through)
    const tex = renderComparisonLatex(c);
    expect(tex).toContain('128$^3$');
    expect(tex).toMatch(/^[\x00-\x7f]*$/);
  });
});

describe('per-case values', () => {
  it('per-case.csv has one row per evaluation × test case, raw values, empty for undefined', () => {
    const results = fixtureInput.results.slice(0, 2).map((r, i) => ({
      ...r,
      metrics: { ...r.metrics, perCase: [{ id: 'case,A', values: { dice_WT: 0.5 + i / 10, hd95_WT: NaN } }, { id: 'B', values: { dice_WT: 0.25, hd95_WT: 3 } }] },
    }));
    const csv = perCaseCsv({ ...fixtureInput, results })!.trim().split('\n');
    expect(csv[0]).toBe('method,arm,fraction,repetition,case,dice_WT,hd95_WT');
    expect(csv).toHaveLength(5);
    expect(csv).toContain(`${results[0]!.node.params.method},${results[0]!.node.params.arm},${results[0]!.node.params.fraction},${results[0]!.node.params.repetition},"case,A",0.5,`);
    expect(perCaseCsv(fixtureInput)).toBeNull();
  });

  it('case ids from hostile file names stay one field: CR, LF, quote, comma, edge spaces (#17, s7)', () => {
    const ids = ['a\rb', 'new\nline', 'q"x', ' sp', 'tab\t', 'plain'];
    const results = [{ ...fixtureInput.results[0]!, metrics: { ...fixtureInput.results[0]!.metrics, perCase: ids.map((id) => ({ id, values: { dice_WT: 0.5 } })) } }];
    const csv = perCaseCsv({ ...fixtureInput, results })!;
    const cases = csv.split('\n').slice(1, -1).join('\n');
    // a lone CR used to be written bare (a row break for RFC 4180 readers); leading/trailing space unquoted
    for (const id of ids.slice(0, 5)) expect(cases).toContain(`,"${id.replace(/"/g, '""')}",0.5`);
    expect(cases).toContain(',plain,0.5');
  });
});

describe('figures', () => {
  it('data-efficiency rows are mean ± sd over repetitions', () => {
    const rows = dataEfficiencyRows(fixtureInput, { name: 'de', kind: 'data-efficiency', metric: { metric: 'dice', region: 'WT' }, fraction: null });
    const s = rows.find((r) => r.method === 'scratch' && r.percent === 10)!;
    expect(s.mean).toBeCloseTo(61.7, 10);
    expect(s.hi - s.mean).toBeCloseTo(Math.sqrt(2 * 0.016 ** 2) * 100, 8);
    expect(s.n).toBe(2);
    const conv = convergenceRows(fixtureInput, { name: 'c', kind: 'convergence', metric: { metric: 'dice', region: 'WT' }, fraction: 1 });
    expect(conv.filter((r) => r.method === 'scratch').map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5]);
  });

  it('a flat metric (every method equal) gets a readable y domain, not a zero-height axis', () => {
    const results = fixtureInput.results.map((r) => ({ ...r, metrics: { ...r.metrics, aggregate: { ...r.metrics.aggregate, dice_WT: 0 } } }));
    const spec = plotSpec({ ...fixtureInput, results }, { name: 'de', kind: 'data-efficiency', metric: { metric: 'dice', region: 'WT' }, fraction: null }) as unknown as {
      layer: Array<{ encoding: { y: { scale?: { domain?: number[] } } } }>;
    };
    expect(spec.layer[0]!.encoding.y.scale?.domain).toEqual([-5, 5]);
  });

  it('says in the convergence subtitle how many epoch values were undefined (NaN) and left out', () => {
    const histories = fixtureInput.histories.map((h, i) =>
      i === 0 ? { ...h, history: { ...h.history, epochs: h.history.epochs.map((e) => ({ ...e, metrics: { dice_WT: null as unknown as number } })) } } : h,
    );
    const plot = { name: 'c', kind: 'convergence' as const, metric: { metric: 'dice' as const, region: 'WT' }, fraction: fixtureInput.histories[0]!.node.params.fraction };
    const spec = plotSpec({ ...fixtureInput, histories }, plot) as unknown as { title: { subtitle: string[] } };
    expect(spec.title.subtitle[1]).toMatch(/^5 of \d+ epoch values undefined/);
    const clean = plotSpec(fixtureInput, plot) as unknown as { title: { subtitle: string[] } };
    expect(clean.title.subtitle).toHaveLength(1);
  });

  it('render to valid SVG and PNG of the expected size', async () => {
    for (const kind of ['data-efficiency', 'convergence'] as const) {
      const svg = await renderSvg(plotSpec(fixtureInput, { name: kind, kind, metric: { metric: 'dice', region: 'WT' }, fraction: null }));
      expect(svg.startsWith('<svg')).toBe(true);
      const w = Number(/<svg[^>]* width="(\d+(?:\.\d+)?)"/.exec(svg)?.[1]);
      const h = Number(/<svg[^>]* height="(\d+(?:\.\d+)?)"/.exec(svg)?.[1]);
      expect(w).toBeGreaterThan(480);
      expect(h).toBeGreaterThan(300);
      // parse the SVG with an independent renderer (librsvg via sharp)
      const meta = await sharp(Buffer.from(svg)).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['svg', Math.round(w), Math.round(h)]);
      expect(svg).toContain('scratch');
      const png = renderPng(svg);
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
      expect(png.readUInt32BE(16)).toBe(Math.round(w * PNG_SCALE));
      expect(png.readUInt32BE(20)).toBe(Math.round(h * PNG_SCALE));
    }
  });
});

describe('writeReport and run records', () => {
  it('builds the ReportInput from a run record alone and writes every format', async () => {
    const record: RunRecord = {
      runId: 'r1', experiment: 'fixture-brats', startedAt: '2026-01-01T00:00:00Z', endedAt: '2026-01-01T01:00:00Z', status: 'ok',
      source: { file: 'fixture.ssl', hash: 'abc', text: '' }, graph,
      versions: { node: 'v20', tfjs: '4.22.0', ssl3d: '0.1.0' }, backend: { name: 'cpu', reason: 'test' }, cpu: { model: 'x', cores: 2, features: [] }, seed: 1, nodes: {},
      artifacts: {
        metrics: Object.fromEntries(fixtureInput.results.map((r) => [r.node.id, r.metrics])),
        histories: Object.fromEntries(fixtureInput.histories.map((h) => [h.node.id, h.history])),
      },
    };
    const input = reportInputFromRecord(record);
    expect(input.results).toHaveLength(16);
    expect(input.histories).toHaveLength(16);
    expect(input.differentData).toBe(true);
    const dir = await mkdtemp(join(tmpdir(), 'ssl3d-report-'));
    try {
      const spec: ReportSpec = { ...defaultReportSpec(input), tables: [byRegion, byFraction] };
      const out = await writeReport(input, spec, dir);
      expect(out.files.sort()).toEqual([
        'figure-convergence.png', 'figure-convergence.svg', 'figure-data-efficiency.png', 'figure-data-efficiency.svg',
        'reference-table1.csv', 'reference-table1.md', 'reference-table1.tex', 'report.md',
        'table-efficiency.csv', 'table-efficiency.md', 'table-efficiency.tex', 'table-table1.csv', 'table-table1.md', 'table-table1.tex',
      ]);
      expect(out.tables).toHaveLength(3);
      const md = await readFile(join(dir, 'report.md'), 'utf8');
      expect(md).toContain('Different data');
      expect(md).toContain('HD95 excluded (counted)');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(() => reportInputFromRecord({} as RunRecord)).toThrow(/malformed/);
  });
});

// Issue #16.9: a table chooses its metric. `columns = fraction` used to take the first declared
// metric whatever the table said (`metric = …` was accepted and ignored).
import { describe, expect, it } from 'vitest';
import type { ReportNode } from '../../core/graph.js';
import { graphProblems } from '../../core/graph-schema.js';
import { buildTable } from '../../report/index.js';
import type { ReportInput } from '../../runtime/record.js';
import { compileText, program } from '../compiler/helpers.js';

const evaluate = 'evaluate ev { fractions = [50%, 100%], metrics = [dice.WT, dice.ET, hd95.WT] }';
const withTable = (table: string): string => program({ evaluate, report: `report r { ${table} }` });
const reportOf = (text: string): ReportNode => {
  const r = compileText(text);
  expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return r.graph!.nodes.find((n): n is ReportNode => n.kind === 'report')!;
};

describe('#16.9 metric = … in report tables', () => {
  it('columns = fraction uses the named metric, not the first declared one', () => {
    const node = reportOf(withTable('table eff { rows = method, columns = fraction, metric = dice.ET }'));
    const spec = node.params.report.tables[0]!;
    expect(spec.metrics).toEqual([{ metric: 'dice', region: 'ET' }]);
    const r = compileText(withTable('table eff { rows = method, columns = fraction, metric = dice.ET }'));
    const graph = r.graph!;
    const results: ReportInput['results'] = graph.nodes
      .filter((n) => n.kind === 'evaluate')
      .map((n) => ({ node: n as Extract<typeof n, { kind: 'evaluate' }>, metrics: { aggregate: { dice_WT: 0.9, dice_ET: 0.25, hd95_WT: 3 }, perCase: [], emptyPolicy: 'one', testCases: 4 } }));
    const t = buildTable({ graph, results, histories: [], differentData: true }, spec);
    expect(t.columns.every((c) => c.key === 'dice_ET')).toBe(true);
    expect(t.title).toContain('Dice ET (%) vs % labelled');
    expect(t.rows[0]!.cells[0]!.summary.mean).toBe(0.25);
  });

  it('a region table limited to one metric family; without metric every declared metric stays', () => {
    const limited = reportOf(withTable('table t { rows = method, columns = region, metric = hd95 }')).params.report.tables[0]!;
    expect(limited.metrics).toEqual([{ metric: 'hd95', region: 'WT' }]);
    const all = reportOf(withTable('table t { rows = method, columns = region }')).params.report.tables[0]!;
    expect(all.metrics).toBeUndefined();
  });

  it('refuses a metric the evaluation does not compute, and an ambiguous one on a fractions table', () => {
    const a = compileText(withTable('table t { rows = method, columns = fraction, metric = dice.TC }'));
    expect(a.diagnostics.map((d) => d.code)).toContain('SSL061');
    const b = compileText(withTable('table t { rows = method, columns = fraction, metric = dice }'));
    const d = b.diagnostics.find((x) => x.code === 'SSL050')!;
    expect(d.message).toContain('shows one metric');
    // the hint's fix passes check
    expect(d.hint).toMatch(/metric = dice\.(WT|ET)/);
    const fixed = withTable(`table t { rows = method, columns = fraction, ${/metric = \S+/.exec(d.hint!)![0]} }`);
    expect(compileText(fixed).diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
  });

  it('the graph with a table metric validates against the graph schema', () => {
    const r = compileText(withTable('table eff { rows = method, columns = fraction, metric = dice.ET }'));
    expect(graphProblems(JSON.parse(JSON.stringify(r.graph)))).toEqual([]);
  });
});

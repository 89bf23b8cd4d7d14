// Issue #16.3: a collapsed repetition is flagged, and kept in the numbers. The user's run: at 10%
// labels one repetition per pretrained method scored Dice 0 on all 10 test cases, and mean ± sd
// hid it.
import { describe, expect, it } from 'vitest';
import type { EvaluateNode, TableSpec } from '../../core/graph.js';
import { buildTable, renderCsv, renderLatex, renderMarkdown } from '../../report/index.js';
import { collapsesOf, collapseText } from '../../report/collapse.js';
import type { ReportInput } from '../../runtime/record.js';
import type { RunEvent } from '../../runtime/events.js';
import { resultTableLines, resultTables, viewFrom } from '../../cli/ui/state.js';
import { frameLines } from '../../cli/ui/tui.js';
import { createPlainRenderer } from '../../cli/ui/plain.js';
import { compileText, program } from '../compiler/helpers.js';

const graph = compileText(program({ evaluate: 'evaluate ev { fractions = [10%, 100%], repetitions = 3, metrics = [dice.WT] }' })).graph!;
const evals = graph.nodes.filter((n): n is EvaluateNode => n.kind === 'evaluate');
const collapsedRun = (n: EvaluateNode): boolean => n.params.arm !== 'scratch' && n.params.fraction === 0.1 && n.params.repetition === 1;
const perCase = (n: EvaluateNode): Array<{ id: string; values: Record<string, number> }> =>
  Array.from({ length: 10 }, (_, i) => ({ id: `case${i}`, values: { dice_WT: collapsedRun(n) ? 0 : 0.6 + 0.01 * i } }));
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const input: ReportInput = {
  graph,
  results: evals.map((node) => {
    const pc = perCase(node);
    return { node, metrics: { aggregate: { dice_WT: mean(pc.map((c) => c.values.dice_WT!)), dice_WT__excluded: 0 }, perCase: pc, emptyPolicy: 'one', testCases: 10 } };
  }),
  histories: [],
  differentData: true,
};

describe('#16.3 collapsed repetitions', () => {
  it('counts the cases and words it as the user asked', () => {
    expect(collapseText(1, collapsesOf({ dice_WT: 0 }, 10, perCase(evals.find(collapsedRun)!)))).toBe('r1 collapsed: Dice WT 0 on 10/10 test cases');
    // from an aggregate alone (renderers): a mean of 0 means every scored case was 0
    expect(collapsesOf({ dice_WT: 0, dice_ET: 0, dice_ET__excluded: 2, hd95_WT: 0 }, 10)).toEqual([
      { key: 'dice_WT', zero: 10, scored: 10 },
      { key: 'dice_ET', zero: 8, scored: 8 },
    ]);
    expect(collapsesOf({ dice_WT: 0.01 }, 10)).toEqual([]);
  });

  it('flags the cell in every table format and keeps the zero in the mean', () => {
    const spec: TableSpec = { name: 'eff', rows: 'method', columns: 'fraction', fraction: null, aggregate: 'mean-sd', deltaVsScratch: true, reference: null };
    const t = buildTable(input, spec);
    const rot = t.rows.find((r) => r.method !== 'scratch')!;
    const cell = rot.cells[0]!; // 10%
    expect(cell.collapsed.map((c) => c.repetition)).toEqual([1]);
    expect(cell.summary.n).toBe(3);
    expect(cell.summary.mean).toBeCloseTo((0.645 * 2) / 3, 10); // the collapsed 0 stays in
    const md = renderMarkdown(t);
    expect(md).toMatch(/\| 3D-Rotation \| 43\.00 ± 37\.24 † \(Δ /);
    expect(md).toContain('3D-Rotation at 10%: r1 collapsed: Dice WT 0 on 10/10 test cases');
    expect(renderCsv(t).split('\n')[0]).toContain('dice_WT@0.1_collapsed');
    expect(renderCsv(t)).toMatch(/3D-Rotation,finetune,,[^\n]*,r1,/);
    expect(renderLatex(t)).toContain('$^\\dagger$');
    expect(t.rows[0]!.cells.every((c) => c.collapsed.length === 0)).toBe(true); // scratch is fine
  });

  it('shows it in the TUI (grid glyph, warning, result table) and in plain lines', () => {
    const events: RunEvent[] = [
      { t: 0, type: 'run-start', experiment: 't', runId: 'r', backend: { name: 'cpu', reason: 'test' }, nodes: graph.nodes.map((n) => ({ id: n.id, kind: n.kind, hash: n.hash, state: 'to-run' as const, ...(n.kind === 'finetune' || n.kind === 'evaluate' ? { method: n.params.method, fraction: n.params.fraction, repetition: n.params.repetition } : {}) })) },
      ...graph.nodes.filter((n) => n.kind === 'finetune').map((n, i): RunEvent => ({ t: 10 + i, type: 'node-end', node: n.id, status: 'ok', durationMs: 1, summary: {} })),
      ...input.results.map((r, i): RunEvent => ({ t: 100 + i, type: 'node-end', node: r.node.id, status: 'ok', durationMs: 1, summary: { testCases: 10, dice_WT: r.metrics.aggregate.dice_WT! } })),
    ];
    const view = viewFrom(events);
    expect(view.warnings.map((w) => w.message)).toEqual(['r1 collapsed: Dice WT 0 on 10/10 test cases (kept in the results)']);
    const lines = frameLines(view, 0, 60, 120).map((l) => l.text);
    expect(lines.find((l) => l.includes('3D-Rotation') && l.includes('●⊘●'))).toBeDefined();
    const table = resultTableLines(resultTables(view)[0]!);
    expect(table.join('\n')).toContain('† 3D-Rotation 10%: r1 collapsed: Dice WT 0 on 10/10 test cases (kept in the mean)');
    let out = '';
    const plain = createPlainRenderer({ write: (s) => (out += s), heartbeatMs: 0 });
    for (const e of events) plain.onEvent(e);
    plain.close();
    expect(out).toContain('warning evaluate:rot/finetune/10%/r1: r1 collapsed: Dice WT 0 on 10/10 test cases (kept in the results)');
  });
});

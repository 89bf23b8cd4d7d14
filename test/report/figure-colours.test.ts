// #16.11: a method keeps its colour in every figure (scratch always the same grey), and the error
// bars of methods at the same label fraction are dodged so they do not overlap.
import { describe, expect, it } from 'vitest';
import { colourScale, dodgedX, methodColour, plotSpec, renderSvg, SCRATCH_COLOUR } from '../../report/figures.js';
import type { ReportInput } from '../../runtime/record.js';
import { fixtureInput } from './fixtures/input.js';

type Enc = { color?: { scale?: { domain: string[]; range: string[] } }; x?: { field: string } };
type Spec = { data: { values: Array<{ method: string; percent: number; x: number }> }; layer: Array<{ encoding: Enc }> };
const de = { name: 'de', kind: 'data-efficiency' as const, metric: { metric: 'dice' as const, region: 'WT' }, fraction: null };
const cv = { name: 'c', kind: 'convergence' as const, metric: { metric: 'dice' as const, region: 'WT' }, fraction: 1 };
const coloursOf = (spec: unknown): Record<string, string> => {
  const sc = (spec as Spec).layer[0]!.encoding.color!.scale!;
  return Object.fromEntries(sc.domain.map((m, i) => [m, sc.range[i]!]));
};
/** The fixture without some methods: another figure of another report. */
const without = (input: ReportInput, method: string): ReportInput => ({
  ...input,
  results: input.results.filter((r) => r.node.params.method !== method),
  histories: input.histories.filter((h) => h.node.params.method !== method),
});

describe('figure colours and dodge (#16.11)', () => {
  it('a method has the same colour in every figure, whatever else is drawn; scratch is always grey', () => {
    const all = coloursOf(plotSpec(fixtureInput, de));
    const fewer = coloursOf(plotSpec(without(fixtureInput, '3D-RPL'), de));
    const curves = coloursOf(plotSpec(fixtureInput, cv));
    expect(all['scratch']).toBe(SCRATCH_COLOUR);
    for (const [m, c] of Object.entries(fewer)) expect(all[m], m).toBe(c);
    for (const [m, c] of Object.entries(curves)) expect(all[m], m).toBe(c);
    expect(new Set(Object.values(all)).size).toBe(Object.keys(all).length); // distinct within a figure
    expect(methodColour('3D-Rotation')).toBe(methodColour('3D-Rotation (finetune)'));
    expect(methodColour('2D-Rotation')).not.toBe(methodColour('3D-Rotation'));
    expect(methodColour('scratch')).toBe(SCRATCH_COLOUR);
  });

  it('colour collisions within one figure are resolved, distinct from scratch', () => {
    const names = Array.from({ length: 14 }, (_, i) => `custom label ${i}`).concat('scratch');
    const { domain, range } = colourScale(names);
    expect(new Set(range).size).toBe(domain.length);
    expect(range[domain.indexOf('scratch')]).toBe(SCRATCH_COLOUR);
  });

  it('points at the same fraction are dodged apart; the axis ticks stay at the fractions', async () => {
    const spec = plotSpec(fixtureInput, de) as unknown as Spec & { layer: Array<{ encoding: { x: { axis: { values: number[] } } } }> };
    expect(spec.layer[0]!.encoding.x.field).toBe('x');
    expect(spec.layer[0]!.encoding.x.axis.values).toEqual([10, 100]);
    for (const p of [10, 100]) {
      const xs = spec.data.values.filter((r) => r.percent === p).map((r) => r.x);
      expect(new Set(xs).size).toBe(xs.length); // no two methods share an x
      for (const x of xs) expect(Math.abs(x - p)).toBeLessThan(0.05 * (100 - 10)); // close to its fraction (linear axis here)
    }
    expect(dodgedX(50, 0, 1, [50], false)).toBe(50);
    expect(dodgedX(50, 0, 2, [10, 100], false)).toBeLessThan(50);
    expect(dodgedX(50, 1, 2, [10, 100], false)).toBeGreaterThan(50);
    const svg = await renderSvg(spec as never);
    expect(svg).toContain(SCRATCH_COLOUR.toLowerCase());
  });
});

// `hd95-empty` in an evaluate block: lowered into EvalSpec.hd95Empty (absent by default, so
// existing graphs keep their hashes) and honoured by the evaluation (runtime/eval).
import { describe, expect, it } from 'vitest';
import type { EvaluateNode } from '../../core/graph.js';
import { loadGraph } from '../../core/graph-schema.js';
import { emptyPolicyOf } from '../../runtime/eval/metrics.js';
import { hd95 } from '../../runtime/eval/metrics.js';
import { compileText, program } from './helpers.js';

function evaluation(ev: string): { spec: EvaluateNode['params']['evaluation'] | null; codes: string[]; hashes: string[] } {
  const r = compileText(program({ evaluate: ev }));
  const node = r.graph?.nodes.find((n): n is EvaluateNode => n.kind === 'evaluate');
  return { spec: node?.params.evaluation ?? null, codes: r.diagnostics.map((d) => d.code), hashes: r.graph?.nodes.map((n) => n.hash) ?? [] };
}

describe('hd95-empty', () => {
  it('is absent from the graph by default and for `exclude`, so hashes do not move', () => {
    const plain = evaluation('evaluate ev { fractions = [50%, 100%], metrics = [dice, hd95] }');
    const excl = evaluation('evaluate ev { fractions = [50%, 100%], metrics = [dice, hd95], hd95-empty = exclude }');
    expect(plain.spec).not.toBeNull();
    expect('hd95Empty' in plain.spec!).toBe(false);
    expect(excl.hashes).toEqual(plain.hashes);
    expect(emptyPolicyOf(plain.spec!).hd95OneEmpty).toBeNull();
  });

  it('lowers a distance in mm, changes the hashes, validates, and scores a one-sided empty case with it', () => {
    const plain = evaluation('evaluate ev { fractions = [50%, 100%], metrics = [dice, hd95] }');
    const brats = evaluation('evaluate ev { fractions = [50%, 100%], metrics = [dice, hd95], hd95-empty = 373.13 mm }');
    expect(brats.codes).toEqual([]);
    expect(brats.spec!.hd95Empty).toBe(373.13);
    expect(brats.hashes.at(-1)).not.toBe(plain.hashes.at(-1));
    const g = compileText(program({ evaluate: 'evaluate ev { fractions = [50%, 100%], metrics = [dice, hd95], hd95-empty = 373.13 mm }' })).graph!;
    expect(() => loadGraph(JSON.parse(JSON.stringify(g)))).not.toThrow();
    // a 4×4×4 reference blob, an empty prediction
    const shape = [4, 4, 4];
    const ref = new Uint8Array(64).fill(1);
    const pred = new Uint8Array(64);
    expect(hd95(ref, pred, shape, [1, 1, 1], emptyPolicyOf(brats.spec!))).toBe(373.13);
    expect(Number.isNaN(hd95(ref, pred, shape, [1, 1, 1], emptyPolicyOf(plain.spec!)))).toBe(true);
  });

  it('rejects a negative or unitless-word value, and warns when no hd95 metric is evaluated', () => {
    expect(evaluation('evaluate ev { fractions = [100%], metrics = [dice, hd95], hd95-empty = -1 mm }').codes).toEqual(['SSL026']);
    expect(evaluation('evaluate ev { fractions = [100%], metrics = [dice, hd95], hd95-empty = max }').codes).toEqual(['SSL025']);
    expect(evaluation('evaluate ev { fractions = [100%], metrics = [dice, hd95], hd95-empty = 10 epochs }').codes.length).toBeGreaterThan(0);
    expect(evaluation('evaluate ev { fractions = [100%], metrics = [dice], hd95-empty = 373.13 mm }').codes).toEqual(['SSL072']);
  });
});

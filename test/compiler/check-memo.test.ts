// The check keeps only the latest checker results per declaration kind (compiler/check/context.ts,
// #17.11: a file of 35 000 datasets kept ≈ 900 bytes per checked dataset through the whole check).
// A declaration used after its result was let go is checked again quietly: the graph and the
// diagnostics must be exactly those of a check that kept everything. (bench/front-end-diff.ts
// with the memo cut to one result per kind: 1 821 inputs, 0 differ.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/index.js';

const root = join(__dirname, '..', '..');
const quickstart = readFileSync(join(root, 'experiments', 'quickstart.ssl'), 'utf8');
const filler = (n: number): string =>
  Array.from({ length: n }, (_, i) => `dataset f${i} = phantom3d {\n  anatomy = brain\n  cases = 8\n  channels = 2\n  size = 24x24x24\n  labelled = false\n}\n`).join('\n');
// 600 unused datasets between the used ones (declared first) and what uses them
const withFiller = (text: string): string => text.replace('encoder tiny', `${filler(600)}\nencoder tiny`);

describe('checker results let go and worked out again (#17.11)', () => {
  it('gives the graph of a check that kept every result', () => {
    const plain = compileSource(quickstart, 'q.ssl');
    const big = compileSource(withFiller(quickstart), 'q.ssl');
    expect(plain.graph).not.toBeNull();
    expect(big.graph).not.toBeNull();
    expect(big.graph!.nodes).toEqual(plain.graph!.nodes);
    // (50 shown: the first SSL067s; the rest counted)
    expect(big.diagnostics.every((d) => d.code === 'SSL067')).toBe(true);
    expect(big.diagnostics.at(-1)!.notes?.at(-1)?.message).toMatch(/^550 more problems/);
    expect(plain.diagnostics).toEqual([]);
  });

  it('reports a problem of a used declaration once, though it was checked again', () => {
    // a domain error the dataset checker reports (not the schema): 40 % + 70 % of the cases
    const bad = quickstart.replace('split { val = 10%, test = 40% }', 'split { val = 70%, test = 40% }');
    const plain = compileSource(bad, 'q.ssl');
    const big = compileSource(withFiller(bad), 'q.ssl');
    const errors = (r: typeof plain): string[] => r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`);
    expect(errors(plain).length).toBeGreaterThan(0);
    expect(errors(big)).toEqual(errors(plain));
  });
});

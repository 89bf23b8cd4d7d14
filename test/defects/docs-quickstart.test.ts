// Issue #16.6: numbers in the docs come from what reruns them. The quickstart's structural
// figures (corpus cases, pretraining steps, fractions, repetitions, test cases) are computed from
// experiments/quickstart.ssl here and must be what README.md and docs/running.md say.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/index.js';
import { trainCases } from '../../core/geometry.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (p: string): string => readFileSync(join(root, p), 'utf8');

describe('#16.6 quickstart figures in the docs match the file', () => {
  const r = compileFile(join(root, 'experiments', 'quickstart.ssl'));
  const g = r.graph!;
  const pre = g.nodes.find((n) => n.kind === 'pretrain')!;
  const corpus = g.nodes.find((n) => n.kind === 'data' && n.id === pre.inputs[0])!;
  const ft = g.nodes.filter((n) => n.kind === 'finetune');
  it('compiles', () => expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]));
  it('README.md, docs/running.md and the file agree on cases and steps', () => {
    if (corpus.kind !== 'data' || pre.kind !== 'pretrain') throw new Error('unexpected graph');
    const cases = corpus.params.dataset.knownCases!;
    const t = pre.params.pretext.train;
    const steps = t.epochs * t.stepsPerEpoch!;
    const readme = read('README.md');
    const running = read('docs/running.md');
    const source = read('experiments/quickstart.ssl');
    expect(readme).toContain(`on ${cases} unlabelled`);
    expect(running).toContain(`on ${cases} unlabelled`);
    expect(running).toContain(`= ${steps} steps`);
    // the file's own comment says the same
    expect(source).not.toMatch(new RegExp(`\\bon (?!${cases}\\b)\\d+ unlabelled`));
    const data = g.nodes.find((n) => n.kind === 'data' && n.id === ft[0]!.inputs[0])!;
    if (data.kind !== 'data') throw new Error('unexpected graph');
    const d = data.params.dataset;
    const test = d.knownCases! - trainCases(d)! - Math.max(1, Math.round(d.split.val * d.knownCases!));
    expect(running.replace(/\s+/g, ' ')).toContain(`Dice on ${test} test cases`);
  });
});

// Every experiment file checks clean, compiles to a schema-valid graph and says what the issue asks.
import { readdirSync, readFileSync } from 'node:fs';
import { format, parse } from '../../grammar/index.js';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/index.js';
import { graphProblems } from '../../core/graph-schema.js';
import type { FinetuneNode, PretrainNode } from '../../core/graph.js';

const files = readdirSync('experiments').filter((f) => f.endsWith('.ssl')).map((f) => `experiments/${f}`);

describe('experiments/', () => {
  it('holds the five experiments', () => {
    expect(files.sort()).toEqual(['experiments/brats.ssl', 'experiments/pancreas.ssl', 'experiments/phantom-table1.ssl', 'experiments/quickstart.ssl', 'experiments/retinopathy.ssl']);
  });

  it('phantom-table1.ssl: the five 3D tasks and scratch, the paper fractions, 3 repetitions, 2 → 4 channels by name', () => {
    const g = compileFile('experiments/phantom-table1.ssl').graph!;
    const pre = g.nodes.filter((n): n is PretrainNode => n.kind === 'pretrain');
    expect(pre.map((n) => n.params.pretext.task).sort()).toEqual(['cpc', 'exemplar', 'jigsaw', 'rotation', 'rpl']);
    expect(pre.every((n) => n.params.pretext.dim === 3)).toBe(true);
    const ft = g.nodes.filter((n): n is FinetuneNode => n.kind === 'finetune');
    expect(new Set(ft.map((n) => n.params.method)).size).toBe(6);
    expect([...new Set(ft.map((n) => n.params.fraction))].sort()).toEqual([0.1, 0.25, 0.5, 1]);
    expect([...new Set(ft.map((n) => n.params.repetition))].sort()).toEqual([0, 1, 2]);
    const one = ft.find((n) => n.params.arm === 'finetune')!;
    expect([one.params.pretrainedChannelNames, one.params.channelNames]).toEqual([['t1', 'flair'], ['t1', 't1ce', 't2', 'flair']]);
    // both arms keep the epoch with the best validation Dice WT (docs/results.md §0c)
    expect(ft.every((n) => n.params.finetune.train.keep === 'best')).toBe(true);
  });

  for (const file of files) {
    it(`${file} checks clean`, () => {
      const r = compileFile(file);
      expect(r.diagnostics.map((d) => `${d.span.file}:${d.span.startLine}: ${d.code} ${d.message}`)).toEqual([]);
      expect(r.graph).not.toBeNull();
      expect(graphProblems(JSON.parse(JSON.stringify(r.graph)))).toEqual([]);
    });
  }

  it('brats.ssl is Table 1: ten pretext tasks (3D and 2D) + scratch, 2 → 4 channels, four fractions', () => {
    const g = compileFile('experiments/brats.ssl').graph!;
    const pre = g.nodes.filter((n): n is PretrainNode => n.kind === 'pretrain');
    expect(pre.map((n) => `${n.params.pretext.dim}D-${n.params.pretext.task}`).sort()).toEqual(
      ['2D-cpc', '2D-exemplar', '2D-jigsaw', '2D-rotation', '2D-rpl', '3D-cpc', '3D-exemplar', '3D-jigsaw', '3D-rotation', '3D-rpl'],
    );
    const ft = g.nodes.filter((n): n is FinetuneNode => n.kind === 'finetune');
    expect(new Set(ft.map((n) => n.params.method)).size).toBe(11);
    expect([...new Set(ft.map((n) => n.params.fraction))].sort()).toEqual([0.1, 0.25, 0.5, 1]);
    const rpl = ft.find((n) => n.params.method === '3D-RPL')!;
    expect([rpl.params.pretrainedChannels, rpl.params.inputShape.at(-1)]).toEqual([2, 4]);
    const report = g.nodes.find((n) => n.kind === 'report');
    expect(report?.kind === 'report' && report.params.report.tables[0]!.reference).toBe('taleb2020-table1');
  });

  it('pancreas.ssl runs 5, 10, 50 and 100%; retinopathy.ssl is 2D with QWK', () => {
    const p = compileFile('experiments/pancreas.ssl').graph!;
    const fr = p.nodes.filter((n): n is FinetuneNode => n.kind === 'finetune').map((n) => n.params.fraction);
    expect([...new Set(fr)].sort()).toEqual([0.05, 0.1, 0.5, 1]);
    const r = compileFile('experiments/retinopathy.ssl').graph!;
    const ft = r.nodes.find((n): n is FinetuneNode => n.kind === 'finetune')!;
    expect(ft.params.encoder.kind).toBe('densenet2d');
    expect(ft.params.evaluation.metrics.map((m) => m.metric)).toEqual(['qwk', 'accuracy']);
    // 5-fold cross-validation as in the paper: 5 repetitions, one per fold
    expect(ft.params.evaluation.folds?.count).toBe(5);
    const reps = r.nodes.filter((n): n is FinetuneNode => n.kind === 'finetune').map((n) => n.params.repetition);
    expect([...new Set(reps)].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  const allSsl = readdirSync('experiments', { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ssl') && !f.includes('.ssl3d') && !f.startsWith('reports'))
    .sort();

  it('finds the shared definitions too', () => {
    expect(allSsl).toEqual(expect.arrayContaining(['brats.ssl', 'quickstart.ssl', 'shared/abdomen.ssl', 'shared/brain.ssl', 'shared/encoders.ssl']));
  });

  for (const f of allSsl) {
    it(`${f} is fmt-clean (ssl3d fmt --check passes)`, () => {
      const text = readFileSync(`experiments/${f}`, 'utf8');
      const r = parse(text, f);
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(format(r.document)).toBe(text);
    });
  }

  it('pancreas follows the paper: no HU window; the body crop only on the pretraining scans (#12.6)', () => {
    const g = compileFile('experiments/pancreas.ssl').graph!;
    const pp = (name: string) => {
      const d = g.nodes.find((n) => n.kind === 'data' && n.params.dataset.name === name);
      return d?.kind === 'data' ? d.params.dataset.preprocess : null;
    };
    expect(pp('pancreas_scans')?.window).toBeNull();
    expect(pp('pancreas_scans')?.crop?.threshold).toBe(-500);
    expect(pp('pancreas')?.window).toBeNull();
    expect(pp('pancreas')?.crop).toBeNull();
    const pre = g.nodes.filter((n) => n.kind === 'pretrain');
    expect(new Set(pre.map((n) => n.inputs[0]))).toEqual(new Set(['data:pancreas_scans']));
  });
});

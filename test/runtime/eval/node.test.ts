import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataNode, EvaluateNode, FinetuneNode, ReportNode } from '../../../core/graph.js';
import { evaluateHandler } from '../../../runtime/nodes/evaluate.js';
import { readNifti } from '../../../runtime/data/nifti.js';
import { finetuneHandler } from '../../../runtime/nodes/finetune.js';
import type { EvalMetrics } from '../../../runtime/record.js';
import { reportHandler } from '../../../report/node.js';
import { fakeContext } from '../../helpers/fake-context.js';
import { boxDataset, clsEval, dataNode, evaluateNode, finetuneNode, finetuneSpec, gradeDataset, segEval, tinyUnet2d, tinyUnet3d, writeDataset } from './helpers.js';

let root = '';
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'ssl3d-eval-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('evaluate and report nodes', () => {
  it('segmentation: test-split metrics per case, NIfTI predictions, history copy; report from artifacts', async () => {
    const ds = boxDataset(10);
    const dataDir = await writeDataset(join(root, 'seg'), ds);
    // pretend the data came from NIfTI files so predictions are written
    const phantom = dataNode(ds, 'segmentation');
    const data: DataNode = { ...phantom, params: { dataset: { ...phantom.params.dataset, source: { kind: 'nifti', images: ['img/*.nii.gz'], labels: 'lbl/*.nii.gz' } } } };
    const ft = finetuneNode({ data, arm: 'scratch', spec: finetuneSpec({}, 2, 0.02), encoder: tinyUnet3d, inputShape: [8, 8, 8, 1], evaluation: segEval });
    const ftCtx = fakeContext<FinetuneNode>({ node: ft, inputs: { [data.id]: { node: data, dir: dataDir } } });
    await finetuneHandler(ftCtx);

    const ev = evaluateNode(ft, data);
    const evCtx = fakeContext<EvaluateNode>({ node: ev, inputs: { [ft.id]: { node: ft, dir: ftCtx.outDir }, [data.id]: { node: data, dir: dataDir } } });
    const res = await evaluateHandler(evCtx);
    const m = JSON.parse(readFileSync(join(evCtx.outDir, 'metrics.json'), 'utf8')) as EvalMetrics;
    expect(m.testCases).toBe(2);
    expect(m.perCase.map((p) => p.id)).toEqual(['box-002', 'box-003']);
    const mean = (m.perCase[0]!.values.dice_box! + m.perCase[1]!.values.dice_box!) / 2;
    expect(m.aggregate.dice_box).toBeCloseTo(mean, 12);
    expect(m.aggregate).toHaveProperty('hd95_box__excluded');
    expect(m.emptyPolicy).toContain('both empty');
    expect(res.summary.dice_box).toBe(m.aggregate.dice_box);
    expect(existsSync(join(evCtx.outDir, 'history.json'))).toBe(true);
    expect(readFileSync(join(evCtx.outDir, 'metrics.csv'), 'utf8').split('\n')[0]).toBe('case,dice_box,iou_box,hd95_box');
    const nii = await readNifti(join(evCtx.outDir, 'pred', 'box-002.nii.gz'));
    expect(nii.shape.slice(0, 3)).toEqual([8, 8, 8]);

    const rep: ReportNode = {
      kind: 'report', id: 'report:main', hash: 'r', inputs: [ev.id], output: 'report', seed: 1, cost: null,
      params: { report: { name: 'main', tables: [{ name: 't', rows: 'method', columns: 'region', fraction: null, aggregate: 'mean-sd', deltaVsScratch: true, reference: null }], plots: [{ name: 'conv', kind: 'convergence', metric: { metric: 'dice', region: 'box' }, fraction: null }], formats: ['md', 'csv', 'svg'] } },
    };
    const graph = { version: 1 as const, experiment: 'e', source: { file: 'e.ssl', hash: 'h' }, seed: 1, backend: 'cpu' as const, nodes: [data, ft, ev, rep] };
    const repCtx = fakeContext<ReportNode>({ node: rep, graph, inputs: { [ev.id]: { node: ev, dir: evCtx.outDir } } });
    const r = await reportHandler(repCtx);
    expect(r.summary).toMatchObject({ results: 1, histories: 1 });
    // the report's files, and the printout `ssl3d run` shows when it copies them out (report/deliver.ts)
    expect(readdirSync(repCtx.outDir).sort()).toEqual(['figure-conv.svg', 'per-case.csv', 'printout.json', 'report.md', 'table-t.csv', 'table-t.md']);
    const printout = JSON.parse(readFileSync(join(repCtx.outDir, 'printout.json'), 'utf8')) as { files: string[]; tables: string[] };
    expect([...printout.files].sort()).toEqual(['figure-conv.svg', 'per-case.csv', 'report.md', 'table-t.csv', 'table-t.md']);
    expect(printout.tables[0]).toBe(readFileSync(join(repCtx.outDir, 'table-t.md'), 'utf8'));
    expect(readFileSync(join(repCtx.outDir, 'table-t.md'), 'utf8')).toContain('| scratch |');
    for (const c of [ftCtx, evCtx, repCtx]) c.cleanup();
  });

  it('classification: QWK and accuracy on the test split', async () => {
    const ds = gradeDataset(18);
    const dataDir = await writeDataset(join(root, 'cls'), ds);
    const data = dataNode(ds, 'classification');
    const spec = finetuneSpec({ target: 'classification', classes: [0, 1, 2], loss: 'ce' }, 3, 0.02);
    const ft = finetuneNode({ data, arm: 'scratch', spec, encoder: tinyUnet2d, inputShape: [8, 8, 1], evaluation: clsEval });
    const ftCtx = fakeContext<FinetuneNode>({ node: ft, inputs: { [data.id]: { node: data, dir: dataDir } } });
    const fres = await finetuneHandler(ftCtx);
    expect(fres.summary).toHaveProperty('val_accuracy');
    const ev = evaluateNode(ft, data);
    const evCtx = fakeContext<EvaluateNode>({ node: ev, inputs: { [ft.id]: { node: ft, dir: ftCtx.outDir }, [data.id]: { node: data, dir: dataDir } } });
    await evaluateHandler(evCtx);
    const m = JSON.parse(readFileSync(join(evCtx.outDir, 'metrics.json'), 'utf8')) as EvalMetrics;
    expect(m.testCases).toBe(3);
    expect(Object.keys(m.aggregate).sort()).toEqual(['accuracy', 'qwk']);
    const rows = readFileSync(join(evCtx.outDir, 'metrics.csv'), 'utf8').trim().split('\n').slice(1);
    const acc = rows.filter((l) => { const [, g, p] = l.split(','); return g === p; }).length / rows.length;
    expect(m.aggregate.accuracy).toBeCloseTo(acc, 12);
    for (const c of [ftCtx, evCtx]) c.cleanup();
  });
});

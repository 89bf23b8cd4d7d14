// The `evaluate` graph node: rebuild the fine-tuned model from its artifact, predict every case
// of the dataset's fixed TEST split (whole-volume inference; 2D models slice by slice and
// re-stack), compute the declared metrics per case and aggregated, and write
//   metrics.json      EvalMetrics (runtime/record.ts)
//   metrics.csv       one row per test case (segmentation) / per case prediction (classification)
//   history.json      a copy of the fine-tune history (so a report needs only evaluate folders)
//   pred/<case>.nii.gz predicted label volumes, when the dataset came from NIfTI files
//                      (phantom datasets are skipped: regenerable and not worth the disk).

import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DataNode, EvaluateNode, FinetuneNode } from '../../core/graph.js';
import { readsNifti } from '../../core/datasets.js';
import { metricInfo } from '../../core/metrics.js';
import { SslRuntimeError, type InputArtifact, type NodeContext, type NodeHandler } from '../contract.js';
import { readDatasetArtifact } from '../data/artifact.js';
import { readNifti, writeNifti } from '../data/nifti.js';
import { labelsFromVolume, resolveCases } from '../data/layouts.js';
import type { Case } from '../data/types.js';
import { labelsToGrid } from '../eval/regrid.js';
import type { EvalMetrics } from '../record.js';
import { describeEmptyPolicy, emptyPolicyOf, evaluateClassification, evaluateSegmentation, metricKey, type SegCase } from '../eval/metrics.js';

import { loadFinetunedModel, predictGrade, predictSegmentation } from '../eval/predict.js';
import { foldOf, protocolSplit } from '../eval/protocol.js';
import { msg } from '../../core/codes/index.js';

/**
 * Write a predicted mask as NIfTI on the case's original image grid (shape and affine of the file
 * it was read from, before crop and resize), or on the preprocessed grid when that is unknown.
 */
async function writePrediction(file: string, c: Case, pred: Uint8Array): Promise<void> {
  const g = c.sourceGrid;
  if (g && c.affine && c.shape.length === 3 && g.shape.length === 3) {
    const data = labelsToGrid(pred, c.shape, c.affine, g.shape, g.affine);
    const spacing = [2, 1, 0].map((j) => Math.hypot(g.affine[0]![j]!, g.affine[1]![j]!, g.affine[2]![j]!));
    await writeNifti(file, { shape: g.shape, data, spacing, affine: g.affine });
    return;
  }
  await writeNifti(file, { shape: c.shape, data: pred, spacing: c.spacing, affine: c.affine ?? undefined });
}

/**
 * The case scored on its original label grid: the reference read from the label file as it is on
 * disk (canonical RAS voxel order: the file's voxels, only permuted/flipped, with their spacing)
 * and the prediction brought there by nearest-neighbour through both voxel → world matrices (as
 * written to pred/). Null when the case has no label file or no scanner geometry (phantoms).
 */
async function onNativeGrid(c: Case, pred: Uint8Array, labelFile: string | null | undefined): Promise<SegCase | null> {
  if (!labelFile || !c.affine || c.shape.length !== 3) return null;
  const lv = await readNifti(labelFile);
  const reference = labelsFromVolume(lv, c.id, labelFile);
  const prediction = labelsToGrid(pred, c.shape, c.affine, lv.shape, lv.affine);
  return { id: c.id, reference, prediction, shape: [...lv.shape], spacing: [...lv.spacing] };
}

function inputOfKind(ctx: NodeContext<EvaluateNode>, kind: 'data' | 'finetune'): InputArtifact | null {
  return Object.values(ctx.inputs).find((a) => a.node.kind === kind) ?? null;
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function num(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(10))) : '';
}

export const evaluateHandler: NodeHandler<EvaluateNode> = async (ctx) => {
  const node = ctx.node;
  const id = node.id;
  const ftIn = inputOfKind(ctx, 'finetune');
  const dataIn = inputOfKind(ctx, 'data');
  if (!ftIn) throw new SslRuntimeError(msg('SSL166', 'noModelInput', { id, inputs: node.inputs.join(', ') }));
  if (!dataIn) throw new SslRuntimeError(msg('SSL160', 'noDataset', { id, inputs: node.inputs.join(', ') }));
  const ds = await readDatasetArtifact(dataIn.dir);
  // Cross-validation: repetition r tests on fold r (the same fold its fine-tuning left out).
  const fold = foldOf(node.params.evaluation, node.params.repetition);
  const testIdx = fold ? protocolSplit(ds, 1, 0, fold).test : ds.split.test;
  if (testIdx.length === 0) throw new SslRuntimeError(msg('SSL161', 'emptyTest', { id, fold: fold ? `fold ${fold.index + 1} of ${fold.count}` : 'split', name: ds.name }));
  const dataNode = dataIn.node as DataNode;
  const ftNode = ftIn.node as FinetuneNode;
  const regions = Object.keys(node.params.regions).length ? node.params.regions : dataNode.params.dataset.regions;
  const fromNifti = readsNifti(dataNode.params.dataset.source);
  const spec = node.params.evaluation;
  const policy = emptyPolicyOf(spec);

  const { model, desc } = await loadFinetunedModel(ftIn.dir);
  try {
    const testCases = testIdx.map((i) => ds.cases[i]!);
    let metrics: EvalMetrics;
    let csv: string;
    if (desc.target === 'segmentation') {
      const specs = spec.metrics.filter((m) => metricInfo(m.metric).target === 'segmentation');
      const segCases: SegCase[] = [];
      if (fromNifti) await mkdir(join(ctx.outDir, 'pred'), { recursive: true });
      // Test metrics are computed on the original label files' grids (as BraTS and the paper score),
      // not on the resampled masks; the resampled score is only the per-epoch validation signal.
      const labelFiles = new Map<string, string | null | undefined>();
      if (fromNifti) {
        try {
          for (const cs of await resolveCases(dataNode.params.dataset, ctx.baseDir)) labelFiles.set(cs.id, cs.labelFile);
        } catch (e) {
          const why = e instanceof SslRuntimeError ? `[${e.code}] ${e.message}` : (e as Error).message;
          ctx.emit({ type: 'warning', node: id, message: `the original label files cannot be listed (${why}); scoring on the preprocessed grid` });
        }
      }
      let native = 0;
      for (let n = 0; n < testCases.length; n++) {
        ctx.signal.throwIfAborted();
        const c = testCases[n]!;
        if (!c.mask) throw new SslRuntimeError(msg('SSL160', 'noReferenceMask', { id, case: c.id }));
        const pred = await predictSegmentation(model, c, desc);
        const orig = fromNifti ? await onNativeGrid(c, pred, labelFiles.get(c.id)) : null;
        if (orig) native++;
        segCases.push(orig ?? { id: c.id, reference: c.mask, prediction: pred, shape: c.shape, spacing: c.spacing });
        if (fromNifti) await writePrediction(join(ctx.outDir, 'pred', `${c.id}.nii.gz`), c, pred);
        const every = Math.max(1, Math.ceil(testCases.length / 10));
        if ((n + 1) % every === 0 || n + 1 === testCases.length) ctx.emit({ type: 'info', node: id, message: `predicted ${n + 1}/${testCases.length} test cases` });
      }
      let table;
      try {
        table = evaluateSegmentation(specs, segCases, { regions, classes: desc.classes, policy });
      } catch (e) {
        if (e instanceof RangeError && /unknown region/.test(e.message)) throw new SslRuntimeError(msg('SSL165', 'unknownRegion', { id, reason: e.message }));
        throw e;
      }
      metrics = { aggregate: table.aggregate, perCase: table.perCase, emptyPolicy: describeEmptyPolicy(policy), testCases: testCases.length, grid: native === testCases.length ? 'original' : native === 0 ? 'preprocessed' : 'mixed' };
      ctx.emit({
        type: 'info', node: id,
        message: native === testCases.length ? `scored ${native} test cases on their original label grids` : `scored ${native} of ${testCases.length} test cases on their original label grids, the others on the preprocessed grid (${fromNifti ? 'no label file or scanner geometry' : 'synthetic data: generated on that grid'})`,
      });
      const keys = specs.map(metricKey);
      csv = ['case,' + keys.join(','), ...table.perCase.map((r) => [csvField(r.id), ...keys.map((k) => num(r.values[k]!))].join(','))].join('\n') + '\n';
    } else {
      const specs = spec.metrics.filter((m) => metricInfo(m.metric).target === 'classification');
      const ref: number[] = [];
      const pred: number[] = [];
      const rows: string[] = ['case,grade,predicted'];
      for (const c of testCases) {
        ctx.signal.throwIfAborted();
        if (c.grade === null) throw new SslRuntimeError(msg('SSL160', 'noReferenceGrade', { id, case: c.id }));
        const g = await predictGrade(model, c, desc);
        const ri = desc.classes.indexOf(c.grade);
        if (ri < 0) throw new SslRuntimeError(msg('SSL164', 'testGrade', { id, case: c.id, grade: c.grade, classes: desc.classes.join(', ') }));
        ref.push(ri);
        pred.push(desc.classes.indexOf(g));
        rows.push(`${csvField(c.id)},${c.grade},${g}`);
      }
      metrics = { aggregate: evaluateClassification(specs, ref, pred, desc.classes.length), perCase: [], emptyPolicy: 'not applicable (classification)', testCases: testCases.length };
      csv = rows.join('\n') + '\n';
    }
    await writeFile(join(ctx.outDir, 'metrics.json'), JSON.stringify(metrics, null, 1) + '\n');
    await writeFile(join(ctx.outDir, 'metrics.csv'), csv);
    if (existsSync(join(ftIn.dir, 'history.json'))) await copyFile(join(ftIn.dir, 'history.json'), join(ctx.outDir, 'history.json'));
    const summary: Record<string, number> = { testCases: testCases.length };
    // excluded-case counts ride along only when non-zero (renderers use them to count collapsed cases)
    for (const [k, v] of Object.entries(metrics.aggregate)) if (!k.endsWith('__excluded') || v > 0) summary[k] = v;
    ctx.emit({
      type: 'info', node: id,
      message: `${ftNode.params?.method ?? node.params.method} (${node.params.arm}) on ${testCases.length} test cases: ` +
        Object.entries(summary).filter(([k]) => k !== 'testCases' && !k.endsWith('__excluded')).map(([k, v]) => `${k} ${Number.isFinite(v) ? v.toFixed(4) : 'n/a'}`).join(', '),
    });
    return { summary };
  } finally {
    model.dispose();
  }
};

// The `finetune` graph node: train a segmenter (U-Net decoder on the encoder, softmax over the
// classes) or a classifier (encoder + head) on a nested label-fraction subset of the downstream
// training cases, in one of the paper's three arms:
//   scratch   random initialisation, everything trainable;
//   frozen    pretrained encoder, never trained (decoder/head only);
//   finetune  pretrained encoder frozen for `warmup` epochs while the decoder/head trains, then
//             unfrozen — with a fresh Adam (`atUnfreeze: fresh`, as the authors' code) or the
//             optimiser state kept (`keep`).
// The convergence metric is measured on the fixed validation set after every epoch. Writes
// history.json (FinetuneHistory), model-spec.json (how to rebuild the network) and the
// model.* weights (saveWeights) into ctx.outDir.
//
// No data augmentation is applied at fine-tuning (the FinetuneSpec declares none); repetitions
// differ by initialisation, sample order and dropout seeds (runtime/eval/protocol.ts).

import * as tf from '@tensorflow/tfjs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataNode, FinetuneNode } from '../../core/graph.js';
import { metricInfo } from '../../core/metrics.js';
import { SslRuntimeError, type InputArtifact, type NodeContext, type NodeHandler } from '../contract.js';
import type { Case, LoadedDataset } from '../data/types.js';
import { readDatasetArtifact } from '../data/artifact.js';
import { emptyPolicyOf, evaluateClassification, higherIsBetter, metricKey, resolveRegion, segmentationMetric, type EmptyPolicy } from '../eval/metrics.js';
import { buildModel, extractSlice, predictGrade, predictSegmentation, upsampleOf, checkCaseFits, writeModelDescription, MODEL_FORMAT, type ModelDescription } from '../eval/predict.js';
import { foldOf, protocolSplit, repetitionSeeds } from '../eval/protocol.js';
import { saveWeights, transferEncoder } from '../models/weights.js';
import type { FinetuneHistory } from '../record.js';
import { Rng } from '../../core/rng.js';
import { convergenceMetric, finetuneLoss, labelIndexer } from '../train/finetune.js';
import { trainLoop, warmupFreeze } from '../train/loop.js';
import { msg, withCode } from '../../core/codes/index.js';

function inputOfKind(ctx: NodeContext<FinetuneNode>, kind: 'data' | 'pretrain'): InputArtifact | null {
  for (const id of ctx.node.inputs) {
    const a = ctx.inputs[id];
    if (a && a.node.kind === kind) return a;
  }
  return Object.values(ctx.inputs).find((a) => a.node.kind === kind) ?? null;
}

/** Map raw label values to class indices (0..K−1); SSL164 for a value outside `classes`. */
interface Sample {
  /** Case index into the dataset. */
  c: number;
  /** Slice index for sliced 2D fine-tuning; -1 for whole cases. */
  s: number;
}

export const finetuneHandler: NodeHandler<FinetuneNode> = async (ctx) => {
  const node = ctx.node;
  const p = node.params;
  const spec = p.finetune;
  const id = node.id;
  const dataIn = inputOfKind(ctx, 'data');
  if (!dataIn) throw new SslRuntimeError(msg('SSL160', 'noDownstreamDataset', { id, inputs: node.inputs.join(', ') }));
  const dataNode = dataIn.node as DataNode;
  const ds: LoadedDataset = await readDatasetArtifact(dataIn.dir);
  if (ds.split.train.length === 0) throw new SslRuntimeError(msg('SSL161', 'emptyTraining', { id, name: ds.name }));
  if (p.arm === 'finetune' && spec.warmup >= spec.train.epochs) {
    throw new SslRuntimeError(msg('SSL167', 'warmupTooLong', { id, warmup: spec.warmup, epochs: spec.train.epochs }));
  }
  const fold = foldOf(p.evaluation, p.repetition);
  const split = protocolSplit(ds, p.fraction, p.subsetSeed, fold);
  const seeds = repetitionSeeds(node.seed);
  const seg = spec.target === 'segmentation';
  const classes = spec.classes;
  const k = classes.length;
  const slices = spec.slices;
  const channels = p.inputShape[p.inputShape.length - 1]!;

  // Every case used must carry the label kind the target needs and fit the model input.
  const desc: ModelDescription = {
    format: MODEL_FORMAT, version: 1, target: spec.target, classes: [...classes], encoder: p.encoder, inputShape: [...p.inputShape],
    upsample: upsampleOf(p.encoder), slices, method: p.method, arm: p.arm, weights: 'model',
  };
  for (const i of [...split.train, ...split.val]) {
    const c = ds.cases[i]!;
    if (seg && !c.mask) throw new SslRuntimeError(msg('SSL160', 'noMask', { id, case: c.id }));
    if (!seg && c.grade === null) throw new SslRuntimeError(msg('SSL160', 'noGrade', { id, case: c.id }));
    if (!seg && !classes.includes(c.grade!)) throw new SslRuntimeError(msg('SSL164', 'trainGrade', { id, case: c.id, grade: String(c.grade), classes: classes.join(', ') }));
    checkCaseFits(c, desc);
  }
  const toIndex = labelIndexer(classes);
  const indexMasks = new Map<number, Uint8Array>();
  if (seg) for (const i of split.train) indexMasks.set(i, toIndex(ds.cases[i]!.mask!, ds.cases[i]!.id));
  // validate labels of the validation cases too (a bad value must fail before training, not in epoch 1)
  if (seg) for (const i of split.val) toIndex(ds.cases[i]!.mask!, ds.cases[i]!.id);

  ctx.emit({
    type: 'info', node: id,
    message: `${p.method} (${p.arm}), ${Math.round(p.fraction * 1000) / 10}% labels: ${split.train.length} of ${split.trainPoolSize} training cases, ${split.val.length} validation, repetition ${p.repetition}${fold ? ` (cross-validation: tests on fold ${fold.index + 1} of ${fold.count})` : ''}`,
  });
  if (p.fraction * split.trainPoolSize < 1 - 1e-9) {
    // The compiler catches this when the case count is declared; file datasets learn it here.
    ctx.emit({
      type: 'warning', node: id,
      message: `${Math.round(p.fraction * 1000) / 10}% of ${split.trainPoolSize} training cases is less than one case; training on 1 case (the fraction means ${Math.round((1000 / split.trainPoolSize)) / 10}% here)`,
    });
  }

  // ── model ──
  const model = buildModel(desc, seeds.init);
  try {
    if (p.arm !== 'scratch') {
      const pre = inputOfKind(ctx, 'pretrain');
      if (!pre) throw new SslRuntimeError(msg('SSL162', 'noPretrainInput', { id, arm: p.arm }));
      let report;
      try {
        report = await transferEncoder(pre.dir, model, {
          adapter: spec.adapter, fromChannels: p.pretrainedChannels ?? channels, toChannels: channels,
          fromNames: p.pretrainedChannelNames ?? null, toNames: p.channelNames ?? null,
        });
      } catch (e) {
        const reason = e instanceof SslRuntimeError ? `[${e.code}] ${e.message}` : (e as Error).message;
        throw new SslRuntimeError(msg('SSL162', 'cannotLoad', { id, node: pre.node.id, reason }), e instanceof SslRuntimeError ? e.file : pre.dir);
      }
      const [first, ...more] = report.adapted;
      if (first) {
        const m = report.mapping;
        const how = m ? `, by ${m.by}: ${m.pairs.join(', ')}` : '';
        const also = more.length > 0 ? `; also adapted: ${more.map((a) => a.name).join(', ')}` : '';
        ctx.emit({ type: 'info', node: id, message: `first convolution adapted ${first.from.join('×')} → ${first.to.join('×')} (${first.adapter}${how})${also}` });
        if (m && m.unmatched.length > 0) {
          ctx.emit({ type: 'warning', node: id, message: `channel names ${m.unmatched.join(', ')} have no pretrained counterpart; channels were paired by order` });
        }
      }
      for (const s of report.skipped) ctx.emit({ type: 'warning', node: id, message: withCode(msg('SSL163', 'notTransferred', { name: s.name, reason: s.reason })) });
    }

    // ── samples and batches ──
    const perVolume = slices ? Math.max(1, slices.perVolume) : 1;
    const samplesPerEpoch = split.train.length * (slices ? Math.min(perVolume, ds.cases[split.train[0]!]!.shape[slices.axis]!) : 1);
    const batch = Math.max(1, spec.train.batch);
    const steps = spec.train.stepsPerEpoch ?? Math.max(1, Math.ceil(samplesPerEpoch / batch));
    const sampleShape = p.inputShape;
    const sampleSize = sampleShape.reduce((a, b) => a * b, 1);
    const voxelsPerSample = sampleSize / channels;
    let order: Sample[] = [];
    let orderEpoch = -1;
    const drawOrder = (rng: Rng): Sample[] => {
      const list: Sample[] = [];
      for (const c of split.train) {
        if (!slices) list.push({ c, s: -1 });
        else {
          const n = ds.cases[c]!.shape[slices.axis]!;
          const pick = perVolume >= n ? Array.from({ length: n }, (_, i) => i) : rng.permutation(n).slice(0, perVolume);
          for (const s of pick) list.push({ c, s });
        }
      }
      return rng.shuffle(list);
    };
    const sampleData = (smp: Sample): { x: Float32Array; y: Uint8Array | null; grade: number } => {
      const c: Case = ds.cases[smp.c]!;
      if (smp.s < 0) return { x: c.image, y: seg ? indexMasks.get(smp.c)! : null, grade: classes.indexOf(c.grade ?? -1) };
      const ax = slices!.axis;
      return {
        x: extractSlice(c.image, c.shape, c.channels, ax, smp.s),
        y: seg ? extractSlice(indexMasks.get(smp.c)!, c.shape, 1, ax, smp.s) : null,
        grade: classes.indexOf(c.grade ?? -1),
      };
    };

    const weights = spec.classWeights;
    const frozenAt = p.arm === 'frozen' ? () => ['enc_'] : p.arm === 'finetune' ? warmupFreeze(spec.warmup) : undefined;
    const freshAt = p.arm === 'finetune' && spec.atUnfreeze === 'fresh' && spec.warmup > 0 ? [spec.warmup + 1] : [];

    // ── validation (convergence metric on the fixed validation set) ──
    const conv = convergenceMetric(node);
    const convKey = metricKey(conv);
    const policy: EmptyPolicy = emptyPolicyOf(p.evaluation);
    const regions = dataNode.kind === 'data' ? dataNode.params.dataset.regions : {};
    const validate = split.val.length === 0
      ? undefined
      : async (): Promise<Record<string, number>> => {
          if (seg) {
            const vals: number[] = [];
            for (const i of split.val) {
              const c = ds.cases[i]!;
              const pred = await predictSegmentation(model, c, desc);
              vals.push(segmentationMetric(conv, { id: c.id, reference: c.mask!, prediction: pred, shape: c.shape, spacing: c.spacing }, { regions, classes, policy }));
            }
            const kept = vals.filter((v) => !Number.isNaN(v));
            return { [convKey]: kept.length ? kept.reduce((a, b) => a + b, 0) / kept.length : NaN };
          }
          const ref: number[] = [];
          const pred: number[] = [];
          for (const i of split.val) {
            const c = ds.cases[i]!;
            ref.push(classes.indexOf(c.grade!));
            pred.push(classes.indexOf(await predictGrade(model, c, desc)));
          }
          return evaluateClassification([conv], ref, pred, k);
        };
    if (seg) {
      for (const m of [conv, ...p.evaluation.metrics]) {
        if (!metricInfo(m.metric).perRegion) continue;
        try {
          resolveRegion(m.region, regions, classes);
        } catch (e) {
          throw new SslRuntimeError(msg('SSL165', 'unknownRegion', { id, reason: (e as Error).message }));
        }
      }
    }
    if (!validate) ctx.emit({ type: 'warning', node: id, message: withCode(msg('SSL161', 'noValidation', { dataset: ds.name, node: id })) });
    const keepBest = spec.train.keep === 'best' && validate ? { metric: convKey, higherIsBetter: higherIsBetter(convKey) } : undefined;
    if (spec.train.keep === 'best' && !validate) ctx.emit({ type: 'warning', node: id, message: withCode(msg('SSL161', 'keepBestNoValidation', { node: id, what: ds.name })) });

    const result = await trainLoop<{ x: tf.Tensor; y: tf.Tensor }>({
      ctx, node: id, seed: seeds.order, epochs: spec.train.epochs, stepsPerEpoch: steps, batchSize: batch,
      model, optimizer: spec.train.optimizer, frozenAt, freshOptimizerAt: freshAt, onNaN: spec.train.onNaN, keepBest,
      prepare: (rng, epoch, step) => {
        if (orderEpoch !== epoch || step === 0) {
          order = drawOrder(rng);
          orderEpoch = epoch;
        }
        const xb = new Float32Array(batch * sampleSize);
        const yb = new Float32Array(batch * (seg ? voxelsPerSample * k : k));
        for (let b = 0; b < batch; b++) {
          const smp = order[(step * batch + b) % order.length]!;
          const d = sampleData(smp);
          xb.set(d.x, b * sampleSize);
          if (seg) {
            const base = b * voxelsPerSample * k;
            const y = d.y!;
            for (let v = 0; v < voxelsPerSample; v++) yb[base + v * k + y[v]!] = 1;
          } else yb[b * k + d.grade] = 1;
        }
        return { x: tf.tensor(xb, [batch, ...sampleShape]), y: tf.tensor(yb, seg ? [batch, ...sampleShape.slice(0, -1), k] : [batch, k]) };
      },
      step: (_s, b) => {
        const out = model.apply(b.x, { training: true }) as tf.Tensor;
        return finetuneLoss(spec.loss, b.y, out, weights);
      },
      validate: validate ? async () => validate() : undefined,
    });
    if (result.interrupted) ctx.signal.throwIfAborted();

    // ── artifact ──
    const history: FinetuneHistory = {
      epochs: result.epochs.map((e) => ({ epoch: e.epoch, loss: e.loss, metrics: e.metrics, durationMs: e.durationMs, frozen: e.frozen.length > 0 })),
      trainCases: split.trainIds,
      valCases: split.valIds,
      ...(keepBest ? { keptEpoch: result.keptEpoch } : {}),
    };
    await writeFile(join(ctx.outDir, 'history.json'), JSON.stringify(history, null, 1) + '\n');
    await saveWeights(model, ctx.outDir, 'model', { node: id, method: p.method, arm: p.arm });
    await writeModelDescription(ctx.outDir, desc);
    const last = result.epochs[result.epochs.length - 1];
    const convVals = result.epochs.map((e) => e.metrics[convKey]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const summary: Record<string, number> = { epochs: result.epochs.length, trainCases: split.train.length, loss: last?.loss ?? NaN };
    if (last && convKey in last.metrics) summary[`val_${convKey}`] = last.metrics[convKey]!;
    if (convVals.length) summary[`best_val_${convKey}`] = higherIsBetter(convKey) ? Math.max(...convVals) : Math.min(...convVals);
    if (keepBest && result.keptEpoch !== null) summary['kept_epoch'] = result.keptEpoch;
    return { summary };
  } finally {
    model.dispose();
  }
};


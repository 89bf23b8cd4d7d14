// The fine-tuned model artifact (model-spec.json + model.* weights), slicing of volumes for 2D
// models, and prediction of whole cases (shared by fine-tuning validation and the evaluate node).
//
// Inference is whole-volume (or whole-slice): at our sizes (≤ 128³ after preprocessing) one
// forward pass fits comfortably, and it avoids the seams and the overlap bookkeeping of a
// sliding window. The input must have exactly the model's spatial size (the data node resizes).

import * as tf from '@tensorflow/tfjs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EncoderSpec, FinetuneSpec } from '../../core/graph.js';
import { SslRuntimeError } from '../contract.js';
import type { Case } from '../data/types.js';
import { buildClassifier, buildEncoder, buildSegmenter } from '../models/unet.js';
import { loadWeights } from '../models/weights.js';
import { argmaxInto } from './metrics.js';
import { msg } from '../../core/codes/index.js';

export const MODEL_FORMAT = 'ssl3d-model';
/** File name of the model description in a finetune node's folder. */
export const MODEL_SPEC_FILE = 'model-spec.json';

/**
 * `model-spec.json` in a finetune node's folder: everything needed to rebuild the network (the
 * weights themselves are `model.json` + `model.bin`, written by saveWeights).
 */
export interface ModelDescription {
  format: typeof MODEL_FORMAT;
  version: 1;
  target: FinetuneSpec['target'];
  /** Segmentation: label values (incl. background 0), output channel k ↔ classes[k]. Classification: grades. */
  classes: number[];
  encoder: EncoderSpec;
  /** Model input shape without the batch axis (2D slice shape + channels for sliced models). */
  inputShape: number[];
  upsample: 'transpose' | 'upsample';
  /** For 2D models on 3D volumes: the slicing axis. */
  slices: { axis: 0 | 1 | 2; perVolume: number } | null;
  method: string;
  arm: string;
  /** Weights file name (without extension) beside model.json. */
  weights: string;
}

export function upsampleOf(spec: EncoderSpec): 'transpose' | 'upsample' {
  return spec.kind === 'densenet2d' ? 'transpose' : spec.upsample;
}

/** Build the (untrained) network a description names. */
export function buildModel(desc: Pick<ModelDescription, 'target' | 'classes' | 'encoder' | 'inputShape' | 'upsample'>, seed: number): tf.LayersModel {
  const enc = buildEncoder(desc.encoder, desc.inputShape, seed);
  return desc.target === 'segmentation' ? buildSegmenter(enc, desc.classes.length, seed, desc.upsample) : buildClassifier(enc, desc.classes.length, seed);
}

export async function writeModelDescription(dir: string, desc: ModelDescription): Promise<void> {
  await writeFile(join(dir, MODEL_SPEC_FILE), JSON.stringify(desc, null, 2) + '\n');
}

/** Rebuild a fine-tuned model from its artifact folder. */
export async function loadFinetunedModel(dir: string): Promise<{ model: tf.LayersModel; desc: ModelDescription }> {
  const file = join(dir, MODEL_SPEC_FILE);
  let desc: ModelDescription;
  try {
    desc = JSON.parse(await readFile(file, 'utf8')) as ModelDescription;
  } catch (e) {
    throw new SslRuntimeError(msg('SSL166', 'unreadableDescription', { reason: (e as Error).message }), file);
  }
  if (desc.format !== MODEL_FORMAT || !Array.isArray(desc.inputShape) || !Array.isArray(desc.classes)) {
    throw new SslRuntimeError(msg('SSL166', 'notDescription', { file }), file);
  }
  const model = buildModel(desc, 0);
  try {
    await loadWeights(model, dir, desc.weights);
  } catch (e) {
    model.dispose();
    const reason = e instanceof SslRuntimeError ? `[${e.code}] ${e.message}` : (e as Error).message;
    throw new SslRuntimeError(msg('SSL166', 'cannotLoadWeights', { reason }), join(dir, `${desc.weights}.json`));
  }
  return { model, desc };
}

// ─────────────────────────── slicing ───────────────────────────

/** Spatial shape of a slice perpendicular to `axis` of a [D,H,W] volume. */
export function sliceShape(shape: readonly number[], axis: number): [number, number] {
  const rest = [0, 1, 2].filter((a) => a !== axis);
  return [shape[rest[0]!]!, shape[rest[1]!]!];
}

function sliceIndex(shape: readonly number[], axis: number, s: number, i: number, j: number): number {
  const [D, H, W] = [shape[0]!, shape[1]!, shape[2]!];
  void D;
  const c = axis === 0 ? [s, i, j] : axis === 1 ? [i, s, j] : [i, j, s];
  return (c[0]! * H + c[1]!) * W + c[2]!;
}

/** Copy slice `s` along `axis` of a channels-last [D,H,W,C] array into a new [h,w,C] array. */
export function extractSlice<T extends Float32Array | Uint8Array>(data: T, shape: readonly number[], channels: number, axis: number, s: number): T {
  const [h, w] = sliceShape(shape, axis);
  const out = (data instanceof Float32Array ? new Float32Array(h * w * channels) : new Uint8Array(h * w * channels)) as T;
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const src = sliceIndex(shape, axis, s, i, j) * channels;
      const dst = (i * w + j) * channels;
      for (let c = 0; c < channels; c++) out[dst + c] = data[src + c]!;
    }
  }
  return out;
}

/** Write a [h,w] label slice back into slice `s` along `axis` of a [D,H,W] volume. */
export function placeSlice(target: Uint8Array, shape: readonly number[], axis: number, s: number, slice: Uint8Array): void {
  const [h, w] = sliceShape(shape, axis);
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) target[sliceIndex(shape, axis, s, i, j)] = slice[i * w + j]!;
}

// ─────────────────────────── prediction ───────────────────────────

/** Check that a case fits the model input; throws SSL160 with both shapes otherwise. */
export function checkCaseFits(c: Case, desc: Pick<ModelDescription, 'inputShape' | 'slices'>): void {
  const want = desc.inputShape;
  const spatial = desc.slices ? sliceShape(c.shape, desc.slices.axis) : c.shape;
  const got = [...spatial, c.channels];
  if (got.length !== want.length || got.some((v, i) => v !== want[i])) {
    throw new SslRuntimeError(
      msg('SSL160', 'wrongSize', { id: c.id, got: desc.slices ? `slices of shape [${got.join(', ')}] (axis ${desc.slices.axis})` : `shape [${got.join(', ')}]`, want: want.join(', ') }),
    );
  }
}

/** Predicted label volume (raw label values, e.g. 0/1/2/4) for one case. */
export async function predictSegmentation(model: tf.LayersModel, c: Case, desc: Pick<ModelDescription, 'inputShape' | 'slices' | 'classes'>, sliceBatch = 8): Promise<Uint8Array> {
  checkCaseFits(c, desc);
  const nvox = c.shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(nvox);
  if (!desc.slices) {
    const probs = tf.tidy(() => model.predict(tf.tensor(c.image, [1, ...desc.inputShape])) as tf.Tensor);
    const data = (await probs.data()) as Float32Array;
    probs.dispose();
    argmaxInto(data, desc.classes, out);
    return out;
  }
  const axis = desc.slices.axis;
  const n = c.shape[axis]!;
  const [h, w] = sliceShape(c.shape, axis);
  for (let s0 = 0; s0 < n; s0 += sliceBatch) {
    const count = Math.min(sliceBatch, n - s0);
    const buf = new Float32Array(count * h * w * c.channels);
    for (let b = 0; b < count; b++) buf.set(extractSlice(c.image, c.shape, c.channels, axis, s0 + b), b * h * w * c.channels);
    const probs = tf.tidy(() => model.predict(tf.tensor(buf, [count, ...desc.inputShape])) as tf.Tensor);
    const data = (await probs.data()) as Float32Array;
    probs.dispose();
    const labels = new Uint8Array(count * h * w);
    argmaxInto(data, desc.classes, labels);
    for (let b = 0; b < count; b++) placeSlice(out, c.shape, axis, s0 + b, labels.subarray(b * h * w, (b + 1) * h * w));
  }
  return out;
}

/** Predicted grade (a value of `classes`) for one case. */
export async function predictGrade(model: tf.LayersModel, c: Case, desc: Pick<ModelDescription, 'inputShape' | 'slices' | 'classes'>): Promise<number> {
  checkCaseFits(c, { ...desc, slices: null });
  const probs = tf.tidy(() => model.predict(tf.tensor(c.image, [1, ...desc.inputShape])) as tf.Tensor);
  const data = (await probs.data()) as Float32Array;
  probs.dispose();
  const out = new Uint8Array(1);
  argmaxInto(data, desc.classes, out);
  return out[0]!;
}

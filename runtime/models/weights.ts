// Weight files without tfjs-node: our own file-system format, by layer/weight name.
//
//   <name>.json  { format: 'ssl3d-weights', version: 1, bin, bytes, sha256, weights: [{ name, shape,
//                  dtype, offset, length }], meta }   (the manifest; written last = commit marker)
//   <name>.bin   little-endian float32 values, concatenated in manifest order
//
// Names are tfjs' original (un-suffixed) weight names `<layer>/<weight>` (`enc_l0_conv1/kernel`,
// `enc_l0_norm1/moving_mean`), so a file loads into any model with the same layer names —
// including one built for another input size. Both files are written to a temporary name and
// renamed, so a killed process never leaves a half-written file under the real name.

import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SslRuntimeError } from '../contract.js';
import { channelMapping, type ChannelMapping } from '../../core/channels.js';
import { msg } from '../../core/codes/index.js';

export { channelMapping, type ChannelMapping };

export const WEIGHTS_FORMAT = 'ssl3d-weights';

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  /** Offset in float32 elements. */
  offset: number;
  length: number;
}

export interface WeightsManifest {
  format: typeof WEIGHTS_FORMAT;
  version: 1;
  bin: string;
  bytes: number;
  sha256: string;
  weights: WeightEntry[];
  meta: Record<string, unknown>;
}

/** Tensors read from a weights file, by name. */
export interface StoredTensor {
  shape: number[];
  data: Float32Array;
}

function weightKey(v: tf.LayerVariable): string {
  return v.originalName;
}

async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, file);
}

/** Write named tensors (any order) as `<name>.json` + `<name>.bin` in `dir`. */
export async function saveTensors(
  dir: string,
  name: string,
  tensors: Array<{ name: string; tensor: tf.Tensor }>,
  meta: Record<string, unknown> = {},
): Promise<WeightsManifest> {
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name)) throw new SslRuntimeError(msg('SSL140', 'duplicateTensor', { name: t.name, file: name }), path.join(dir, `${name}.json`));
    seen.add(t.name);
  }
  await fs.mkdir(dir, { recursive: true });
  const entries: WeightEntry[] = [];
  const datas: Float32Array[] = [];
  let offset = 0;
  for (const t of tensors) {
    const d = t.tensor.dtype === 'float32' ? ((await t.tensor.data()) as Float32Array) : Float32Array.from(await t.tensor.data());
    entries.push({ name: t.name, shape: [...t.tensor.shape], dtype: 'float32', offset, length: d.length });
    datas.push(d);
    offset += d.length;
  }
  const buf = new Float32Array(offset);
  let o = 0;
  for (const d of datas) {
    buf.set(d, o);
    o += d.length;
  }
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const manifest: WeightsManifest = { format: WEIGHTS_FORMAT, version: 1, bin: `${name}.bin`, bytes: bytes.byteLength, sha256, weights: entries, meta };
  await writeAtomic(path.join(dir, `${name}.bin`), bytes);
  await writeAtomic(path.join(dir, `${name}.json`), JSON.stringify(manifest, null, 1));
  return manifest;
}

/** Read a weights file written by saveTensors/saveWeights; checks size and sha256. */
export async function loadTensors(dir: string, name: string): Promise<{ manifest: WeightsManifest; tensors: Map<string, StoredTensor> }> {
  const jsonFile = path.join(dir, `${name}.json`);
  let text: string;
  try {
    text = await fs.readFile(jsonFile, 'utf8');
  } catch (e) {
    throw new SslRuntimeError(msg('SSL130', 'manifestUnreadable', { name, dir, reason: (e as NodeJS.ErrnoException).code ?? String(e) }), jsonFile);
  }
  let manifest: WeightsManifest;
  try {
    manifest = JSON.parse(text) as WeightsManifest;
  } catch {
    throw new SslRuntimeError(msg('SSL131', 'manifestNotJson', { jsonFile }), jsonFile);
  }
  if (manifest?.format !== WEIGHTS_FORMAT || !Array.isArray(manifest.weights)) {
    throw new SslRuntimeError(msg('SSL131', 'notManifest', { jsonFile, format: String(manifest?.format) }), jsonFile);
  }
  const binFile = path.join(dir, manifest.bin);
  let raw: Buffer;
  try {
    raw = await fs.readFile(binFile);
  } catch (e) {
    throw new SslRuntimeError(msg('SSL130', 'dataUnreadable', { bin: manifest.bin, name, dir, reason: (e as NodeJS.ErrnoException).code ?? String(e) }), binFile);
  }
  if (raw.byteLength !== manifest.bytes) {
    throw new SslRuntimeError(msg('SSL131', 'sizeMismatch', { binFile, byteLength: raw.byteLength, bytes: manifest.bytes }), binFile);
  }
  const sha = createHash('sha256').update(raw).digest('hex');
  if (sha !== manifest.sha256) throw new SslRuntimeError(msg('SSL131', 'shaMismatch', { binFile }), binFile);
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const tensors = new Map<string, StoredTensor>();
  for (const w of manifest.weights) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    if (n !== w.length || w.offset < 0 || w.offset + w.length > all.length) {
      throw new SslRuntimeError(msg('SSL131', 'entryOutside', { jsonFile, name: w.name, shape: w.shape.join(', ') }), jsonFile);
    }
    tensors.set(w.name, { shape: w.shape, data: all.subarray(w.offset, w.offset + w.length) });
  }
  return { manifest, tensors };
}

/** All weights (trainable and not, e.g. BN moving statistics) of a model, keyed by name. */
export function namedWeights(model: tf.LayersModel): Map<string, tf.LayerVariable> {
  const out = new Map<string, tf.LayerVariable>();
  for (const v of model.weights) {
    const k = weightKey(v);
    if (out.has(k) && out.get(k) !== v) {
      throw new SslRuntimeError(msg('SSL140', 'duplicateWeight', { model: model.name, weight: k }));
    }
    out.set(k, v);
  }
  return out;
}

/** Save every weight of `model` as `<dir>/<name>.json|.bin` (atomic). */
export async function saveWeights(model: tf.LayersModel, dir: string, name = 'weights', meta: Record<string, unknown> = {}): Promise<WeightsManifest> {
  const ws = namedWeights(model);
  return saveTensors(dir, name, [...ws].map(([k, v]) => ({ name: k, tensor: v.read() })), { model: model.name, ...meta });
}

export interface LoadOptions {
  /** Only model weights whose name starts with this prefix are loaded (e.g. 'enc_'). */
  prefix?: string;
  /** Strict (default): every selected model weight must be in the file with the same shape. */
  strict?: boolean;
  /** Model weights to leave untouched (not loaded, not reported missing). */
  exclude?: string[];
}

export interface LoadReport {
  /** Model weights set from the file. */
  loaded: string[];
  /** Selected model weights the file lacks (non-strict only). */
  missing: string[];
  /** Weights present in both with different shapes (non-strict only; left as they were). */
  mismatched: Array<{ name: string; file: number[]; model: number[] }>;
  /** Entries of the file the model did not use (within the prefix). */
  unused: string[];
}

/** Load weights by name into `model`, with shape checks. */
export async function loadWeights(model: tf.LayersModel, dir: string, name = 'weights', opts: LoadOptions = {}): Promise<LoadReport> {
  const { tensors } = await loadTensors(dir, name);
  return assignWeights(model, tensors, path.join(dir, `${name}.json`), opts);
}

/** Assign already-read tensors by name (the core of loadWeights). */
export function assignWeights(model: tf.LayersModel, tensors: Map<string, StoredTensor>, file: string, opts: LoadOptions = {}): LoadReport {
  const strict = opts.strict ?? true;
  const prefix = opts.prefix ?? '';
  const report: LoadReport = { loaded: [], missing: [], mismatched: [], unused: [] };
  const ws = namedWeights(model);
  const updates: Array<[tf.LayerVariable, StoredTensor]> = [];
  for (const [k, v] of ws) {
    if (!k.startsWith(prefix) || opts.exclude?.includes(k)) continue;
    const t = tensors.get(k);
    if (!t) {
      if (strict) throw new SslRuntimeError(msg('SSL132', 'missingWeight', { file: path.basename(file), weight: k, model: model.name }), file);
      report.missing.push(k);
      continue;
    }
    const ms = v.shape as number[];
    if (ms.length !== t.shape.length || ms.some((d, i) => d !== t.shape[i])) {
      if (strict) {
        throw new SslRuntimeError(msg('SSL133', 'shapeMismatch', { weight: k, shape: t.shape.join(', '), file: path.basename(file), modelShape: ms.join(', '), model: model.name }), file);
      }
      report.mismatched.push({ name: k, file: t.shape, model: ms });
      continue;
    }
    updates.push([v, t]);
  }
  for (const [v, t] of updates) {
    tf.tidy(() => {
      v.write(tf.tensor(t.data, t.shape, 'float32'));
    });
    report.loaded.push(v.originalName);
  }
  for (const k of tensors.keys()) if (k.startsWith(prefix) && !ws.has(k)) report.unused.push(k);
  return report;
}

export interface ParamCount {
  trainable: number;
  nonTrainable: number;
  total: number;
}

/** Parameter counts (BN moving statistics are non-trainable parameters, as in Keras). */
export function countParams(model: tf.LayersModel): ParamCount {
  const size = (s: Array<number | null>): number => s.reduce<number>((a, b) => a * (b ?? 1), 1);
  let trainable = 0;
  let nonTrainable = 0;
  for (const v of model.weights) {
    if (v.trainable) trainable += size(v.shape);
    else nonTrainable += size(v.shape);
  }
  return { trainable, nonTrainable, total: trainable + nonTrainable };
}

// ───────────────────────── encoder transfer + channel adapter ─────────────────────────

export type ChannelAdapter = 'duplicate' | 'average' | 'zero' | 'none';

export interface TransferOptions {
  adapter: ChannelAdapter;
  fromChannels: number;
  toChannels: number;
  /** Channel (modality) names of the pretraining data, in channel order; null/absent = unknown. */
  fromNames?: readonly string[] | null;
  /** Channel names of the fine-tuning data; with `fromNames`, `duplicate` pairs channels by name. */
  toNames?: readonly string[] | null;
  /** Weights file name in `fromDir` (default 'encoder'). */
  name?: string;
  /** Prefix of the transferred layers (default 'enc_'). */
  prefix?: string;
}

/**
 * Adapt a kernel that reads the input, [..., C, F] → [..., C′, F]:
 * - duplicate: channel j takes source channel sources[j] (default j mod C), divided by the number
 *   of fine-tuning channels that take the same source;
 * - average:   every channel takes the mean over the C source channels, scaled by C/C′;
 * - zero:      the first min(C, C′) channels are copied, the rest are zero.
 * The scales preserve the layer's response to an input whose paired channels are alike (BraTS
 * t1 and t1ce both ≈ the pretrained t1, t2 and flair both ≈ the pretrained flair): the copies of
 * one source channel sum to that channel's pretrained kernel.
 */
export function adaptKernel(kernel: StoredTensor, toChannels: number, adapter: Exclude<ChannelAdapter, 'none'>, sources?: readonly number[]): StoredTensor {
  const shape = kernel.shape;
  const c = shape[shape.length - 2]!;
  const f = shape[shape.length - 1]!;
  const spatial = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const out = new Float32Array(spatial * toChannels * f);
  const srcOf = Array.from({ length: toChannels }, (_, j) => sources?.[j] ?? j % c);
  const copies = new Array<number>(c).fill(0);
  for (const s of srcOf) copies[s]!++;
  const avgScale = c / toChannels;
  const src = kernel.data;
  for (let s = 0; s < spatial; s++) {
    const so = s * c * f;
    const to = s * toChannels * f;
    for (let j = 0; j < toChannels; j++) {
      for (let k = 0; k < f; k++) {
        let v: number;
        if (adapter === 'duplicate') v = src[so + srcOf[j]! * f + k]! / copies[srcOf[j]!]!;
        else if (adapter === 'average') {
          let m = 0;
          for (let i = 0; i < c; i++) m += src[so + i * f + k]!;
          v = (m / c) * avgScale;
        } else v = j < c ? src[so + j * f + k]! : 0;
        out[to + j * f + k] = v;
      }
    }
  }
  return { shape: [...shape.slice(0, -2), toChannels, f], data: out };
}

export interface AdaptedKernel {
  name: string;
  from: number[];
  to: number[];
  adapter: ChannelAdapter;
}

export interface TransferReport extends LoadReport {
  /** Number of tensors copied (adapted kernels included). */
  count: number;
  /** Every kernel that reads the model input and was adapted (first conv, residual shortcut, …). */
  adapted: AdaptedKernel[];
  /** How the channels were paired (when any kernel was adapted). */
  mapping: ChannelMapping | null;
  /** Weights not transferred (input-reading kernels with adapter 'none'), with the reason. */
  skipped: Array<{ name: string; reason: string }>;
}

/**
 * Names of the kernels (`<layer>/kernel`) of layers that read one of the model's inputs directly:
 * the first convolution, and with residual blocks also the first block's 1×1 shortcut projection.
 * Each has the input channels on its second-last axis, so each must be adapted.
 */
export function inputReadingKernels(model: tf.LayersModel): string[] {
  const inputs = new Set<string>(model.inputLayers.map((l) => l.name));
  const out: string[] = [];
  for (const layer of model.layers) {
    if (inputs.has(layer.name)) continue;
    const readsInput = layer.inboundNodes.some((n) => n.inboundLayers.some((l) => inputs.has(l.name)));
    if (!readsInput) continue;
    for (const w of layer.weights) if (w.originalName.endsWith('/kernel') && w.shape.length >= 3) out.push(w.originalName);
  }
  return out;
}

/**
 * Load the encoder (`enc_`) weights saved in `fromDir` into a downstream model, adapting every
 * kernel that reads the input from `fromChannels` to `toChannels` channels. Every other encoder
 * weight must match by name and shape (SSL132/SSL133 otherwise); non-encoder layers are left as
 * they are.
 */
export async function transferEncoder(fromDir: string, toModel: tf.LayersModel, opts: TransferOptions): Promise<TransferReport> {
  const name = opts.name ?? 'encoder';
  const prefix = opts.prefix ?? 'enc_';
  const file = path.join(fromDir, `${name}.json`);
  const { tensors } = await loadTensors(fromDir, name);
  const encNames = [...tensors.keys()].filter((k) => k.startsWith(prefix));
  if (encNames.length === 0) throw new SslRuntimeError(msg('SSL134', 'noEncoderWeights', { name, fromDir, prefix }), file);
  const ws = namedWeights(toModel);
  const skipped: TransferReport['skipped'] = [];
  const adapted: AdaptedKernel[] = [];
  let mapping: ChannelMapping | null = null;
  const use = new Map(tensors);
  for (const k of inputReadingKernels(toModel)) {
    const v = ws.get(k);
    const stored = tensors.get(k);
    if (!k.startsWith(prefix) || !v || !stored) continue;
    const modelC = v.shape[v.shape.length - 2] as number;
    const fileC = stored.shape[stored.shape.length - 2]!;
    if (fileC !== opts.fromChannels) {
      throw new SslRuntimeError(msg('SSL134', 'fileChannels', { kernel: k, name, channels: fileC, fromChannels: opts.fromChannels }), file);
    }
    if (modelC !== opts.toChannels) {
      throw new SslRuntimeError(msg('SSL134', 'modelChannels', { kernel: k, model: toModel.name, channels: modelC, toChannels: opts.toChannels }), file);
    }
    if (fileC === modelC) continue;
    if (opts.adapter === 'none') {
      use.delete(k);
      skipped.push({ name: k, reason: `adapter 'none': ${fileC} → ${modelC} input channels, left at its random initialisation` });
      continue;
    }
    mapping ??= channelMapping(fileC, modelC, opts.fromNames, opts.toNames);
    use.set(k, adaptKernel(stored, modelC, opts.adapter, mapping.sources));
    adapted.push({ name: k, from: stored.shape, to: [...(v.shape as number[])], adapter: opts.adapter });
  }
  const rep = assignWeights(toModel, use, file, { prefix, strict: true, exclude: skipped.map((s) => s.name) });
  return { ...rep, count: rep.loaded.length, adapted, mapping: adapted.length > 0 && opts.adapter === 'duplicate' ? mapping : null, skipped };
}

// ───────────────────────── tf.io handler (whole models) ─────────────────────────

/**
 * A tf.io.IOHandler on the local file system (what `file://` does with tfjs-node, which we
 * cannot use): `model.save(fileIOHandler(dir))` writes `<name>.model.json` (Keras-style topology
 * + weights manifest) and `<name>.model.bin`, atomically; `tf.loadLayersModel(fileIOHandler(dir))`
 * reads them back, custom layers included (they are registered with tf.serialization).
 * Our checkpoints and artifacts use saveWeights (by name, topology-free); this is for exporting a
 * self-contained model.
 */
export function fileIOHandler(dir: string, name = 'model'): tf.io.IOHandler {
  const jsonFile = path.join(dir, `${name}.model.json`);
  const binName = `${name}.model.bin`;
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      await fs.mkdir(dir, { recursive: true });
      const data = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
        weightsManifest: [{ paths: [binName], weights: artifacts.weightSpecs ?? [] }],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
      };
      await writeAtomic(path.join(dir, binName), new Uint8Array(data));
      await writeAtomic(jsonFile, JSON.stringify(json));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology ?? null).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: data.byteLength,
        },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(await fs.readFile(jsonFile, 'utf8')) as tf.io.ModelJSON;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new SslRuntimeError(code ? msg('SSL130', 'cannotReadModel', { file: jsonFile, reason: code }) : msg('SSL131', 'cannotReadModel', { file: jsonFile, reason: 'not valid JSON' }), jsonFile);
      }
      const specs = json.weightsManifest.flatMap((g) => g.weights);
      const bufs: ArrayBuffer[] = [];
      for (const g of json.weightsManifest) {
        for (const p of g.paths) {
          const f = path.join(dir, p);
          try {
            const b = await fs.readFile(f);
            bufs.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
          } catch (e) {
            throw new SslRuntimeError(msg('SSL130', 'weightsUnreadable', { file: f, jsonFile, reason: (e as NodeJS.ErrnoException).code ?? String(e) }), f);
          }
        }
      }
      const weightData = tf.io.concatenateArrayBuffers(bufs);
      const expected = specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1) * 4, 0);
      if (weightData.byteLength !== expected) {
        throw new SslRuntimeError(msg('SSL131', 'truncated', { jsonFile, byteLength: weightData.byteLength, expected }), jsonFile);
      }
      return { modelTopology: json.modelTopology, weightSpecs: specs, weightData, format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy };
    },
  };
}

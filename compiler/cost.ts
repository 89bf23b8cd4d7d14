// Analytic cost of a graph node: trainable parameters, forward activation memory per batch,
// FLOPs per optimiser step and the number of steps. Pure arithmetic (no tfjs), so `plan` is fast.
//
// Parameters are counted as a Keras / tfjs-layers model counts its *trainable* weights:
//   conv (kernel k, d spatial dims):  k^d · c_in · c_out  (+ c_out bias; DenseNet convs have no bias)
//   transposed conv (kernel 2):       2^d · c_in · c_out + c_out
//   dense:                            in · out + out
//   batch / instance norm:            2 · c (gamma, beta; the moving mean/variance are not trainable)
//   GRU (tfjs-layers, one bias):      3 · units · (in + units) + 3 · units
// U-Net block (plain):    conv3 → norm → ReLU → [dropout] → conv3 → norm → ReLU
// U-Net block (residual): the same plus a 1×1 conv shortcut when c_in ≠ c_out, added before the last ReLU.
// Encoder level l has filters[l]; levels 0…L−2 are followed by a 2× max-pool; the bottleneck
// (level L−1) by the optional final pool. The decoder mirrors the encoder: per level an upsampling
// (transposed conv 2, or nearest upsampling + conv 3) to filters[l], concatenation with the skip,
// and a block of 2·filters[l] → filters[l]; then a 1×1 conv to the classes. A final pool is
// undone by nearest up-sampling first. (Matches runtime/models/unet.ts buildSegmenter: the
// authors-code preset at 1 channel has 3 535 440 trainable encoder and 2 112 468 decoder
// parameters for 4 classes.)
// DenseNet follows keras.applications.DenseNet (stem conv 7×7/2 + BN + max-pool/2, dense layers
// BN-ReLU-conv1×1(4g)-BN-ReLU-conv3×3(g), transitions BN-conv1×1(θc)-avgpool/2, final BN).
//
// Task heads see the bottleneck flattened when it has ≤ 8192 values, else global-average-pooled
// (as runtime/tasks does). Activation memory counts every layer output a forward pass keeps for
// backprop (conv with its fused ReLU, norm, dropout, pooling, concatenation, dense), float32,
// times the batch size.
// FLOPs: 2 per multiply–add of convs and dense layers (norms and activations ignored);
// one step ≈ 3 × forward (forward + backward for activations and weights).
import { featureModeOf } from '../core/geometry.js';
import { pretextTask, type HeadBuilder, type PretextTaskDef } from './tasks/index.js';
import type { CostEstimate, EncoderSpec, PretextSpec, TrainSpec } from '../core/graph.js';

interface Tally {
  params: number;
  /** float32 elements of kept activations, per sample */
  acts: number;
  /** forward FLOPs per sample */
  flops: number;
}

const zero = (): Tally => ({ params: 0, acts: 0, flops: 0 });

function prod(xs: number[]): number {
  return xs.reduce((a, b) => a * b, 1);
}

class Walker {
  t: Tally = zero();
  constructor(readonly d: number) {}
  conv(spatialOut: number[], cin: number, cout: number, k: number, bias = true): void {
    const kk = k ** this.d;
    this.t.params += kk * cin * cout + (bias ? cout : 0);
    const n = prod(spatialOut);
    this.t.flops += 2 * kk * cin * cout * n;
    this.t.acts += n * cout;
  }
  norm(spatial: number[], c: number, kind: 'batch' | 'instance' | 'none'): void {
    if (kind === 'none') return;
    this.t.params += 2 * c;
    this.t.acts += prod(spatial) * c;
  }
  act(spatial: number[], c: number): void {
    this.t.acts += prod(spatial) * c;
  }
  dense(inp: number, out: number): void {
    this.t.params += inp * out + out;
    this.t.flops += 2 * inp * out;
    this.t.acts += out;
  }
}

const half = (s: number[]): number[] => s.map((x) => Math.max(1, Math.floor(x / 2)));

function unetBlock(w: Walker, spatial: number[], cin: number, f: number, enc: Extract<EncoderSpec, { kind: 'unet3d' | 'unet2d' }>): void {
  // conv (ReLU fused) → norm → [dropout] → conv (ReLU fused) → norm [→ + shortcut]
  w.conv(spatial, cin, f, 3);
  w.norm(spatial, f, enc.norm);
  if (enc.dropout > 0) w.act(spatial, f);
  w.conv(spatial, f, f, 3);
  w.norm(spatial, f, enc.norm);
  if (enc.block === 'residual') {
    if (cin !== f) w.conv(spatial, cin, f, 1);
    w.act(spatial, f); // the sum
  }
}

/** Encoder forward over one sample; returns the output spatial shape and channels. */
function encoderWalk(w: Walker, enc: EncoderSpec, spatial: number[], cin: number): { spatial: number[]; channels: number; skips: Array<{ spatial: number[]; channels: number }> } {
  const skips: Array<{ spatial: number[]; channels: number }> = [];
  if (enc.kind === 'densenet2d') {
    let s = half(spatial);
    w.conv(s, cin, enc.initFilters, 7, false);
    w.norm(s, enc.initFilters, 'batch');
    w.act(s, enc.initFilters);
    s = half(s);
    w.act(s, enc.initFilters);
    let c = enc.initFilters;
    enc.blocks.forEach((layers, bi) => {
      for (let i = 0; i < layers; i++) {
        w.norm(s, c, 'batch');
        w.act(s, c);
        w.conv(s, c, 4 * enc.growth, 1, false);
        w.norm(s, 4 * enc.growth, 'batch');
        w.act(s, 4 * enc.growth);
        w.conv(s, 4 * enc.growth, enc.growth, 3, false);
        c += enc.growth;
        w.act(s, c); // concatenation
      }
      if (bi < enc.blocks.length - 1) {
        w.norm(s, c, 'batch');
        w.act(s, c);
        const co = Math.floor(c * enc.compression);
        w.conv(s, c, co, 1, false);
        c = co;
        s = half(s);
        w.act(s, c);
      }
    });
    w.norm(s, c, 'batch');
    w.act(s, c);
    return { spatial: s, channels: c, skips };
  }
  let s = spatial;
  let c = cin;
  enc.filters.forEach((f, l) => {
    unetBlock(w, s, c, f, enc);
    c = f;
    if (l < enc.levels - 1) {
      skips.push({ spatial: s, channels: c });
      s = half(s);
      w.act(s, c);
    }
  });
  if (enc.finalPool !== 'none') {
    s = half(s);
    w.act(s, c);
  }
  return { spatial: s, channels: c, skips };
}

function decoderWalk(w: Walker, enc: Extract<EncoderSpec, { kind: 'unet3d' | 'unet2d' }>, bottom: { spatial: number[]; channels: number }, skips: Array<{ spatial: number[]; channels: number }>, classes: number): void {
  let c = bottom.channels;
  let s = bottom.spatial;
  if (enc.finalPool !== 'none' && skips.length > 0) {
    // a pooled bottleneck is first brought back up by nearest up-sampling (no weights)
    s = s.map((x) => x * 2);
    w.act(s, c);
  }
  for (let l = skips.length - 1; l >= 0; l--) {
    const skip = skips[l]!;
    const f = enc.filters[l]!;
    if (enc.upsample === 'transpose') w.conv(skip.spatial, c, f, 2);
    else {
      w.act(skip.spatial, c);
      w.conv(skip.spatial, c, f, 3);
    }
    w.act(skip.spatial, 2 * f); // concatenation with the skip
    unetBlock(w, skip.spatial, 2 * f, f, enc);
    c = f;
    s = skip.spatial;
  }
  w.conv(s, c, classes, 1);
  w.act(s, classes); // softmax
}

export { FLATTEN_LIMIT, PATCH_EMBEDDING } from '../core/geometry.js';

/** Bottleneck values per sample that a task head sees (core/geometry.ts featureModeOf). */
function flatSize(out: { spatial: number[]; channels: number }, enc: EncoderSpec): number {
  return featureModeOf(prod(out.spatial) * out.channels, out.channels, enc.kind).size;
}

export type CostQuery =
  | { kind: 'pretrain'; pretext: PretextSpec; encoder: EncoderSpec; inputShape: number[]; cases: number | null }
  | {
      kind: 'finetune';
      target: 'segmentation' | 'classification';
      classes: number;
      encoder: EncoderSpec;
      inputShape: number[];
      train: TrainSpec;
      /** Training samples per epoch (cases × slices), or null when unknown. */
      cases: number | null;
      arm: 'scratch' | 'frozen' | 'finetune';
      warmup: number;
    };

function steps(train: TrainSpec, samples: number | null): number | null {
  if (train.stepsPerEpoch !== null) return train.epochs * train.stepsPerEpoch;
  if (samples === null) return null;
  return train.epochs * Math.max(1, Math.ceil(samples / train.batch));
}

/**
 * What the encoder sees during pretraining (mirrors runtime/tasks/tasks.ts): the spatial size of
 * one encoder input (a grid patch, a padded cube, or the whole sample) and how many encoder
 * passes one sample takes (patches per sample, rotated copies, triplet members).
 */
export function pretextEncoderInput(p: PretextSpec, encoder: EncoderSpec, spatial: number[]): { patch: number[]; runs: number } {
  const params = p.params;
  const authors = p.variant === 'authors-code';
  const div = encoder.kind === 'densenet2d' ? 1 : 2 ** (encoder.levels - 1 + (encoder.finalPool === 'none' ? 0 : 1));
  // the task's own geometry (compiler/tasks/<name>.ts), as runtime/tasks computes it
  return (pretextTask(params.task) as PretextTaskDef).encoderInput(params, authors, spatial, div);
}

export function estimateCost(q: CostQuery): CostEstimate {
  const spatial = q.inputShape.slice(0, -1);
  const cin = q.inputShape[q.inputShape.length - 1]!;
  const d = spatial.length;
  if (q.kind === 'finetune') {
    const w = new Walker(d);
    const out = encoderWalk(w, q.encoder, spatial, cin);
    const encParams = w.t.params;
    if (q.target === 'segmentation' && q.encoder.kind !== 'densenet2d') decoderWalk(w, q.encoder, out, out.skips, q.classes);
    else {
      w.act(out.spatial, out.channels);
      w.dense(out.channels, q.classes); // global average pool + dense
    }
    const trainable = q.arm === 'frozen' ? w.t.params - encParams : w.t.params;
    return {
      trainableParams: trainable,
      activationBytes: 4 * w.t.acts * q.train.batch,
      flopsPerStep: 3 * w.t.flops * q.train.batch,
      steps: steps(q.train, q.cases),
    };
  }
  // pretraining: the encoder runs on whole inputs or on patches, then the task head. The input
  // geometry and the heads mirror runtime/tasks/tasks.ts exactly (the compiler does not import
  // the runtime, to keep `check` fast; test/compiler/cost-heads.test.ts compares the two).
  const p = q.pretext;
  const w = new Walker(d);
  const samplesPerCase = p.slices ? p.slices.perVolume : 1;
  const params = p.params;
  const authors = p.variant === 'authors-code';
  const { patch: patchSpatial, runs: encoderRuns } = pretextEncoderInput(p, q.encoder, spatial);
  const once = new Walker(d);
  const out = encoderWalk(once, q.encoder, patchSpatial, cin);
  w.t.params += once.t.params;
  w.t.acts += once.t.acts * encoderRuns;
  w.t.flops += once.t.flops * encoderRuns;
  const e = flatSize(out, q.encoder);
  const head = new Walker(d);
  /** The cost walker as a task's head builder: a sub-head applied `n` times counts its weights once, its activations and FLOPs per run. */
  const builder = (target: Walker): HeadBuilder => ({
    dense: (i, o) => target.dense(i, o),
    norm: (sp, ch, kind) => target.norm(sp, ch, kind),
    runs: (n, f) => {
      const h = new Walker(d);
      f(builder(h));
      target.t.params += h.t.params;
      target.t.acts += h.t.acts * n;
      target.t.flops += h.t.flops * n;
    },
    add: (params, flops) => {
      target.t.params += params;
      target.t.flops += flops;
    },
  });
  (pretextTask(params.task) as PretextTaskDef).heads(params, builder(head), { features: e, hidden: p.headHidden, d, authors });
  w.t.params += head.t.params;
  w.t.acts += head.t.acts;
  w.t.flops += head.t.flops;
  const samples = q.cases === null ? null : q.cases * samplesPerCase;
  return {
    trainableParams: w.t.params,
    activationBytes: 4 * w.t.acts * p.train.batch,
    flopsPerStep: 3 * w.t.flops * p.train.batch,
    steps: steps(p.train, samples),
  };
}

/** Trainable parameters of an encoder alone (for tests and docs). */
export function encoderParams(enc: EncoderSpec, inputChannels: number, dim: number): number {
  const w = new Walker(dim);
  encoderWalk(w, enc, Array.from({ length: dim }, () => 64), inputChannels);
  return w.t.params;
}

/**
 * Memory one training step needs, roughly (#17.7): the kept activations of the batch plus four
 * float32 copies of the trainable weights (weights, gradients, Adam's two moments). Frozen
 * weights, the input batch and tfjs's temporaries are left out, so this is a lower bound of
 * the peak, good for "cannot fit", not for "fits".
 */
export function trainingMemoryBytes(c: CostEstimate): number {
  return c.activationBytes + 16 * c.trainableParams;
}

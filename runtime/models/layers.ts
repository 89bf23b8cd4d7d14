// Custom tfjs layers that tfjs 4.22 lacks or gets wrong for our purposes. Each is rank-agnostic
// (works on 2D NHWC and 3D NDHWC tensors) and registered for serialisation.
//
// Why hand-written:
// - SeededDropout: tf.layers.dropout with a fixed `seed` draws the SAME mask on every call, and
//   without a seed it uses an unseeded source. Ours derives a fresh seed per call from
//   (layer seed, training clock epoch/step, call index), so training is deterministic and a run
//   resumed from a checkpoint draws exactly the masks the uninterrupted run would have drawn.
// - BatchNorm: tfjs' BatchNormalization keeps updating its moving statistics while its layer is
//   frozen. Ours follows Keras/TF2: a layer with trainable = false runs in inference mode (the
//   authors' code relied on this during the warm-up epochs).
// - InstanceNorm, UpSampling (3D), ConvTranspose (3D, trainable), GlobalAvgPool (3D): missing in
//   tfjs, or (Conv3DTranspose) present but without a registered gradient.

import * as tf from '@tensorflow/tfjs';
import { counterKeys, counterU32, deriveSeed } from '../../core/rng.js';
import { fusedNorm, fusedNormAvailable } from '../backend/norm.js';
import { loadAddon } from '../backend/addon.js';
import { dropoutThreshold, fusedDropout, fusedDropoutAvailable } from '../backend/dropout.js';
import { canFuseConvBiasRelu3d, convBiasRelu3d } from '../backend/fused-conv.js';
import { lerpInPlace } from '../backend/webgpu/inplace.js';

type Kw = Record<string, unknown>;
type Shape = Array<number | null>;

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
}
function singleShape(s: Shape | Shape[]): Shape {
  return Array.isArray(s[0]) ? (s[0] as Shape) : (s as Shape);
}

// ───────────────────────── the training clock (dropout seeds) ─────────────────────────

interface Clock {
  /** Seed of the training run (the loop's seed), or null outside a training loop. */
  seed: number | null;
  epoch: number;
  step: number;
  /** Bumped whenever epoch/step is set, so layers reset their per-step call counters. */
  token: number;
}
const clock: Clock = { seed: null, epoch: 0, step: 0, token: 0 };

/**
 * Set the training clock read by SeededDropout. The training loop calls this before every
 * optimiser step with its own seed; code that trains without the loop should call it too
 * (otherwise every step of that code uses the masks of (0, 0)). With a run seed, masks depend
 * on (run seed, layer name, epoch, step, call) only — not on the seed the model was built
 * with — so a resumed run draws the uninterrupted run's masks even if it rebuilt the model
 * with another initialisation seed.
 */
export function setTrainingClock(epoch: number, step: number, runSeed: number | null = null): void {
  clock.seed = runSeed;
  clock.epoch = epoch;
  clock.step = step;
  clock.token++;
}
export function getTrainingClock(): { seed: number | null; epoch: number; step: number } {
  return { seed: clock.seed, epoch: clock.epoch, step: clock.step };
}

// ───────────────────────── SeededDropout ─────────────────────────

/**
 * Inverted-dropout mask: 0 with probability `rate`, else 1/(1−rate); element i is a pure function
 * of (seed, i) (core/rng.ts `counterU32`), so every backend draws the same mask bits.
 */
export function dropoutMask(shape: number[], rate: number, seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const keep = 1 / (1 - rate);
  const threshold = dropoutThreshold(rate);
  // The addon draws the same counter stream in C++ threads (bit-identical masks).
  const addon = n >= 4096 ? loadAddon().addon : null;
  if (addon) addon.dropoutMask(out, seed >>> 0, threshold, keep);
  else {
    const k = counterKeys(seed);
    for (let i = 0; i < n; i++) out[i] = counterU32(k, i) >= threshold ? keep : 0;
  }
  return tf.tensor(out, shape, 'float32');
}

function applyDropout(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  return fusedDropoutAvailable() ? fusedDropout(x, rate, seed) : tf.mul(x, dropoutMask(x.shape, rate, seed));
}

export interface SeededDropoutArgs {
  rate: number;
  seed: number;
  name?: string;
  trainable?: boolean;
}

export class SeededDropout extends tf.layers.Layer {
  static className = 'SslSeededDropout';
  readonly rate: number;
  readonly seed: number;
  private calls = 0;
  private seenToken = -1;

  constructor(args: SeededDropoutArgs) {
    super({ name: args.name, trainable: args.trainable });
    this.rate = args.rate;
    this.seed = args.seed >>> 0;
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kw): tf.Tensor {
    const x = single(inputs);
    if (kwargs['training'] !== true || this.rate <= 0) return tf.clone(x);
    if (this.seenToken !== clock.token) {
      this.seenToken = clock.token;
      this.calls = 0;
    }
    const s = clock.seed === null
      ? deriveSeed(this.seed, clock.epoch, clock.step, this.calls++)
      : deriveSeed(clock.seed, 'dropout', this.name, clock.epoch, clock.step, this.calls++);
    // One mask draw and one multiply (or one SslDropout kernel): tf.dropout costs randomUniform
    // + add + floor + div + mul, and floor alone is ~100 ms per 4 M voxels on cpu.
    return applyDropout(x, this.rate, s);
  }

  override computeOutputShape(s: Shape | Shape[]): Shape {
    return singleShape(s);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

// ───────────────────────── BatchNorm ─────────────────────────

export interface NormArgs {
  name?: string;
  epsilon?: number;
  momentum?: number;
  trainable?: boolean;
}

/**
 * Batch normalisation over the last (channel) axis. Statistics are taken over the batch and
 * all spatial axes (biased variance, as tf.nn.moments). Moving averages with `momentum`
 * (default 0.9, as PyTorch; see docs/models.md) are updated in training mode only while the
 * layer is trainable.
 */
export class BatchNorm extends tf.layers.Layer {
  static className = 'SslBatchNorm';
  readonly epsilon: number;
  readonly momentum: number;
  private gamma: tf.LayerVariable | null = null;
  private beta: tf.LayerVariable | null = null;
  private movingMean: tf.LayerVariable | null = null;
  private movingVariance: tf.LayerVariable | null = null;

  constructor(args: NormArgs = {}) {
    super({ name: args.name, trainable: args.trainable });
    this.epsilon = args.epsilon ?? 1e-3;
    this.momentum = args.momentum ?? 0.9;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape);
    const c = s[s.length - 1];
    if (typeof c !== 'number') throw new Error(`${this.name}: channel axis must be known`);
    this.gamma = this.addWeight('gamma', [c], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [c], 'float32', tf.initializers.zeros());
    this.movingMean = this.addWeight('moving_mean', [c], 'float32', tf.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [c], 'float32', tf.initializers.ones(), undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kw): tf.Tensor {
    const x = single(inputs);
    const gamma = this.gamma!.read();
    const beta = this.beta!.read();
    if (kwargs['training'] === true && this.trainable) return this.trainingForward(x, gamma, beta);
    return this.normalize(x, this.movingMean!.read(), this.movingVariance!.read(), gamma, beta);
  }

  /**
   * y = x·s + (β − μ·s) with s = γ / √(σ² + ε), from elementwise ops on purpose: the gradient of
   * tf.batchNorm (FusedBatchNorm) in tfjs 4.22 reshapes to rank 4 and fails on 5D (3D) and 2D
   * (dense) inputs.
   */
  private normalize(x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, this.epsilon)));
    return tf.add(tf.mul(x, scale), tf.sub(beta, tf.mul(mean, scale)));
  }

  /**
   * Training mode with batch statistics and an analytic gradient (tf.customGrad): 4 full-size
   * ops forward and 5 backward, against about twice that through autodiff of moments. With
   * x̂ = (x − μ)·r, r = 1/√(σ² + ε), a = γ·r:
   *   dβ = Σ dy,  dγ = r·Σ dy·(x − μ),  dx = a·dy − (x − μ)·a·r²·mean(dy·(x − μ)) − a·mean(dy).
   * The moving statistics are updated inside the forward pass.
   */
  private trainingForward(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const count = x.size / (x.shape[x.rank - 1] as number);
    const eps = this.epsilon;
    const m = this.momentum;
    const mm = this.movingMean!;
    const mv = this.movingVariance!;
    if (fusedNormAvailable(x)) {
      // The native backend's (or webgpu's) fused kernels: 3 passes forward, 2 backward, same maths as below.
      return fusedNorm(x, gamma, beta, 'batch', eps, (mean, variance) => {
        // On webgpu one in-place dispatch per statistic (else three ops and a new tensor).
        if (!lerpInPlace(mm.read(), mean, m)) mm.write(tf.add(tf.mul(mm.read(), m), tf.mul(mean, 1 - m)));
        if (!lerpInPlace(mv.read(), variance, m)) mv.write(tf.add(tf.mul(mv.read(), m), tf.mul(variance, 1 - m)));
      });
    }
    const f = tf.customGrad(((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
      const mean = tf.mean(xi, axes);
      const xc = tf.sub(xi, mean);
      const variance = tf.mean(tf.square(xc), axes);
      const r = tf.rsqrt(tf.add(variance, eps));
      const a = tf.mul(g, r);
      const y = tf.add(tf.mul(xc, a), b);
      mm.write(tf.add(tf.mul(mm.read(), m), tf.mul(mean, 1 - m)));
      mv.write(tf.add(tf.mul(mv.read(), m), tf.mul(variance, 1 - m)));
      save([xc, a, r]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [sxc, sa, sr] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
          const dbeta = tf.sum(dy, axes);
          const sdyxc = tf.sum(tf.mul(dy, sxc), axes);
          const dgamma = tf.mul(sdyxc, sr);
          const k = tf.mul(sa, tf.mul(tf.square(sr), tf.div(sdyxc, count)));
          const c = tf.mul(sa, tf.div(dbeta, count));
          const dx = tf.sub(tf.mul(dy, sa), tf.add(tf.mul(sxc, k), c));
          return [dx, dgamma, dbeta];
        },
      };
    }) as unknown as (...args: Array<tf.Tensor | tf.GradSaveFunc>) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] });
    return f(x, gamma, beta);
  }

  override computeOutputShape(s: Shape | Shape[]): Shape {
    return singleShape(s);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon, momentum: this.momentum };
  }
}

// Writing the moving statistics is not recorded on the gradient tape (the loss does not depend
// on them), so they need no stop-gradient.

// ───────────────────────── InstanceNorm ─────────────────────────

/** Instance normalisation: per sample and channel over the spatial axes, learned affine. */
export class InstanceNorm extends tf.layers.Layer {
  static className = 'SslInstanceNorm';
  readonly epsilon: number;
  private gamma: tf.LayerVariable | null = null;
  private beta: tf.LayerVariable | null = null;

  constructor(args: NormArgs = {}) {
    super({ name: args.name, trainable: args.trainable });
    this.epsilon = args.epsilon ?? 1e-5;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape);
    const c = s[s.length - 1];
    if (typeof c !== 'number') throw new Error(`${this.name}: channel axis must be known`);
    this.gamma = this.addWeight('gamma', [c], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [c], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = single(inputs);
    if (fusedNormAvailable(x)) {
      return fusedNorm(x, this.gamma!.read(), this.beta!.read(), 'instance', this.epsilon);
    }
    const axes = Array.from({ length: x.rank - 2 }, (_, i) => i + 1);
    const { mean, variance } = tf.moments(x, axes, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.epsilon))), this.gamma!.read()), this.beta!.read());
  }

  override computeOutputShape(s: Shape | Shape[]): Shape {
    return singleShape(s);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

// ───────────────────────── UpSampling (nearest, ×2) ─────────────────────────

/**
 * Nearest-neighbour up-sampling by 2 along every spatial axis (what Keras' UpSampling3D(2)
 * does), by reshape + tile + reshape per axis, so it is differentiable with stock tfjs gradients.
 */
export class UpSampling extends tf.layers.Layer {
  static className = 'SslUpSampling';
  constructor(args: { name?: string } = {}) {
    super({ name: args.name });
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    // One spatial axis at a time: [before·d, 1, after] → tile ×2 on the middle axis → merge.
    // Rank-3 tiles only (tfjs has no tile gradient above rank 5).
    let x = single(inputs);
    const shape = [...x.shape] as number[];
    for (let ax = 1; ax < shape.length - 1; ax++) {
      const before = shape.slice(0, ax + 1).reduce((a, b) => a * b, 1);
      const after = shape.slice(ax + 1).reduce((a, b) => a * b, 1);
      const t = tf.tile(tf.reshape(x, [before, 1, after]), [1, 2, 1]);
      shape[ax] = shape[ax]! * 2;
      x = tf.reshape(t, shape);
    }
    return x;
  }

  override computeOutputShape(sh: Shape | Shape[]): Shape {
    const s = singleShape(sh);
    return s.map((d, i) => (i === 0 || i === s.length - 1 || d === null ? d : d * 2));
  }
}

// ───────────────────────── ConvTranspose (kernel = stride = 2) ─────────────────────────

export interface ConvTransposeArgs {
  filters: number;
  seed: number;
  name?: string;
  trainable?: boolean;
}

/**
 * Transposed convolution with kernel 2 and stride 2 (Keras Conv3DTranspose(f, 2, strides=2)),
 * 2D or 3D. With kernel = stride the output blocks do not overlap, so it is exactly one matmul
 * [voxels, Cin] × [Cin, 2^n·Cout] followed by a pixel-shuffle (reshape/transpose). tfjs'
 * conv3dTranspose has no gradient registered, so this is also the only trainable 3D option.
 * Kernel layout matches Keras: [2, 2(, 2), Cout, Cin]; he-normal (fan-in) init, zero bias.
 */
export class ConvTranspose extends tf.layers.Layer {
  static className = 'SslConvTranspose';
  readonly filters: number;
  readonly seed: number;
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(args: ConvTransposeArgs) {
    super({ name: args.name, trainable: args.trainable });
    this.filters = args.filters;
    this.seed = args.seed >>> 0;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = singleShape(inputShape);
    const n = s.length - 2;
    const cin = s[s.length - 1];
    if (typeof cin !== 'number') throw new Error(`${this.name}: channel axis must be known`);
    const kshape = [...Array<number>(n).fill(2), this.filters, cin];
    this.kernel = this.addWeight('kernel', kshape, 'float32', tf.initializers.heNormal({ seed: this.seed }));
    this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = single(inputs);
    const s = x.shape as number[];
    const n = s.length - 2;
    const cin = s[s.length - 1]!;
    const cout = this.filters;
    const k = this.kernel!.read(); // [2,..,Cout,Cin]
    if (n === 3 && (tf.getBackend() === 'native' || tf.getBackend() === 'webgpu') && x.dtype === 'float32') {
      // On native and webgpu the 2×2×2 stride-2 transposed conv is one Conv3DBackpropInputV2
      // kernel (and its gradients the conv and filter-gradient kernels of that backend): the same
      // values as the matMul + pixel-shuffle path below, without its transposes and copies.
      const outShape: [number, number, number, number, number] = [s[0]!, s[1]! * 2, s[2]! * 2, s[3]! * 2, cout];
      return tf.add(tf.conv3dTranspose(x as tf.Tensor5D, k as tf.Tensor5D, outShape, 2, 'valid'), this.bias!.read());
    }
    const kperm = [n + 1, ...Array.from({ length: n }, (_, i) => i), n]; // [Cin, 2.., Cout]
    const w = tf.reshape(tf.transpose(k, kperm), [cin, (1 << n) * cout]);
    const flat = tf.reshape(x, [-1, cin]);
    const y = tf.matMul(flat, w); // [M, 2^n·Cout]
    const spatial = s.slice(1, n + 1);
    const y1 = tf.reshape(y, [s[0]!, ...spatial, ...Array<number>(n).fill(2), cout]);
    // [N, D, H, W, a, b, c, C] → [N, D, a, H, b, W, c, C]
    const perm = [0];
    for (let i = 0; i < n; i++) perm.push(1 + i, 1 + n + i);
    perm.push(2 * n + 1);
    const y2 = tf.transpose(y1, perm);
    const out = tf.reshape(y2, [s[0]!, ...spatial.map((d) => d * 2), cout]);
    return tf.add(out, this.bias!.read());
  }

  override computeOutputShape(sh: Shape | Shape[]): Shape {
    const s = singleShape(sh);
    return s.map((d, i) => (i === 0 ? d : i === s.length - 1 ? this.filters : d === null ? null : d * 2));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters, seed: this.seed };
  }
}

// ───────────────────────── GlobalAvgPool ─────────────────────────

/** Mean over all spatial axes: [N, ...spatial, C] → [N, C] (tfjs lacks globalAveragePooling3d). */
export class GlobalAvgPool extends tf.layers.Layer {
  static className = 'SslGlobalAvgPool';
  constructor(args: { name?: string } = {}) {
    super({ name: args.name });
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = single(inputs);
    return tf.mean(x, Array.from({ length: x.rank - 2 }, (_, i) => i + 1));
  }
  override computeOutputShape(sh: Shape | Shape[]): Shape {
    const s = singleShape(sh);
    return [s[0] ?? null, s[s.length - 1] ?? null];
  }
}

// ───────────────────────── Conv3D with fused bias + ReLU ─────────────────────────

/** The fields of tfjs' Conv layer that the fused path reads. */
interface ConvFields {
  kernel: tf.LayerVariable | null;
  bias: tf.LayerVariable | null;
  useBias: boolean;
  activation: { getClassName(): string } | null;
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number | number[];
}

type LayerCtor = new (args: Record<string, unknown>) => tf.layers.Layer;
const tfConv3D = tf.serialization.SerializationMap.getMap().classNameMap['Conv3D']?.[0] as unknown as LayerCtor | undefined;
if (!tfConv3D) throw new Error('ssl3d: tfjs-layers has no Conv3D class registered');

/**
 * tf.layers.conv3d, except that with a bias and ReLU on the 'native' or 'webgpu' backend it runs
 * convBiasRelu3d (runtime/backend/fused-conv.ts): one in-place pass for bias + ReLU instead of two
 * extra full-size tensors, and one backward pass for the ReLU and bias gradients. Same weights
 * (`kernel`, `bias`), config and class name ('Conv3D') as the tfjs layer, so saved models and
 * weight files are unchanged; every other case runs tfjs' own call.
 */
export class FusedConv3D extends tfConv3D {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kw): tf.Tensor | tf.Tensor[] {
    const f = this as unknown as ConvFields;
    const x = single(inputs);
    const dil = Array.isArray(f.dilationRate) ? f.dilationRate : [f.dilationRate];
    if (f.kernel && f.bias && f.useBias && f.activation?.getClassName() === 'relu' && f.dataFormat === 'channelsLast' &&
      dil.every((d) => d === 1) && (f.padding === 'same' || f.padding === 'valid') && f.strides.length === 3) {
      const w = f.kernel.read(), b = f.bias.read();
      if (canFuseConvBiasRelu3d(x, w, b)) return convBiasRelu3d(x, w, b, f.strides as [number, number, number], f.padding);
    }
    return super.call(inputs, kwargs);
  }
}

for (const cls of [SeededDropout, BatchNorm, InstanceNorm, UpSampling, ConvTranspose, GlobalAvgPool]) {
  tf.serialization.registerClass(cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
}

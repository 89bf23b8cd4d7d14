// Optimisers for the training loop: Adam and SGD (momentum), with gradient clipping and weight decay.
//
// Hand-written instead of tf.train.adam/sgd because (1) tfjs optimisers index their slots by the
// position of a variable in the gradient list, so a trainable set that changes (warm-up freezing,
// then unfreezing with the state kept) pairs moments with the wrong variables, and a resumed
// process must reproduce the exact order; ours keys every slot by the weight's stable name
// (`enc_l0_conv1/kernel`); (2) tfjs optimisers neither clip nor decay.
//
// Semantics (documented in docs/models.md):
// - clipNorm: Keras `clipnorm` (what the authors' code used): EACH gradient tensor is rescaled to
//   an L2 norm of at most clipNorm.
// - weightDecay: decoupled (AdamW, Loshchilov & Hutter) for Adam: w ← w − lr·wd·w after the Adam
//   step; for SGD it is classic L2 added to the gradient. Applied to kernels only (rank ≥ 2), not
//   to biases or norm parameters.
// - Adam keeps a step count per variable, so encoder weights unfrozen late with `atUnfreeze: keep`
//   get correct bias correction.

import * as tf from '@tensorflow/tfjs';
import type { OptimizerSpec } from '../../core/graph.js';
import { SslRuntimeError } from '../contract.js';
import { loadAddon, type NativeAddon } from '../backend/addon.js';
import { adamInPlace } from '../backend/webgpu/inplace.js';
import { uninitF32, valuesOf } from '../backend/out-buffer.js';
import { msg } from '../../core/codes/index.js';

export interface NamedVariable {
  /** Stable name (LayerVariable.originalName). */
  name: string;
  variable: tf.Variable;
}

const EPS = 1e-7;

export class Optimizer {
  readonly spec: OptimizerSpec;
  /** Current learning rate (the loop lowers it on a NaN retry). */
  lr: number;
  private m = new Map<string, tf.Variable>();
  private v = new Map<string, tf.Variable>();
  private t = new Map<string, number>();

  constructor(spec: OptimizerSpec) {
    if (spec.kind !== 'adam' && spec.kind !== 'sgd') throw new SslRuntimeError(msg('SSL139', 'unknownOptimizer', { kind: String(spec.kind) }));
    if (!(spec.lr > 0)) throw new SslRuntimeError(msg('SSL139', 'badLr', { lr: spec.lr }));
    this.spec = { ...spec };
    this.lr = spec.lr;
  }

  /** Apply one update. `grads[i]` belongs to `vars[i]`; null grads are skipped. */
  apply(vars: NamedVariable[], grads: Array<tf.Tensor | null>): void {
    const s = this.spec;
    const fusedAdam = s.kind === 'adam' && tf.getKernel('SslAdamUpdate', tf.getBackend()) !== undefined;
    // On the native backend Adam is one C++ pass per variable (read w, g, m, v; write w, m, v)
    // instead of about 14 tfjs ops with a temporary each; the arithmetic is the same.
    const fused = s.kind === 'adam' && !fusedAdam && tf.getBackend() === 'native' ? loadAddon().addon : null;
    tf.tidy(() => {
      vars.forEach(({ name, variable }, i) => {
        let g = grads[i];
        if (!g) return;
        if (s.clipNorm !== null && s.clipNorm > 0) {
          const n = tf.norm(g);
          g = tf.mul(g, tf.div(s.clipNorm, tf.maximum(n, s.clipNorm)));
        }
        const decay = s.weightDecay > 0 && variable.rank >= 2;
        if (s.kind === 'sgd') {
          if (decay) g = tf.add(g, tf.mul(variable, s.weightDecay));
          if (s.momentum > 0) {
            const mv = this.slot(this.m, name, variable);
            mv.assign(tf.add(tf.mul(mv, s.momentum), g));
            g = mv;
          }
          variable.assign(tf.sub(variable, tf.mul(g, this.lr)));
          this.t.set(name, (this.t.get(name) ?? 0) + 1);
          return;
        }
        const t = (this.t.get(name) ?? 0) + 1;
        this.t.set(name, t);
        const m = this.slot(this.m, name, variable);
        const v = this.slot(this.v, name, variable);
        if (fusedAdam && g.dtype === 'float32') {
          // One kernel for the whole update where the backend has it (webgpu): same maths. In
          // place (one dispatch) when no clone shares the buffers, else three new tensors.
          const attrs = {
            lr: this.lr, beta1: s.beta1, beta2: s.beta2, epsilon: EPS,
            c1: 1 / (1 - Math.pow(s.beta1, t)), c2: 1 / (1 - Math.pow(s.beta2, t)), weightDecay: decay ? s.weightDecay : 0,
          };
          if (adamInPlace(variable, m, v, g, attrs)) return;
          const [x1, m1, v1] = tf.engine().runKernel('SslAdamUpdate', { x: variable, m, v, g }, attrs) as unknown as tf.Tensor[];
          m.assign(m1!);
          v.assign(v1!);
          variable.assign(x1!);
          return;
        }
        if (fused && g.dtype === 'float32' && variable.dtype === 'float32') {
          this.fusedAdam(fused, variable, g, m, v, t, decay ? s.weightDecay : 0);
          return;
        }
        m.assign(tf.add(tf.mul(m, s.beta1), tf.mul(g, 1 - s.beta1)));
        v.assign(tf.add(tf.mul(v, s.beta2), tf.mul(tf.square(g), 1 - s.beta2)));
        const mhat = tf.div(m, 1 - Math.pow(s.beta1, t));
        const vhat = tf.div(v, 1 - Math.pow(s.beta2, t));
        let upd = tf.div(mhat, tf.add(tf.sqrt(vhat), EPS));
        if (decay) upd = tf.add(upd, tf.mul(variable, s.weightDecay));
        variable.assign(tf.sub(variable, tf.mul(upd, this.lr)));
      });
    });
  }

  private fusedAdam(addon: NativeAddon, w: tf.Variable, g: tf.Tensor, m: tf.Variable, v: tf.Variable, t: number, wd: number): void {
    const s = this.spec;
    const n = w.size;
    const wo = uninitF32(n), mo = uninitF32(n), vo = uninitF32(n); // adam writes all n
    const p = Float64Array.of(this.lr, s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2, 1 - Math.pow(s.beta1, t), 1 - Math.pow(s.beta2, t), EPS, wd);
    addon.adam(valuesOf(w), valuesOf(g), valuesOf(m), valuesOf(v), wo, mo, vo, p);
    // Out of place: tensors that share the old buffers (clones, saved snapshots) keep their values.
    m.assign(tf.tensor(mo, m.shape, 'float32'));
    v.assign(tf.tensor(vo, v.shape, 'float32'));
    w.assign(tf.tensor(wo, w.shape, 'float32'));
  }

  private slot(map: Map<string, tf.Variable>, name: string, like: tf.Variable): tf.Variable {
    let s = map.get(name);
    if (!s) {
      s = tf.variable(tf.zerosLike(like), false);
      map.set(name, s);
    }
    return s;
  }

  /** Slots as named tensors (views of the live variables — save them before the next step). */
  getState(): Array<{ name: string; tensor: tf.Tensor }> {
    const out: Array<{ name: string; tensor: tf.Tensor }> = [];
    for (const [k, x] of this.m) out.push({ name: `m:${k}`, tensor: x });
    for (const [k, x] of this.v) out.push({ name: `v:${k}`, tensor: x });
    return out;
  }

  /** Plain-JSON part of the state: per-variable step counts and the learning rate. */
  getMeta(): { kind: string; lr: number; steps: Record<string, number> } {
    return { kind: this.spec.kind, lr: this.lr, steps: Object.fromEntries(this.t) };
  }

  setState(tensors: Map<string, { shape: number[]; data: Float32Array }>, meta: { kind: string; lr: number; steps: Record<string, number> }): void {
    if (meta.kind !== this.spec.kind) {
      throw new SslRuntimeError(msg('SSL138', 'wrongOptimiser', { saved: meta.kind, used: this.spec.kind }));
    }
    this.reset();
    this.lr = meta.lr;
    for (const [k, n] of Object.entries(meta.steps)) this.t.set(k, n);
    for (const [k, st] of tensors) {
      const map = k.startsWith('m:') ? this.m : k.startsWith('v:') ? this.v : null;
      if (!map) continue;
      map.set(k.slice(2), tf.variable(tf.tensor(st.data, st.shape, 'float32'), false));
    }
  }

  /** Drop all slots (a fresh optimiser, e.g. at unfreezing); keeps the learning rate. */
  reset(): void {
    for (const x of this.m.values()) x.dispose();
    for (const x of this.v.values()) x.dispose();
    this.m.clear();
    this.v.clear();
    this.t.clear();
  }

  dispose(): void {
    this.reset();
  }
}

export function makeOptimizer(spec: OptimizerSpec): Optimizer {
  return new Optimizer(spec);
}

// The bias + activation epilogue of the fused kernels (FusedConv2D, _FusedMatMul): adds the bias
// in place and applies the activation; null when the addon cannot (PReLU, an odd bias shape, an
// unknown activation), and the caller falls back to the tfjs-cpu kernel.

import type { NativeAddon } from '../addon.js';
import { f32, U, type Args, type Info } from './common.js';

export function epilogue(addon: NativeAddon, a: Args, y: Float32Array, shape: number[]): Float32Array | null {
  const { bias, preluActivationWeights } = a.inputs as { bias?: Info; preluActivationWeights?: Info };
  const at = a.attrs as { activation?: string; leakyreluAlpha?: number };
  if (preluActivationWeights) return null;
  if (bias) {
    const bv = f32(a.backend, bias);
    if (!bv) return null;
    const bshape = bias.shape.length === 0 ? [1] : bias.shape;
    if (bshape.length !== 1 || (bshape[0] !== 1 && bshape[0] !== shape[shape.length - 1])) return null;
    const inner = shape[shape.length - 1] ?? 1;
    addon.binary(0, y, Int32Array.of(y.length / inner, inner), bv, Int32Array.of(1, bshape[0] ?? 1), y, Int32Array.of(y.length / inner, inner));
  }
  const act = at.activation ?? 'linear';
  const code = ({ linear: -1, relu: U.relu, relu6: U.relu6, elu: U.elu, sigmoid: U.sigmoid, leakyrelu: U.leaky } as Record<string, number>)[act];
  if (code === undefined) return null;
  if (code >= 0) addon.unary(code, y, y, at.leakyreluAlpha ?? 0.2);
  return y;
}

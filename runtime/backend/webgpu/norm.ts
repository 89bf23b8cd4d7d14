// Fused batch / instance normalisation on the GPU: the kernels behind fusedNorm()
// (runtime/backend/norm.ts) when the backend is webgpu. x is viewed as [G, S, C]: G = 1 for batch
// norm (statistics per channel over N and space), G = N for instance norm (per sample and channel).
//
// Forward, `SslNormFwd` → [y, mean, variance, 1/√(variance + ε)]: two reductions over S (mean,
// then the centred variance, as tf.moments) and one elementwise pass.
// Backward, `SslNormBwd` → [dx, dγ, dβ]: one reduction of Σdy and Σdy·(x − μ) together, and one
// elementwise pass:  dx = γ·r·(dy − Σdy/S − (x − μ)·r²·Σdy(x − μ)/S).

import * as tf from '@tensorflow/tfjs';
import { groups, run, type GpuBackend, type KernelArgs, type ProgramSpec } from './program.js';
import { reduceABR } from './reduce.js';

export const NORM_FWD = 'SslNormFwd';
export const NORM_BWD = 'SslNormBwd';

export interface NormAttrs {
  G: number;
  S: number;
  C: number;
  epsilon: number;
}

function elementwise(key: string, inputs: string[], uniforms: Array<[string, 'i32' | 'f32']>, n: number, body: string): ProgramSpec {
  return {
    key, inputs, uniforms, workgroupSize: [64, 1, 1], dispatch: groups(n, 64), mode: 'elementwise',
    code: `
  fn main(index : i32) {
    if (index < uniforms.size) {
      ${body}
    }
  }`,
  };
}

function normForward(be: GpuBackend, x: tf.TensorInfo, gamma: tf.TensorInfo, beta: tf.TensorInfo, a: NormAttrs): tf.TensorInfo[] {
  const { G, S, C, epsilon } = a;
  const v = { A: G, R: S, B: C };
  const stat = [G, C];
  const mean = reduceABR(be, 'norm_mean', [x], ['X'], ['f32(X[i])'], v, 1 / S, stat);
  const variance = reduceABR(be, 'norm_var', [x, mean], ['X', 'Mn'], ['(f32(X[i]) - f32(Mn[ab])) * (f32(X[i]) - f32(Mn[ab]))'], v, 1 / S, stat);
  const inv = run(be, elementwise('norm_inv', ['Vr'], [['eps', 'f32']], G * C, 'result[index] = inverseSqrt(f32(Vr[index]) + uniforms.eps);'), [variance], stat, 'float32', [epsilon]);
  const y = run(be, elementwise('norm_y', ['X', 'Mn', 'Iv', 'Ga', 'Be'], [['S', 'i32'], ['C', 'i32']], G * S * C, `
      let c = index % uniforms.C;
      let gc = (index / (uniforms.S * uniforms.C)) * uniforms.C + c;
      result[index] = (f32(X[index]) - f32(Mn[gc])) * f32(Iv[gc]) * f32(Ga[c]) + f32(Be[c]);`),
  [x, mean, inv, gamma, beta], x.shape, 'float32', [S, C]);
  return [y, mean, variance, inv];
}

function normBackward(be: GpuBackend, x: tf.TensorInfo, dy: tf.TensorInfo, gamma: tf.TensorInfo, mean: tf.TensorInfo, inv: tf.TensorInfo, a: NormAttrs): tf.TensorInfo[] {
  const { G, S, C } = a;
  // sums[0] = Σ dy, sums[1] = Σ dy·(x − μ), each [G, C].
  const sums = reduceABR(be, 'norm_bwd', [x, dy, mean], ['X', 'DY', 'Mn'], ['f32(DY[i])', 'f32(DY[i]) * (f32(X[i]) - f32(Mn[ab]))'], { A: G, R: S, B: C }, 1, [2, G * C]);
  const dx = run(be, elementwise('norm_dx', ['X', 'DY', 'Ga', 'Mn', 'Iv', 'Sm'], [['S', 'i32'], ['C', 'i32'], ['GC', 'i32']], G * S * C, `
      let c = index % uniforms.C;
      let gc = (index / (uniforms.S * uniforms.C)) * uniforms.C + c;
      let r = f32(Iv[gc]);
      let invS = 1.0 / f32(uniforms.S);
      let xc = f32(X[index]) - f32(Mn[gc]);
      result[index] = f32(Ga[c]) * r * (f32(DY[index]) - f32(Sm[gc]) * invS - xc * r * r * f32(Sm[uniforms.GC + gc]) * invS);`),
  [x, dy, gamma, mean, inv, sums], x.shape, 'float32', [S, C, G * C]);
  // dγ[c] = Σ_g r·Σdy(x − μ), dβ[c] = Σ_g Σdy.
  const dgamma = run(be, elementwise('norm_dgamma', ['Sm', 'Iv'], [['G', 'i32'], ['C', 'i32'], ['GC', 'i32']], C, `
      var s = 0.0;
      for (var g = 0; g < uniforms.G; g++) { let gc = g * uniforms.C + index; s += f32(Sm[uniforms.GC + gc]) * f32(Iv[gc]); }
      result[index] = s;`), [sums, inv], gamma.shape, 'float32', [G, C, G * C]);
  const dbeta = run(be, elementwise('norm_dbeta', ['Sm'], [['G', 'i32'], ['C', 'i32']], C, `
      var s = 0.0;
      for (var g = 0; g < uniforms.G; g++) { s += f32(Sm[g * uniforms.C + index]); }
      result[index] = s;`), [sums], gamma.shape, 'float32', [G, C]);
  be.disposeData(sums.dataId);
  return [dx, dgamma, dbeta];
}

export function normKernels(): tf.KernelConfig[] {
  return [
    {
      kernelName: NORM_FWD, backendName: 'webgpu',
      kernelFunc: ((args: KernelArgs) => {
        const { x, gamma, beta } = args.inputs as Record<'x' | 'gamma' | 'beta', tf.TensorInfo>;
        return normForward(args.backend, x, gamma, beta, args.attrs as unknown as NormAttrs);
      }) as unknown as tf.KernelFunc,
    },
    {
      kernelName: NORM_BWD, backendName: 'webgpu',
      kernelFunc: ((args: KernelArgs) => {
        const { x, dy, gamma, mean, inv } = args.inputs as Record<'x' | 'dy' | 'gamma' | 'mean' | 'inv', tf.TensorInfo>;
        return normBackward(args.backend, x, dy, gamma, mean, inv, args.attrs as unknown as NormAttrs);
      }) as unknown as tf.KernelFunc,
    },
  ];
}

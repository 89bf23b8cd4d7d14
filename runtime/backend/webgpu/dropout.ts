// `SslDropout` on the GPU: y = x · mask, the mask drawn inside the kernel from (seed, element
// index) with the counter stream of core/rng.ts (`counterU32`), so it equals the mask that
// `dropoutMask` builds on the other backends bit for bit. Nothing is built on the host or
// uploaded, and no mask tensor is kept for the backward pass (the gradient is this kernel on dy).
// Building the masks on the host and uploading them cost ~240 ms of a 360 ms [2,4,64³] step of the
// authors'-code U-Net (dropout 0.5 in every block) on an H200.

import type * as tf from '@tensorflow/tfjs';
import { counterKeys } from '../../../core/rng.js';
import { DROPOUT_KERNEL, dropoutThreshold } from '../dropout.js';
import { groups, run, sizeOf, type GpuBackend, type KernelArgs, type ProgramSpec } from './program.js';

const MIX = `
fn sslMix32(x : u32) -> u32 {
  var z = x;
  z = z ^ (z >> 16u);
  z = z * 0x7feb352du;
  z = z ^ (z >> 15u);
  z = z * 0x846ca68bu;
  z = z ^ (z >> 16u);
  return z;
}`;

function spec(n: number): ProgramSpec {
  return {
    key: 'dropout', inputs: ['X'], uniforms: [['k0', 'u32'], ['k1', 'u32'], ['thr', 'u32'], ['keep', 'f32']],
    workgroupSize: [64, 1, 1], dispatch: groups(n, 64), mode: 'elementwise',
    code: `${MIX}
  fn main(index : i32) {
    if (index < uniforms.size) {
      let u = sslMix32(sslMix32(u32(index) + uniforms.k0) ^ uniforms.k1);
      result[index] = f32(X[index]) * select(0.0, uniforms.keep, u >= uniforms.thr);
    }
  }`,
  };
}

export function dropoutKernel(): tf.KernelConfig {
  return {
    kernelName: DROPOUT_KERNEL, backendName: 'webgpu',
    kernelFunc: ((args: KernelArgs) => {
      const { x } = args.inputs as Record<'x', tf.TensorInfo>;
      const { rate, seed } = args.attrs as unknown as { rate: number; seed: number };
      const [k0, k1] = counterKeys(seed);
      const be: GpuBackend = args.backend;
      return run(be, spec(sizeOf(x.shape)), [x], x.shape, 'float32', [k0, k1, dropoutThreshold(rate), 1 / (1 - rate)]);
    }) as unknown as tf.KernelFunc,
  };
}

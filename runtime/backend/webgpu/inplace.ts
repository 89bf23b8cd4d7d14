// In-place updates of long-lived tensors (optimiser state, moving statistics) on 'webgpu'.
//
// tfjs-webgpu's programs have exactly one output and read-only inputs, so Adam's update took three
// dispatches per variable (new x, new m, new v: 246 per step in the 3D U-Net) and three fresh
// buffers, and a moving average three elementwise ops. Here one shader reads and writes the
// variables' own buffers (read_write storage bindings), recorded on tfjs' command encoder in
// order with every other kernel: one dispatch per variable, no allocation.
//
// Only when no other tensor shares the buffer (tfjs clones share it: a saved snapshot must keep
// its values); callers fall back to the out-of-place kernels when these return false. A read of
// the tensor still in flight when it is updated in place may return either version.

import * as tf from '@tensorflow/tfjs';
import { foldDispatch, type Uniform } from './program.js';

interface TensorData {
  resource?: unknown;
  values?: unknown;
  refCount: number;
  dtype: string;
}
interface PassLike {
  setPipeline(p: unknown): void;
  setBindGroup(i: number, g: unknown): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
}
interface DeviceLike {
  createShaderModule(d: { code: string }): unknown;
  createComputePipeline(d: { layout: 'auto'; compute: { module: unknown; entryPoint: string } }): { getBindGroupLayout(i: number): unknown };
  createBindGroup(d: { layout: unknown; entries: Array<{ binding: number; resource: unknown }> }): unknown;
}
/** The internals of tfjs-backend-webgpu 4.22's WebGPUBackend this module drives. */
interface RawBackend {
  device: DeviceLike;
  tensorMap: { get(id: object): TensorData | undefined };
  uploadToGPU(id: object): void;
  ensureCommandEncoderReady(): void;
  commandEncoder: { beginComputePass(d: object): PassLike };
  computePassEncoder: PassLike | null;
  dispatchCountInPass: number;
  commandQueueOwnedIds: WeakSet<object>;
  makeUniforms(u: Uniform[]): { offset: number; size: number; buffer: unknown };
  endComputePassEncoder(): void;
  submitQueue(): void;
}

const WG = 256;
const pipelines = new WeakMap<object, Map<string, { getBindGroupLayout(i: number): unknown }>>();

function rawBackend(): RawBackend | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const b = tf.backend() as unknown as Partial<RawBackend>;
  return typeof b.makeUniforms === 'function' && typeof b.ensureCommandEncoderReady === 'function' && b.tensorMap ? (b as RawBackend) : null;
}

/** One storage buffer per tensor, owned by that tensor alone (refCount 1), float32. */
function exclusive(be: RawBackend, t: tf.Tensor): boolean {
  const d = be.tensorMap.get(t.dataId);
  return d !== undefined && d.refCount === 1 && d.dtype === 'float32';
}

/**
 * Record one dispatch of `body` over `n` elements: `rw` tensors are bound read_write as
 * RW0, RW1, …; `ro` read-only as RO0, …; `f32s` as the uniform struct fields u.f0, u.f1, …
 * (plus u.n, the element count). `body` sees the flat index `i` (already bounds-checked).
 */
function dispatch(be: RawBackend, key: string, body: string, rw: tf.Tensor[], ro: tf.Tensor[], f32s: number[], n: number): void {
  let cache = pipelines.get(be.device as object);
  if (!cache) pipelines.set(be.device as object, (cache = new Map()));
  let pipeline = cache.get(key);
  if (!pipeline) {
    const decl = [
      ...rw.map((_, i) => `@group(0) @binding(${i}) var<storage, read_write> RW${i} : array<f32>;`),
      ...ro.map((_, i) => `@group(0) @binding(${rw.length + i}) var<storage, read> RO${i} : array<f32>;`),
    ].join('\n');
    const fields = f32s.map((_, i) => `f${i} : f32,`).join(' ');
    const code = `
struct U { ${fields} n : u32, };
${decl}
@group(0) @binding(${rw.length + ro.length}) var<uniform> u : U;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid : vec3<u32>, @builtin(num_workgroups) nwg : vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= u.n) { return; }
  ${body}
}`;
    pipeline = be.device.createComputePipeline({ layout: 'auto', compute: { module: be.device.createShaderModule({ code }), entryPoint: 'main' } });
    cache.set(key, pipeline);
  }
  const tensors = [...rw, ...ro];
  for (const t of tensors) be.uploadToGPU(t.dataId);
  const uniforms: Uniform[] = [...f32s.map((v): Uniform => ({ type: 'float32', data: [v] })), { type: 'uint32', data: [n] }];
  const entries = [
    ...tensors.map((t, i) => ({ binding: i, resource: { buffer: be.tensorMap.get(t.dataId)!.resource } })),
    { binding: tensors.length, resource: be.makeUniforms(uniforms) },
  ];
  const bindGroup = be.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  // Buffers referenced by the open command buffer are released only after it is submitted.
  for (const t of tensors) be.commandQueueOwnedIds.add(t.dataId);
  // tfjs-webgpu keeps the values of a tensor it has read back (a checkpoint, a snapshot) and
  // answers later reads from that copy: drop it, the buffer now holds newer values.
  for (const t of rw) be.tensorMap.get(t.dataId)!.values = null;
  be.ensureCommandEncoderReady();
  if (!be.computePassEncoder) be.computePassEncoder = be.commandEncoder.beginComputePass({});
  // Folded like the tiled kernels' grids; the shader rebuilds i from x and y.
  const [gx, gy] = foldDispatch([Math.ceil(n / WG), 1, 1]);
  be.computePassEncoder.setPipeline(pipeline);
  be.computePassEncoder.setBindGroup(0, bindGroup);
  be.computePassEncoder.dispatchWorkgroups(gx, gy, 1);
  be.dispatchCountInPass++;
  if (be.dispatchCountInPass >= Number(tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE'))) {
    be.endComputePassEncoder();
    be.submitQueue();
  }
}

/**
 * Adam's update of x, m, v in place (the arithmetic of the SslAdamUpdate kernel, adam.ts):
 *   m' = β1·m + (1−β1)·g,  v' = β2·v + (1−β2)·g²,  x' = x − lr·((m'·c1)/(√(v'·c2) + ε) + wd·x).
 * Returns false (and does nothing) when this backend or these buffers do not allow it.
 */
export function adamInPlace(
  x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor,
  a: { lr: number; beta1: number; beta2: number; epsilon: number; c1: number; c2: number; weightDecay: number },
): boolean {
  const be = rawBackend();
  if (!be || g.dtype !== 'float32' || x.size !== g.size || m.size !== x.size || v.size !== x.size || x.size === 0) return false;
  if (!exclusive(be, x) || !exclusive(be, m) || !exclusive(be, v) || be.tensorMap.get(g.dataId) === undefined) return false;
  const body = `
  let x = RW0[i];
  let g = RO0[i];
  let m1 = u.f1 * RW1[i] + (1.0 - u.f1) * g;
  let v1 = u.f2 * RW2[i] + (1.0 - u.f2) * g * g;
  RW1[i] = m1;
  RW2[i] = v1;
  RW0[i] = x - u.f0 * ((m1 * u.f4) / (sqrt(v1 * u.f5) + u.f3) + u.f6 * x);`;
  dispatch(be, 'adam', body, [x, m, v], [g], [a.lr, a.beta1, a.beta2, a.epsilon, a.c1, a.c2, a.weightDecay], x.size);
  return true;
}

/**
 * target ← target·keep + value·(1 − keep), in place (moving averages of batch statistics; the same
 * arithmetic as tf.add(tf.mul(target, keep), tf.mul(value, 1 − keep))). Returns false when this
 * backend or these buffers do not allow it.
 */
export function lerpInPlace(target: tf.Tensor, value: tf.Tensor, keep: number): boolean {
  const be = rawBackend();
  if (!be || value.dtype !== 'float32' || value.size !== target.size || target.size === 0) return false;
  if (!exclusive(be, target) || be.tensorMap.get(value.dataId) === undefined) return false;
  dispatch(be, 'lerp', 'RW0[i] = RW0[i] * u.f0 + RO0[i] * u.f1;', [target], [value], [keep, 1 - keep], target.size);
  return true;
}

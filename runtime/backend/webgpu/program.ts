// Running our own WGSL programs through tfjs-backend-webgpu's machinery (pipeline cache, buffer
// manager, command batching), so our kernels and the stock ones share one queue and one memory
// pool.
//
// Every tensor is handed to our shaders as a flat 1-D array (a view on the same GPU buffer), and
// geometry travels in our own scalar uniforms. The stock shader prelude therefore only ever sees
// rank-1 shapes: the rank-5 and rank-8 limits of tfjs-webgpu's generated indexing code (the
// `vec5` indexing error, "GPU for rank 8 is not yet supported") cannot reach our kernels.

import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-backend-webgpu's WebGPUBackend our kernels use. */
export interface GpuBackend extends tf.KernelBackend {
  runWebGPUProgram(program: object, inputs: tf.TensorInfo[], outputDtype: tf.DataType, uniforms?: Uniform[], output?: tf.TensorInfo): tf.TensorInfo;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array | Int32Array): tf.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  device: { limits: Record<string, number> };
}

export interface Uniform {
  type: 'int32' | 'float32' | 'uint32';
  data: number[];
}

export interface KernelArgs {
  inputs: Record<string, tf.TensorInfo>;
  backend: GpuBackend;
  attrs?: Record<string, unknown>;
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** A rank-1 view of `t` on the same buffer. */
export function flat(t: tf.TensorInfo): tf.TensorInfo {
  return { dataId: t.dataId, shape: [sizeOf(t.shape)], dtype: t.dtype };
}

export interface ProgramSpec {
  /**
   * Part of the pipeline cache key: EVERYTHING the WGSL text depends on (tile sizes, tile counts
   * baked in as constants, unrolled expressions). Two programs with the same key share one
   * compiled pipeline, so a constant missing here silently runs the wrong shader.
   */
  key: string;
  /** Names of the inputs as WGSL arrays (in order). */
  inputs: string[];
  /** vec width of each input array (default 1). */
  components?: number[];
  /** vec width of `result` (default 1). */
  outComponents?: number;
  /** WGSL `name: i32, ` fields, appended to the Uniforms struct (read as uniforms.name). */
  uniforms: Array<[string, 'i32' | 'f32' | 'u32']>;
  workgroupSize: [number, number, number];
  dispatch: [number, number, number];
  /**
   * `elementwise`: `fn main(index: i32)` is called once per invocation with a flat global index
   * (guard it with `uniforms.size`, the output length in `outComponents` units);
   * `tiled`: `fn main()` reads localIndex / workgroupId / numWorkgroups itself.
   */
  mode: 'elementwise' | 'tiled';
  code: string;
}

class Program {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  variableComponents?: number[];
  outputComponent?: number;
  uniforms: string;
  workgroupSize: [number, number, number];
  size: boolean;
  private code: string;
  constructor(spec: ProgramSpec, outLength: number) {
    this.outputShape = [outLength];
    this.shaderKey = `ssl3d_${spec.key}`;
    // A 2-D layout makes tfjs call main() without an index; a 1-D one passes the global index.
    this.dispatchLayout = spec.mode === 'elementwise' ? { x: [0] } : { x: [0], y: [1] };
    this.dispatch = spec.mode === 'tiled' ? foldDispatch(spec.dispatch) : spec.dispatch;
    this.variableNames = spec.inputs;
    if (spec.components) this.variableComponents = spec.components;
    else if (spec.outComponents && spec.outComponents > 1) this.variableComponents = spec.inputs.map(() => 1);
    if (spec.outComponents && spec.outComponents > 1) this.outputComponent = spec.outComponents;
    this.uniforms = spec.uniforms.map(([n, t]) => `${n} : ${t}, `).join('');
    this.workgroupSize = spec.workgroupSize;
    this.size = spec.mode === 'elementwise';
    this.code = spec.code;
  }
  getUserCode(): string {
    return this.code;
  }
}

/**
 * Run a program writing a new tensor of `outShape`. `values` are the uniform values in the order
 * of `spec.uniforms`. Inputs are passed as flat views.
 */
export function run(
  backend: GpuBackend,
  spec: ProgramSpec,
  inputs: tf.TensorInfo[],
  outShape: number[],
  outDtype: tf.DataType,
  values: number[],
): tf.TensorInfo {
  const n = sizeOf(outShape);
  const out = backend.makeTensorInfo(outShape, outDtype);
  if (n === 0) return out;
  const prog = new Program(spec, n);
  const uniforms: Uniform[] = spec.uniforms.map(([, t], i) => ({ type: t === 'f32' ? 'float32' : t === 'u32' ? 'uint32' : 'int32', data: [values[i]!] }));
  backend.runWebGPUProgram(prog, inputs.map(flat), outDtype, uniforms, { dataId: out.dataId, shape: [n], dtype: outDtype });
  return out;
}

/** Run a program that writes into an existing tensor's buffer (in-place updates). */
export function runInto(
  backend: GpuBackend,
  spec: ProgramSpec,
  inputs: tf.TensorInfo[],
  target: tf.TensorInfo,
  values: number[],
): void {
  const n = sizeOf(target.shape);
  if (n === 0) return;
  const prog = new Program(spec, n);
  const uniforms: Uniform[] = spec.uniforms.map(([, t], i) => ({ type: t === 'f32' ? 'float32' : t === 'u32' ? 'uint32' : 'int32', data: [values[i]!] }));
  backend.runWebGPUProgram(prog, inputs.map(flat), target.dtype, uniforms, flat(target));
}

/**
 * Tiled kernels rebuild a linear workgroup id from x·y·z (WG_ID) and guard it against their tile
 * count, so a 1-D dispatch over the per-dimension limit (65,535 workgroups, WebGPU's guaranteed
 * minimum; a [2,4,128³] U-Net's first conv needs ~130,000 tiles) is folded into a near-square x·y
 * grid here. tfjs' own reshaping refuses layouts with a y axis.
 */
let dispatchLimit = 65535;
/** For tests: fold at a small limit so small shapes exercise the folded grids. */
export function setDispatchLimitForTests(limit: number): void {
  dispatchLimit = limit;
}

export function foldDispatch(d: [number, number, number], limit = dispatchLimit): [number, number, number] {
  const total = d[0] * d[1] * d[2];
  if (d.every((v) => v <= limit)) return d;
  const x = Math.min(limit, Math.ceil(Math.sqrt(total)));
  const y = Math.ceil(total / x);
  if (y <= limit) return [x, y, 1];
  const c = Math.ceil(Math.cbrt(total));
  return [c, c, Math.ceil(total / (c * c))];
}

/** Workgroups for `n` invocations of `wg` threads (tfjs splits > 65535 over y/z itself). */
export function groups(n: number, wg: number): [number, number, number] {
  return [Math.max(1, Math.ceil(n / wg)), 1, 1];
}

/**
 * A workgroup-uniform linear workgroup id for tiled kernels. tfjs reshapes a dispatch wider than
 * the device limit into x·y·z, so the id is rebuilt from all three; workgroupUniformLoad makes it
 * provably uniform, which loops containing barriers require.
 */
export const WG_ID = `
var<workgroup> sslWgId : u32;
fn linearWorkgroupId() -> i32 {
  if (localIndex == 0u) {
    sslWgId = workgroupId.x + workgroupId.y * numWorkgroups.x + workgroupId.z * numWorkgroups.x * numWorkgroups.y;
  }
  return i32(workgroupUniformLoad(&sslWgId));
}
`;

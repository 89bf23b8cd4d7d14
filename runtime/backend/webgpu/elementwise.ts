// Broadcasting binary ops and transposes of any rank, as flat-index WGSL kernels.
//
// tfjs-webgpu 4.22 generates invalid WGSL for rank-5 broadcasting binary ops (it indexes its
// `vec5` struct like a vector) and refuses transposes above rank 6; a 3D U-Net needs both (bias
// and norm parameters broadcast over [N, D, H, W, C]; the transposed conv's pixel shuffle is a
// rank-8 transpose). Both kernels first merge adjacent axes that behave alike, so the common
// cases run as rank 1–3 index arithmetic.

import * as tf from '@tensorflow/tfjs';
import { groups, run, sizeOf, type GpuBackend, type KernelArgs, type ProgramSpec } from './program.js';
import { mergeTransposeDims } from '../kernels/shapes.js';

const MAX_RANK = 8;

/** Broadcast shapes of a and b against each other, with adjacent axes of equal pattern merged. */
export function collapseBroadcast(a: readonly number[], b: readonly number[]): { a: number[]; b: number[]; out: number[] } {
  const n = Math.max(a.length, b.length);
  const pa = [...Array<number>(n - a.length).fill(1), ...a];
  const pb = [...Array<number>(n - b.length).fill(1), ...b];
  const o = pa.map((x, i) => Math.max(x, pb[i]!));
  const ra: number[] = [], rb: number[] = [], ro: number[] = [];
  let last = '';
  for (let i = 0; i < n; i++) {
    if (o[i] === 1) continue;
    const pattern = `${pa[i] === o[i] ? 1 : 0}${pb[i] === o[i] ? 1 : 0}`;
    if (pattern === last) {
      ra[ra.length - 1]! *= pa[i]!;
      rb[rb.length - 1]! *= pb[i]!;
      ro[ro.length - 1]! *= o[i]!;
    } else {
      ra.push(pa[i]!);
      rb.push(pb[i]!);
      ro.push(o[i]!);
      last = pattern;
    }
  }
  if (ro.length === 0) return { a: [1], b: [1], out: [1] };
  return { a: ra, b: rb, out: ro };
}

const strides = (shape: number[]): number[] => {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
};

/** WGSL for `r = f(a, b)` on f32 (NaN handling as tfjs-webgpu's). */
export const BINARY_OPS: Record<string, string> = {
  Add: 'a + b',
  Sub: 'a - b',
  Multiply: 'a * b',
  RealDiv: 'a / b',
  SquaredDifference: '(a - b) * (a - b)',
  Maximum: 'select(max(a, b), a, isnan(a) || isnan(b))',
  Minimum: 'select(min(a, b), a, isnan(a) || isnan(b))',
};

/** Index arithmetic: `ia`/`ib` from the flat output index (rank r, collapsed shapes). */
function indexCode(rank: number, inputs: string[]): string {
  const lines = ['var rest = index;'];
  for (const n of inputs) lines.push(`var i${n} = 0;`);
  for (let k = rank - 1; k >= 0; k--) {
    const c = k === 0 ? 'rest' : `rest % uniforms.o${k}`;
    lines.push(`{ let c = ${c};`);
    for (const n of inputs) lines.push(`  i${n} = i${n} + c * uniforms.${n}s${k};`);
    lines.push(k === 0 ? '}' : `  rest = rest / uniforms.o${k}; }`);
  }
  return lines.join('\n      ');
}

export function binaryGpu(backend: GpuBackend, op: string, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo | null {
  const expr = BINARY_OPS[op];
  if (!expr || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  const c = collapseBroadcast(a.shape, b.shape);
  const rank = c.out.length;
  if (rank > MAX_RANK) return null;
  const n = sizeOf(outShape);
  const sa = strides(c.a).map((s, i) => (c.a[i] === 1 && c.out[i] !== 1 ? 0 : s));
  const sb = strides(c.b).map((s, i) => (c.b[i] === 1 && c.out[i] !== 1 ? 0 : s));
  // Same shapes, size divisible by 4: one vec4 per invocation.
  if (rank === 1 && sa[0] === 1 && sb[0] === 1 && n % 4 === 0) {
    const spec: ProgramSpec = {
      key: `bin4_${op}`, inputs: ['A', 'B'], components: [4, 4], outComponents: 4, uniforms: [],
      workgroupSize: [64, 1, 1], dispatch: groups(n / 4, 64), mode: 'elementwise',
      code: `
  fn f(a : vec4<f32>, b : vec4<f32>) -> vec4<f32> { return ${expr.replace(/isnan\(a\) \|\| isnan\(b\)/, 'isnanVec4(a) | isnanVec4(b)')}; }
  fn main(index : i32) {
    if (index < uniforms.size) { result[index] = f(vec4<f32>(A[index]), vec4<f32>(B[index])); }
  }`,
    };
    return run(backend, spec, [a, b], outShape, 'float32', []);
  }
  const uniforms: Array<[string, 'i32']> = [];
  const values: number[] = [];
  for (let k = 1; k < rank; k++) { uniforms.push([`o${k}`, 'i32']); values.push(c.out[k]!); }
  for (let k = 0; k < rank; k++) { uniforms.push([`As${k}`, 'i32']); values.push(sa[k]!); }
  for (let k = 0; k < rank; k++) { uniforms.push([`Bs${k}`, 'i32']); values.push(sb[k]!); }
  const spec: ProgramSpec = {
    key: `bin_${op}_${rank}`, inputs: ['A', 'B'], uniforms, workgroupSize: [64, 1, 1], dispatch: groups(n, 64), mode: 'elementwise',
    code: `
  fn f(a : f32, b : f32) -> f32 { return ${expr}; }
  fn main(index : i32) {
    if (index < uniforms.size) {
      ${indexCode(rank, ['A', 'B'])}
      result[index] = f(f32(A[iA]), f32(B[iB]));
    }
  }`,
  };
  return run(backend, spec, [a, b], outShape, 'float32', values);
}

/** Merge input axes that stay adjacent and in order under `perm`; drop size-1 axes (the native kernels' rule). */
export function collapseTranspose(shape: readonly number[], perm: readonly number[]): { shape: number[]; perm: number[] } {
  const m = mergeTransposeDims([...shape], [...perm]);
  return { shape: Array.from(m.shape), perm: Array.from(m.perm) };
}

export function transposeGpu(backend: GpuBackend, x: tf.TensorInfo, perm: number[]): tf.TensorInfo | null {
  const outShape = perm.map((p) => x.shape[p]!);
  // Renumber so that size-1 axes are ignored when finding runs.
  const nz = x.shape.map((d, i) => (d === 1 ? -1 : i)).filter((i) => i >= 0);
  const dense = new Map(nz.map((axis, k) => [axis, k]));
  const shape = nz.map((i) => x.shape[i]!);
  const p = perm.filter((q) => x.shape[q] !== 1).map((q) => dense.get(q)!);
  const c = collapseTranspose(shape, p);
  const rank = c.shape.length;
  if (rank > MAX_RANK) return null;
  if (x.dtype !== 'float32' && x.dtype !== 'int32' && x.dtype !== 'bool') return null;
  const n = sizeOf(outShape);
  const cout = c.perm.map((q) => c.shape[q]!);
  const inStrides = strides(c.shape);
  const uniforms: Array<[string, 'i32']> = [];
  const values: number[] = [];
  for (let k = 1; k < rank; k++) { uniforms.push([`o${k}`, 'i32']); values.push(cout[k]!); }
  for (let k = 0; k < rank; k++) { uniforms.push([`Xs${k}`, 'i32']); values.push(inStrides[c.perm[k]!]!); }
  const spec: ProgramSpec = {
    key: `transpose_${rank}`, inputs: ['X'], uniforms, workgroupSize: [64, 1, 1], dispatch: groups(n, 64), mode: 'elementwise',
    code: `
  fn main(index : i32) {
    if (index < uniforms.size) {
      ${indexCode(rank, ['X'])}
      result[index] = ${x.dtype === 'float32' ? 'f32' : 'i32'}(X[iX]);
    }
  }`,
  };
  return run(backend, spec, [x], outShape, x.dtype, values);
}

type Fallback = tf.KernelFunc;

/** Kernel configs for the binary ops and Transpose on 'webgpu', with the stock kernels as fallback. */
export function elementwiseKernels(stock: (name: string) => Fallback | null): tf.KernelConfig[] {
  const out: tf.KernelConfig[] = [];
  const reshape = stock('Reshape');
  // Ops we do not write ourselves (comparisons, int math, Pow, …): at rank ≥ 5 merge axes down to
  // a rank the stock kernel handles, then reshape back.
  const collapseAround = (name: string, f: Fallback): tf.KernelFunc => ((args: KernelArgs) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if ((a.shape.length < 5 && b.shape.length < 5) || !reshape) return f(args as never);
    const c = collapseBroadcast(a.shape, b.shape);
    if (c.out.length >= 5) throw new Error(`ssl3d webgpu: ${name} with a rank-${c.out.length} broadcast is not supported`);
    const be = args.backend;
    const ra = reshape({ inputs: { x: a }, backend: be, attrs: { shape: c.a } } as never) as tf.TensorInfo;
    const rb = reshape({ inputs: { x: b }, backend: be, attrs: { shape: c.b } } as never) as tf.TensorInfo;
    const r = f({ inputs: { a: ra, b: rb }, backend: be, attrs: args.attrs ?? {} } as never) as tf.TensorInfo;
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const res = reshape({ inputs: { x: r }, backend: be, attrs: { shape: outShape } } as never) as tf.TensorInfo;
    be.disposeData(ra.dataId);
    be.disposeData(rb.dataId);
    be.disposeData(r.dataId);
    return res;
  }) as unknown as tf.KernelFunc;

  const binaryNames = [
    'Add', 'Sub', 'Multiply', 'RealDiv', 'Maximum', 'Minimum', 'SquaredDifference', 'Pow', 'Equal', 'NotEqual',
    'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'LogicalAnd', 'LogicalOr', 'DivNoNan', 'FloorDiv', 'Atan2', 'Mod',
  ];
  for (const name of binaryNames) {
    const f = stock(name);
    if (!f) continue;
    const wrapped = collapseAround(name, f);
    out.push({
      kernelName: name, backendName: 'webgpu',
      kernelFunc: ((args: KernelArgs) => {
        const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
        return binaryGpu(args.backend, name, a, b) ?? wrapped(args as never);
      }) as unknown as tf.KernelFunc,
    });
  }
  // Select (tf.where; e.g. the gradient of clipByValue in the cross-entropy loss): the op has
  // already broadcast its three inputs to one shape, and the stock kernel refuses rank 5
  // ("Where for rank 5 is not yet supported"), so it runs on flat views of rank 1.
  const sstock = stock('Select');
  if (sstock && reshape) {
    out.push({
      kernelName: 'Select', backendName: 'webgpu',
      kernelFunc: ((args: KernelArgs) => {
        const { condition, t, e } = args.inputs as Record<'condition' | 't' | 'e', tf.TensorInfo>;
        const same = (x: tf.TensorInfo): boolean => x.shape.length === t.shape.length && x.shape.every((d, i) => d === t.shape[i]);
        if (t.shape.length <= 4 || !same(condition) || !same(e)) return sstock(args as never);
        const be = args.backend;
        const n = sizeOf(t.shape);
        const flat = (x: tf.TensorInfo): tf.TensorInfo => reshape({ inputs: { x }, backend: be, attrs: { shape: [n] } } as never) as tf.TensorInfo;
        const [fc, ft, fe] = [flat(condition), flat(t), flat(e)];
        const r = sstock({ inputs: { condition: fc, t: ft, e: fe }, backend: be, attrs: {} } as never) as tf.TensorInfo;
        const res = reshape({ inputs: { x: r }, backend: be, attrs: { shape: t.shape } } as never) as tf.TensorInfo;
        for (const x of [fc, ft, fe, r]) be.disposeData(x.dataId);
        return res;
      }) as unknown as tf.KernelFunc,
    });
  }
  const tstock = stock('Transpose');
  out.push({
    kernelName: 'Transpose', backendName: 'webgpu',
    kernelFunc: ((args: KernelArgs) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const perm = (args.attrs as { perm: number[] }).perm;
      const r = transposeGpu(args.backend, x, perm);
      if (r) return r;
      if (!tstock) throw new Error('ssl3d webgpu: no Transpose kernel');
      return tstock(args as never);
    }) as unknown as tf.KernelFunc,
  });
  return out;
}

// Native matrix multiply: BatchMatMul (with broadcasting of a batch of one) and _FusedMatMul.

import { uninitF32 } from '../out-buffer.js';
import { f32, size, type Args, type Info, type KernelKit } from './common.js';
import { epilogue } from './epilogue.js';

export function registerMatMulKernels(k: KernelKit): void {
  const { add, fb, addon } = k;
  const matmul = (a: Args): { shape: number[]; c: Float32Array } | null => {
    const { a: A, b: B } = a.inputs as { a: Info; b: Info };
    const at = a.attrs as { transposeA: boolean; transposeB: boolean };
    const av = f32(a.backend, A), bv = f32(a.backend, B);
    if (!av || !bv || A.shape.length < 2 || B.shape.length < 2) return null;
    const ra = A.shape.length, rb = B.shape.length;
    const M = at.transposeA ? A.shape[ra - 1]! : A.shape[ra - 2]!;
    const Ka = at.transposeA ? A.shape[ra - 2]! : A.shape[ra - 1]!;
    const Kb = at.transposeB ? B.shape[rb - 1]! : B.shape[rb - 2]!;
    const N = at.transposeB ? B.shape[rb - 2]! : B.shape[rb - 1]!;
    if (Ka !== Kb) return null;
    const outerA = A.shape.slice(0, -2), outerB = B.shape.slice(0, -2);
    const bA = size(outerA), bB = size(outerB);
    let outer: number[];
    if (bA === bB && outerA.join() === outerB.join()) outer = outerA;
    else if (bA === 1) outer = outerB.length >= outerA.length ? outerB : outerA.map(() => 1).slice(0, outerA.length - outerB.length).concat(outerB);
    else if (bB === 1) outer = outerA.length >= outerB.length ? outerA : outerB.map(() => 1).slice(0, outerB.length - outerA.length).concat(outerA);
    else return null;
    if (bA !== bB && bA !== 1 && bB !== 1) return null;
    const c = uninitF32(Math.max(bA, bB) * M * N);
    addon.matmul(av, bv, c, Int32Array.of(bA, bB, M, Ka, N, at.transposeA ? 1 : 0, at.transposeB ? 1 : 0));
    return { shape: [...outer, M, N], c };
  };
  add('BatchMatMul', (a, f) => {
    const r = matmul(a);
    return r ? a.backend.makeTensorInfo(r.shape, 'float32', r.c) : fb(a, f);
  });
  add('_FusedMatMul', (a, f) => {
    const r = matmul(a);
    if (!r) return fb(a, f);
    const y = epilogue(addon, a, r.c, r.shape);
    return y ? a.backend.makeTensorInfo(r.shape, 'float32', y) : fb(a, f);
  });
}

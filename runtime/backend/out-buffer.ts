// Output arrays for native kernels that write every element of their output.
//
// `new Float32Array(n)` zero-fills: for the megabytes a 3D training step allocates per kernel
// (about 310 MB per step at [2,4,32³], 8× that at 64³) that is a serial memset on the JavaScript
// thread before every parallel kernel, which neither thread count nor kernel speed can hide.
// Buffer.allocUnsafeSlow gives an unpooled ArrayBuffer of exactly n·4 bytes without the fill; the
// kernel's own (parallel) writes are the first touch. Only for kernels that write all n elements:
// with SSL3D_POISON_OUTPUTS=1 (or setPoisonOutputs(true), used by the kernel tests) the arrays are
// filled with NaN first, so an element a kernel forgot to write shows up against tfjs `cpu`.

let poison = process.env.SSL3D_POISON_OUTPUTS === '1';

/** For tests: fill every output array with NaN before the kernel writes it. */
export function setPoisonOutputs(on: boolean): void {
  poison = on;
}

/** Below this many elements V8's zeroed allocation is cheap and pooled; use it. */
const MIN_UNINIT = 1 << 14;

/** A Float32Array of n elements whose contents are unspecified (NaN under poisoning). */
export function uninitF32(n: number): Float32Array {
  let out: Float32Array;
  if (n < MIN_UNINIT) {
    out = new Float32Array(n);
  } else {
    const b = Buffer.allocUnsafeSlow(n * 4);
    out = new Float32Array(b.buffer, b.byteOffset, n);
  }
  if (poison) out.fill(NaN);
  return out;
}

// Output arrays of the native kernels: allocated without zero-fill, and recycled once tfjs
// disposes their tensor — unless the array was ever seen outside the backend.
//
// A 3D training step allocates its outputs kernel by kernel: about 310 MB per [2,4,32³] step, 8×
// that at 64³. With `new Float32Array(n)` every one is zero-filled on the JavaScript thread (a
// serial memset before each parallel kernel), freshly mapped (page faults), and — because V8
// counts array buffers as external memory — every ~64 MB of them forces a full mark-compact GC.
// None of that shrinks with more threads. Here:
//  - uninitF32(n) returns an array of unspecified contents (Buffer.allocUnsafeSlow: no fill), only
//    for kernels that write every element;
//  - the native backend (native.ts) reports each data id's binding and release; when the last
//    tensor holding an array is disposed and the array never escaped, it goes to a free list by
//    length (at most SSL3D_POOL_MB, default min(2 GB, RAM/8)) and the next uninitF32 of that length
//    reuses it: no allocation, no fault, no GC pressure.
// An array escapes — and is never reused — when anything outside the kernels can hold it:
// readSync/read (dataSync(), data(), arraySync(), saving weights, …), a second data id bound to
// the same buffer, or a view of it (contiguous slices are subarrays). Tests poison (NaN) every
// array handed out or recycled (setPoisonOutputs), so an element a kernel does not write, or a
// stale reference, fails the comparison with tfjs `cpu`.

import { totalmem } from 'node:os';
import * as tf from '@tensorflow/tfjs';

let poison = process.env.SSL3D_POISON_OUTPUTS === '1';

/** For tests: fill every output array with NaN before a kernel writes it and when it is recycled. */
export function setPoisonOutputs(on: boolean): void {
  poison = on;
}

/** Below this many elements V8's zeroed (pooled) allocation is cheap; use it, never recycle. */
const MIN_UNINIT = 1 << 14;

const owned = new WeakSet<ArrayBuffer>();
const escaped = new WeakSet<ArrayBuffer>();
const bound = new WeakMap<ArrayBuffer, number>();
const free = new Map<number, Float32Array[]>();
let freeBytes = 0;
const envCap = Number(process.env.SSL3D_POOL_MB);
const cap = Number.isFinite(envCap) && envCap >= 0 ? envCap * 2 ** 20 : Math.min(2 ** 31, totalmem() / 8);
let recycled = 0;

/** A Float32Array of n elements whose contents are unspecified (NaN under poisoning). */
export function uninitF32(n: number): Float32Array {
  let out: Float32Array;
  if (n < MIN_UNINIT) {
    out = new Float32Array(n);
  } else {
    const list = free.get(n);
    const reuse = list?.pop();
    if (reuse) {
      freeBytes -= reuse.byteLength;
      recycled++;
      escaped.delete(reuse.buffer as ArrayBuffer);
      bound.set(reuse.buffer as ArrayBuffer, 0);
      out = reuse;
    } else {
      const b = Buffer.allocUnsafeSlow(n * 4);
      out = new Float32Array(b.buffer, b.byteOffset, n);
      owned.add(out.buffer as ArrayBuffer);
    }
  }
  if (poison) out.fill(NaN);
  return out;
}

const whole = (v: Float32Array): boolean => v.byteOffset === 0 && v.byteLength === v.buffer.byteLength;

/** The backend bound `values` to a new data id. */
export function noteBound(values: unknown): void {
  if (!(values instanceof Float32Array)) return;
  const b = values.buffer as ArrayBuffer;
  if (!owned.has(b)) return;
  const c = bound.get(b) ?? 0;
  if (c > 0 || !whole(values)) escaped.add(b);
  bound.set(b, c + 1);
}

/** `values` left the backend (read by user code): never recycle its buffer. */
export function noteEscaped(values: unknown): void {
  if (ArrayBuffer.isView(values) && owned.has(values.buffer as ArrayBuffer)) escaped.add(values.buffer as ArrayBuffer);
}

/** The backend deleted a data id that held `values`. */
export function noteReleased(values: unknown): void {
  if (!(values instanceof Float32Array)) return;
  const b = values.buffer as ArrayBuffer;
  if (!owned.has(b)) return;
  const c = (bound.get(b) ?? 1) - 1;
  bound.set(b, c);
  if (c > 0 || escaped.has(b) || !whole(values) || freeBytes + b.byteLength > cap) return;
  escaped.add(b); // until uninitF32 hands it out again it belongs to the free list only
  if (poison) values.fill(NaN);
  let list = free.get(values.length);
  if (!list) free.set(values.length, (list = []));
  list.push(values);
  freeBytes += b.byteLength;
}

/**
 * The float32 values of a tensor on the active (native) backend for a kernel to read or write in
 * place, without marking them escaped (dataSync would). Falls back to dataSync elsewhere.
 */
export function valuesOf(t: tf.Tensor): Float32Array {
  const data = (tf.backend() as unknown as { data?: { get(id: object): { values?: unknown } | undefined } }).data;
  const v = data?.get(t.dataId)?.values;
  return v instanceof Float32Array && v.length === t.size ? v : (t.dataSync() as Float32Array);
}

/** Pool state, for tests and benchmarks. */
export function outBufferStats(): { freeBytes: number; recycled: number } {
  return { freeBytes, recycled };
}

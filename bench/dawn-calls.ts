// Host-side cost of the WebGPU (Dawn) calls a training step makes: wraps every method of the
// device, queue, command encoder, compute pass, buffer and pipeline prototypes with a counter and
// a timer (bench:gpu --dawn-calls). Measures the JS→native call and Dawn's CPU-side work (validation,
// encoding); GPU execution runs asynchronously and is not in these numbers.

import * as tf from '@tensorflow/tfjs';

interface Stat { n: number; ms: number }
const stats = new Map<string, Stat>();
let installed = false;

function wrapProto(label: string, obj: object | null | undefined): void {
  if (!obj) return;
  const proto = Object.getPrototypeOf(obj) as Record<string, unknown> | null;
  if (!proto || (proto as { __sslWrapped?: boolean }).__sslWrapped) return;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const d = Object.getOwnPropertyDescriptor(proto, name);
    if (!d || typeof d.value !== 'function' || name === 'constructor') continue;
    const f = d.value as (...a: unknown[]) => unknown;
    const key = `${label}.${name}`;
    Object.defineProperty(proto, name, {
      ...d,
      value: function (this: unknown, ...a: unknown[]) {
        const t0 = performance.now();
        try {
          return f.apply(this, a);
        } finally {
          const s = stats.get(key) ?? { n: 0, ms: 0 };
          s.n++;
          s.ms += performance.now() - t0;
          stats.set(key, s);
        }
      },
    });
  }
  Object.defineProperty(proto, '__sslWrapped', { value: true });
}

/** Install the wrappers on the active webgpu backend's objects (idempotent). */
export function installDawnCallTimers(): boolean {
  if (installed) return true;
  if (tf.getBackend() !== 'webgpu') return false;
  const device = (tf.backend() as unknown as { device?: Record<string, (...a: unknown[]) => unknown> & { queue: object } }).device;
  if (!device) return false;
  const enc = device.createCommandEncoder!() as { beginComputePass(d: object): { end(): void }; finish(): unknown };
  const pass = enc.beginComputePass({});
  const buf = device.createBuffer!({ size: 16, usage: 0x80 | 0x8 }) as { destroy(): void };
  const module = device.createShaderModule!({ code: '@compute @workgroup_size(1) fn main() {}' });
  const pipe = device.createComputePipeline!({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  wrapProto('device', device);
  wrapProto('queue', device.queue);
  wrapProto('encoder', enc);
  wrapProto('pass', pass);
  wrapProto('buffer', buf);
  wrapProto('pipeline', pipe as object);
  pass.end();
  enc.finish();
  buf.destroy();
  installed = true;
  stats.clear();
  return true;
}

export function resetDawnCallStats(): void {
  stats.clear();
}

/** The calls so far, most expensive first, divided by `steps`. */
export function dawnCallReport(steps: number): string {
  const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((s, [, v]) => s + v.ms, 0);
  const lines = [`  Dawn calls per step: ${(total / steps).toFixed(1)} ms host time in ${rows.reduce((s, [, v]) => s + v.n, 0) / steps} calls`];
  for (const [k, v] of rows.slice(0, 14)) {
    lines.push(`    ${k.padEnd(34)} n=${String(Math.round(v.n / steps)).padStart(5)} ${(v.ms / steps).toFixed(2).padStart(8)} ms  ${((v.ms / v.n) * 1000).toFixed(1).padStart(6)} µs/call`);
  }
  return lines.join('\n');
}

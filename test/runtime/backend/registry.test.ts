// Backend registry: candidate order, never wasm, fallback to cpu without the addon, explicit
// choices that are unavailable fail with located codes, and the native backend trains like cpu
// (Adam steps match, results repeat bit for bit, no tensor or memory leak over 100 steps).
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { resetAddonForTests } from '../../../runtime/backend/addon.js';
import { encoderModel, batchFor } from '../../../runtime/backend/bench-models.js';
import {
  backendCandidates,
  cpuInfo,
  EXCLUDED_BACKENDS,
  nativeAvailable,
  resetSelectionForTests,
  selectBackend,
  type BackendChoice,
} from '../../../runtime/backend/index.js';
import { codes } from '../../../core/codes/backend.js';
import { setPoisonOutputs } from '../../../runtime/backend/out-buffer.js';

// Native outputs allocated without zero-fill start as NaN here: an element a kernel does not write fails the comparison.
setPoisonOutputs(true);

afterEach(() => {
  delete process.env.SSL3D_NO_NATIVE;
  delete process.env.SSL3D_NO_WEBGPU;
  resetAddonForTests();
  resetSelectionForTests();
});

describe('backend registry', () => {
  it('never offers wasm (or webgl) for any choice', () => {
    for (const c of ['auto', 'webgpu', 'native', 'cpu', 'tensorflow'] as BackendChoice[]) {
      for (const b of EXCLUDED_BACKENDS) expect(backendCandidates(c)).not.toContain(b);
    }
    expect(backendCandidates('auto')).toEqual(['tensorflow', 'webgpu', 'native', 'cpu']);
    expect(backendCandidates('webgpu')).toEqual(['webgpu']);
  });

  it('auto ignores a registered high-priority wasm backend', async () => {
    tf.registerBackend('wasm', () => new (tf.findBackend('cpu')!.constructor as new () => tf.KernelBackend)(), 100);
    const sel = await selectBackend('auto', { quiet: true });
    expect(sel.name).not.toBe('wasm');
    expect(tf.getBackend()).toBe(sel.name);
    tf.removeBackend('wasm');
  });

  it('auto falls back to cpu with one warning when the addon is absent', async () => {
    process.env.SSL3D_NO_NATIVE = '1';
    process.env.SSL3D_NO_WEBGPU = '1';
    resetAddonForTests();
    expect(nativeAvailable()).toBe(false);
    const sel = await selectBackend('auto', { quiet: true });
    expect(sel.name).toBe('cpu');
    expect(sel.warning).toMatch(/cpu.*slower/);
    expect(sel.reason).toMatch(/SSL3D_NO_NATIVE/);
    expect(tf.getBackend()).toBe('cpu');
    // idempotent and cheap
    const t0 = performance.now();
    expect(await selectBackend('auto', { quiet: true })).toBe(sel);
    expect(performance.now() - t0).toBeLessThan(50);
  });

  it('explicit choices that cannot be met fail with SSL200/SSL201', async () => {
    await expect(selectBackend('tensorflow', { quiet: true })).rejects.toMatchObject({ code: 'SSL200' });
    process.env.SSL3D_NO_NATIVE = '1';
    resetAddonForTests();
    await expect(selectBackend('native', { quiet: true })).rejects.toMatchObject({ code: 'SSL201' });
    expect((await selectBackend('cpu')).name).toBe('cpu');
  });

  it('reports the CPU for the run record and has its codes in range', () => {
    const c = cpuInfo();
    expect(c.cores).toBeGreaterThan(0);
    expect(c.model.length).toBeGreaterThan(0);
    expect(Array.isArray(c.features)).toBe(true);
    for (const e of codes) {
      const n = Number(e.code.slice(3));
      expect(n >= 200 && n <= 209).toBe(true);
      expect(e.explanation.length).toBeGreaterThan(40);
    }
  });
});

describe.runIf(nativeAvailable())('native backend trains like cpu', () => {
  function train(backend: string, steps: number): { loss: number; weights: Float32Array[] } {
    tf.setBackend(backend);
    const model = encoderModel(2, 12, 2, [4, 6], 3);
    const { x, y } = batchFor(model, 2, 12, 2, false, 3);
    const opt = tf.train.adam(1e-2);
    let loss = 0;
    for (let i = 0; i < steps; i++) {
      const l = opt.minimize(() => model.loss(x, y), true, model.vars)!;
      loss = l.dataSync()[0]!;
      l.dispose();
    }
    const weights = model.vars.map((v) => v.dataSync() as Float32Array);
    tf.dispose([x, y, ...model.vars]);
    opt.dispose();
    return { loss, weights };
  }

  it('Adam steps on a small 3D conv net match cpu and repeat exactly', async () => {
    await selectBackend('native', { quiet: true });
    const nat = train('native', 3);
    const again = train('native', 3);
    const cpu = train('cpu', 3);
    expect(Math.abs(nat.loss - cpu.loss) / Math.abs(cpu.loss)).toBeLessThan(1e-4);
    nat.weights.forEach((w, i) => {
      const c = cpu.weights[i]!;
      let scale = 1e-6, err = 0;
      for (let k = 0; k < c.length; k++) scale = Math.max(scale, Math.abs(c[k]!));
      for (let k = 0; k < c.length; k++) err = Math.max(err, Math.abs(w[k]! - c[k]!));
      expect(err / scale).toBeLessThan(1e-4);
      expect(Array.from(again.weights[i]!)).toEqual(Array.from(w));
    });
  });

  it('100 training steps leak neither tensors nor memory', async () => {
    await selectBackend('native', { quiet: true });
    const model = encoderModel(2, 16, 2, [4, 8], 3);
    const { x, y } = batchFor(model, 2, 16, 2, false, 3);
    const opt = tf.train.adam(1e-3);
    const step = (): void => {
      opt.minimize(() => model.loss(x, y), true, model.vars)!.dispose();
    };
    for (let i = 0; i < 10; i++) step();
    const tensors = tf.memory().numTensors;
    const rss0 = process.memoryUsage().rss;
    for (let i = 0; i < 100; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    const growthMb = (process.memoryUsage().rss - rss0) / 2 ** 20;
    expect(growthMb).toBeLessThan(64);
    tf.dispose([x, y, ...model.vars]);
    opt.dispose();
  });
});

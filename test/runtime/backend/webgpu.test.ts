// The `webgpu` backend on whatever adapter exists (in CI: Mesa's lavapipe, software Vulkan): our
// WGSL kernels against tfjs `cpu` on awkward shapes, a short U-Net training run against `native`,
// flat GPU memory over many steps, and `auto` never picking a software adapter. Without any
// adapter the whole file is one skipped line that says why.
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { resetSelectionForTests, selectBackend } from '../../../runtime/backend/index.js';
import { probeAdapter } from '../../../runtime/backend/webgpu/index.js';
import { filterGradTuning } from '../../../runtime/backend/webgpu/conv.js';
import { adamInPlace, lerpInPlace } from '../../../runtime/backend/webgpu/inplace.js';
import { fusedNorm } from '../../../runtime/backend/norm.js';
import { canFuseConvBiasRelu3d, convBiasRelu3d } from '../../../runtime/backend/fused-conv.js';
import { fusedDropout, fusedDropoutAvailable } from '../../../runtime/backend/dropout.js';
import { dropoutMask } from '../../../runtime/models/layers.js';
import { checkGpuHealth, gpuHealth } from '../../../runtime/backend/webgpu/device.js';
import { foldDispatch, run, setDispatchLimitForTests, type GpuBackend } from '../../../runtime/backend/webgpu/program.js';
import { nativeAvailable } from '../../../runtime/backend/index.js';
import { buildEncoder, buildSegmenter, unetPreset } from '../../../runtime/models/index.js';
import { setTrainingClock } from '../../../runtime/models/layers.js';
import { Optimizer } from '../../../runtime/train/optim.js';
import { finetuneLoss } from '../../../runtime/train/finetune.js';
import { createTask } from '../../../runtime/tasks/tasks.js';
import { evaluate as evaluatePretext } from '../../../runtime/tasks/evaluate.js';
import { PARAMS, pretext, synthVol, tinyEncoder } from '../tasks/synth.js';

const probe = await probeAdapter();

/** Run `f` on webgpu and on cpu with the same inputs; max |Δ| / max |cpu|. */
async function relErr(f: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  await selectBackend('webgpu', { quiet: true });
  const gArr = [f()].flat();
  const g = await Promise.all(gArr.map((t) => t.data()));
  tf.dispose(gArr);
  tf.setBackend('cpu');
  const cArr = [f()].flat();
  const c = await Promise.all(cArr.map((t) => t.data()));
  tf.dispose(cArr);
  let err = 0;
  g.forEach((gv, k) => {
    const cv = c[k]!;
    expect(gv.length).toBe(cv.length);
    let scale = 1e-6, e = 0;
    for (let i = 0; i < cv.length; i++) scale = Math.max(scale, Math.abs(cv[i] as number));
    for (let i = 0; i < cv.length; i++) e = Math.max(e, Math.abs((gv[i] as number) - (cv[i] as number)));
    err = Math.max(err, e / scale);
  });
  return err;
}

const rnd = (shape: number[], seed: number): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', seed);

describe('GPU health checks', () => {
  it('a lost device is SSL208 (resumable), out of memory SSL208, other GPU errors SSL209', () => {
    gpuHealth.lost = 'unknown: test';
    expect(() => checkGpuHealth('a test')).toThrow(expect.objectContaining({ code: 'SSL208', message: expect.stringMatching(/lost during a test.*resumed/) }));
    gpuHealth.lost = null;
    gpuHealth.error = 'Out of memory while allocating';
    gpuHealth.errorKind = 'GPUOutOfMemoryError';
    expect(() => checkGpuHealth('a test')).toThrow(expect.objectContaining({ code: 'SSL208' }));
    gpuHealth.error = 'bad shader';
    gpuHealth.errorKind = 'GPUValidationError';
    expect(() => checkGpuHealth('a test')).toThrow(expect.objectContaining({ code: 'SSL209', message: expect.stringMatching(/GPUValidationError.*bad shader/) }));
    expect(() => checkGpuHealth('a test')).not.toThrow(); // reported once
  });
});

if (!probe.ok) {
  describe('webgpu backend', () => {
    it.skip(`skipped: no WebGPU adapter (${probe.reason})`, () => {});
  });
} else {
  afterAll(() => {
    tf.setBackend('cpu');
    resetSelectionForTests();
  });

  describe(`webgpu kernels vs cpu on ${probe.info.description || probe.info.device}`, () => {
    it('auto never picks a software adapter; --backend webgpu forces it', async () => {
      resetSelectionForTests();
      const auto = await selectBackend('auto', { quiet: true });
      if (probe.info.software) {
        expect(auto.name).not.toBe('webgpu');
        expect(auto.reason).toMatch(/never trains on/);
      } else {
        expect(auto.name).toBe('webgpu');
      }
      const forced = await selectBackend('webgpu', { quiet: true });
      expect(forced.name).toBe('webgpu');
      expect(forced.adapter?.vendor).toBe(probe.info.vendor);
      expect(tf.getBackend()).toBe('webgpu');
    });

    it('a shader the driver rejects ends at the next read-back with SSL209, then the device works on', async () => {
      await selectBackend('webgpu', { quiet: true });
      const be = tf.backend() as unknown as GpuBackend;
      const bad = run(be, {
        key: 'deliberately_invalid', inputs: ['X'], uniforms: [], workgroupSize: [64, 1, 1], dispatch: [1, 1, 1], mode: 'elementwise',
        code: 'fn main(index : i32) { result[index] = undefinedThing; }',
      }, [tf.ones([4]) as unknown as tf.TensorInfo], [4], 'float32', []);
      const t = tf.engine().makeTensorFromTensorInfo(bad);
      await expect(t.data()).rejects.toMatchObject({ code: 'SSL209' });
      t.dispose();
      expect(Array.from(await tf.add(tf.ones([3]), 1).data())).toEqual([2, 2, 2]);
    });

    it('broadcasting binary ops of rank 5 (bias, per-sample, odd sizes) and their gradients', async () => {
      const x = (): tf.Tensor => rnd([2, 3, 5, 7, 6], 1);
      expect(await relErr(() => tf.add(x(), rnd([6], 2)))).toBeLessThan(1e-6);
      expect(await relErr(() => tf.mul(x(), rnd([2, 1, 1, 1, 6], 3)))).toBeLessThan(1e-6);
      expect(await relErr(() => tf.sub(rnd([1, 3, 1, 7, 1], 4), x()))).toBeLessThan(1e-6);
      expect(await relErr(() => tf.div(x(), tf.add(tf.abs(rnd([5, 7, 1], 5)), 0.5)))).toBeLessThan(1e-6);
      expect(await relErr(() => tf.maximum(x(), rnd([2, 3, 5, 7, 6], 6)))).toBeLessThan(1e-6);
      expect(await relErr(() => tf.squaredDifference(x(), rnd([3, 1, 1, 6], 7)))).toBeLessThan(1e-6);
      expect(await relErr(() => tf.greater(x(), rnd([6], 8)).toFloat())).toBe(0);
      const grads = (): tf.Tensor[] => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.add(a, b), tf.mul(a, b))))([x(), rnd([1, 3, 1, 1, 6], 9)]);
      expect(await relErr(grads)).toBeLessThan(1e-5);
    });

    it('transposes of rank 4–8 and int32', async () => {
      expect(await relErr(() => tf.transpose(rnd([2, 3, 4, 5, 2, 2, 2, 3], 1), [0, 1, 4, 2, 5, 3, 6, 7]))).toBe(0);
      expect(await relErr(() => tf.transpose(rnd([2, 3, 1, 5, 3], 2), [4, 2, 0, 3, 1]))).toBe(0);
      // a size-1 axis inside a run of adjacent axes: merged across it (shared rule of kernels/shapes.ts)
      expect(await relErr(() => tf.transpose(rnd([3, 1, 4, 5, 2], 2), [4, 0, 1, 2, 3]))).toBe(0);
      expect(await relErr(() => tf.transpose(rnd([2, 3, 1, 1, 4], 2), [2, 4, 3, 0, 1]))).toBe(0);
      expect(await relErr(() => tf.transpose(tf.range(0, 120, 1, 'int32').reshape([2, 3, 4, 5]), [3, 1, 0, 2]))).toBe(0);
    });
  });

  describe('conv3d kernels vs cpu', () => {
    type Case = [number[], number[], number | [number, number, number], 'same' | 'valid'];
    const cases: Case[] = [
      [[2, 5, 6, 7, 3], [3, 3, 3, 3, 5], 1, 'same'], // odd sizes, channels not multiples of 4, batch 2
      [[1, 9, 8, 7, 4], [3, 3, 3, 4, 8], 2, 'same'], // stride 2
      [[2, 6, 7, 5, 5], [3, 2, 3, 5, 6], [2, 1, 2], 'valid'], // mixed strides, non-cubic kernel
      [[2, 4, 4, 4, 17], [1, 1, 1, 17, 70], 1, 'valid'], // 1×1×1, several column tiles
      [[1, 4, 4, 4, 33], [2, 2, 2, 33, 3], 2, 'valid'], // kernel = stride = 2
    ];
    for (const [xs, ws, st, pad] of cases) {
      it(`x [${xs}] w [${ws}] stride ${String(st)} ${pad}: forward, input and filter gradient, transposed conv`, async () => {
        const x = (): tf.Tensor5D => rnd(xs, 1) as tf.Tensor5D;
        const w = (): tf.Tensor5D => rnd(ws, 2) as tf.Tensor5D;
        expect(await relErr(() => tf.conv3d(x(), w(), st, pad))).toBeLessThan(1e-5);
        // Gradients through tf.grads (Conv3DBackpropInputV2 / FilterV2), with the split-K
        // filter gradient forced to split even these small reductions.
        const saved = filterGradTuning.minVoxelsPerSplit;
        filterGradTuning.minVoxelsPerSplit = 16;
        try {
          const g = (): tf.Tensor[] => tf.grads((a: tf.Tensor, b: tf.Tensor) => {
            const y = tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, st, pad);
            return tf.sum(tf.mul(y, rnd(y.shape, 3)));
          })([x(), w()]);
          expect(await relErr(g)).toBeLessThan(1e-5);
        } finally {
          filterGradTuning.minVoxelsPerSplit = saved;
        }
      });
    }
    it('dispatches over the per-dimension workgroup limit are folded into x·y grids (a [2,4,128³] U-Net needs that)', async () => {
      expect(foldDispatch([130_000, 1, 1], 65535)).toEqual([361, 361, 1]);
      expect(foldDispatch([1000, 1, 1], 65535)).toEqual([1000, 1, 1]);
      const [fx, fy, fz] = foldDispatch([70_000 * 70_000, 1, 1], 65535);
      expect(Math.max(fx, fy, fz)).toBeLessThanOrEqual(65535);
      expect(fx * fy * fz).toBeGreaterThanOrEqual(70_000 * 70_000);
      // With the limit at 3 workgroups every tiled kernel (conv fwd/dx/dw, split reductions) runs
      // on folded grids with spare workgroups that must do nothing.
      setDispatchLimitForTests(3);
      try {
        const x = (): tf.Tensor5D => rnd([2, 6, 5, 7, 3], 6) as tf.Tensor5D;
        const w = (): tf.Tensor5D => rnd([3, 3, 3, 3, 5], 7) as tf.Tensor5D;
        const g = (): tf.Tensor[] => tf.grads((a: tf.Tensor, b: tf.Tensor) => {
          const y = tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, 1, 'same');
          return tf.sum(tf.mul(y, rnd(y.shape, 8)));
        })([x(), w()]);
        expect(await relErr(() => [tf.conv3d(x(), w(), 1, 'same'), tf.sum(x(), [0, 1, 2, 3])])).toBeLessThan(1e-5);
        expect(await relErr(g)).toBeLessThan(1e-5);
      } finally {
        setDispatchLimitForTests(65535);
      }
    });
    it('shapes that share tile sizes but not tile counts get pipelines of their own (a shared cache key ran the wrong shader)', async () => {
      // In this order the second of each pair reused the first's compiled shader while its tile
      // counts were baked into the WGSL text: a U-Net's deeper convolutions came out wrong.
      for (const [ci, co] of [[8, 128], [8, 256], [128, 8], [256, 8]] as const) {
        const x = (): tf.Tensor5D => rnd([2, 2, 3, 2, ci], 31) as tf.Tensor5D;
        const w = (): tf.Tensor5D => rnd([3, 3, 3, ci, co], 32) as tf.Tensor5D;
        const g = (): tf.Tensor[] => tf.grads((a: tf.Tensor, b: tf.Tensor) => {
          const y = tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, 1, 'same');
          return tf.sum(tf.mul(y, rnd(y.shape, 33)));
        })([x(), w()]);
        expect(await relErr(() => tf.conv3d(x(), w(), 1, 'same'))).toBeLessThan(1e-5);
        expect(await relErr(g)).toBeLessThan(1e-5);
      }
      for (const c of [40, 300, 7]) expect(await relErr(() => tf.sum(rnd([2, 3, 3, 3, c], 34), [0, 1, 2, 3]))).toBeLessThan(1e-5);
      // int32 sums (label counts) at rank 5: the stock kernel does not compile them.
      expect(await relErr(() => tf.sum(tf.oneHot(tf.argMax(rnd([2, 3, 4, 5, 3], 35), -1), 3), [0, 1, 2, 3]))).toBe(0);
    });
    it('relu(conv3d + bias) fused in one dispatch, and its ReLU-masked gradients for x, w, b (odd sizes, stride 2, same/valid)', async () => {
      const cases: Array<[number[], number[], 1 | 2, 'same' | 'valid']> = [
        [[2, 5, 6, 7, 3], [3, 3, 3, 3, 5], 1, 'same'],
        [[1, 9, 8, 7, 4], [3, 3, 3, 4, 6], 2, 'valid'],
        [[2, 6, 6, 6, 2], [1, 1, 1, 2, 7], 1, 'same'],
      ];
      for (const [xs, ws, st, pad] of cases) {
        const f = (): tf.Tensor[] => {
          const x = rnd(xs, 1), w = rnd(ws, 2), b = tf.mul(rnd([ws[4]!], 3), 0.5);
          const fwd = (a: tf.Tensor, k: tf.Tensor, c: tf.Tensor): tf.Tensor => canFuseConvBiasRelu3d(a, k, c)
            ? convBiasRelu3d(a, k, c, [st, st, st], pad)
            : tf.relu(tf.add(tf.conv3d(a as tf.Tensor5D, k as tf.Tensor5D, st, pad), c));
          const y = fwd(x, w, b);
          const dy = rnd(y.shape, 4);
          const g = tf.grads((a: tf.Tensor, k: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(fwd(a, k, c), dy)))([x, w, b]);
          return [y, ...g];
        };
        await selectBackend('webgpu', { quiet: true });
        expect(canFuseConvBiasRelu3d(rnd([1, 2, 2, 2, 1], 1), rnd([1, 1, 1, 1, 1], 1), rnd([1], 1))).toBe(true);
        expect(await relErr(f)).toBeLessThan(1e-5);
      }
    });

    it('conv3dTranspose (decoder up-sampling) with stride 2', async () => {
      const dy = (): tf.Tensor5D => rnd([2, 3, 4, 3, 6], 4) as tf.Tensor5D;
      expect(await relErr(() => tf.conv3dTranspose(dy(), rnd([2, 2, 2, 5, 6], 5) as tf.Tensor5D, [2, 6, 8, 6, 5], 2, 'same'))).toBeLessThan(1e-5);
    });
  });

  it('max pooling 3D and its gradient (2×2×2/2, 3×3×3/2 same, overlapping 3×3×3/1, odd sizes, ties after ReLU; cubic windows: tfjs cpu mis-indexes others)', async () => {
    for (const [shape, f, st, pad] of [[[2, 6, 8, 4, 3], 2, 2, 'valid'], [[1, 7, 5, 9, 5], 3, 2, 'same'], [[2, 5, 6, 5, 2], 3, 1, 'valid']] as Array<[number[], number | [number, number, number], number, 'same' | 'valid']>) {
      const x = (): tf.Tensor5D => tf.relu(rnd(shape, 1)) as tf.Tensor5D;
      expect(await relErr(() => tf.maxPool3d(x(), f, st, pad))).toBe(0);
      const g = (): tf.Tensor[] => tf.grads((a: tf.Tensor) => {
        const y = tf.maxPool3d(a as tf.Tensor5D, f, st, pad);
        return tf.sum(tf.mul(y, rnd(y.shape, 2)));
      })([x()]);
      expect(await relErr(g)).toBeLessThan(1e-6);
    }
  });

  it('sums and means over non-last axes (channel statistics, bias gradients, split reductions)', async () => {
    const x = (): tf.Tensor => rnd([2, 9, 10, 11, 5], 1);
    expect(await relErr(() => tf.sum(x(), [0, 1, 2, 3]))).toBeLessThan(1e-5);
    expect(await relErr(() => tf.mean(x(), [1, 2, 3], true))).toBeLessThan(1e-5);
    expect(await relErr(() => tf.sum(rnd([3, 1000], 2), 1))).toBeLessThan(1e-5);
    expect(await relErr(() => tf.mean(rnd([300, 7], 3), 0, true))).toBeLessThan(1e-5);
    expect(await relErr(() => tf.sum(rnd([4, 5, 6], 4), 1))).toBeLessThan(1e-5);
    expect(await relErr(() => tf.sum(rnd([2, 3, 4, 5], 5), [0, 2]))).toBeLessThan(1e-5); // stock path
  });

  for (const mode of ['batch', 'instance'] as const) {
    it(`fused ${mode} norm forward, statistics and gradients (x, γ, β)`, async () => {
      const f = (): tf.Tensor[] => {
        const x = tf.add(tf.mul(rnd([2, 5, 6, 7, 3], 1), 3), 1.5);
        const stats: tf.Tensor[] = [];
        const y = fusedNorm(x, rnd([3], 2), rnd([3], 3), mode, 1e-3, (m, v) => stats.push(tf.keep(m.clone()), tf.keep(v.clone())));
        const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(fusedNorm(a, g, b, mode, 1e-3), rnd([2, 5, 6, 7, 3], 4))))([x, rnd([3], 2), rnd([3], 3)]);
        return [y, ...stats, ...grads];
      };
      expect(await relErr(f)).toBeLessThan(1e-4);
    });
  }

  it('fused Adam update (SslAdamUpdate, with weight decay) matches the op-by-op update on cpu', async () => {
    const steps = async (backend: 'webgpu' | 'cpu'): Promise<Float32Array[]> => {
      await selectBackend(backend, { quiet: true });
      const opt = new Optimizer({ kind: 'adam', lr: 1e-2, beta1: 0.8, beta2: 0.99, momentum: 0, weightDecay: 0.1, clipNorm: null });
      // Variables that own their buffers, so steps 2–3 take the in-place path on webgpu.
      const vars = tf.tidy(() => [{ name: 'k', variable: tf.variable(rnd([3, 5, 7], 1)) }, { name: 'b', variable: tf.variable(rnd([7], 2)) }]);
      for (let i = 0; i < 3; i++) opt.apply(vars, tf.tidy(() => [rnd([3, 5, 7], 10 + i), rnd([7], 20 + i)]));
      const out = await Promise.all(vars.map((v) => v.variable.data() as Promise<Float32Array>));
      out.push(...(await Promise.all(opt.getState().map((st) => st.tensor.data() as Promise<Float32Array>))));
      vars.forEach((v) => v.variable.dispose());
      opt.dispose();
      return out;
    };
    const g = await steps('webgpu');
    const c = await steps('cpu');
    expect(g.length).toBe(6);
    g.forEach((arr, k) => arr.forEach((val, i) => expect(Math.abs(val - c[k]![i]!)).toBeLessThan(1e-5)));
  });

  it('Adam and moving averages update in place (one dispatch each) with the arithmetic of the out-of-place kernels; a clone keeps its values', async () => {
    await selectBackend('webgpu', { quiet: true });
    const attrs = { lr: 1e-2, beta1: 0.8, beta2: 0.99, epsilon: 1e-7, c1: 1 / (1 - 0.8 ** 2), c2: 1 / (1 - 0.99 ** 2), weightDecay: 0.1 };
    const [x, m, v] = tf.tidy(() => [tf.variable(rnd([1000, 3], 1)), tf.variable(tf.abs(rnd([1000, 3], 2))), tf.variable(tf.abs(rnd([1000, 3], 3)))]);
    const g = rnd([1000, 3], 4);
    const ref = tf.engine().runKernel('SslAdamUpdate', { x: x!, m: m!, v: v! , g }, attrs) as unknown as tf.Tensor[];
    const refData = await Promise.all(ref.map((t) => t.data()));
    expect(adamInPlace(x!, m!, v!, g, attrs)).toBe(true);
    const got = await Promise.all([x!, m!, v!].map((t) => t.data()));
    got.forEach((arr, k) => arr.forEach((val, i) => expect(Math.abs(val - refData[k]![i]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(refData[k]![i]!)))));
    // A tensor read back keeps a CPU copy in tfjs-webgpu: after an in-place update, reads see the new values.
    expect(adamInPlace(x!, m!, v!, g, attrs)).toBe(true);
    const again = await x!.data();
    expect(Array.from(again)).not.toEqual(Array.from(got[0]!));
    // A clone shares the buffer: the update must not run in place (the clone is a saved snapshot).
    const snap = tf.clone(x!);
    const before = await snap.data();
    expect(adamInPlace(x!, m!, v!, g, attrs)).toBe(false);
    expect(Array.from(await snap.data())).toEqual(Array.from(before));
    snap.dispose();
    // Moving average: target·keep + value·(1 − keep), as the three tfjs ops compute it.
    const t = tf.tidy(() => tf.variable(rnd([37], 5)));
    const val = rnd([37], 6);
    const want = await tf.tidy(() => tf.add(tf.mul(t, 0.9), tf.mul(val, 1 - 0.9))).data();
    expect(lerpInPlace(t, val, 0.9)).toBe(true);
    const have = await t.data();
    have.forEach((h, i) => expect(Math.abs(h - want[i]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want[i]!))));
    tf.dispose([x!, m!, v!, g, ...ref, t, val]);
  });

  it('dropout drawn inside the kernel (SslDropout) equals the host mask of the other backends bit for bit, gradient too', async () => {
    await selectBackend('webgpu', { quiet: true });
    expect(fusedDropoutAvailable()).toBe(true);
    const shape = [2, 5, 6, 7, 9];
    const x = rnd(shape, 21);
    const dy = rnd(shape, 22);
    const [y, g] = tf.tidy(() => {
      const out = fusedDropout(x, 0.3, 12345);
      const grad = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(fusedDropout(a, 0.3, 12345), dy)))(x);
      return [out, grad];
    });
    const gpuY = await y.data(), gpuG = await g.data();
    const xv = await x.data(), dv = await dy.data();
    tf.dispose([x, dy, y, g]);
    tf.setBackend('cpu');
    const m = dropoutMask(shape, 0.3, 12345);
    const mv = await m.data();
    m.dispose();
    let kept = 0;
    for (let i = 0; i < mv.length; i++) {
      expect(gpuY[i]).toBe(Math.fround(xv[i]! * mv[i]!));
      expect(gpuG[i]).toBe(Math.fround(dv[i]! * mv[i]!));
      if (mv[i] !== 0) kept++;
    }
    expect(Math.abs(kept / mv.length - 0.7)).toBeLessThan(0.03);
  });

  it('the fine-tuning losses (cross-entropy with its clip, soft Dice, Dice + CE) and their gradients at rank 5', async () => {
    for (const kind of ['ce', 'dice', 'dice+ce'] as const) {
      const f = (): tf.Tensor[] => {
        const logits = rnd([2, 3, 4, 5, 3], 41);
        const y = tf.oneHot(tf.argMax(rnd([2, 3, 4, 5, 3], 42), -1), 3);
        return [...tf.grads((a: tf.Tensor) => finetuneLoss(kind, y, tf.softmax(a), [1, 2, 1]))([logits]), finetuneLoss(kind, y, tf.softmax(logits), null)];
      };
      expect(await relErr(f)).toBeLessThan(1e-5);
    }
  });

  it('pretext validation (loss and accuracy of every task) reads back asynchronously: tfjs-webgpu has no synchronous read in Node', async () => {
    await selectBackend('webgpu', { quiet: true });
    const pool = Array.from({ length: 4 }, (_, i) => synthVol([16, 16, 16], 2, 200 + i));
    for (const [name, params] of Object.entries(PARAMS)) {
      const enc = tinyEncoder(3);
      const task = createTask(pretext(params, 3, 'paper'), enc, [16, 16, 16, 2], 1, { cacheDir: null });
      const model = task.build(buildEncoder(enc, task.encoderInputShape, 1), 1);
      const v = await evaluatePretext(task, model, pool, 1, 2, 1);
      expect(Number.isFinite(v.loss), name).toBe(true);
      expect(v.accuracy, name).toBeGreaterThanOrEqual(0);
      expect(v.accuracy, name).toBeLessThanOrEqual(1);
      model.holder.dispose();
    }
  });

  describe('training on webgpu', () => {
    /** A 2-level U-Net (conv, batch norm, max pool, transposed conv, softmax) trained with Adam. */
    async function curve(backend: 'webgpu' | 'native' | 'cpu', steps: number, onStep?: (i: number) => void): Promise<number[]> {
      await selectBackend(backend, { quiet: true });
      const spec = { ...unetPreset('authors-code', 3), levels: 2, filters: [4, 8], finalPool: 'none' as const, dropout: 0.25 };
      const enc = buildEncoder(spec, [8, 8, 6, 3], 11);
      const model = buildSegmenter(enc, 3, 12);
      const opt = new Optimizer({ kind: 'adam', lr: 3e-3, beta1: 0.9, beta2: 0.999, momentum: 0, weightDecay: 0, clipNorm: null });
      const vars = model.trainableWeights.map((w) => ({ name: w.originalName, variable: w.read() as tf.Variable }));
      const x = rnd([2, 8, 8, 6, 3], 13);
      const y = tf.tidy(() => tf.oneHot(tf.cast(tf.greater(tf.sum(x, -1), 0), 'int32'), 3));
      const losses: number[] = [];
      for (let i = 0; i < steps; i++) {
        setTrainingClock(0, i, 5);
        const { value, grads } = tf.variableGrads(() => tf.tidy(() => {
          const p = model.apply(x, { training: true }) as tf.Tensor;
          return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.add(p, 1e-7))), -1))) as tf.Scalar;
        }), vars.map((v) => v.variable));
        losses.push((await value.data())[0]!);
        opt.apply(vars, vars.map((v) => grads[v.variable.name] ?? null));
        tf.dispose([value, ...Object.values(grads)]);
        onStep?.(i);
      }
      opt.dispose();
      tf.dispose([x, y]);
      model.dispose?.();
      return losses;
    }

    it('a short U-Net training run follows the native (or cpu) loss curve', async () => {
      const gpu = await curve('webgpu', 8);
      const ref = await curve(nativeAvailable() ? 'native' : 'cpu', 8);
      expect(gpu[gpu.length - 1]!).toBeLessThan(gpu[0]!);
      gpu.forEach((l, i) => expect(Math.abs(l - ref[i]!) / Math.abs(ref[i]!)).toBeLessThan(2e-3));
    });

    it('GPU memory and tensor count stay flat over 40 steps', async () => {
      const seen: Array<{ tensors: number; bytes: number }> = [];
      await curve('webgpu', 40, () => seen.push({ tensors: tf.memory().numTensors, bytes: tf.memory().numBytes }));
      const after5 = seen[5]!;
      for (const s of seen.slice(5)) {
        expect(s.tensors).toBe(after5.tensors);
        expect(s.bytes).toBe(after5.bytes);
      }
    });
  });
}

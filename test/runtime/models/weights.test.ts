import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEncoder, buildSegmenter } from '../../../runtime/models/unet.js';
import { adaptKernel, channelMapping, fileIOHandler, inputReadingKernels, loadWeights, saveWeights, transferEncoder, namedWeights } from '../../../runtime/models/weights.js';
import { SslRuntimeError } from '../../../runtime/contract.js';
import type { EncoderSpec } from '../../../core/graph.js';

const spec: EncoderSpec = { kind: 'unet3d', levels: 3, filters: [4, 8, 16], block: 'plain', norm: 'batch', dropout: 0.5, finalPool: 'max', upsample: 'transpose' };
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'ssl3d-w-'));
  dirs.push(d);
  return d;
};
const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as SslRuntimeError;
  }
  throw new Error('expected an error');
};
const w = (m: tf.LayersModel, k: string) => namedWeights(m).get(k)!.read().dataSync() as Float32Array;

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('weight files', () => {
  it('round-trips every weight (BN statistics included): identical predictions', async () => {
    const a = buildSegmenter(buildEncoder(spec, [8, 8, 8, 1], 1), 3, 2);
    // move BN statistics away from their initial values
    tf.tidy(() => {
      a.apply(tf.randomNormal([2, 8, 8, 8, 1], 1, 2, 'float32', 3), { training: true });
    });
    const dir = tmp();
    await saveWeights(a, dir, 'model');
    expect(readdirSync(dir).sort()).toEqual(['model.bin', 'model.json']);
    const b = buildSegmenter(buildEncoder(spec, [8, 8, 8, 1], 99), 3, 98);
    const rep = await loadWeights(b, dir, 'model');
    expect(rep.loaded.length).toBe(a.weights.length);
    expect(rep.missing).toEqual([]);
    const x = tf.randomNormal([1, 8, 8, 8, 1], 0, 1, 'float32', 4);
    const ya = a.predict(x) as tf.Tensor, yb = b.predict(x) as tf.Tensor;
    expect(Array.from(yb.dataSync())).toEqual(Array.from(ya.dataSync()));
    expect(Array.from(w(b, 'enc_l0_norm1/moving_mean'))).toEqual(Array.from(w(a, 'enc_l0_norm1/moving_mean')));
    tf.dispose([x, ya, yb]);
  });

  it('gives coded, located errors for missing, corrupt and mismatching files', async () => {
    const a = buildEncoder(spec, [8, 8, 8, 1], 1).model;
    const dir = tmp();
    const e0 = await codeOf(loadWeights(a, dir, 'nope'));
    expect(e0.code).toBe('SSL130');
    expect(e0.file).toBe(path.join(dir, 'nope.json'));
    await saveWeights(a, dir, 'enc');
    // shape mismatch: 2-channel model
    const two = buildEncoder(spec, [8, 8, 8, 2], 1).model;
    const e1 = await codeOf(loadWeights(two, dir, 'enc'));
    expect(e1.code).toBe('SSL133');
    expect(e1.message).toMatch(/enc_l0_conv1\/kernel.*\[3, 3, 3, 1, 4\].*\[3, 3, 3, 2, 4\]/);
    const nonStrict = await loadWeights(two, dir, 'enc', { strict: false });
    expect(nonStrict.mismatched.map((m) => m.name)).toEqual(['enc_l0_conv1/kernel']);
    // missing weights: a deeper model
    const deeper = buildEncoder({ ...spec, levels: 4, filters: [4, 8, 16, 32] }, [16, 16, 16, 1], 1).model;
    const e2 = await codeOf(loadWeights(deeper, dir, 'enc'));
    expect(e2.code).toBe('SSL132');
    expect(e2.message).toMatch(/enc_l3_conv1/);
    // truncated data file
    const bin = path.join(dir, 'enc.bin');
    writeFileSync(bin, readFileSync(bin).subarray(0, 100));
    const e3 = await codeOf(loadWeights(a, dir, 'enc'));
    expect(e3.code).toBe('SSL131');
    expect(e3.file).toBe(bin);
    // garbage manifest
    writeFileSync(path.join(dir, 'enc.json'), '{"format": "ssl3d-weig');
    expect((await codeOf(loadWeights(a, dir, 'enc'))).code).toBe('SSL131');
    expect(readdirSync(dir).some((f) => f.includes('.tmp-'))).toBe(false);
  });

  it('loads a patch-size encoder into a full-size segmenter by name (encoder prefix only)', async () => {
    const patchEnc = buildEncoder(spec, [8, 8, 8, 1], 1);
    const dir = tmp();
    await saveWeights(patchEnc.model, dir, 'encoder');
    const seg = buildSegmenter(buildEncoder(spec, [16, 16, 16, 1], 7), 2, 8);
    const decBefore = Array.from(w(seg, 'dec_out/kernel'));
    const rep = await transferEncoder(dir, seg, { adapter: 'duplicate', fromChannels: 1, toChannels: 1 });
    expect(rep.count).toBe(patchEnc.model.weights.length);
    expect(rep.adapted).toEqual([]);
    expect(rep.skipped).toEqual([]);
    expect(Array.from(w(seg, 'enc_l2_conv2/kernel'))).toEqual(Array.from(w(patchEnc.model, 'enc_l2_conv2/kernel')));
    expect(Array.from(w(seg, 'dec_out/kernel'))).toEqual(decBefore);
  });

  it('adapts the first convolution from 2 to 4 channels: duplicate, average, zero, none', async () => {
    const src = buildEncoder(spec, [8, 8, 8, 2], 1);
    const dir = tmp();
    await saveWeights(src.model, dir, 'encoder');
    const K = tf.tidy(() => namedWeights(src.model).get('enc_l0_conv1/kernel')!.read().arraySync()) as number[][][][][];
    const check = async (adapter: 'duplicate' | 'average' | 'zero' | 'none', expected: (k: number[], j: number) => number | null) => {
      const seg = buildSegmenter(buildEncoder(spec, [8, 8, 8, 4], 5), 4, 6);
      const before = tf.tidy(() => namedWeights(seg).get('enc_l0_conv1/kernel')!.read().arraySync()) as number[][][][][];
      const rep = await transferEncoder(dir, seg, { adapter, fromChannels: 2, toChannels: 4 });
      const after = tf.tidy(() => namedWeights(seg).get('enc_l0_conv1/kernel')!.read().arraySync()) as number[][][][][];
      for (const [a, b, c] of [[0, 0, 0], [1, 2, 0], [2, 1, 2]] as const) {
        for (let j = 0; j < 4; j++) for (let f = 0; f < 4; f++) {
          const src2 = [K[a]![b]![c]![0]![f]!, K[a]![b]![c]![1]![f]!];
          const e = expected(src2, j);
          expect(after[a]![b]![c]![j]![f]!).toBeCloseTo(e ?? before[a]![b]![c]![j]![f]!, 6);
        }
      }
      expect(Array.from(w(seg, 'enc_l1_conv1/kernel'))).toEqual(Array.from(w(src.model, 'enc_l1_conv1/kernel')));
      return rep;
    };
    const dup = await check('duplicate', (k, j) => k[j % 2]! * 0.5);
    expect(dup.adapted).toEqual([{ name: 'enc_l0_conv1/kernel', from: [3, 3, 3, 2, 4], to: [3, 3, 3, 4, 4], adapter: 'duplicate' }]);
    expect(dup.mapping?.by).toBe('order');
    await check('average', (k) => ((k[0]! + k[1]!) / 2) * 0.5);
    await check('zero', (k, j) => (j < 2 ? k[j]! : 0));
    const none = await check('none', () => null);
    expect(none.adapted).toEqual([]);
    expect(none.skipped.map((s) => s.name)).toEqual(['enc_l0_conv1/kernel']);
    expect(none.count).toBe(src.model.weights.length - 1);
    // declared channels that do not match the file
    const seg = buildSegmenter(buildEncoder(spec, [8, 8, 8, 4], 5), 4, 6);
    expect((await codeOf(transferEncoder(dir, seg, { adapter: 'duplicate', fromChannels: 3, toChannels: 4 }))).code).toBe('SSL134');
  });

  it('adapts every kernel that reads the input: the residual shortcut projection too (#16.1)', async () => {
    // filters[0] = 4 = the fine-tuning channels: the first block projects its shortcut anyway
    const res: EncoderSpec = { kind: 'unet3d', levels: 2, filters: [4, 8], block: 'residual', norm: 'batch', dropout: 0, finalPool: 'none', upsample: 'transpose' };
    const src = buildEncoder(res, [8, 8, 8, 2], 1);
    const dir = tmp();
    await saveWeights(src.model, dir, 'encoder');
    const seg = buildSegmenter(buildEncoder(res, [8, 8, 8, 4], 5), 4, 6);
    expect(inputReadingKernels(seg)).toEqual(['enc_l0_conv1/kernel', 'enc_l0_proj/kernel']);
    const rep = await transferEncoder(dir, seg, { adapter: 'duplicate', fromChannels: 2, toChannels: 4, fromNames: ['t1', 'flair'], toNames: ['t1', 't1ce', 't2', 'flair'] });
    expect(rep.adapted.map((a) => `${a.name} ${a.from.join('x')}→${a.to.join('x')}`)).toEqual(['enc_l0_conv1/kernel 3x3x3x2x4→3x3x3x4x4', 'enc_l0_proj/kernel 1x1x1x2x4→1x1x1x4x4']);
    // the projection is paired by name too: t1, t1ce ← t1; t2, flair ← flair, each halved
    const P = tf.tidy(() => namedWeights(src.model).get('enc_l0_proj/kernel')!.read().arraySync()) as number[][][][][];
    const Q = tf.tidy(() => namedWeights(seg).get('enc_l0_proj/kernel')!.read().arraySync()) as number[][][][][];
    for (let f = 0; f < 4; f++) {
      [0, 0, 1, 1].forEach((s, j) => expect(Q[0]![0]![0]![j]![f]!).toBeCloseTo(P[0]![0]![0]![s]![f]! / 2, 6));
    }
    // the adapted model runs, and a 4-channel input whose paired channels are alike gives the
    // pretrained encoder's response to the 2-channel input
    const x2 = tf.randomUniform([1, 8, 8, 8, 2], 0, 1, 'float32', 3);
    const x4 = tf.gather(x2, [0, 0, 1, 1], 4);
    const enc4 = tf.model({ inputs: seg.inputs, outputs: seg.getLayer('enc_l1_add').output as tf.SymbolicTensor });
    const srcOut = (src.model.predict(x2) as tf.Tensor[])[1]!;
    const a = Array.from(srcOut.dataSync());
    const b = Array.from((enc4.predict(x4) as tf.Tensor).dataSync());
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeLessThan(1e-4);
  });

  it('pairs channels by modality name, falling back to order when a name has no partner', () => {
    expect(channelMapping(2, 4, ['t1', 'flair'], ['t1', 't1ce', 't2', 'flair'])).toEqual({
      sources: [0, 0, 1, 1], by: 'name', pairs: ['t1 ← t1', 't1ce ← t1', 't2 ← flair', 'flair ← flair'], unmatched: [],
    });
    // declared in another order and case: still by name
    expect(channelMapping(2, 4, ['FLAIR', 'T1'], ['t1', 't1ce', 't2', 'flair']).sources).toEqual([1, 1, 0, 0]);
    // t2 preferred for t2 when the corpus has it
    expect(channelMapping(3, 4, ['t1', 't2', 'flair'], ['t1', 't1ce', 't2', 'flair']).sources).toEqual([0, 0, 1, 2]);
    const bad = channelMapping(2, 4, ['t1', 'flair'], ['t1', 'pd', 't2', 'flair']);
    expect(bad.by).toBe('order');
    expect(bad.unmatched).toEqual(['pd']);
    expect(bad.sources).toEqual([0, 1, 0, 1]);
    expect(channelMapping(2, 4, null, ['t1', 't1ce', 't2', 'flair']).by).toBe('order');
    // the kernel: every copy of a source divided by its number of copies
    const k = { shape: [1, 2, 1], data: Float32Array.from([0.3, -0.7]) };
    expect(Array.from(adaptKernel(k, 4, 'duplicate', [0, 0, 1, 1]).data).map((v) => +v.toFixed(6))).toEqual([0.15, 0.15, -0.35, -0.35]);
    expect(Array.from(adaptKernel(k, 3, 'duplicate', [0, 1, 1]).data).map((v) => +v.toFixed(6))).toEqual([0.3, -0.35, -0.35]);
  });

  it('adaptKernel keeps the summed response for channel-alike inputs', () => {
    const k = { shape: [1, 2, 1], data: Float32Array.from([0.3, -0.7]) };
    const d = adaptKernel(k, 4, 'duplicate');
    expect(d.shape).toEqual([1, 4, 1]);
    expect(Array.from(d.data).reduce((a, b) => a + b, 0)).toBeCloseTo(-0.4, 6);
    const a = adaptKernel(k, 4, 'average');
    expect(Array.from(a.data).reduce((s, b) => s + b, 0)).toBeCloseTo(-0.4, 6);
  });
});

describe('fileIOHandler', () => {
  it('saves and reloads a whole segmenter (custom layers included) with identical predictions', async () => {
    const spec2: EncoderSpec = { kind: 'unet3d', levels: 2, filters: [3, 6], block: 'residual', norm: 'instance', dropout: 0.2, finalPool: 'avg', upsample: 'upsample' };
    const seg = buildSegmenter(buildEncoder(spec2, [8, 8, 8, 1], 1), 2, 2, 'transpose');
    const dir = tmp();
    await seg.save(fileIOHandler(dir, 'seg'));
    expect(readdirSync(dir).sort()).toEqual(['seg.model.bin', 'seg.model.json']);
    const back = await tf.loadLayersModel(fileIOHandler(dir, 'seg'));
    const x = tf.randomNormal([1, 8, 8, 8, 1], 0, 1, 'float32', 9);
    const a = seg.predict(x) as tf.Tensor, b = back.predict(x) as tf.Tensor;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    const e = await codeOf(tf.loadLayersModel(fileIOHandler(dir, 'missing')));
    expect(e.code).toBe('SSL130');
  });
});

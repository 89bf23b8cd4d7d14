import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDatasetArtifact } from '../../../runtime/data/artifact.js';
import { loadDataset } from '../../../runtime/data/dataset.js';
import { dataHandler } from '../../../runtime/nodes/data.js';
import type { DataNode } from '../../../core/graph.js';
import type { NodeContext } from '../../../runtime/contract.js';
import type { EventInput } from '../../../runtime/events.js';
import { makeSpec, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('loadDataset on phantoms', () => {
  it('makes a preprocessed, split, fingerprinted brain dataset deterministically', async () => {
    const spec = makeSpec(
      { kind: 'phantom3d', anatomy: 'brain', cases: 6, channels: 4, size: [24, 24, 24], labelled: true },
      { preprocess: { crop: null, resize: [16, 16, 16], window: null, normalize: 'minmax', channels: null } },
    );
    const a = await loadDataset(spec, { baseDir: tmp.dir, cacheDir: join(tmp.dir, 'cache') });
    const b = await loadDataset(spec, { baseDir: tmp.dir, cacheDir: join(tmp.dir, 'cache') });
    expect(a.cases).toHaveLength(6);
    expect(a.cases[0]!.shape).toEqual([16, 16, 16]);
    expect(a.cases[0]!.image.length).toBe(16 ** 3 * 4);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.split).toEqual(b.split);
    const all = [...a.split.train, ...a.split.val, ...a.split.test].sort((x, y) => x - y);
    expect(all).toEqual([0, 1, 2, 3, 4, 5]);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of a.cases[0]!.image) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBeCloseTo(0, 5);
    expect(hi).toBeCloseTo(1, 5);
    // A different dataset name gives different phantoms.
    const c = await loadDataset({ ...spec, name: 'other' }, { baseDir: tmp.dir, cacheDir: join(tmp.dir, 'cache') });
    expect(c.fingerprint).not.toBe(a.fingerprint);
  });

  it('the data node writes an artifact that reads back identically', async () => {
    const spec = makeSpec(
      { kind: 'phantom2d', cases: 5, channels: 3, size: [32, 32], labelled: true },
      { labels: { kind: 'classification', classes: 5 } },
    );
    const outDir = join(tmp.dir, 'out');
    mkdirSync(outDir);
    const events: EventInput[] = [];
    const node: DataNode = { id: 'data:test', kind: 'data', output: 'dataset', hash: 'x', inputs: [], seed: 1, cost: null, params: { dataset: spec } };
    const ctx: NodeContext<DataNode> = {
      node,
      graph: { version: 1, experiment: 'e', source: { file: 'e.ssl', hash: '' }, seed: 1, backend: 'cpu', nodes: [node] },
      inputs: {},
      outDir,
      baseDir: tmp.dir,
      dataCacheDir: join(tmp.dir, 'cache'),
      emit: (e) => events.push(e),
      signal: new AbortController().signal,
      backend: 'cpu',
      saveCheckpoint: async () => {},
      loadCheckpoint: () => null,
    };
    const res = await dataHandler(ctx);
    expect(res.summary.cases).toBe(5);
    expect(events.some((e) => e.type === 'info')).toBe(true);
    const back = await readDatasetArtifact(outDir);
    const direct = await loadDataset(spec, { baseDir: tmp.dir, cacheDir: join(tmp.dir, 'cache') });
    expect(back.fingerprint).toBe(direct.fingerprint);
    expect(back.cases.map((c) => c.grade)).toEqual(direct.cases.map((c) => c.grade));
    expect(Array.from(back.cases[3]!.image)).toEqual(Array.from(direct.cases[3]!.image));
    expect(back.split).toEqual(direct.split);
  });
});

describe('preprocessed-case cache', () => {
  it('a second load reads the cache instead of decoding; a changed parameter or file misses', async () => {
    const { copyFileSync, writeFileSync } = await import('node:fs');
    const dir = join(tmp.dir, 'cached');
    mkdirSync(dir);
    const FIX = join(import.meta.dirname, '../../fixtures/nifti');
    copyFileSync(join(FIX, 'colin27_crop48_t1.nii.gz'), join(dir, 'a.nii.gz'));
    copyFileSync(join(FIX, 'itk_t1_crop.nii.gz'), join(dir, 'b.nii.gz'));
    const spec = makeSpec(
      { kind: 'nifti', images: ['cached/*.nii.gz'], labels: null },
      { labels: { kind: 'none' }, preprocess: { crop: { threshold: 10, margin: 2 }, resize: [16, 16, 16], window: null, normalize: 'zscore', channels: null } },
    );
    const cacheDir = join(tmp.dir, 'cache2');
    const decoded: string[] = [];
    const opts = { baseDir: tmp.dir, cacheDir, onDecode: (id: string) => decoded.push(id) };
    const first = await loadDataset(spec, opts);
    expect(decoded).toEqual(['a', 'b']);
    const second = await loadDataset(spec, opts);
    expect(decoded).toEqual(['a', 'b']); // no new decode
    expect(second.fingerprint).toBe(first.fingerprint);
    await loadDataset({ ...spec, preprocess: { ...spec.preprocess, normalize: 'minmax' } }, opts);
    expect(decoded).toEqual(['a', 'b', 'a', 'b']);
    // changing one file's bytes invalidates only that case
    copyFileSync(join(FIX, 'colin27_4mm_t1.nii.gz'), join(dir, 'b.nii.gz'));
    await loadDataset(spec, opts);
    expect(decoded).toEqual(['a', 'b', 'a', 'b', 'b']);
    // a damaged cache entry is rebuilt, not trusted
    const { readdirSync } = await import('node:fs');
    for (const sub of readdirSync(cacheDir)) for (const f of readdirSync(join(cacheDir, sub))) writeFileSync(join(cacheDir, sub, f), 'garbage');
    const again = await loadDataset(spec, opts);
    expect(decoded.length).toBe(7);
    expect(again.cases[0]!.shape).toEqual([16, 16, 16]);
  });
});

describe('split', () => {
  it('is deterministic for a seed, disjoint, and moves with the split seed only', async () => {
    const { computeSplit } = await import('../../../runtime/data/split.js');
    const a = computeSplit(50, { val: 0.1, test: 0.2, seed: 3 });
    const b = computeSplit(50, { val: 0.1, test: 0.2, seed: 3 });
    const c = computeSplit(50, { val: 0.1, test: 0.2, seed: 4 });
    expect(a).toEqual(b);
    expect(a.test).not.toEqual(c.test);
    expect(a.test).toHaveLength(10);
    expect(a.val).toHaveLength(5);
    expect(a.train).toHaveLength(35);
    expect(new Set([...a.train, ...a.val, ...a.test]).size).toBe(50);
    expect(a.note).toBeNull();
  });

  it('keeps at least one training case for tiny datasets and says so', async () => {
    const { computeSplit } = await import('../../../runtime/data/split.js');
    for (const n of [1, 2, 3]) {
      const s = computeSplit(n, { val: 0.3, test: 0.3, seed: 1 });
      expect(s.train.length).toBeGreaterThanOrEqual(1);
      expect(s.train.length + s.val.length + s.test.length).toBe(n);
    }
    expect(computeSplit(1, { val: 0.3, test: 0.3, seed: 1 }).note).toMatch(/at least one case/);
    const warnings: string[] = [];
    const spec = makeSpec({ kind: 'phantom3d', anatomy: 'pancreas', cases: 2, channels: 1, size: [8, 16, 16], labelled: true });
    const ds = await loadDataset(spec, { baseDir: tmp.dir, cacheDir: join(tmp.dir, 'c3'), onWarning: (w) => warnings.push(w) });
    expect(ds.split.train.length).toBeGreaterThanOrEqual(1);
    expect(warnings.join()).toMatch(/only 2 case/);
  });

  it('honours an aborted signal', async () => {
    const ac = new AbortController();
    ac.abort();
    const spec = makeSpec({ kind: 'phantom3d', anatomy: 'brain', cases: 3, channels: 1, size: [8, 8, 8], labelled: false }, { labels: { kind: 'none' } });
    await expect(loadDataset(spec, { baseDir: tmp.dir, cacheDir: tmp.dir, signal: ac.signal })).rejects.toThrow();
  });

  it('readDatasetArtifact names a missing or truncated file', async () => {
    const { writeFileSync } = await import('node:fs');
    const dir = join(tmp.dir, 'broken-artifact');
    mkdirSync(dir);
    await expect(readDatasetArtifact(dir)).rejects.toMatchObject({ code: 'SSL123' });
    const spec = makeSpec({ kind: 'phantom3d', anatomy: 'brain', cases: 2, channels: 1, size: [8, 8, 8], labelled: true });
    const ds = await loadDataset(spec, { baseDir: tmp.dir, cacheDir: tmp.dir });
    const { writeDatasetArtifact } = await import('../../../runtime/data/artifact.js');
    await writeDatasetArtifact(dir, ds);
    writeFileSync(join(dir, 'images.f32'), Buffer.alloc(16));
    await expect(readDatasetArtifact(dir)).rejects.toMatchObject({ code: 'SSL123', file: join(dir, 'images.f32') });
  });

  it('an index edited into the wrong shape is SSL123 naming the fault, not an internal error (s6 attack)', async () => {
    // the cache checksums pass when the editor recomputes them; before, these gave SSL184
    // "Cannot read properties of undefined", "e.shape.reduce is not a function", or were used:
    // a negative image offset, a case trained on twice
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { writeDatasetArtifact } = await import('../../../runtime/data/artifact.js');
    const dir = join(tmp.dir, 'forged-artifact');
    mkdirSync(dir);
    const spec = makeSpec({ kind: 'phantom3d', anatomy: 'brain', cases: 3, channels: 1, size: [8, 8, 8], labelled: true });
    await writeDatasetArtifact(dir, await loadDataset(spec, { baseDir: tmp.dir, cacheDir: tmp.dir }));
    const good = readFileSync(join(dir, 'dataset.json'), 'utf8');
    type Index = { cases: Array<Record<string, unknown> | null>; split: Record<string, unknown>; dim: unknown };
    const forgeries: Array<[(ix: Index) => void, RegExp]> = [
      [(ix) => (ix.split.train = [0, 1, 100]), /split\.train names case index 100 of 3/],
      [(ix) => (ix.split.train = [1.5]), /split\.train names case index 1\.5 of 3/],
      [(ix) => (ix.split.val = ix.split.train), /appears twice in the split/],
      [(ix) => (ix.cases = []), /it lists no case/],
      [(ix) => (ix.cases[0] = null), /case 1 has no id/],
      [(ix) => (ix.cases[0]!.shape = 'x'), /case 1 \(\S+\) has shape "x"/],
      [(ix) => (ix.cases[0]!.image = [-5, 512]), /has image range \[-5,512\]/],
      [(ix) => (ix.dim = 7), /dim = 7, not 2 or 3/],
    ];
    for (const [forge, why] of forgeries) {
      const ix = JSON.parse(good) as Index;
      forge(ix);
      writeFileSync(join(dir, 'dataset.json'), JSON.stringify(ix));
      await expect(readDatasetArtifact(dir)).rejects.toMatchObject({ code: 'SSL123', message: expect.stringMatching(why) });
    }
    writeFileSync(join(dir, 'dataset.json'), good);
    await expect(readDatasetArtifact(dir)).resolves.toMatchObject({ name: spec.name });
  });
});

describe('bad cases (#17)', () => {
  it('every bad case is listed in one located error (bounded, with a count), not just the first', async () => {
    const { writeFileSync } = await import('node:fs');
    const { encodeNifti } = await import('../../../runtime/data/nifti/write.js');
    const { BAD_CASES_SHOWN } = await import('../../../runtime/data/dataset.js');
    const dir = join(tmp.dir, 'bad');
    mkdirSync(dir);
    const vol = { shape: [4, 4, 4], data: new Float32Array(64).fill(1), spacing: [1, 1, 1] };
    writeFileSync(join(dir, 'c00.nii.gz'), encodeNifti(vol));
    writeFileSync(join(dir, 'c01.nii'), 'not a nifti file at all');
    writeFileSync(join(dir, 'c02.nii.gz'), encodeNifti(vol));
    writeFileSync(join(dir, 'c03.nii.gz'), Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2])); // truncated gzip
    const spec = makeSpec({ kind: 'nifti', images: ['bad/*'], labels: null }, { labels: { kind: 'none' } });
    const opts = { baseDir: tmp.dir, cacheDir: join(tmp.dir, 'cache-bad') };
    const err = await loadDataset(spec, opts).then(() => null, (e: unknown) => e as { code: string; message: string; file: string | null });
    expect(err?.message).toMatch(/^dataset test: 2 of 4 cases cannot be used:\n {2}SSL1\d\d: .*c01\.nii.*\n {2}SSL1\d\d: .*c03\.nii\.gz/);
    expect(err?.file).toMatch(/c01\.nii$/);
    // many bad cases: the first BAD_CASES_SHOWN are spelled out, the rest counted exactly
    for (let i = 0; i < BAD_CASES_SHOWN + 7; i++) writeFileSync(join(dir, `z${String(i).padStart(2, '0')}.nii`), 'junk');
    const many = await loadDataset(spec, opts).then(() => null, (e: unknown) => e as Error);
    expect(many?.message).toMatch(new RegExp(`^dataset test: ${BAD_CASES_SHOWN + 9} of ${BAD_CASES_SHOWN + 11} cases`));
    expect(many?.message.split('\n').filter((l) => /^ {2}SSL/.test(l))).toHaveLength(BAD_CASES_SHOWN);
    expect(many?.message).toMatch(/\n {2}… and 9 more$/);
  });
});

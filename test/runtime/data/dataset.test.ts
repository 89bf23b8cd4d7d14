import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset, readDatasetArtifact, dataHandler } from '../../../runtime/data/node.js';
import type { DataNode } from '../../../compiler/graph.js';
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

// Shared helpers for the data tests: dataset specs and temporary folders.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource, DatasetSpec, PreprocessSpec } from '../../../core/graph.js';

export function tempDir(prefix = 'ssl3d-data-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const NO_PREPROCESS: PreprocessSpec = { crop: null, resize: null, window: null, normalize: 'none', channels: null };

export function makeSpec(source: DataSource, over: Partial<DatasetSpec> = {}): DatasetSpec {
  const dim = source.kind === 'phantom2d' || source.kind === 'images' ? 2 : 3;
  const channels = 'channels' in source && typeof source.channels === 'number' ? source.channels : 1;
  return {
    name: 'test',
    source,
    preprocess: NO_PREPROCESS,
    split: { val: 0.2, test: 0.2, seed: 7 },
    dim,
    channels,
    labels: { kind: 'segmentation', classes: [0, 1, 2, 4] },
    regions: {},
    knownCases: null,
    ...over,
  };
}

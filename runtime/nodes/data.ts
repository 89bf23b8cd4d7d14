// The `data` graph node: load (with the preprocessed-case cache), preprocess, split and write the
// dataset artifact (artifact.ts) into ctx.outDir.

import type { DataNode } from '../../core/graph.js';
import type { NodeHandler } from '../contract.js';
import { writeDatasetArtifact } from '../data/artifact.js';
import { loadDataset } from '../data/dataset.js';
import { dataInputsSignature } from '../data/inputs.js';

export const dataHandler: NodeHandler<DataNode> = async (ctx) => {
  const spec = ctx.node.params.dataset;
  const started = Date.now();
  let lastEmit = 0;
  let decoded = 0;
  // Taken before loading, so a file changed during the load makes the next run check again.
  const inputs = await dataInputsSignature(spec, ctx.baseDir);
  const ds = await loadDataset(spec, {
    baseDir: ctx.baseDir,
    cacheDir: ctx.dataCacheDir,
    signal: ctx.signal,
    onDecode: () => {
      decoded++;
    },
    onWarning: (message) => ctx.emit({ type: 'warning', node: ctx.node.id, message }),
    onProgress: (done, total) => {
      // At most ~10 progress lines per dataset, plus the last one.
      const every = Math.max(1, Math.ceil(total / 10));
      if (done === total || done - lastEmit >= every) {
        lastEmit = done;
        ctx.emit({ type: 'info', node: ctx.node.id, message: `${spec.name}: ${done}/${total} cases loaded` });
      }
    },
  });
  ctx.signal.throwIfAborted();
  await writeDatasetArtifact(ctx.outDir, ds, {
    source: spec.source.kind,
    preprocess: spec.preprocess,
    labels: spec.labels,
    regions: spec.regions,
    // stat signature of the input files (runtime/data/inputs.ts): compare with
    // dataInputsSignature(spec, baseDir) to tell whether a cached dataset is stale
    inputs,
  });
  const voxels = ds.cases.reduce((a, c) => a + c.image.length, 0);
  const ms = Date.now() - started;
  ctx.emit({
    type: 'info',
    node: ctx.node.id,
    message:
      `${spec.name}: ${ds.cases.length} cases (train ${ds.split.train.length} / val ${ds.split.val.length} / test ${ds.split.test.length}), ` +
      (spec.source.kind.startsWith('phantom') ? 'generated' : `${decoded} decoded, ${ds.cases.length - decoded} from cache`) +
      `, ${ms} ms, fingerprint ${ds.fingerprint.slice(0, 12)}`,
  });
  return {
    summary: {
      cases: ds.cases.length,
      train: ds.split.train.length,
      val: ds.split.val.length,
      test: ds.split.test.length,
      megabytes: Math.round((voxels * 4) / 1e5) / 10,
    },
  };
};

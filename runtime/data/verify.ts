// Dataset integrity check before training (like nnU-Net's verify_dataset_integrity): every file
// readable, image and label grids agree, channel counts consistent, label values within the
// declared classes, no NaN/Inf. Unlike loading, it does not stop at the first problem: it reports
// every case it cannot use. `ssl3d check --data FILE` prints the result.

import type { DatasetSpec } from '../../core/graph.js';
import { isSynthetic } from '../../core/datasets.js';
import { SslRuntimeError } from '../contract.js';
import { checkLabels } from './dataset.js';
import { resolveCases } from './layouts.js';
import { phantomCase } from './phantoms.js';
import { msg } from '../../core/codes/index.js';

export interface VerifyProblem {
  file: string;
  message: string;
  /** The SSL1xx code of the problem. */
  code?: string;
}

export interface VerifyResult {
  ok: boolean;
  cases: number;
  problems: VerifyProblem[];
}

function problemOf(e: unknown, fallbackFile: string): VerifyProblem {
  if (e instanceof SslRuntimeError) return { file: e.file ?? fallbackFile, message: e.message, code: e.code };
  return { file: fallbackFile, message: (e as Error).message ?? String(e) };
}

export async function verifyDataset(spec: DatasetSpec, baseDir: string): Promise<VerifyResult> {
  const src = spec.source;
  if (isSynthetic(src)) {
    // Generated data: check that the generator accepts the parameters (one case).
    try {
      if (src.cases < 1) throw new SslRuntimeError(msg('SSL124', 'noPhantomCases', { dataset: spec.name }));
      phantomCase(src, 0, 0);
      return { ok: true, cases: src.cases, problems: [] };
    } catch (e) {
      return { ok: false, cases: 0, problems: [problemOf(e, `<${src.kind}>`)] };
    }
  }
  let sources;
  try {
    sources = await resolveCases(spec, baseDir);
  } catch (e) {
    return { ok: false, cases: 0, problems: [problemOf(e, baseDir)] };
  }
  const problems: VerifyProblem[] = [];
  let channels: number | null = null;
  let channelsFrom = '';
  let good = 0;
  for (const s of sources) {
    const file = s.files[0] ?? baseDir;
    try {
      const c = await s.load();
      checkLabels(spec, c, s.labelFile ?? file);
      if (spec.labels.kind === 'segmentation' && !c.mask) {
        problems.push({ file, ...msg('SSL112', 'noLabelMap', { id: s.id, dataset: spec.name }) });
        continue;
      }
      if (spec.dim !== c.shape.length) {
        problems.push({ file, ...msg('SSL106', 'caseDims', { id: s.id, dims: c.shape.length, dataset: spec.name, dim: spec.dim }) });
        continue;
      }
      if (channels === null) {
        channels = c.channels;
        channelsFrom = s.id;
      } else if (c.channels !== channels) {
        problems.push({ file, ...msg('SSL115', 'casesDiffer', { id: s.id, channels: c.channels, channelsFrom, firstChannels: channels }) });
        continue;
      }
      const sel = spec.preprocess.channels;
      if (sel && sel.some((k) => k >= c.channels)) {
        problems.push({ file, ...msg('SSL115', 'selectsMissing', { id: s.id, channel: Math.max(...sel), channels: c.channels }) });
        continue;
      }
      const after = sel ? sel.length : c.channels;
      if (after !== spec.channels) {
        problems.push({ file, ...msg('SSL115', 'afterSelection', { id: s.id, after, dataset: spec.name, declared: spec.channels }) });
        continue;
      }
      good++;
    } catch (e) {
      problems.push(problemOf(e, file));
    }
  }
  return { ok: problems.length === 0 && good > 0, cases: sources.length, problems };
}

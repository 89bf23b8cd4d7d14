// loadDataset: a DatasetSpec → a preprocessed, split, fingerprinted in-memory dataset.
// Files are found by the layout (layouts.ts), decoded (nifti.ts / sharp), checked, preprocessed
// (preprocess.ts) and cached on disk by content hash (cache.ts); phantoms are generated directly
// (they are faster to make than to read back).

import type { DatasetSpec } from '../../core/graph.js';
import { isSynthetic } from '../../core/datasets.js';
import { SslRuntimeError } from '../contract.js';
import { withFile } from '../../core/errors.js';
import { deriveSeed } from '../../core/rng.js';
import { caseCacheKey, readCachedCase, sha256Hex, writeCachedCase } from './cache.js';
import { resolveCases, type CaseSource } from './layouts.js';
import { phantomCase } from './phantoms.js';
import { readInputFile, readProblem } from '../files.js';
import { preprocessCase } from './preprocess.js';
import { computeSplit } from './split.js';
import { datasetFingerprint } from './artifact.js';
import type { Case, LoadedDataset } from './types.js';
import { msg, underCode, withCode } from '../../core/codes/index.js';

export interface LoadDatasetOptions {
  /** Folder that relative data paths resolve against (the experiment file's folder). */
  baseDir: string;
  /** Shared cache of preprocessed cases. */
  cacheDir: string;
  onProgress?: (done: number, total: number) => void;
  /** Non-fatal notes (e.g. a reduced split for a tiny dataset). */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
  /** Phantom seed; default deriveSeed(spec.split.seed, 'phantom', spec.name) (see phantomSeed). */
  seed?: number;
  /** Called with the case id each time a case is decoded from its files (not on a cache hit). */
  onDecode?: (caseId: string, files: string[]) => void;
  /** Skip the on-disk cache (neither read nor write). */
  noCache?: boolean;
}

/** The default seed of a phantom dataset: fixed by the dataset's name and split seed. */
export function phantomSeed(spec: DatasetSpec): number {
  return deriveSeed(spec.split.seed, 'phantom', spec.name);
}

function checkCase(spec: DatasetSpec, c: Case, file: string | null): void {
  if (c.shape.length !== spec.dim) {
    throw new SslRuntimeError(msg('SSL106', 'caseAxes', { id: c.id, axes: c.shape.length, dataset: spec.name, dim: spec.dim }), file);
  }
  if (c.channels !== spec.channels) {
    throw new SslRuntimeError(
      msg('SSL115', 'afterPreprocessing', { id: c.id, channels: c.channels, dataset: spec.name, declared: spec.channels }),
      file,
    );
  }
}

/** Label values of a raw case must be declared classes (0 = background is always allowed). */
export function checkLabels(spec: DatasetSpec, c: Case, file: string | null): void {
  if (spec.labels.kind === 'segmentation' && c.mask) {
    const allowed = new Set<number>([0, ...spec.labels.classes]);
    const seen = new Uint8Array(256);
    for (let i = 0; i < c.mask.length; i++) seen[c.mask[i]!] = 1;
    const bad: number[] = [];
    for (let v = 0; v < 256; v++) if (seen[v] && !allowed.has(v)) bad.push(v);
    if (bad.length > 0) {
      throw new SslRuntimeError(
        msg('SSL116', 'undeclaredLabels', { file: file ? file + ': ' : '', id: c.id, bad: bad.join(', '), classes: [...allowed].sort((a, b) => a - b).join(', ') }),
        file,
      );
    }
  }
  if (spec.labels.kind === 'classification' && c.grade !== null) {
    if (!Number.isInteger(c.grade) || c.grade < 0 || c.grade >= spec.labels.classes) {
      throw new SslRuntimeError(msg('SSL116', 'classOutside', { file: file ? file + ': ' : '', id: c.id, grade: c.grade, last: spec.labels.classes - 1 }), file);
    }
  }
}

async function loadFileCase(spec: DatasetSpec, src: CaseSource, opts: LoadDatasetOptions): Promise<Case> {
  const hashes: string[] = [];
  for (const f of src.files) {
    let bytes: Buffer;
    try {
      bytes = await readInputFile(f);
    } catch (e) {
      throw new SslRuntimeError(msg('SSL100', 'caseCannotRead', { id: src.id, file: f, reason: readProblem(e) }), f);
    }
    hashes.push(sha256Hex(bytes));
  }
  const key = caseCacheKey({ fileHashes: hashes, preprocess: spec.preprocess, reader: { ...src.reader, id: src.id, grade: src.grade } });
  const file = src.files[0] ?? null;
  // Labels are checked on every load, cached or not: the declared classes are not part of the key.
  const check = (c: Case): Case => {
    if (spec.labels.kind === 'segmentation' && !c.mask) {
      throw new SslRuntimeError(msg('SSL112', 'noLabelMap', { id: src.id, dataset: spec.name }), file);
    }
    checkLabels(spec, c, src.labelFile ?? file);
    return c;
  };
  if (!opts.noCache) {
    const hit = await readCachedCase(opts.cacheDir, key, (reason, path) =>
      opts.onWarning?.(withCode(msg('SSL182', 'caseCacheCorrupt', { id: src.id, path, reason }))),
    );
    if (hit) return check(hit);
  }
  opts.onDecode?.(src.id, src.files);
  let raw = check(await src.load());
  for (const w of raw.warnings ?? []) opts.onWarning?.(`case ${src.id}: ${w}`);
  // A single-slice volume (nz = 1) in a 2D dataset is a 2D image.
  if (spec.dim === 2 && raw.shape.length === 3 && raw.shape[0] === 1) {
    raw = { ...raw, shape: raw.shape.slice(1), spacing: raw.spacing.slice(1), affine: null, sourceGrid: null };
  }
  const pre = src.done
    ? { ...spec.preprocess, crop: src.done.crop ? null : spec.preprocess.crop, resize: src.done.resize ? null : spec.preprocess.resize }
    : spec.preprocess;
  const c = preprocessCase(raw, pre, file);
  if (!opts.noCache) {
    try {
      await writeCachedCase(opts.cacheDir, key, c);
    } catch (e) {
      // A full or read-only cache folder costs speed next time, not this run.
      opts.onWarning?.(`case ${src.id}: could not write the preprocessed-case cache in ${opts.cacheDir} (${(e as Error).message})`);
    }
  }
  return c;
}

/** At most this many bad cases are spelled out in one error; the rest are counted. */
export const BAD_CASES_SHOWN = 20;

/**
 * One error for every bad case of a dataset: a single bad case is its own error; several are
 * listed (the first BAD_CASES_SHOWN, then "… and N more"), under the code and file of the first.
 */
function badCasesError(spec: DatasetSpec, bad: SslRuntimeError[], total: number): SslRuntimeError {
  const first = bad[0]!;
  if (bad.length === 1) return first;
  const lines = bad.slice(0, BAD_CASES_SHOWN).map((e) => `  ${e.code}: ${withFile(e.message, e.file)}`);
  if (bad.length > BAD_CASES_SHOWN) lines.push(`  … and ${bad.length - BAD_CASES_SHOWN} more`);
  return new SslRuntimeError(underCode(first.code, msg('SSL124', 'badCases', { dataset: spec.name, bad: bad.length, total, lines: lines.join('\n') })), first.file);
}

/** Load, check, preprocess (with the cache) and split a dataset. */
export async function loadDataset(spec: DatasetSpec, opts: LoadDatasetOptions): Promise<LoadedDataset> {
  const source = spec.source;
  const cases: Case[] = [];
  if (isSynthetic(source)) {
    const seed = opts.seed ?? phantomSeed(spec);
    const total = source.cases;
    if (!(total > 0)) throw new SslRuntimeError(msg('SSL124', 'noPhantomCasesGot', { dataset: spec.name, total }));
    for (let i = 0; i < total; i++) {
      opts.signal?.throwIfAborted();
      const raw = phantomCase(source, seed, i);
      const c = preprocessCase(raw, spec.preprocess);
      checkCase(spec, c, null);
      cases.push(c);
      opts.onProgress?.(i + 1, total);
    }
  } else {
    const sources = await resolveCases(spec, opts.baseDir);
    if (sources.length === 0) throw new SslRuntimeError(msg('SSL124', 'noCases', { dataset: spec.name }));
    // A bad case does not stop the load: every case is tried, so one error lists them all.
    const bad: SslRuntimeError[] = [];
    let done = 0;
    for (const src of sources) {
      opts.signal?.throwIfAborted();
      try {
        const c = await loadFileCase(spec, src, opts);
        checkCase(spec, c, src.files[0] ?? null);
        if (bad.length === 0) cases.push(c); // once one is bad, the good ones are only checked
      } catch (e) {
        if (!(e instanceof SslRuntimeError)) throw e; // disk full, abort, internal error: not about the case
        bad.push(e);
      }
      opts.onProgress?.(++done, sources.length);
    }
    if (bad.length > 0) throw badCasesError(spec, bad, sources.length);
  }
  cases.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 1; i < cases.length; i++) {
    if (cases[i]!.id === cases[i - 1]!.id) throw new SslRuntimeError(msg('SSL106', 'duplicateId', { dataset: spec.name, duplicate: cases[i]!.id }));
  }
  const s = computeSplit(cases.length, spec.split);
  if (s.note) opts.onWarning?.(`dataset ${spec.name}: ${s.note}`);
  const split = { train: s.train, val: s.val, test: s.test };
  return { name: spec.name, dim: spec.dim, channels: spec.channels, cases, split, fingerprint: datasetFingerprint(cases, split) };
}

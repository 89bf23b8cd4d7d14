// A cheap signature of a file dataset's inputs (every image, label, CSV and dataset.json file:
// path, size, modification time), so that a cached data node can be checked against the files as
// they are now. The node's content hash is computed by the compiler from the path patterns alone;
// without this check an edited or replaced NIfTI file would silently reuse the old preprocessed
// dataset (and everything trained on it). Stat-based like make and DVC's stat cache: hashing every
// byte of a 285-case BraTS tree on each run would cost minutes; the per-case cache still hashes
// content when a case is actually (re)loaded.

import { stat } from 'node:fs/promises';
import { relative } from 'node:path';
import { createHash } from 'node:crypto';
import type { DatasetSpec } from '../../core/graph.js';
import { isSynthetic } from '../../core/datasets.js';
import { resolveCases } from './layouts.js';

export interface InputFileStat {
  /** Path relative to the experiment's folder. */
  path: string;
  size: number;
  mtimeMs: number;
}

/** The input files of a file dataset with their sizes and times (empty for phantoms). */
export async function dataInputFiles(spec: DatasetSpec, baseDir: string): Promise<InputFileStat[]> {
  if (isSynthetic(spec.source)) return [];
  const cases = await resolveCases(spec, baseDir);
  const files = new Set<string>();
  for (const c of cases) {
    for (const f of c.files) files.add(f);
    if (c.labelFile) files.add(c.labelFile);
  }
  const out: InputFileStat[] = [];
  for (const f of [...files].sort()) {
    const s = await stat(f);
    out.push({ path: relative(baseDir, f), size: s.size, mtimeMs: Math.round(s.mtimeMs) });
  }
  return out;
}

/**
 * sha256 over the sorted (path, size, mtime) list of a dataset's inputs; null for phantoms.
 * Errors are those of the layout (SSL110–SSL118): a file that vanished is reported as missing.
 */
export async function dataInputsSignature(spec: DatasetSpec, baseDir: string): Promise<string | null> {
  if (isSynthetic(spec.source)) return null;
  const files = await dataInputFiles(spec, baseDir);
  return createHash('sha256').update(JSON.stringify(files)).digest('hex');
}

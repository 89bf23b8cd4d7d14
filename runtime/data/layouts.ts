// Dataset layouts: turn a DataSource into a list of cases, each with its files and a loader that
// decodes the raw (not yet preprocessed) case. One file per layout in `layouts/`, registered in
// LAYOUTS below (a DataSource kind without an entry is a type error):
//   nifti      one glob per channel (+ an optional label glob), cases matched by sorted order
//   brats      BraTS 2018: <root>/[HGG|LGG/]<case>/<case>_{t1,t1ce,t2,flair,seg}.nii.gz
//   decathlon  Medical Segmentation Decathlon: dataset.json, imagesTr/ (3D or 4D), labelsTr/
//   nnunet     nnU-Net raw: dataset.json, imagesTr/<case>_0000.nii.gz …, labelsTr/<case>.nii.gz
//   images     2D folder of PNG/JPEG (+ CSV `id_code,diagnosis`, APTOS 2019), decoded with sharp
// The phantoms have no files (runtime/data/phantoms.ts generates them).
// Every problem is an SslRuntimeError naming the case and the file or pattern.

import { existsSync } from 'node:fs';
import { msg } from '../../core/codes/index.js';
import { SslRuntimeError } from '../contract.js';
import { isSynthetic, type FileKind } from '../../core/datasets.js';
import type { DataSource, DatasetSpec } from '../../core/graph.js';
import { bratsLayout } from './layouts/brats.js';
import type { CaseSource } from './layouts/common.js';
import { decathlonLayout } from './layouts/decathlon.js';
import { imagesLayout } from './layouts/images.js';
import { niftiLayout } from './layouts/nifti.js';
import { nnunetLayout } from './layouts/nnunet.js';

export { labelsFromVolume, loadNiftiCase, stripNiftiExt, type CaseSource } from './layouts/common.js';
export { loadImageCase, parseCsv, parseCsvWithLines } from './layouts/images.js';

/** Whether a file-based dataset expects label files (segmentation labels declared). */
export function expectsMasks(spec: DatasetSpec): boolean {
  return spec.labels.kind === 'segmentation';
}

type Resolver<K extends FileKind> = (src: Extract<DataSource, { kind: K }>, spec: DatasetSpec, baseDir: string) => Promise<CaseSource[]>;

/** The file layouts, one per layout that reads files (`files` not null in core/datasets.ts; a missing one does not compile). */
export const LAYOUTS: { [K in FileKind]: Resolver<K> } = {
  nifti: (src, _spec, baseDir) => niftiLayout(src, baseDir),
  brats: (src, spec, baseDir) => bratsLayout(src, baseDir, expectsMasks(spec)),
  decathlon: (src, _spec, baseDir) => decathlonLayout(src, baseDir),
  nnunet: (src, spec, baseDir) => nnunetLayout(src, baseDir, expectsMasks(spec)),
  images: (src, spec, baseDir) => imagesLayout(src, spec, baseDir),
};

export async function resolveCases(spec: DatasetSpec, baseDir: string): Promise<CaseSource[]> {
  const src = spec.source;
  if (isSynthetic(src)) throw new RangeError('phantom datasets have no files; use phantomCase');
  const cases = await (LAYOUTS[src.kind] as Resolver<typeof src.kind>)(src, spec, baseDir);
  // A file name that is not valid UTF-8 (Latin-1 `caf\xe9.nii.gz`) is listed with U+FFFD and cannot
  // be opened by that name: said here, not as "ENOENT" (or an internal error from a stat) later.
  for (const c of cases) {
    for (const f of [...(c.files ?? []), ...(c.labelFile ? [c.labelFile] : [])]) {
      if (f.includes('\ufffd') && !existsSync(f)) throw new SslRuntimeError(msg('SSL100', 'notUtf8Name', { file: f }), f);
    }
  }
  return cases;
}

// The dataset-layout registry of the compiler: one entry per `dataset NAME = TYPE` type, in the
// order the language lists them. The block schemas (compiler/schemas/blocks.ts datasetSchemas,
// hence the generated validators, the editor's completions and the SSL021 list of types) and the
// checks (compiler/check/dataset.ts) read this table; the runtime side is runtime/data/layouts.ts.
import type { DataSource } from '../../core/graph.js';
import { brats } from './brats.js';
import { decathlon } from './decathlon.js';
import { images } from './images.js';
import { nifti } from './nifti.js';
import { nnunet } from './nnunet.js';
import { phantom2d } from './phantom2d.js';
import { phantom3d } from './phantom3d.js';
import type { DatasetLayout } from './types.js';

export type { DatasetLayout, LayoutInput, LoweredLayout } from './types.js';

/** Every layout; a graph DataSource kind without an entry is a type error. */
export const DATASET_LAYOUTS: { [K in DataSource['kind']]: DatasetLayout } = { nifti, brats, decathlon, nnunet, images, phantom3d, phantom2d };

export function datasetLayout(type: string): DatasetLayout | undefined {
  return Object.prototype.hasOwnProperty.call(DATASET_LAYOUTS, type) ? DATASET_LAYOUTS[type as DataSource['kind']] : undefined;
}

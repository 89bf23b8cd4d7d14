// Seeded synthetic data: the built-in datasets that make the paper's protocol runnable without
// any download. Three generators:
//   - brain MRI (BraTS-like): head, skull, CSF, grey/white matter, ventricles and eyes with random
//     smooth deformation, texture, bias field and noise, in up to four MRI contrasts
//     (t1, t1ce, t2, flair), with tumours whose nested sub-regions follow the BraTS labels
//     (1 necrotic core, 4 enhancing rim around it, 2 oedema outermost);
//   - abdominal CT (MSD Task07-like): Hounsfield-like intensities, body wall, fat, liver, spleen,
//     kidneys, spine, aorta, stomach and bowel, and an elongated pancreas (label 1) with an
//     optional hypo-dense tumour (label 2);
//   - colour fundus photographs (APTOS-like): fundus disc, optic disc, branching vessels and
//     lesions whose kind and number set a retinopathy grade 0–4 by a fixed rule.
// Each case is generated from its own seed (deriveSeed(datasetSeed, index)), so case i does not
// depend on how many cases are asked for. All randomness comes from core/rng.ts.
// Layout: channels-last float32; 3D shape [D,H,W] = [S, A, R] axes of a RAS+ grid (W fastest),
// the same canonical layout the NIfTI reader produces.

// One file per generator in phantoms/; this file picks the generator for a dataset's case.

import type { Vec2, Vec3 } from '../../core/graph.js';
import { SslRuntimeError } from '../contract.js';
import { deriveSeed } from '../../core/rng.js';
import type { Case } from './types.js';
import { brainPhantom } from './phantoms/brain.js';
import type { PhantomVolume } from './phantoms/common.js';
import { fundusPhantom } from './phantoms/fundus.js';
import { pancreasPhantom } from './phantoms/pancreas.js';
import { msg } from '../../core/codes/index.js';

export { BRAIN_CHANNELS, brainPhantom, type BrainContrast, type BrainPhantomOptions } from './phantoms/brain.js';
export { smoothField, type PhantomVolume } from './phantoms/common.js';
export { FUNDUS_GRADE_PRIOR, fundusGrade, fundusPhantom, type FundusPhantom, type LesionCounts } from './phantoms/fundus.js';
export { pancreasPhantom, type PancreasPhantomOptions } from './phantoms/pancreas.js';

// ───────────────────────── dataset-level ─────────────────────────

export type PhantomSource =
  | { kind: 'phantom3d'; anatomy: 'brain' | 'pancreas'; cases: number; channels: number; size: Vec3 | number[]; labelled: boolean; tumourRate?: number }
  | { kind: 'phantom2d'; cases: number; channels: number; size: Vec2 | number[]; labelled: boolean };

/** Case ids of a phantom dataset: `phantom-0000`, `phantom-0001`, … (sorted order = index order). */
export function phantomCaseId(i: number): string {
  return `phantom-${String(i).padStart(4, '0')}`;
}

/**
 * Case `index` of a phantom dataset seeded with `seed` (raw intensities, before preprocessing).
 * A case has a tumour with probability `tumourRate` (the compiler always sets it: unlabelled brain
 * corpora 1 %, labelled brain sets 100 %, pancreas 80 %). Without a rate (graphs from before the
 * parameter existed) the old behaviour holds: unlabelled brain 35 %, labelled brain always.
 */
export function phantomCase(source: PhantomSource, seed: number, index: number): Case {
  const caseSeed = deriveSeed(seed, 'case', index);
  let v: PhantomVolume;
  if (source.kind === 'phantom2d') {
    v = fundusPhantom(caseSeed, source.size, source.channels);
    if (!source.labelled) v = { ...v, grade: null };
  } else if (source.anatomy === 'brain') {
    const rate = source.tumourRate;
    const tumour = rate === undefined ? (source.labelled ? true : 'random') : rate >= 1 ? true : rate <= 0 ? false : 'random';
    v = brainPhantom(caseSeed, source.size, source.channels, { tumour, tumourProbability: rate, labelled: source.labelled });
  } else {
    if (source.channels !== 1) {
      throw new SslRuntimeError(msg('SSL125', 'pancreasChannels', { channels: source.channels }));
    }
    v = pancreasPhantom(caseSeed, source.size, { tumour: 'random', tumourProbability: source.tumourRate, labelled: source.labelled });
  }
  return { id: phantomCaseId(index), shape: v.shape, channels: v.channels, image: v.image, mask: v.mask, grade: v.grade, spacing: v.spacing };
}

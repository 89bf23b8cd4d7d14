// Layout `brats`: BraTS 2018 case folders with t1, t1ce, t2, flair and seg files.
import type { Modality } from '../../core/graph.js';
import { PAPER } from '../defaults.js';
import { arr, str, word } from '../json.js';
import { block, list, oneOfWords, str as strSchema } from '../schemas/common.js';
import { datasetCommon, segCommon } from './common.js';
import type { DatasetLayout } from './types.js';
import { msg } from '../../core/codes/index.js';

export const brats: DatasetLayout = {
  schema: block(
    {
      ...datasetCommon,
      ...segCommon,
      root: strSchema,
      modalities: list(oneOfWords(['t1', 't1ce', 't2', 'flair']), 'a list of modalities from t1, t1ce, t2, flair', 1),
    },
    { required: ['root'] },
  ),
  lower({ json: j, rebase, error }) {
    const modalities = (arr(j.modalities)?.map((x) => word(x) as Modality) ?? ['t1', 't1ce', 't2', 'flair']) as Modality[];
    const root = rebase(str(j.root) ?? '');
    const dup = modalities.findIndex((m, i) => modalities.indexOf(m) !== i);
    if (dup >= 0) error(msg('SSL066', 'modalityTwice', { modality: modalities[dup] }), `/modalities/${dup}`);
    return {
      source: { kind: 'brats', root, modalities },
      rawChannels: modalities.length,
      defaultClasses: PAPER.bratsClasses,
      defaultRegions: PAPER.bratsRegions,
      fingerprint: { root, modalities },
      channelNames: [...modalities],
    };
  },
};

// Layout `nifti`: one glob per channel (+ an optional label glob); cases are paired by sorted order.
import { arr, str } from '../json.js';
import { block, listOrOne, str as strSchema, strOrNone } from '../schemas/common.js';
import { channelNames, datasetCommon, segCommon } from './common.js';
import type { DatasetLayout } from './types.js';

export const nifti: DatasetLayout = {
  schema: block(
    {
      ...datasetCommon,
      ...segCommon,
      'channel-names': channelNames,
      images: listOrOne(strSchema, 'a glob of image files, or a list with one glob per channel'),
      labels: strOrNone(),
    },
    { required: ['images'] },
  ),
  noLabelsHint: 'add labels = "…" with a glob of label maps',
  lower({ json: j, rebase }) {
    const imgs = arr(j.images) ?? [j.images];
    const images = imgs.map((x) => rebase(str(x) ?? ''));
    const labelsRaw = str(j.labels);
    const labels = labelsRaw === undefined ? null : rebase(labelsRaw);
    return { source: { kind: 'nifti', images, labels }, rawChannels: images.length, labelKind: labels === null ? 'none' : 'segmentation', fingerprint: { images, labels } };
  },
};

// Layout `decathlon`: Medical Segmentation Decathlon (dataset.json, imagesTr/, labelsTr/).
import type { DataSource } from '../../core/graph.js';
import { num, str } from '../json.js';
import { block, int, str as strSchema, strOrNone } from '../schemas/common.js';
import { channelNames, datasetCommon, segCommon } from './common.js';
import type { DatasetLayout } from './types.js';

export const decathlon: DatasetLayout = {
  schema: block(
    {
      ...datasetCommon,
      ...segCommon,
      root: strSchema,
      'channel-names': channelNames,
      'images-dir': strSchema,
      'labels-dir': strOrNone(),
      channels: int(1, 64, 'the number of image channels (modalities) per case'),
    },
    { required: ['root'] },
  ),
  lower({ json: j, rebase }) {
    const root = rebase(str(j.root) ?? '');
    const labelsDir = j['labels-dir'] === 'none' ? null : str(j['labels-dir']) ?? 'labelsTr';
    const source: DataSource = { kind: 'decathlon', root, imagesDir: str(j['images-dir']) ?? 'imagesTr', labelsDir };
    return { source, rawChannels: num(j.channels) ?? 1, labelKind: labelsDir === null ? 'none' : 'segmentation' };
  },
};

// Layout `nnunet`: nnU-Net raw data (dataset.json, imagesTr/<case>_0000.nii.gz …, labelsTr/).
import { ints, str } from '../json.js';
import { block, int, list, str as strSchema } from '../schemas/common.js';
import { channelNames, datasetCommon, segCommon } from './common.js';
import type { DatasetLayout } from './types.js';

export const nnunet: DatasetLayout = {
  schema: block(
    {
      ...datasetCommon,
      ...segCommon,
      root: strSchema,
      'channel-names': channelNames,
      channels: list(int(0, 9999), 'the nnU-Net channel ids to load, e.g. [0, 1]', 1),
    },
    { required: ['root'] },
  ),
  lower({ json: j, rebase }) {
    const root = rebase(str(j.root) ?? '');
    const channels = ints(j.channels) ?? [0];
    return { source: { kind: 'nnunet', root, channels }, rawChannels: channels.length };
  },
};

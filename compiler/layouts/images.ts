// Layout `images`: a 2D folder of PNG/JPEG files, graded by an optional CSV (APTOS 2019).
import { arr, num, str } from '../json.js';
import { block, int, list, str as strSchema, strOrNone } from '../schemas/common.js';
import { channelNames, classesGrades, datasetCommon } from './common.js';
import type { DatasetLayout } from './types.js';

export const images: DatasetLayout = {
  schema: block(
    {
      ...datasetCommon,
      root: strSchema,
      'channel-names': channelNames,
      csv: strOrNone(),
      'id-column': strSchema,
      'label-column': strSchema,
      extensions: list(strSchema, 'a list of file extensions, e.g. [".png", ".jpg"]', 1),
      channels: int(1, 4, 'the number of colour channels (1 or 3)'),
      classes: classesGrades,
    },
    { required: ['root'] },
  ),
  lower({ json: j, rebase }) {
    const root = rebase(str(j.root) ?? '');
    const csvRaw = str(j.csv);
    const csv = csvRaw === undefined ? null : rebase(csvRaw);
    return {
      source: {
        kind: 'images',
        root,
        csv,
        idColumn: str(j['id-column']) ?? 'id_code',
        labelColumn: str(j['label-column']) ?? 'diagnosis',
        extensions: arr(j.extensions)?.map((x) => str(x) ?? '') ?? ['.png', '.jpg', '.jpeg'],
      },
      rawChannels: num(j.channels) ?? 3,
      dim: 2,
      labelKind: csv === null ? 'none' : 'classification',
    };
  },
};

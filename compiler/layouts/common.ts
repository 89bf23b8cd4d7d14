// Block-schema pieces shared by the dataset layouts.
import { int, list, sharedRef as shared, str, type Schema } from '../schemas/common.js';

const regions: Schema = {
  type: 'object',
  properties: {},
  additionalProperties: { anyOf: [list(int(0, 255), 'a list of label values', 1), int(0, 255)], 'x-expect': 'a list of label values, e.g. [1, 4]' },
  'x-expect': 'regions { NAME = [labels] }, e.g. regions { WT = [1, 2, 4] }',
};
const classesSeg = list(int(0, 255), 'the label values, e.g. [0, 1, 2, 4]', 2);

/** Keys every dataset accepts. */
export const datasetCommon: Record<string, Schema> = {
  preprocess: shared('preprocess'),
  split: shared('split'),
  cases: int(1, 10_000_000, 'the number of cases (≥ 1)'),
  description: str,
};
/** Keys of segmentation datasets. */
export const segCommon: Record<string, Schema> = { regions, classes: classesSeg };
/** Modality names in channel order (the fine-tuning adapter pairs channels by them). */
export const channelNames: Schema = list(
  { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]*$', 'x-expect': 'a channel name, e.g. t1 or flair' },
  'a list of channel names in channel order, e.g. [t1, flair]',
  1,
);
export const classesGrades = int(2, 1000, 'the number of classes (grades), e.g. 5');

// Error codes of the pretext-task layer (SSL150–159). Every task error is an SslRuntimeError
// carrying one of these codes and a one-line message that names the offending setting.

import type { CodeInfo } from './info.js';

export const TASK_CODES = {
  badGeometry: 'SSL150',
  badParams: 'SSL151',
  tooFewCases: 'SSL152',
  badPermutationCache: 'SSL153',
  badInput: 'SSL154',
  badArtifact: 'SSL155',
} as const;

export const codes = [
  {
    code: 'SSL150',
    severity: 'error',
    title: 'pretext task geometry does not fit the input',
    explanation:
      'The patch grid of a patch-based task (CPC, RPL, Jigsaw) or the rotation cube does not fit the ' +
      'input size. Example: rpl { grid: 3, jitter: 8 } on a 16³ input leaves cells of 5 voxels, smaller ' +
      'than 2·jitter + 1. Fix: lower grid/jitter/patch, or raise the input size (preprocess resize).',
  },
  {
    code: 'SSL151',
    severity: 'error',
    title: 'invalid pretext task parameter',
    explanation:
      'A task parameter is out of range (e.g. an even RPL grid has no centre patch, more permutations ' +
      'than n! exist, CPC negatives < 1). The message names the parameter and the allowed range.',
  },
  {
    code: 'SSL152',
    severity: 'error',
    title: 'too few cases for the pretext task',
    explanation:
      'Exemplar needs at least two training cases (a negative must be another sample); every task needs ' +
      'at least one training case. Fix: add data or change the split fractions.',
  },
  {
    code: 'SSL153',
    severity: 'error',
    title: 'unreadable permutation cache entry',
    explanation:
      'A cached Jigsaw permutation set is corrupt or does not match its key. It is regenerated; if the ' +
      'error persists delete the file named in the message.',
  },
  {
    code: 'SSL154',
    severity: 'error',
    title: 'input case does not match the pretext task',
    explanation:
      'A case has a different dimensionality or channel count than the task expects (e.g. a 2D image fed ' +
      'to a 3D task without `slices`). Fix the dataset or the task dimension.',
  },
  {
    code: 'SSL155',
    severity: 'error',
    title: 'bad pretrain artifact',
    explanation: 'task.json or the encoder weights of a pretrain artifact are missing or malformed.',
  },
] as const satisfies readonly CodeInfo[];

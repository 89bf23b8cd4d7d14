// Error codes of the pretext-task layer (SSL150–159). Every task error is an SslRuntimeError
// carrying one of these codes and a message built from its templates (msg) that names the
// offending setting.

import type { CodeInfo } from './info.js';

export const codes = [
  {
    code: 'SSL150',
    severity: 'error',
    title: 'pretext task geometry does not fit the input',
    messages: {
      cpcPatchDivisor: 'CPC patch {patch} must be a multiple of {divisor} for this encoder (2^poolings)',
      cpcPatchTooSmall: "CPC patch {patch} is smaller than the encoder's {divisor}-voxel minimum",
      cpcPatchNotPositive: 'CPC patch size must be a positive integer, got {patch}',
      cpcGridTooLarge: 'a CPC grid of {grid} patches of {patch} (step {step}) spans {covered} voxels but the input is [{shape}]',
      gridDoesNotFit: 'a {grid}-per-side grid with jitter {jitter} does not fit input [{shape}]: cells of [{cell}] leave patches of [{patches}]{why}',
      exemplarDivisor: 'exemplar input [{shape}] must be divisible by {divisor} for this encoder',
      badCrop: "rotation crop must be a whole number from 1 to the input's shortest side ({minSpatial}), got {crop}",
      rotationDivisor: 'rotation {verb} a {side}-voxel cube, which the encoder needs divisible by {divisor}',
      unequalSides: 'a 90° rotation in plane ({a},{b}) needs equal sides, got {na} and {nb} (pad to a cube first)',
    },
    explanation:
      'The patch grid of a patch-based task (CPC, RPL, Jigsaw) or the rotation cube does not fit the ' +
      'input size. Example: rpl { grid: 3, jitter: 8 } on a 16³ input leaves cells of 5 voxels, smaller ' +
      'than 2·jitter + 1. Fix: lower grid/jitter/patch, or raise the input size (preprocess resize).',
  },
  {
    code: 'SSL151',
    severity: 'error',
    title: 'invalid pretext task parameter',
    messages: {
      cpcCodeSize: 'CPC codeSize must be ≥ 1, got {codeSize}',
      cpcContextSize: 'CPC contextSize must be ≥ 1, got {contextSize}',
      cpcOverlap: 'CPC overlap must be in [0, 1), got {overlap}',
      cpcGrid: 'CPC needs a grid of at least 3 patches per side, got {grid}',
      cpcTerms: 'CPC needs at least one prediction term, got {terms}',
      cpcNoRoom: 'a CPC grid of {grid} rows has no room for 1 context row, the anchor and {terms} target rows',
      cpcTwoAnchors: 'CPC (authors-code) needs at least two anchors per batch for its negative pair',
      cpcNegatives: 'CPC negatives must be ≥ 1, got {negatives}',
      cpcFewSameVolume: 'CPC asks for {negatives} negatives per prediction from the same volume, but it has only {smallest} other patches ({cells} cells)',
      cpcFewOtherVolumes: 'CPC asks for {negatives} negatives per prediction but only {smallest} patches of other volumes are in a batch of {batch} volume(s) × {cells} patches',
      badGrid: 'grid must be a positive integer, got {grid}',
      badJitter: 'jitter must be a non-negative integer, got {jitter}',
      badSlices: 'slices per volume must be ≥ 1, got {perVolume}',
      exemplarMargin: 'exemplar margin must be > 0, got {margin}',
      exemplarCodeSize: 'exemplar codeSize must be ≥ 1, got {codeSize}',
      exemplarNoTransform: 'exemplar needs at least one transform (flip, translate, brightness, contrast)',
      permutationLength: 'permutation of {length} applied to {tiles} tiles',
      jigsawTiles: 'a jigsaw needs at least 2 tiles, got {tiles}',
      badPermutations: 'permutations must be a positive integer, got {count}',
      tooManyPermutations: '{count} permutations requested but only {exist} exist for {tiles} tiles',
      poolExhausted: 'candidate pool of {size} exhausted after {found} permutations',
      rotationCopies: 'rotation copies must be ≥ 1, got {copies}',
      badPlane: 'bad rotation plane ({a}, {b}) for a {nd}D volume',
      rotationClass: 'rotation class {cls} outside 0..{last}',
      rplEvenGrid: 'RPL needs an odd grid (a centre patch), got {grid}',
      rplCentre: 'the centre cell has no RPL label',
      wrongParams: "{name}: task '{task}' carries parameters of '{params}'",
      wrongEncoder: '{name}: a {dim}D task cannot train a {encoder} encoder',
      bugVariant: "{name}: variant 'authors-code-bug' exists for rotation only",
      badHeadHidden: '{name}: headHidden must be ≥ 1, got {headHidden}',
      unknownTask: "unknown pretext task '{task}'",
    },
    explanation:
      'A task parameter is out of range (e.g. an even RPL grid has no centre patch, more permutations ' +
      'than n! exist, CPC negatives < 1). The message names the parameter and the allowed range.',
  },
  {
    code: 'SSL152',
    severity: 'error',
    title: 'too few cases for the pretext task',
    messages: {
      noTrainingCases: "{node}: dataset '{name}' has no training cases for pretext training",
      exemplarTrainCases: "{node}: exemplar needs at least 2 training samples, dataset '{name}' has {count}",
      exemplarSplit: 'exemplar needs at least 2 samples (negatives are other samples), the split has {count}',
      exemplarBatch: 'Exemplar with batch negatives needs at least 2 samples per batch, got {n}',
      exemplarSamples: 'Exemplar needs at least 2 training samples (negatives are other samples), got {count}',
      noSamples: 'the pretext task has no samples to train on',
    },
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
    messages: {
      cpcDims: 'CPC needs a 2D or 3D input, got [{shape}]',
      volumeLength: 'volume data has {length} values, expected {n} for shape [{shape}]×{channels}',
      cropValues: 'crop of a {nd}D volume needs {nd} start/size values',
      sliceNot3d: 'slicing needs a 3D volume, got shape [{shape}]',
      sliceOutside: 'slice {k} outside axis {axis} of size {shape}',
      unequalBatch: 'cannot stack volumes of shapes [{firstShape}] and [{shape}]',
      rotationDims: 'rotation needs a 2D or 3D input, got shape [{shape}]',
      inputRank: '{name}: a {dim}D task needs a {dim}D input shape plus channels, got [{inputShape}]',
      caseChannels: '{name}: case {id} has {channels} channel(s) but the encoder input declares {declared}',
      needsSlices: "{name}: a 2D task on 3D case {id} needs 'slices' (axis and slices per volume)",
      caseDims: '{name}: case {id} is {caseDim}D but the task is {dim}D',
      emptyBatch: 'empty batch',
      inputShape: '{name}: a {dim}D task needs an input shape of {dim} sides + channels, got [{inputShape}]',
    },
    explanation:
      'A case has a different dimensionality or channel count than the task expects (e.g. a 2D image fed ' +
      'to a 3D task without `slices`). Fix the dataset or the task dimension.',
  },
  {
    code: 'SSL155',
    severity: 'error',
    title: 'bad pretrain artifact',
    messages: {
      noDatasetInput: '{node}: the pretrain node needs its dataset artifact as its first input',
      cannotRead: 'cannot read {file}: {reason}',
      wrongVersion: '{file} is not a pretrain artifact of version {version}',
    },
    explanation: 'task.json or the encoder weights of a pretrain artifact are missing or malformed.',
  },
] as const satisfies readonly CodeInfo[];

// Error codes of the models and training part (range SSL130–149). `ssl3d explain CODE` prints
// the long form from the merged catalogue.

import type { CodeInfo } from './info.js';

export const codes = [
  {
    code: 'SSL130',
    severity: 'error',
    title: 'weight file missing or unreadable',
    messages: {
      manifestUnreadable: 'weights manifest {name}.json not found or unreadable in {dir} ({reason})',
      dataUnreadable: 'weights data {bin} (named by {name}.json) not found or unreadable in {dir} ({reason})',
      weightsUnreadable: 'cannot read weights {file} named by {jsonFile} ({reason})',
      cannotReadModel: 'cannot read model {file} ({reason})',
    },
    explanation:
      'A weights file pair (<name>.json + <name>.bin) was expected in a folder but is missing or cannot be read.\n' +
      'Usually the pretraining node did not finish, or the cache folder was edited by hand.\n' +
      'Fix: rerun the producing node (`ssl3d run` recomputes missing cache entries).',
  },
  {
    code: 'SSL131',
    severity: 'error',
    title: 'weight file corrupt',
    messages: {
      manifestNotJson: 'weights manifest {jsonFile} is not valid JSON (truncated or overwritten?)',
      notManifest: "{jsonFile} is not an ssl3d weights manifest (format '{format}')",
      sizeMismatch: '{binFile} has {byteLength} bytes but its manifest records {bytes} (truncated file?)',
      shaMismatch: '{binFile} does not match the sha256 in its manifest (corrupted file)',
      entryOutside: "{jsonFile}: entry '{name}' (shape [{shape}]) lies outside the data file",
      truncated: '{jsonFile}: weights hold {byteLength} bytes, the manifest needs {expected} (truncated?)',
      cannotReadModel: 'cannot read model {file} ({reason})',
    },
    explanation:
      'The manifest (<name>.json) is not valid JSON, is not an ssl3d weights manifest, or the binary file has a\n' +
      'different size or sha256 than the manifest records (a truncated or partly written file).\n' +
      'Fix: delete the cache entry and rerun the node that produced it.',
  },
  {
    code: 'SSL132',
    severity: 'error',
    title: 'weight missing from file',
    messages: {
      missingWeight: "{file} has no weight '{weight}' needed by model '{model}' (was it written by a different architecture?)",
    },
    explanation:
      'Strict loading found a weight of the model that the file does not contain (matched by layer/weight name,\n' +
      'e.g. `enc_l0_conv1/kernel`). The file was written by a different architecture (other levels, block type,\n' +
      'norm) than the model being loaded. Fix: make the encoder declarations match, or load non-strictly.',
  },
  {
    code: 'SSL133',
    severity: 'error',
    title: 'weight shape mismatch',
    messages: {
      shapeMismatch: "weight '{weight}' has shape [{shape}] in {file} but [{modelShape}] in model '{model}'",
    },
    explanation:
      'A weight exists in both file and model but with different shapes. Kernels that read the input (the\n' +
      'first convolution, and with residual blocks the first shortcut projection `enc_l0_proj`) are adapted\n' +
      'by the fine-tuning `adapter` when the channel counts differ, so an input-channel mismatch does not end\n' +
      'here; any other mismatch means the two encoders differ (filters, levels, block kind or growth).\n' +
      'Fix: fine-tune with the same encoder declaration the pretext task used (the weights transfer by layer\n' +
      'name), or re-run the pretraining after changing the encoder.',
  },
  {
    code: 'SSL134',
    severity: 'error',
    title: 'encoder transfer impossible',
    messages: {
      noEncoderWeights: "{name}.json in {fromDir} holds no '{prefix}' weights to transfer",
      fileChannels: "the input-reading kernel '{kernel}' in {name}.json has {channels} input channels, but the pretrained encoder was declared with {fromChannels}",
      modelChannels: "the input-reading kernel '{kernel}' of model '{model}' has {channels} input channels, but the transfer was declared for {toChannels}",
    },
    explanation:
      'transferEncoder found no `enc_` weights in the source file, the channel adapter could not be applied to\n' +
      'the first convolution, or the declared channel counts do not match the stored kernel.',
  },
  {
    code: 'SSL135',
    severity: 'error',
    title: 'invalid model specification',
    messages: {
      densenetInput: 'densenet2d needs an input shape [H, W, C] with positive integers, got [{inputShape}]',
      densenetBlocks: 'densenet2d: blocks must be positive integers, got [{blocks}]',
      densenetCompression: 'densenet2d: compression must be in (0, 1], got {compression}',
      densenetGrowth: 'densenet2d: growth and initFilters must be ≥ 1',
      densenetTooSmall: 'densenet2d with {blocks} blocks needs an input of at least {minSide}×{minSide}, got {height}×{width}',
      headPrefix: "head prefix '{namePrefix}' must not start with enc_ (reserved for encoders)",
      headSizes: 'denseHead({inputUnits}, {hidden}, {out}): sizes must be positive',
      unknownPreset: "unknown U-Net preset '{name}' (expected paper or authors-code)",
      badInputShape: '{kind} needs an input shape of {layout} with positive integers, got [{inputShape}]',
      notDivisible: '{kind} with {poolings} poolings needs every spatial side divisible by {f}; input is {inputShape}',
      badLevels: '{kind}: levels must be an integer ≥ 1, got {levels}',
      filtersPerLevel: '{kind}: {levels} levels need {levels} filter counts, got {count} ([{filters}])',
      badDropout: '{kind}: dropout must be in [0, 1), got {dropout}',
      segmenterClasses: 'a segmenter needs at least 2 classes (background + 1), got {classes}',
      skipMismatch: "decoder level {i}: up-sampled size {size} does not match the skip's {skip}; use an input whose sides are divisible by 2^levels",
      classifierOutputs: 'a classifier needs at least 1 output, got {classes}',
    },
    explanation:
      'The encoder/decoder cannot be built: filters do not match levels, the input size is not divisible by\n' +
      '2^(number of poolings), a rank that does not fit a 2D/3D model, or an unknown preset.\n' +
      'Example: unet3d with 5 levels and final pooling needs every spatial side divisible by 32.',
  },
  {
    code: 'SSL136',
    severity: 'error',
    title: 'loss became NaN or Inf',
    messages: {
      nanStop: '{node}: {bad}; stopping (onNaN: stop). The checkpoint of epoch {kept} is kept.',
    },
    explanation:
      'The training loss was not finite (or exploded above 10⁴ × the first loss), or the validation loss was not finite, and the node declares `onNaN: stop`. Nothing from the failing epoch\n' +
      'was applied; the last completed epoch is in the checkpoint. Lower the learning rate, enable gradient\n' +
      'clipping (clipNorm), check the data for NaN voxels, or declare `onNaN: retry-lower-lr`.',
  },
  {
    code: 'SSL137',
    severity: 'error',
    title: 'loss still NaN after retry with lower learning rate',
    messages: {
      nanAgain: '{node}: {bad} again after lowering the learning rate to {lr}; stopping.',
    },
    explanation:
      'With `onNaN: retry-lower-lr` the loop restored the weights of the start of the epoch, divided the learning\n' +
      'rate by 10 and retried once; the loss became non-finite again. The node stops.',
  },
  {
    code: 'SSL138',
    severity: 'error',
    title: 'checkpoint unusable',
    messages: {
      unreadable: '{node}: checkpoint {metaFile} is missing or not valid JSON ({reason})',
      wrongCheckpoint: '{node}: {metaFile} is not a checkpoint of this node (format {format}, {models} models, expected {expected})',
      cannotResume: '{node}: cannot resume from checkpoint of epoch {epoch}: [{code}] {reason|all}',
      wrongOptimiser: 'checkpoint holds {saved} optimiser state but the node trains with {used}',
    },
    explanation:
      'A checkpoint written by an earlier attempt of this node could not be read (missing meta.json, corrupt\n' +
      'weights, or it was written by a different model/optimiser). Delete the node\'s checkpoint folder to start\n' +
      'the node afresh.',
  },
  {
    code: 'SSL139',
    severity: 'error',
    title: 'training loop misconfigured',
    messages: {
      badEpochs: '{node}: epochs must be an integer ≥ 1, got {epochs}',
      badStepsPerEpoch: '{node}: stepsPerEpoch must be an integer ≥ 1, got {stepsPerEpoch}',
      allFrozen: '{node}: nothing to train in epoch {epoch} (every layer is frozen)',
      notScalarLoss: '{node}: the step function must return a scalar loss, got {got}',
      unknownOptimizer: "unknown optimizer '{kind}'",
      badLr: 'learning rate must be > 0, got {lr}',
    },
    explanation:
      'The loop was given no trainable variables for an epoch, a step function that did not return a scalar, or\n' +
      'options out of range (epochs < 1, stepsPerEpoch < 1). This is a bug in the calling node handler.',
  },
  {
    code: 'SSL140',
    severity: 'error',
    title: 'duplicate weight names',
    messages: {
      duplicateTensor: "two tensors named '{name}' cannot be saved into {file}.json",
      duplicateWeight: "model '{model}' has two weights named '{weight}'; layer names must be unique",
      duplicateTrainable: "two trainable weights are named '{name}'; give task layers their own prefix",
    },
    explanation:
      'Two weights of the models being saved share a layer/weight name, so they cannot be stored by name.\n' +
      'Give the layers distinct names (task heads should use their own prefix).',
  },
] as const satisfies readonly CodeInfo[];

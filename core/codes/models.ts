// Error codes of the models and training part (range SSL130–149). `ssl3d explain CODE` prints
// the long form from the merged catalogue.

import type { CodeInfo } from './info.js';

export const codes = [
  {
    code: 'SSL130',
    severity: 'error',
    title: 'weight file missing or unreadable',
    explanation:
      'A weights file pair (<name>.json + <name>.bin) was expected in a folder but is missing or cannot be read.\n' +
      'Usually the pretraining node did not finish, or the cache folder was edited by hand.\n' +
      'Fix: rerun the producing node (`ssl3d run` recomputes missing cache entries).',
  },
  {
    code: 'SSL131',
    severity: 'error',
    title: 'weight file corrupt',
    explanation:
      'The manifest (<name>.json) is not valid JSON, is not an ssl3d weights manifest, or the binary file has a\n' +
      'different size or sha256 than the manifest records (a truncated or partly written file).\n' +
      'Fix: delete the cache entry and rerun the node that produced it.',
  },
  {
    code: 'SSL132',
    severity: 'error',
    title: 'weight missing from file',
    explanation:
      'Strict loading found a weight of the model that the file does not contain (matched by layer/weight name,\n' +
      'e.g. `enc_l0_conv1/kernel`). The file was written by a different architecture (other levels, block type,\n' +
      'norm) than the model being loaded. Fix: make the encoder declarations match, or load non-strictly.',
  },
  {
    code: 'SSL133',
    severity: 'error',
    title: 'weight shape mismatch',
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
    explanation:
      'transferEncoder found no `enc_` weights in the source file, the channel adapter could not be applied to\n' +
      'the first convolution, or the declared channel counts do not match the stored kernel.',
  },
  {
    code: 'SSL135',
    severity: 'error',
    title: 'invalid model specification',
    explanation:
      'The encoder/decoder cannot be built: filters do not match levels, the input size is not divisible by\n' +
      '2^(number of poolings), a rank that does not fit a 2D/3D model, or an unknown preset.\n' +
      'Example: unet3d with 5 levels and final pooling needs every spatial side divisible by 32.',
  },
  {
    code: 'SSL136',
    severity: 'error',
    title: 'loss became NaN or Inf',
    explanation:
      'The training loss was not finite (or exploded above 10⁴ × the first loss), or the validation loss was not finite, and the node declares `onNaN: stop`. Nothing from the failing epoch\n' +
      'was applied; the last completed epoch is in the checkpoint. Lower the learning rate, enable gradient\n' +
      'clipping (clipNorm), check the data for NaN voxels, or declare `onNaN: retry-lower-lr`.',
  },
  {
    code: 'SSL137',
    severity: 'error',
    title: 'loss still NaN after retry with lower learning rate',
    explanation:
      'With `onNaN: retry-lower-lr` the loop restored the weights of the start of the epoch, divided the learning\n' +
      'rate by 10 and retried once; the loss became non-finite again. The node stops.',
  },
  {
    code: 'SSL138',
    severity: 'error',
    title: 'checkpoint unusable',
    explanation:
      'A checkpoint written by an earlier attempt of this node could not be read (missing meta.json, corrupt\n' +
      'weights, or it was written by a different model/optimiser). Delete the node\'s checkpoint folder to start\n' +
      'the node afresh.',
  },
  {
    code: 'SSL139',
    severity: 'error',
    title: 'training loop misconfigured',
    explanation:
      'The loop was given no trainable variables for an epoch, a step function that did not return a scalar, or\n' +
      'options out of range (epochs < 1, stepsPerEpoch < 1). This is a bug in the calling node handler.',
  },
  {
    code: 'SSL140',
    severity: 'error',
    title: 'duplicate weight names',
    explanation:
      'Two weights of the models being saved share a layer/weight name, so they cannot be stored by name.\n' +
      'Give the layers distinct names (task heads should use their own prefix).',
  },
] as const satisfies readonly CodeInfo[];

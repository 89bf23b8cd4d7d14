// Defaults from the paper (Taleb et al. 2020, appendix) and presets for the authors' code.
// Every default is resolved into the execution graph; the runtime never guesses.
import type { EncoderSpec } from '../core/graph.js';

export const PAPER = {
  lr: { ssl3d: 1e-3, seg3d: 1e-5, ssl2d: 5e-4, cls2d: 5e-5, seg2d: 1e-5, cls3d: 1e-5 },
  warmup: { seg: 25, cls: 5 },
  inputSize: { d3: 128, d2: 224 },
  bratsRegions: { ET: [4], TC: [1, 4], WT: [1, 2, 4] } as Record<string, number[]>,
  bratsClasses: [0, 1, 2, 4],
  pancreasClasses: [0, 1, 2],
};

type UnetPreset = Omit<Extract<EncoderSpec, { kind: 'unet3d' | 'unet2d' }>, 'kind'>;

export const UNET_PRESETS: Record<'paper' | 'authors-code' | 'small', UnetPreset> = {
  // The paper: 5 levels of residual blocks, 32…512 filters.
  paper: { levels: 5, filters: [32, 64, 128, 256, 512], block: 'residual', norm: 'batch', dropout: 0, finalPool: 'none', upsample: 'transpose' },
  // The authors' code: enc_filters 16 → 16…256, plain Conv-ReLU-BN blocks, Dropout(0.5), a final max-pool.
  'authors-code': { levels: 5, filters: [16, 32, 64, 128, 256], block: 'plain', norm: 'batch', dropout: 0.5, finalPool: 'max', upsample: 'transpose' },
  // Small enough to train on a laptop CPU.
  small: { levels: 3, filters: [8, 16, 32], block: 'plain', norm: 'batch', dropout: 0, finalPool: 'none', upsample: 'transpose' },
};

type DensePreset = Omit<Extract<EncoderSpec, { kind: 'densenet2d' }>, 'kind'>;
export const DENSENET_PRESETS: Record<'densenet121' | 'small', DensePreset> = {
  densenet121: { blocks: [6, 12, 24, 16], growth: 32, initFilters: 64, compression: 0.5, dropout: 0 },
  small: { blocks: [2, 4, 6, 4], growth: 12, initFilters: 24, compression: 0.5, dropout: 0 },
};

/** Published tables a report can be compared with (shared/reference/). */
export const REFERENCE_TABLES = ['taleb2020-table1'];

/** Sane limits (#17.7), shared with the graph loader: core/geometry.ts. */
export { LIMITS } from '../core/geometry.js';

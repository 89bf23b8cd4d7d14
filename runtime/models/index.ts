// Public surface of runtime/models.
export { buildEncoder, buildSegmenter, buildClassifier, bottleneckModel, unetPreset, presets } from './unet.js';
export type { Encoder, UnetSpec, DenseNetSpec, UnetPresetName, ClassifierOptions } from './unet.js';
export { buildDenseNet, densenetPresets } from './densenet.js';
export type { DenseNetPresetName } from './densenet.js';
export { denseHead, denseHeadOn, globalPool, flatten } from './heads.js';
export type { DenseHeadOptions } from './heads.js';
export {
  saveWeights, loadWeights, saveTensors, loadTensors, assignWeights, namedWeights, transferEncoder, adaptKernel, countParams, fileIOHandler, WEIGHTS_FORMAT,
} from './weights.js';
export type { WeightsManifest, WeightEntry, StoredTensor, LoadOptions, LoadReport, TransferOptions, TransferReport, ChannelAdapter, ParamCount } from './weights.js';
export { SeededDropout, BatchNorm, InstanceNorm, UpSampling, ConvTranspose, GlobalAvgPool, setTrainingClock, getTrainingClock, dropoutMask } from './layers.js';

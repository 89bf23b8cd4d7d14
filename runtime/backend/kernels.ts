// Kernel functions of the 'native' backend that call the C++ addon.

import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './addon.js';

export function nativeKernels(addon: NativeAddon): tf.KernelConfig[] {
  void addon;
  return [];
}

// The compiler's trainable-parameter estimate for pretraining (compiler/cost.ts) equals the
// parameter count of the model the runtime really builds (runtime/tasks createTask(...).build):
// encoder + every task head, for each task, 3D and 2D, paper and authors'-code variants.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PretrainNode } from '../../core/graph.js';
import { buildEncoder } from '../../runtime/models/unet.js';
import { countParams } from '../../runtime/models/weights.js';
import { createTask } from '../../runtime/tasks/tasks.js';
import { compileText, program } from './helpers.js';

const pretexts: Record<string, string> = {
  rot3d: 'rotation { data = corpus, encoder = tiny, head-hidden = 24, copies = 2 }',
  rpl3d: 'rpl { data = corpus, encoder = tiny, grid = 3, jitter = 1 voxels, head-hidden = 20 }',
  jig3d: 'jigsaw { data = corpus, encoder = tiny, grid = 3, jitter = 1 voxels, permutations = 12, head-hidden = 20 }',
  cpc3d: 'cpc { data = corpus, encoder = tiny, grid = 4, patch = 8 voxels, code-size = 12, context-size = 6, predict-terms = 2, head-hidden = 10 }',
  cpc3a: 'cpc { data = corpus, encoder = tiny, code-size = 12, context-size = 6, head-hidden = 10, variant = authors-code, label = "cpc-a" }',
  exe3d: 'exemplar { data = corpus, encoder = tiny, code-size = 16, head-hidden = 12 }',
  exe3a: 'exemplar { data = corpus, encoder = tiny, code-size = 16, head-hidden = 12, variant = authors-code, label = "exe-a" }',
  jig3a: 'jigsaw { data = corpus, encoder = tiny, grid = 3, jitter = 1 voxels, head-hidden = 20, variant = authors-code, label = "jig-a" }',
  // a bottleneck of 32³ × 16 values is average-pooled rather than flattened
  rotgap: 'rotation { data = corpus, encoder = wide, head-hidden = 8, label = "rot-gap" }',
  rot2d: 'rotation { data = corpus, encoder = flat, head-hidden = 24, slices { axis = axial, per-volume = 2 } }',
  rpl2d: 'rpl { data = corpus, encoder = flat, grid = 3, jitter = 1 voxels, head-hidden = 20, slices { axis = axial, per-volume = 2 } }',
  jig2d: 'jigsaw { data = corpus, encoder = flat, grid = 3, jitter = 1 voxels, permutations = 12, head-hidden = 20, slices { axis = axial, per-volume = 2 } }',
  cpc2d: 'cpc { data = corpus, encoder = flat, grid = 4, patch = 8 voxels, code-size = 12, context-size = 6, predict-terms = 1, head-hidden = 10, slices { axis = axial, per-volume = 2 } }',
  exe2d: 'exemplar { data = corpus, encoder = flat, code-size = 16, head-hidden = 12, slices { axis = axial, per-volume = 2 } }',
};

function pretrainNodes(): PretrainNode[] {
  const names = Object.keys(pretexts);
  const text = program({
    encoder: 'encoder tiny = unet3d { levels = 2, filters = [4, 8] }\nencoder flat = unet2d { levels = 2, filters = [4, 8], block = residual }\nencoder wide = unet3d { levels = 1, filters = [16] }',
    pretext: names.map((n) => `pretext ${n} = ${pretexts[n]}`).join('\n'),
    finetune: 'finetune seg = segmentation { data = lab, arms = [frozen], train { epochs = 2 } }',
    sweep: `sweep s { methods = [${names.join(', ')}], finetune = seg, evaluate = ev }`,
  });
  const r = compileText(text);
  expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return r.graph!.nodes.filter((n): n is PretrainNode => n.kind === 'pretrain');
}

describe('pretraining cost: trainable parameters', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('matches the model the runtime builds, for every task and variant', () => {
    const nodes = pretrainNodes();
    expect(nodes.map((n) => n.params.pretext.name).sort()).toEqual(Object.keys(pretexts).sort());
    for (const n of nodes) {
      const { pretext, encoder, inputShape } = n.params;
      const before = tf.memory().numTensors;
      const task = createTask(pretext, encoder, inputShape, 7);
      const enc = buildEncoder(encoder, task.encoderInputShape, 7);
      const model = task.build(enc, 7);
      const real = countParams(model.holder).trainable;
      expect(n.cost?.trainableParams, `${pretext.name} (${pretext.task} ${pretext.dim}D ${pretext.variant})`).toBe(real);
      model.holder.dispose(); // owns the encoder's and the heads' weights
      expect(tf.memory().numTensors, `${pretext.name} leaks`).toBeLessThanOrEqual(before);
    }
  });
});

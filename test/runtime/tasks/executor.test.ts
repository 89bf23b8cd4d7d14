// Through the real compiler and executor: every 3D pretext task (and a 2D one on slices) is
// compiled from .ssl, pretrained by pretrainHandler, and its encoder is loaded by the fine-tuning
// node (2 → 4 channels with the duplicate adapter), which then trains and is evaluated.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../../compiler/index.js';
import { selectBackend } from '../../../runtime/backend/index.js';
import type { RunEvent } from '../../../runtime/events.js';
import { defaultHandlers } from '../../../cli/handlers.js';
import { runGraph } from '../../../runtime/executor/executor.js';
import { readTaskArtifact } from '../../../runtime/tasks/artifact.js';

const SOURCE = `
experiment tasks_exec { seed = 3, backend = auto }
dataset corpus = phantom3d { anatomy = brain, cases = 6, channels = 2, size = 16x16x16, labelled = false }
dataset tumours = phantom3d {
  anatomy = brain, cases = 6, channels = 4, size = 16x16x16
  split { val = 20%, test = 20% }
  regions { WT = [1, 2, 4] }
}
encoder tiny = unet3d { levels = 2, filters = [4, 8] }
encoder tiny2 = unet2d { levels = 2, filters = [4, 8] }
pretext cpc3d = cpc { data = corpus, encoder = tiny, negatives = 4, code-size = 16, context-size = 8, head-hidden = 8, train { epochs = 1, batch = 2, steps = 1 } }
pretext rpl3d = rpl { data = corpus, encoder = tiny, jitter = 1 voxels, head-hidden = 8, train { epochs = 1, batch = 2, steps = 1 } }
pretext jig3d = jigsaw { data = corpus, encoder = tiny, jitter = 1 voxels, permutations = 10, head-hidden = 8, train { epochs = 1, batch = 2, steps = 1 } }
pretext rot3d = rotation { data = corpus, encoder = tiny, head-hidden = 8, train { epochs = 1, batch = 2, steps = 1 } }
pretext exe3d = exemplar { data = corpus, encoder = tiny, code-size = 8, head-hidden = 8, train { epochs = 1, batch = 2, steps = 1 } }
pretext rot2d = rotation { data = corpus, encoder = tiny2, slices { axis = axial, per-volume = 2 }, head-hidden = 8, train { epochs = 1, batch = 2, steps = 1 } }
finetune seg = segmentation { data = tumours, arms = [finetune], warmup = 1 epochs, adapter = duplicate, loss = dice, train { epochs = 2, batch = 2, steps = 1 } }
evaluate protocol { fractions = [100%], repetitions = 1, metrics = [dice.WT] }
sweep main { methods = [cpc3d, rpl3d, jig3d, rot3d, exe3d, rot2d], finetune = seg, evaluate = protocol }
`;

describe('pretext tasks through the compiler and the executor', () => {
  it('pretrains all five 3D tasks and a 2D one; fine-tuning loads every encoder', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ssl3d-tasks-exec-'));
    try {
      const file = path.join(dir, 'tasks.ssl');
      writeFileSync(file, SOURCE);
      const compiled = compileSource(SOURCE, file);
      expect(compiled.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`)).toEqual([]);
      const graph = compiled.graph!;
      const backend = await selectBackend('auto', { quiet: true });
      const events: RunEvent[] = [];
      const result = await runGraph({
        graph, cacheDir: path.join(dir, 'cache'), baseDir: dir, handlers: defaultHandlers,
        emit: (e) => events.push({ ...e, t: Date.now() } as RunEvent), signal: new AbortController().signal,
        runId: 'tasks-exec', backend,
      });
      const errors = events.filter((e) => e.type === 'error').map((e) => (e.type === 'error' ? `${e.node}: ${e.code} ${e.message}` : ''));
      expect(errors).toEqual([]);
      expect(result.status).toBe('ok');
      const pretrain = graph.nodes.filter((n) => n.kind === 'pretrain');
      expect(pretrain.map((n) => n.id).sort()).toEqual(['cpc3d', 'exe3d', 'jig3d', 'rot2d', 'rot3d', 'rpl3d'].map((x) => `pretrain:${x}`).sort());
      for (const n of pretrain) {
        expect(result.nodes[n.id]).toBe('ok');
        const art = await readTaskArtifact(result.dirs[n.id]!);
        expect(art.channels).toBe(2);
        expect(Number.isFinite(art.final.loss)).toBe(true);
      }
      const finetune = graph.nodes.filter((n) => n.kind === 'finetune');
      expect(finetune.length).toBe(6);
      for (const n of finetune) {
        expect(result.nodes[n.id]).toBe('ok');
        // the 2 → 4 channel adapter ran on the pretrained first convolution (3D encoders)
        if (!n.id.includes('rot2d')) {
          expect(events.some((e) => e.type === 'info' && e.node === n.id && /adapted/.test(e.message))).toBe(true);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

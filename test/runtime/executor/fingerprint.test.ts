// Cache keys follow the data files: editing a NIfTI file changes the hash of its data node and of
// everything downstream, while nodes that do not depend on it (and phantom datasets) keep theirs.
import { copyFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFile } from '../../../compiler/index.js';
import type { ExecutionGraph } from '../../../core/graph.js';
import { bindDataInputs } from '../../../runtime/executor/fingerprint.js';
import { colinCases, writeGlobLayout } from '../../qa/layouts.js';

const SOURCE = `
experiment fp { seed = 3 }
dataset corpus = nifti {
  images = ["glob/img/*/T1.nii.gz", "glob/img/*/FLAIR.nii.gz"]
  preprocess { resize = 16x16x16 }
}
dataset tumours = phantom3d { anatomy = brain, cases = 12, channels = 2, size = 16x16x16, regions { WT = [1, 2, 4] } }
encoder tiny = unet3d { preset = small }
pretext rot = rotation { data = corpus, encoder = tiny, head-hidden = 8, train { epochs = 1, batch = 2, steps = 1 } }
finetune seg = segmentation { data = tumours, arms = [scratch, finetune], warmup = 1 epoch, train { epochs = 2, batch = 2, steps = 1 } }
evaluate protocol { fractions = [100%], repetitions = 1, metrics = [dice.WT] }
sweep main { methods = [rot, scratch], finetune = seg, evaluate = protocol }
`;

let dir = '';
let graph: ExecutionGraph;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ssl3d-fingerprint-'));
  await writeGlobLayout(join(dir, 'glob'), await colinCases(3, 8));
  writeFileSync(join(dir, 'fp.ssl'), SOURCE);
  const result = compileFile(join(dir, 'fp.ssl'));
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  graph = result.graph!;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hashes = (g: ExecutionGraph): Record<string, string> => Object.fromEntries(g.nodes.map((n) => [n.id, n.hash]));

describe('bindDataInputs', () => {
  it('is stable while the files are unchanged, and leaves phantom-only branches alone', async () => {
    const a = hashes(await bindDataInputs(graph, dir));
    expect(hashes(await bindDataInputs(graph, dir))).toEqual(a);
    const compiled = hashes(graph);
    expect(a['data:corpus']).not.toBe(compiled['data:corpus']);
    expect(a['pretrain:rot']).not.toBe(compiled['pretrain:rot']);
    expect(a['data:tumours']).toBe(compiled['data:tumours']);
    const scratchIds = graph.nodes.filter((n) => n.id.includes('scratch')).map((n) => n.id);
    expect(scratchIds.length).toBeGreaterThan(0);
    for (const id of scratchIds) expect(a[id]).toBe(compiled[id]);
  });

  it('an edited input file changes the data node and everything downstream of it only', async () => {
    const before = hashes(await bindDataInputs(graph, dir));
    copyFileSync(join(dir, 'glob/img/case001/T1.nii.gz'), join(dir, 'glob/img/case000/T1.nii.gz'));
    utimesSync(join(dir, 'glob/img/case000/T1.nii.gz'), new Date(), new Date(Date.now() + 7000));
    const after = hashes(await bindDataInputs(graph, dir));
    const downstream = graph.nodes.filter((n) => n.id === 'data:corpus' || n.id.includes('rot')).map((n) => n.id);
    expect(downstream).toContain('pretrain:rot');
    for (const id of Object.keys(before)) {
      if (downstream.includes(id)) expect(after[id], id).not.toBe(before[id]);
      else if (!graph.nodes.find((n) => n.id === id)!.kind.startsWith('report')) expect(after[id], id).toBe(before[id]);
    }
  });
});

// QA scenarios 1 and 6: real NIfTI (Colin27 fixture crops) in BraTS, MSD (4D) and nnU-Net layouts,
// through the real CLI — check --data, pretrain → finetune → evaluate → report — then the same run
// in fresh caches (same seed: identical metrics; other seed: different).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNifti } from '../../runtime/data/nifti.js';
import { colinCases, writeBratsLayout, writeDecathlonLayout, writeGlobLayout, writeNnunetLayout } from './layouts.js';

const env = { ...process.env, SSL3D_FROM_SOURCE: '1', NO_COLOR: '1', CI: '1' };
const cli = (args: string[]) => spawnSync(process.execPath, ['bin/ssl3d.js', ...args], { encoding: 'utf8', env, timeout: 120_000 });
const STACK = /^\s+at .+(\(|:\d+:\d+)/m;

const EXPERIMENT = `
experiment qa_brats { seed = 7 }
dataset brats = brats {
  root = "data/brats"
  // crop + resize: predictions must still come back on the 16³ grid of the input files
  preprocess { crop { threshold = 40, margin = 1 voxel }, resize = 12x12x12, normalize = zscore }
  split { val = 15%, test = 25% }
}
dataset corpus = nifti {
  images = ["data/glob/img/*/T1.nii.gz", "data/glob/img/*/FLAIR.nii.gz"], channel-names = [t1, flair]
  preprocess { resize = 16x16x16 }
}
dataset msd = decathlon { root = "data/msd", channels = 2, classes = [0, 1, 2], preprocess { resize = 16x16x16 } }
dataset nnu = nnunet { root = "data/nnunet", channels = [0, 1], classes = [0, 1], preprocess { resize = 16x16x16 } }
encoder tiny = unet3d { preset = small }
pretext rot = rotation { data = corpus, encoder = tiny, head-hidden = 16, train { epochs = 1, batch = 2, steps = 2 } }
// not swept: their data nodes still load (and verify) the MSD 4D and nnU-Net trees
pretext rot_msd = rotation { data = msd, encoder = tiny, head-hidden = 8, train { epochs = 1, batch = 2, steps = 1 } }
pretext rot_nnu = rotation { data = nnu, encoder = tiny, head-hidden = 8, train { epochs = 1, batch = 2, steps = 1 } }
finetune seg = segmentation {
  data = brats, arms = [scratch, finetune], warmup = 1 epoch, adapter = duplicate
  train { epochs = 2, batch = 2, steps = 2, lr = 1e-3 }
}
evaluate protocol { fractions = [100%], metrics = [dice.WT, dice.TC, dice.ET, hd95.WT] }
sweep main { methods = [rot, scratch], finetune = seg, evaluate = protocol }
report r { table regions { rows = method, columns = region, reference = taleb2020-table1 }  formats = [md, csv] }
`;

let dir = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ssl3d-qa-real-'));
  const cases = await colinCases(8, 16);
  await writeBratsLayout(join(dir, 'data', 'brats'), cases);
  await writeGlobLayout(join(dir, 'data', 'glob'), cases);
  await writeDecathlonLayout(join(dir, 'data', 'msd'), cases);
  await writeNnunetLayout(join(dir, 'data', 'nnunet'), cases);
  writeFileSync(join(dir, 'exp.ssl'), EXPERIMENT);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every evaluate node's metrics.json in a cache, by file content (sorted). */
function allMetrics(cache: string): string[] {
  const nodes = join(cache, 'nodes');
  return readdirSync(nodes)
    .filter((h) => existsSync(join(nodes, h, 'metrics.json')))
    .map((h) => readFileSync(join(nodes, h, 'metrics.json'), 'utf8'))
    .sort();
}

describe('QA: real NIfTI layouts end to end', () => {
  it('check --data accepts the BraTS, nifti-glob, MSD 4D and nnU-Net trees', () => {
    const r = cli(['check', '--data', join(dir, 'exp.ssl')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('runs pretrain → finetune → evaluate → report; predicted masks are on the input image grid (shape, affine); metrics are sane', async () => {
    const cache = join(dir, 'cache-a');
    const r = cli(['run', join(dir, 'exp.ssl'), '--cache', cache, '--ui', 'plain']);
    expect(r.stdout + r.stderr).not.toMatch(STACK);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // predicted masks: NIfTI in scanner space, same grid and affine as the reference segmentation
    const nodes = join(cache, 'nodes');
    const preds = readdirSync(nodes).flatMap((h) => (existsSync(join(nodes, h, 'pred')) ? readdirSync(join(nodes, h, 'pred')).map((f) => join(nodes, h, 'pred', f)) : []));
    expect(preds.length).toBe(4); // 2 test cases × 2 methods
    for (const p of preds) {
      const id = p.split('/').pop()!.replace('.nii.gz', '');
      const sub = readdirSync(join(dir, 'data', 'brats', 'HGG')).includes(id) ? 'HGG' : 'LGG';
      const ref = await readNifti(join(dir, 'data', 'brats', sub, id, `${id}_seg.nii.gz`));
      const pred = await readNifti(p);
      expect(pred.shape).toEqual(ref.shape);
      expect(pred.spacing).toEqual(ref.spacing);
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(pred.affine[i]![j]).toBeCloseTo(ref.affine[i]![j]!, 4);
      for (const v of new Set(pred.data)) expect([0, 1, 2, 4]).toContain(v);
      // the test metric is computed on this original grid (#12.2): Dice WT by hand from the two files
      const m = JSON.parse(readFileSync(join(p, '..', '..', 'metrics.json'), 'utf8')) as { grid: string; perCase: Array<{ id: string; values: Record<string, number> }> };
      expect(m.grid).toBe('original');
      let inter = 0, sum = 0;
      for (let i = 0; i < ref.data.length; i++) {
        const a = ref.data[i]! > 0, b = pred.data[i]! > 0;
        if (a && b) inter++;
        sum += (a ? 1 : 0) + (b ? 1 : 0);
      }
      const want = m.perCase.find((c) => c.id === id)!.values['dice_WT']!;
      if (sum > 0) expect(want).toBeCloseTo((2 * inter) / sum, 6);
    }
    for (const m of allMetrics(cache).map((t) => JSON.parse(t) as { aggregate: Record<string, number>; testCases: number })) {
      expect(m.testCases).toBe(2);
      for (const k of ['dice_WT', 'dice_TC', 'dice_ET']) expect(m.aggregate[k]).toBeGreaterThanOrEqual(0), expect(m.aggregate[k]).toBeLessThanOrEqual(1);
      expect(m.aggregate.hd95_WT).toBeGreaterThanOrEqual(0);
    }
    // the report: every declared metric, units, and an honest comparison with the paper
    expect(r.stdout).toContain('HD95 WT (mm)');
    expect(r.stdout).toContain('DIFFERENT DATA');
    expect(r.stdout).toContain('not the 66 BraTS 2018 validation cases');
    expect(r.stdout).not.toContain('? cases');
  });

  it('same seed in a fresh cache → identical metrics; another seed → different', () => {
    const a = join(dir, 'cache-a');
    const b = join(dir, 'cache-b');
    const c = join(dir, 'cache-c');
    expect(cli(['run', join(dir, 'exp.ssl'), '--cache', b, '--ui', 'plain', '--no-report']).status).toBe(0);
    // (also: 10% of 5 training cases rounds up to 1 case, which must be said, not silent)
    const rc = cli(['run', join(dir, 'exp.ssl'), '--cache', c, '--ui', 'plain', '--no-report', '--set', 'experiment.seed=8', '--set', 'protocol.fractions=[10%, 100%]']);
    expect(rc.status, rc.stdout.slice(-2000)).toBe(0);
    expect(rc.stdout).toMatch(/warning finetune:scratch\/scratch\/10%\/r0: 10% of 5 training cases is less than one case; training on 1 case/);
    expect(allMetrics(b)).toEqual(allMetrics(a));
    const other = allMetrics(c);
    expect(other.length).toBe(4);
    for (const m of allMetrics(a)) expect(other).not.toContain(m);
  });
});

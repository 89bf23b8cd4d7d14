// QA scenario 5: every pretext task — 3D and 2D (on slices), paper and authors-code variants — runs
// through `ssl3d run` at tiny size, its encoder transfers into fine-tuning with a 2 → 4 channel
// adapter, and `ssl3d report` rebuilds the tables and figures from the record without training.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const env = { ...process.env, SSL3D_FROM_SOURCE: '1', NO_COLOR: '1', CI: '1' };
const cli = (args: string[]) => spawnSync(process.execPath, ['bin/ssl3d.js', ...args], { encoding: 'utf8', env, timeout: 180_000 });

const T = 'head-hidden = 8, train { epochs = 1, batch = 2, steps = 1 }';
const S = 'slices { axis = axial, per-volume = 2 }';
const METHODS: Array<[string, string, string]> = [
  ['cpc3', '3D-CPC', `cpc { data = corpus, encoder = e3, code-size = 16, context-size = 8, grid = 3, patch = 4, predict-terms = 1, ${T} }`],
  ['cpc3a', '3D-CPC (authors)', `cpc { label = "3D-CPC (authors)", variant = authors-code, data = corpus, encoder = e3, code-size = 16, context-size = 8, grid = 4, patch = 4, ${T} }`],
  ['rpl3', '3D-RPL', `rpl { data = corpus, encoder = e3, jitter = 0, ${T} }`],
  ['jig3', '3D-Jigsaw', `jigsaw { data = corpus, encoder = e3, jitter = 0, permutations = 10, ${T} }`],
  ['jig3a', '3D-Jigsaw (authors)', `jigsaw { label = "3D-Jigsaw (authors)", variant = authors-code, data = corpus, encoder = e3, jitter = 0, permutations = 10, ${T} }`],
  ['rot3', '3D-Rotation', `rotation { data = corpus, encoder = e3, ${T} }`],
  ['rot3b', '3D-Rotation (bug)', `rotation { label = "3D-Rotation (bug)", variant = authors-code-bug, data = corpus, encoder = e3, ${T} }`],
  ['ex3', '3D-Exemplar', `exemplar { data = corpus, encoder = e3, code-size = 16, ${T} }`],
  ['ex3a', '3D-Exemplar (authors)', `exemplar { label = "3D-Exemplar (authors)", variant = authors-code, data = corpus, encoder = e3, code-size = 16, ${T} }`],
  ['cpc2', '2D-CPC', `cpc { data = corpus, encoder = e2, ${S}, code-size = 16, context-size = 8, grid = 3, patch = 8, overlap = 50%, predict-terms = 1, ${T} }`],
  ['rpl2', '2D-RPL', `rpl { data = corpus, encoder = e2, ${S}, jitter = 0, ${T} }`],
  ['jig2', '2D-Jigsaw', `jigsaw { data = corpus, encoder = e2, ${S}, jitter = 0, permutations = 10, ${T} }`],
  ['rot2', '2D-Rotation', `rotation { data = corpus, encoder = e2, ${S}, ${T} }`],
  ['ex2', '2D-Exemplar', `exemplar { data = corpus, encoder = e2, ${S}, code-size = 16, ${T} }`],
];

const EXPERIMENT = [
  'experiment qa_tasks { seed = 11 }',
  'dataset corpus = phantom3d { anatomy = brain, cases = 6, channels = 2, size = 16x16x16, labelled = false }',
  'dataset tumours = phantom3d { anatomy = brain, cases = 8, channels = 4, size = 16x16x16, split { val = 15%, test = 25% } }',
  'encoder e3 = unet3d { preset = small, levels = 2, filters = 4 }',
  'encoder e2 = unet2d { preset = small, levels = 2, filters = 4 }',
  ...METHODS.map(([n, , d]) => `pretext ${n} = ${d}`),
  'finetune seg = segmentation { data = tumours, encoder = e3, arms = [scratch, finetune], warmup = 1 epoch, adapter = duplicate, train { epochs = 2, batch = 2, steps = 1 } }',
  'evaluate ev { fractions = [100%], metrics = [dice.WT] }',
  `sweep s { methods = [${METHODS.map(([n]) => n).join(', ')}, scratch], finetune = seg, evaluate = ev }`,
  'report r { table t { rows = method, columns = region }  plot c { kind = convergence }  formats = [md, csv, svg] }',
].join('\n');

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ssl3d-qa-tasks-'));
  writeFileSync(join(dir, 'exp.ssl'), EXPERIMENT + '\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('QA: all pretext tasks end to end', () => {
  it('every task and variant pretrains, transfers (2 → 4 channels) and is evaluated; report rebuilds without training', () => {
    const cache = join(dir, 'cache');
    const r = cli(['run', join(dir, 'exp.ssl'), '--cache', cache, '--ui', 'plain']);
    expect(r.status, r.stdout.slice(-3000) + r.stderr).toBe(0);
    for (const [n, label] of METHODS) {
      expect(r.stdout).toContain(`done pretrain:${n} `);
      expect(r.stdout).toMatch(new RegExp(`finetune:${n}/finetune/100%/r0: first convolution adapted .*→ .*\\(duplicate, by name: t1 ← t1, t1ce ← t1, t2 ← flair, flair ← flair\\)`));
      expect(r.stdout).toContain(`| ${label} | `);
    }
    const rep = cli(['report', join(dir, 'exp.ssl'), '--cache', cache, '--out', join(dir, 'rebuilt'), '--quiet']);
    expect(rep.status, rep.stderr).toBe(0);
    expect(rep.stdout + rep.stderr).not.toMatch(/epoch|start (pretrain|finetune)/);
    expect(readdirSync(join(dir, 'rebuilt')).sort()).toEqual(['figure-c.svg', 'per-case.csv', 'report.md', 'table-t.csv', 'table-t.md']);
    expect(existsSync(join(dir, 'rebuilt', 'figure-c.svg'))).toBe(true);
  });
});

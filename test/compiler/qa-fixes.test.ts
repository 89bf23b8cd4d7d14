// Fixes for the compiler findings of the QA pass (a new user's first hour): each test is one
// finding, reproduced on a small program.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FinetuneNode } from '../../core/graph.js';
import { compileText, program } from './helpers.js';
import { regionSuggestion } from '../../cli/commands/check.js';
import type { DataNode as DatasetNode } from '../../core/graph.js';

const P = [
  'experiment x { seed = 1 }',
  'dataset corpus = phantom3d { anatomy = brain, cases = 8, channels = 2, size = 24x24x24, labelled = false }',
  'encoder e = unet3d { preset = small }',
].join('\n');

function diags(text: string): Array<{ code: string; message: string; hint: string | undefined; line: number }> {
  return compileText(text).diagnostics.map((d) => ({ code: d.code, message: d.message, hint: d.hint, line: d.span.startLine }));
}

describe('QA findings (compiler)', () => {
  it('1: a training key at the top of a block points into the train block', () => {
    const r = diags(`${P}\npretext r = rotation { data = corpus, encoder = e, epochs = 3, batch = 2 }`);
    expect(r.map((d) => d.code)).toEqual(['SSL023', 'SSL023']);
    expect(r[0]!.hint).toBe("'epochs' belongs in the train block: train { epochs = 3 }");
    expect(r[1]!.hint).toBe("'batch' belongs in the train block: train { batch = 2 }");
    const ds = diags(`${P}\ndataset d = phantom3d { cases = 4, size = 24x24x24, resize = 16x16x16 }`);
    expect(ds.find((d) => d.code === 'SSL023')?.hint).toBe("'resize' belongs in the preprocess block: preprocess { resize = … }");
    // a plain misspelling still gets "did you mean"
    expect(diags(`${P}\npretext r = rotation { data = corpus, encoder = e, copis = 2 }`)[0]!.hint).toBe("did you mean 'copies'?");
  });

  it('2: a misspelt optimiser gets a suggestion (adamw → adam with weight decay)', () => {
    const a = diags(`${P}\npretext r = rotation { data = corpus, encoder = e, train { optimizer = adamw } }`);
    expect(a.map((d) => d.code)).toEqual(['SSL025']);
    expect(a[0]!.hint).toContain("did you mean 'adam'?");
    expect(a[0]!.hint).toContain('weight-decay');
    expect(diags(`${P}\npretext r = rotation { data = corpus, encoder = e, train { optimizer = sgdd } }`)[0]!.hint).toBe("did you mean 'sgd'?");
  });

  it('3: a malformed size or number gives its syntax error only, no schema error on top', () => {
    expect(diags(`${P}\ndataset d2 = phantom3d { cases = 4, size = 24x24x }`).map((d) => d.code)).toEqual(['SSL007']);
    expect(diags(`${P}\ndataset d2 = phantom3d { cases = 4, size = 24x24x24, preprocess { crop { threshold = 1e } } }`).map((d) => d.code)).toEqual(['SSL006']);
  });

  it('4: paper and authors-code variants of a task get distinct default labels', () => {
    const r = compileText(
      program({
        pretext: 'pretext jig = jigsaw { data = corpus, encoder = tiny, grid = 3, jitter = 1 voxels, permutations = 10 }\npretext jiga = jigsaw { data = corpus, encoder = tiny, grid = 3, jitter = 1 voxels, variant = authors-code }',
        sweep: 'sweep s { methods = [jig, jiga, scratch], finetune = seg, evaluate = ev }',
      }),
    );
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const methods = new Set(r.graph!.nodes.filter((n): n is FinetuneNode => n.kind === 'finetune').map((n) => n.params.method));
    expect([...methods].sort()).toEqual(['3D-Jigsaw', '3D-Jigsaw (authors-code)', 'scratch'].sort());
  });

  it('5: the even-grid hint never proposes a grid below 3', () => {
    const r = diags(`${P}\npretext j = jigsaw { data = corpus, encoder = e, grid = 2 }`);
    expect(r.find((d) => d.code === 'SSL042')?.hint).toBe('use 3');
    expect(diags(`${P}\npretext j = rpl { data = corpus, encoder = e, grid = 4 }`).find((d) => d.code === 'SSL042')?.hint).toBe('use 3 or 5');
  });

  it('9: undefined methods are reported together with an undefined finetune and evaluate', () => {
    const r = diags('experiment x { seed = 1 }\nsweep s { methods = [q, scratch], finetune = f, evaluate = v }');
    expect(r.map((d) => `${d.code} ${d.message}`)).toEqual([
      "SSL032 no pretext named 'q' is declared or imported",
      "SSL032 no finetune named 'f' is declared or imported",
      "SSL032 no evaluate named 'v' is declared or imported",
    ]);
  });

  it('6: check --data says per dataset what was verified, and prints no "ok" when the data fail', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssl3d-qa-'));
    mkdirSync(join(dir, 'imgs'));
    writeFileSync(join(dir, 'imgs', 'a.nii.gz'), 'not a nifti file');
    const exp = join(dir, 'exp.ssl');
    writeFileSync(
      exp,
      `${P}\ndataset files = nifti { images = "imgs/*.nii.gz", labels = none, preprocess { resize = 16x16x16 } }\npretext r = rotation { data = files, encoder = e, train { epochs = 2 } }\nfinetune seg = segmentation { data = lab, encoder = e, adapter = duplicate, warmup = 1 epochs, train { epochs = 3 } }\ndataset lab = phantom3d { cases = 20, channels = 2, size = 16x16x16 }\nevaluate ev { fractions = [100%] }\nsweep s { methods = [r, scratch], finetune = seg, evaluate = ev }\n`,
    );
    const run = (file: string): { status: number | null; stdout: string } => {
      const r = spawnSync(process.execPath, ['bin/ssl3d.js', 'check', '--data', file], { encoding: 'utf8', env: { ...process.env, SSL3D_FROM_SOURCE: '1', NO_COLOR: '1' } });
      return { status: r.status, stdout: r.stdout };
    };
    const bad = run(exp);
    expect(bad.status).toBe(1);
    expect(bad.stdout).not.toContain(`${exp}: ok`);
    expect(bad.stdout).toMatch(/source ok, \d+ dataset problems?/);
    expect(bad.stdout).toContain('dataset lab: 20 cases, 2 channels, 16x16x16 — ok');
    const good = run('experiments/quickstart.ssl');
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(/dataset corpus: \d+ cases, 2 channels, .* — ok/);
    expect(good.stdout).toContain('data verified');
  }, 60_000);

  it('10: check --data also verifies a declared dataset that nothing uses yet', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssl3d-qa-'));
    mkdirSync(join(dir, 'imgs'));
    writeFileSync(join(dir, 'imgs', 'a.nii.gz'), 'not a nifti file');
    const exp = join(dir, 'exp.ssl');
    writeFileSync(exp, `${program()}dataset spare = nifti { images = "imgs/*.nii.gz", labels = none, preprocess { resize = 16x16x16 } }\n`);
    const r = spawnSync(process.execPath, ['bin/ssl3d.js', 'check', '--data', exp], { encoding: 'utf8', env: { ...process.env, SSL3D_FROM_SOURCE: '1', NO_COLOR: '1' } });
    expect(r.stderr).toContain('SSL067');
    expect(r.stdout).toMatch(/dataset spare \(unused\): .*problem/);
    expect(r.status).toBe(1);
    // without --data the unused dataset is only a warning
    const plain = spawnSync(process.execPath, ['bin/ssl3d.js', 'check', exp], { encoding: 'utf8', env: { ...process.env, SSL3D_FROM_SOURCE: '1', NO_COLOR: '1' } });
    expect(plain.status).toBe(0);
  }, 60_000);

  it('7: check --data suggests region names from dataset.json (the graph itself never reads data)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssl3d-qa-'));
    mkdirSync(join(dir, 'msd'));
    mkdirSync(join(dir, 'nnu'));
    writeFileSync(join(dir, 'msd', 'dataset.json'), JSON.stringify({ labels: { '0': 'background', '1': 'pancreas', '2': 'cancer' } }));
    writeFileSync(join(dir, 'nnu', 'dataset.json'), JSON.stringify({ labels: { background: 0, brain: 1 } }));
    const spec = (text: string): DatasetNode['params']['dataset'] => {
      const r = compileText(program({ labelled: text, finetune: 'finetune seg = segmentation { data = lab, encoder = tiny, warmup = 1 epochs, train { epochs = 3 } }' }));
      const n = r.graph?.nodes.find((x): x is DatasetNode => x.kind === 'data' && x.params.dataset.name === 'lab');
      expect(n, r.diagnostics.map((d) => d.message).join('\n')).toBeDefined();
      return n!.params.dataset;
    };
    const msd = spec('dataset lab = decathlon { root = "msd", classes = [0, 1, 2], preprocess { resize = 32x32x32 } }');
    expect(Object.keys(msd.regions)).toEqual(['label1', 'label2']);
    expect(regionSuggestion(msd, dir)).toBe('regions { pancreas = [1], cancer = [2] }');
    const nnu = spec('dataset lab = nnunet { root = "nnu", classes = [0, 1], preprocess { resize = 32x32x32 } }');
    expect(regionSuggestion(nnu, dir)).toBe('regions { brain = [1] }');
    // declared names are kept; no file, no suggestion
    expect(regionSuggestion(spec('dataset lab = nnunet { root = "nnu", classes = [0, 1], regions { brain = [1] }, preprocess { resize = 32x32x32 } }'), dir)).toBeNull();
    expect(regionSuggestion(nnu, join(dir, 'elsewhere'))).toBeNull();
  });

  it('own pass: a spaced size, an unknown optimiser key and a bare-number percentage get precise messages', () => {
    const spaced = diags(`${P}\ndataset d = phantom3d { cases = 4, size = 24 x 24 x 24 }`);
    expect(spaced.map((d) => d.code)).toEqual(['SSL007']);
    expect(spaced[0]!.hint).toBe('write 24x24x24');
    const opt = diags(`${P}\npretext r = rotation { data = corpus, encoder = e, train { optimizer = adam { lr = 0.001, weight_decay = 1e-4 } } }`);
    expect(opt.map((d) => `${d.code} ${d.hint}`)).toEqual(["SSL023 did you mean 'weight-decay'?"]);
    const frac = compileText(program({ evaluate: 'evaluate ev { fractions = [10, 100%] }' })).diagnostics;
    expect(frac.map((d) => `${d.code} ${d.hint}`)).toEqual(['SSL025 write 10% (a bare number is a fraction of 1, e.g. 0.1)']);
    const one = compileText(program({ evaluate: 'evaluate ev { fractions = 10% }', sweep: 'sweep s { methods = rot, finetune = seg, evaluate = ev }' })).diagnostics;
    expect(one.map((d) => `${d.code} ${d.hint}`).sort()).toEqual(['SSL025 write a list: [10%]', 'SSL025 write a list: [rot]']);
  });
});

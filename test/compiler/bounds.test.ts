// #17.7: sizes, epochs, batch and memory are checked against sane limits (SSL077) and against the
// machine's memory (SSL078, from the cost model), before anything runs, located at the block.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/index.js';
import { trainingMemoryBytes } from '../../compiler/cost.js';
import { graphProblems } from '../../core/graph-schema.js';

const file = 'experiments/quickstart.ssl';
const text = readFileSync(join(__dirname, '..', '..', file), 'utf8');
const compile = (overrides: string[] = [], machineMemoryBytes?: number) => compileSource(text, file, { overrides, ...(machineMemoryBytes ? { machineMemoryBytes } : {}) });
const errors = (r: ReturnType<typeof compile>) => r.diagnostics.filter((d) => d.severity === 'error');

describe('sane limits (SSL077)', () => {
  it('cases and huge batches are capped by the block schemas already (SSL029, located)', () => {
    for (const set of ['tumours.cases=20000000', 'seg.train.batch=100000']) {
      const r = compile([set]);
      expect(r.graph, set).toBeNull();
      expect(errors(r).map((d) => [d.code, d.span.file]), set).toEqual([['SSL029', '--set[1]']]);
    }
  });
  it('the hostile inputs of the issue are located errors, not a run that dies with "Invalid typed array length"', () => {
    for (const [set, msg] of [
      ['corpus.size=100000x100000x100000', /size 100000x100000x100000 has a side of 100000; ssl3d takes at most 1024 per side in 3D/],
      ['rot3d.train.epochs=9007199254740993', /epochs = 9\.007e\+15 is beyond what ssl3d runs \(at most 100,000\)/],
      ['seg.train.epochs=100001', /epochs = 100001 is beyond/],
      ['seg.train.batch=5000', /batch = 5000 is beyond what ssl3d runs \(at most 4,096\)/],
      ['corpus.size=1024x1024x1024', null],
      // s6 attack: the unit form skipped the limit (1e15 steps per epoch passed check)
      ['rot3d.train.steps=1e15 steps', /steps per epoch = 1000000000000000 is beyond what ssl3d runs \(at most 1,000,000\)/],
      ['rot3d.train.steps=1000001 steps', /steps per epoch = 1000001 is beyond/],
      ['rot3d.train.steps=1000000 steps', null],
    ] as const) {
      const r = compile([set]);
      if (msg === null) {
        expect(errors(r).filter((d) => d.code === 'SSL077'), set).toEqual([]);
        continue;
      }
      expect(r.graph, set).toBeNull();
      const d = errors(r).find((x) => x.code === 'SSL077');
      expect(d, set).toBeDefined();
      expect(d!.message).toMatch(msg);
      expect(d!.span.file).toBe('--set[1]');
    }
  });
});

describe('an evaluated dataset without test cases (s6 attack)', () => {
  it('is SSL058 at its split, not a run whose every evaluation fails after training (SSL161)', () => {
    const r = compile(['tumours.split={ val = 10%, test = 0% }']);
    expect(r.graph).toBeNull();
    expect(errors(r).map((d) => [d.code, d.message, d.span.file])).toEqual([
      ['SSL058', 'dataset tumours has no test cases (test = 0% of 96 cases), but evaluate protocol tests on them', '--set[1]'],
    ]);
    expect(errors(compile(['tumours.split={ val = 10%, test = 1% }']))).toEqual([]);
  });
});

describe('a saved graph over a limit (s6 attack)', () => {
  it('is refused when loaded, so `ssl3d run graph.json` cannot bring back what check refuses', async () => {
    // before: an edited graph.json with a 100000³ phantom died with "Invalid typed array length"
    // (SSL184), 10⁹ cases generated until killed
    const { graphProblems } = await import('../../core/graph-schema.js');
    const good = compile().graph!;
    expect(graphProblems(JSON.parse(JSON.stringify(good)))).toEqual([]);
    type Json = { nodes: Array<{ kind: string; params: Record<string, Record<string, Record<string, unknown>>> }> };
    const edited = (edit: (g: Json) => void): string[] => {
      const g = JSON.parse(JSON.stringify(good)) as Json;
      edit(g);
      return graphProblems(g);
    };
    const data = (g: Json) => g.nodes.find((n) => n.kind === 'data')!.params.dataset!.source!;
    const train = (g: Json) => g.nodes.find((n) => n.kind === 'pretrain')!.params.pretext!.train as Record<string, unknown>;
    expect(edited((g) => (data(g).size = [100000, 100000, 100000]))).toEqual([expect.stringMatching(/\/source\/size = \[100000, 100000, 100000\] has a side beyond 1024$/)]);
    expect(edited((g) => (data(g).cases = 1e9))).toEqual([expect.stringMatching(/\/source\/cases = 1000000000 is beyond what ssl3d runs \(at most 10000000\)$/)]);
    expect(edited((g) => (train(g).epochs = 1e6))).toEqual([expect.stringMatching(/\/train\/epochs = 1000000 is beyond/)]);
    expect(edited((g) => ((train(g).optimizer as Record<string, unknown>).beta2 = 1))).toEqual([expect.stringMatching(/\/optimizer\/beta2 = 1 must be below 1$/)]);
  });
});

describe('class weights (s7 attack)', () => {
  it('all 0 or beyond 10^6 is refused (both trained to a NaN loss at step 1); [0, 10^6] is fine', () => {
    const two = (a: string, b: string) => compile([`seg.class-weights=[${a}, ${b}, ${b}, ${b}]`]);
    expect(errors(two('0', '0')).map((d) => [d.code, d.message])).toEqual([['SSL077', 'class-weights are all 0: the weighted loss would be 0/0 (NaN) at the first step']]);
    expect(errors(two('1e308', '1')).map((d) => [d.code, d.message])).toEqual([['SSL029', "item 1 of 'class-weights' expects a weight from 0 to 1000000; got 1e+308"]]);
    expect(errors(two('0', '1000000'))).toEqual([]);
    const g = JSON.parse(JSON.stringify(compile(['seg.class-weights=[1, 1, 1, 1]']).graph!)) as unknown;
    // every classWeights of the saved graph set to zeros (as an edited graph.json would)
    const zero = (v: unknown): void => {
      if (typeof v !== 'object' || v === null) return;
      for (const [k, x] of Object.entries(v)) if (k === 'classWeights' && Array.isArray(x)) (v as Record<string, unknown>)[k] = x.map(() => 0); else zero(x);
    };
    zero(g);
    const problems = graphProblems(g);
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) expect(p).toMatch(/\/classWeights = \[0, 0, 0, 0\] must be at most 1000000 each and not all 0$/);
  });
});

describe('jigsaw permutations (s7 attack)', () => {
  it('more than 10 000 is refused: a max-Hamming set of 10^5 ran for hours (quadratic), 10^6 died after 2.6 GB', () => {
    const jig = (n: number) => compileSource(text.replace('pretext rot3d = rotation {', `pretext rot3d = jigsaw {\n  permutations = ${n}`), file);
    // (the quickstart's geometry gives jigsaw other errors; only the permutations matter here)
    const big = errors(jig(100_000)).filter((d) => d.code === 'SSL029');
    expect(big.map((d) => [d.code, d.message])).toEqual([['SSL029', "'permutations' expects the number of permutations, 2 to 10000, e.g. 100; got 100000"]]);
    expect(errors(jig(10_000)).filter((d) => d.code === 'SSL029')).toEqual([]);
  });
});

describe('exemplar margin (s7 attack)', () => {
  it('above 10^6 is refused: margin = 1e308 gave a loss of Infinity at step 1 (float32)', () => {
    const ex = (m: string) => compileSource(text.replace('pretext rot3d = rotation {', `pretext rot3d = exemplar {\n  margin = ${m}`), file);
    expect(errors(ex('1e308')).filter((d) => d.code === 'SSL029').map((d) => d.message)).toEqual(["'margin' expects the triplet margin, above 0 and at most 1000000, e.g. 1.0; got 1e+308"]);
    expect(errors(ex('1000000')).filter((d) => d.code === 'SSL029')).toEqual([]);
  });
});

describe('Adam betas (s6 attack)', () => {
  it('beta1 or beta2 = 1 is refused (Adam would divide by 1 − 1^t = 0); just below 1 is fine', () => {
    for (const key of ['beta1', 'beta2']) {
      const r = compile([`rot3d.train.optimizer=adam { lr = 1e-3, ${key} = 1 }`]);
      expect(errors(r).map((d) => [d.code, d.message])).toEqual([['SSL029', `'${key}' expects a number in [0, 1); got 1`]]);
      expect(errors(compile([`rot3d.train.optimizer=adam { lr = 1e-3, ${key} = 0.9999 }`]))).toEqual([]);
    }
  });
});

describe("the machine's memory (SSL078)", () => {
  it('a block whose estimate exceeds the memory gets a warning at its name, with the estimate and a batch that fits', () => {
    const g = compile().graph!;
    const pre = g.nodes.find((n) => n.kind === 'pretrain')!;
    const need = trainingMemoryBytes(pre.cost!);
    const r = compile([], need - 1);
    const w = r.diagnostics.filter((d) => d.code === 'SSL078');
    expect(w.map((d) => d.severity)).toEqual(['warning']);
    expect(w[0]!.message).toMatch(/^pretext rot3d needs about [\d.]+ GB of memory to train \(activations [\d.]+ GB at batch 2, plus weights, gradients and optimiser state\), but this machine has [\d.]+ GB$/);
    expect(text.split('\n')[w[0]!.span.startLine - 1]).toContain('pretext rot3d');
    expect(w[0]!.hint).toMatch(/lower the batch \(2 → 1 would fit the estimate\)/);
    expect(r.graph).not.toBeNull(); // a warning: the estimate is a lower bound, the user decides
  });
  it('both training blocks when memory is tiny; none with enough memory or without the machine', () => {
    expect(compile([], 1e6).diagnostics.filter((d) => d.code === 'SSL078').map((d) => d.message.split(' needs')[0])).toEqual(['pretext rot3d', 'finetune seg']);
    expect(compile([], 1e12).diagnostics.filter((d) => d.code === 'SSL078')).toEqual([]);
    expect(compile().diagnostics.filter((d) => d.code === 'SSL078')).toEqual([]);
  });
  it('a size within the limits but far beyond the machine is said before anything runs', () => {
    const r = compile(['corpus.size=512x512x512', 'rot3d.train.batch=64'], 24 * 2 ** 30);
    const w = r.diagnostics.find((d) => d.code === 'SSL078');
    expect(w?.message).toMatch(/pretext rot3d needs about [\d,.]+ (GB|TB)/);
  });
});

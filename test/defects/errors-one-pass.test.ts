// Issue #16.4: every independent problem in one run. The user's reports: one missing '}' gave
// 15 "unknown key 'dataset' in experiment t" errors, and problems downstream of a bad value only
// appeared after it was fixed.
import { describe, expect, it } from 'vitest';
import { parse } from '../../grammar/index.js';
import { BASE, compileText, program } from '../compiler/helpers.js';

const errors = (text: string): string[] => compileText(text).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`);

describe('#16.4 errors in one pass', () => {
  it('one missing } is one error, closed at the next top-level declaration', () => {
    const text = program({ experiment: 'experiment t {\n  seed = 1\n' });
    const errs = errors(text);
    expect(errs).toEqual(["SSL004 unclosed '{': expected '}' before 'dataset' at line 4"]);
    // and the declarations after it are parsed as declarations
    expect(parse(text, 'x.ssl').document.declarations.map((d) => d.kind)).toEqual(['experiment', 'dataset', 'dataset', 'encoder', 'pretext', 'finetune', 'evaluate', 'sweep', 'report']);
  });

  it('a missing } and a missing ] in later declarations: two errors, and an undefined name is still found', () => {
    const text = program({
      corpus: 'dataset corpus = phantom3d { cases = 20, channels = 1, size = 32x32x32, labelled = false',
      evaluate: 'evaluate ev { fractions = [50%, 100% }',
      sweep: 'sweep s { methods = [rotx, scratch], finetune = seg, evaluate = ev }',
    });
    const errs = errors(text);
    expect(errs).toHaveLength(3);
    expect(errs).toContain("SSL004 unclosed '{': expected '}' before 'dataset' at line 3");
    expect(errs).toContain("SSL032 no pretext named 'rotx' is declared or imported");
  });

  // One mutation per declaration, each an independent problem. Any two together must report
  // exactly the union of what each reports alone: nothing hidden behind the other, nothing new.
  const MUTANTS: Array<[keyof typeof BASE, string]> = [
    ['experiment', 'experiment t { seed = 1, backend = gpuu }'],
    ['corpus', 'dataset corpus = phantom3d { cases = 0, channels = 1, size = 32x32x32, labelled = false }'],
    ['labelled', 'dataset lab = phantom3d { cases = 20, channels = 1, size = 32x32x32, split { test = 150% } }'],
    ['encoder', 'encoder tiny = unet3d { preset = smal }'],
    ['pretext', 'pretext rot = rotation { data = corpus, encoder = tinyy, train { epochs = 2 } }'],
    ['finetune', 'finetune seg = segmentation { data = lab, warmup = 5 epochs, train { epochs = 3 } }'],
    ['evaluate', 'evaluate ev { fractions = [50%, 100%], metrics = [dice.XX] }'],
    ['sweep', 'sweep s { methods = [rotx, scratch], finetune = seg, evaluate = ev }'],
    ['report', 'report r { table t { rows = method, fraction = 30% }  plot p { kind = convergence, metric = dice.YY } }'],
  ];
  it('any two independent problems are reported together, each as it is alone', () => {
    const alone = new Map(MUTANTS.map(([k, v]) => [k, errors(program({ [k]: v }))]));
    for (const [k, e] of alone) expect(e.length, `${k} alone`).toBeGreaterThan(0);
    const all = errors(program(Object.fromEntries(MUTANTS)));
    const problems: string[] = [];
    for (let i = 0; i < MUTANTS.length; i++) {
      for (let j = i + 1; j < MUTANTS.length; j++) {
        const [a, va] = MUTANTS[i]!;
        const [b, vb] = MUTANTS[j]!;
        const both = errors(program({ [a]: va, [b]: vb }));
        const want = [...alone.get(a)!, ...alone.get(b)!];
        for (const m of want) if (!both.includes(m)) problems.push(`${a}+${b}: missing ${m}`);
        for (const m of both) if (!want.includes(m)) problems.push(`${a}+${b}: extra ${m}`);
      }
    }
    expect(problems).toEqual([]);
    // all nine at once: every name and domain error of the parts that parsed
    for (const k of ['experiment', 'corpus', 'labelled', 'encoder', 'pretext', 'finetune', 'evaluate', 'sweep'] as const) {
      for (const m of alone.get(k)!) expect(all, `${k} in the all-at-once run`).toContain(m);
    }
  });
});

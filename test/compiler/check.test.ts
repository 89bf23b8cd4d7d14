// The check phase (compiler/check/): one checker per declaration kind, each call guarded, and a
// lowering that reports nothing.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHECKERS, checkExperiment, type Checkers } from '../../compiler/check/index.js';
import { Diagnostics } from '../../compiler/diag.js';
import { lowerExperiment } from '../../compiler/lower.js';
import { loadModules } from '../../compiler/modules.js';
import { PACKAGE_VERSION } from '../../core/version.js';
import { compileText, program } from './helpers.js';

function check(text: string, checkers: Checkers = CHECKERS): { diags: Diagnostics; checked: ReturnType<typeof checkExperiment> } {
  const diags = new Diagnostics();
  const loaded = loadModules('exp/main.ssl', text, () => {
    throw new Error('no imports here');
  }, diags, 'exp');
  const checked = checkExperiment(loaded.root!, loaded.modules, diags, { rootFile: 'exp/main.ssl' }, checkers);
  return { diags, checked };
}

describe('compiler/check', () => {
  it('the check phase and the lowering together give the graph compileSource gives', () => {
    const text = program();
    const { diags, checked } = check(text);
    expect(diags.list.filter((d) => d.severity === 'error')).toEqual([]);
    expect(checked?.sweeps).toHaveLength(1);
    expect(checked?.sweeps[0]!.plans.map((p) => p.method.id)).toEqual(['rot', 'scratch']);
    const graph = compileText(text).graph!;
    const lowered = lowerExperiment(checked!, { rootFile: 'exp/main.ssl', sourceHash: graph.source.hash, version: PACKAGE_VERSION });
    expect(lowered.graph).toEqual(graph);
    expect(lowered.peaks.map((p) => p.what)).toEqual(['pretext rot', 'finetune seg']);
  });

  it('a checker that throws becomes SSL099 at its declaration; the other declarations are still checked', () => {
    const text = program({ extra: 'dataset bad = phantom3d { cases = 20, size = 32x32x32, split { val = 60%, test = 50% } }' });
    const throwing: Checkers = {
      ...CHECKERS,
      encoder: () => {
        throw new Error('boom in the encoder checker');
      },
    };
    const { diags, checked } = check(text, throwing);
    expect(checked).toBeNull();
    const internal = diags.list.filter((d) => d.code === 'SSL099');
    expect(internal).toHaveLength(1);
    expect(internal[0]!.message).toBe('internal compiler error while checking encoder tiny: boom in the encoder checker');
    // located at the encoder's name, not at the top of the file
    expect(text.slice(internal[0]!.span.startOffset, internal[0]!.span.endOffset)).toBe('tiny');
    // the dataset declared after it is still checked
    expect(diags.list.some((d) => d.code === 'SSL058')).toBe(true);
  });

  it('lower.ts reports nothing: it imports no diagnostics and stays well under 500 lines', () => {
    const src = readFileSync(new URL('../../compiler/lower.ts', import.meta.url), 'utf8');
    expect(src).not.toMatch(/diag(nostics)?\.js'/);
    expect(src).not.toMatch(/\.(error|warning)\('SSL/);
    expect(src.split('\n').length).toBeLessThan(300);
  });
});

// compiler/overrides.ts on its own: `--set` rewrites the root document's AST (the compile-level
// behaviour is covered by compile.test.ts and the SSL039 golden).
import { describe, expect, it } from 'vitest';
import type { BlockValue, Declaration, Entry } from '../../grammar/ast.js';
import { Diagnostics } from '../../compiler/diag.js';
import { loadModules } from '../../compiler/modules.js';
import { applyOverrides } from '../../compiler/overrides.js';

const SRC = `experiment e { seed = 1 }
dataset d = phantom3d { cases = 8, size = 16x16x16 }
`;

function apply(overrides: string[]) {
  const diags = new Diagnostics();
  const loaded = loadModules('x.ssl', SRC, () => '', diags);
  const sources: Record<string, string> = {};
  applyOverrides(loaded.root!, overrides, diags, sources);
  const decl = (kind: string): Declaration => loaded.root!.doc.declarations.find((d) => d.kind === kind)!;
  const entry = (entries: Entry[], key: string): Entry | undefined => entries.find((e) => e.key === key);
  return { diags, sources, decl, entry };
}

describe('applyOverrides', () => {
  it('refuses a --set that would silently replace an earlier one (s6 attack); a key inside an earlier block is fine', () => {
    // before: `--set d.cases=3 --set d.cases=5` gave 5 without a word
    const twice = apply(['d.cases=3', 'dataset.d.cases=5']);
    expect(twice.diags.list.map((d) => [d.code, d.message, d.span.file, d.hint])).toEqual([['SSL039', '--set: d.cases would replace what --set[1] set', '--set[2]', 'give each key once']]);
    expect(twice.entry(twice.decl('dataset').entries, 'cases')!.value).toMatchObject({ kind: 'number', value: 3 });
    const block = apply(['d.split.val=10%', 'd.split={ val = 20% }']);
    expect(block.diags.list.map((d) => d.message)).toEqual(['--set: d.split would replace what --set[1] set (split.val)']);
    expect(apply(['d.split={ val = 20% }', 'd.split.test=10%', 'd.cases=3']).diags.list).toEqual([]);
  });

  it('replaces an existing key, adds a missing one and creates nested blocks', () => {
    const { diags, sources, decl, entry } = apply(['experiment.seed=7', 'd.cases=3', 'dataset.d.split.val=10%']);
    expect(diags.list).toEqual([]);
    expect(Object.keys(sources)).toEqual(['--set[1]', '--set[2]', '--set[3]']);
    expect(entry(decl('experiment').entries, 'seed')!.value).toMatchObject({ kind: 'number', value: 7 });
    expect(entry(decl('dataset').entries, 'cases')!.value).toMatchObject({ kind: 'number', value: 3 });
    const split = entry(decl('dataset').entries, 'split')!.value as BlockValue;
    expect(split.kind).toBe('block');
    expect(split.entries[0]!.key).toBe('val');
    // spans of the new value point into the override text, after the '='
    expect(split.entries[0]!.value.span).toMatchObject({ file: '--set[3]', startOffset: 'dataset.d.split.val='.length });
  });

  it('reports bad paths and unknown names as SSL039 with a suggestion', () => {
    const { diags } = apply(['nonsense', 'dd.cases=3', 'd=3', 'd.cases.x=1']);
    expect(diags.list.map((d) => d.code)).toEqual(['SSL039', 'SSL039', 'SSL039', 'SSL039']);
    expect(diags.list[1]!.hint).toMatch(/did you mean 'd'/);
  });
});

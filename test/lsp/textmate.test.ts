// The TextMate grammar of editors/vscode, run through vscode-textmate with the Oniguruma regex
// engine (what VS Code, GitHub and Shiki use) over the shipped experiments: a snapshot of every
// token's scopes, plus checks that the parts that matter get the right scope.
// After editing a shipped experiment, refresh the snapshots: npx vitest run test/lsp/textmate.test.ts -u
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import vsctm from 'vscode-textmate';
import oniguruma from 'vscode-oniguruma';

const repo = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const grammarPath = join(repo, 'editors', 'vscode', 'syntaxes', 'ssl3d.tmLanguage.json');
const experiments = join(repo, 'experiments');
const shipped = [
  ...readdirSync(experiments).filter((f) => f.endsWith('.ssl')),
  ...readdirSync(join(experiments, 'shared')).filter((f) => f.endsWith('.ssl')).map((f) => `shared/${f}`),
].sort();

let grammar: vsctm.IGrammar;

beforeAll(async () => {
  const require = createRequire(import.meta.url);
  const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p: string[]) => new oniguruma.OnigScanner(p), createOnigString: (s: string) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope: string) => (scope === 'source.ssl3d' ? vsctm.parseRawGrammar(readFileSync(grammarPath, 'utf8'), grammarPath) : null),
  });
  const g = await registry.loadGrammar('source.ssl3d');
  if (!g) throw new Error('grammar did not load');
  grammar = g;
});

/** One line per token: `line:col text → scopes` (the root scope left out, blanks skipped). */
function tokenize(text: string): Array<{ line: number; text: string; scopes: string[] }> {
  const out: Array<{ line: number; text: string; scopes: string[] }> = [];
  let state = vsctm.INITIAL;
  text.split('\n').forEach((line, i) => {
    const r = grammar.tokenizeLine(line, state);
    for (const t of r.tokens) {
      const piece = line.slice(t.startIndex, t.endIndex);
      if (piece.trim() === '') continue;
      out.push({ line: i + 1, text: piece, scopes: t.scopes.slice(1) });
    }
    state = r.ruleStack;
  });
  return out;
}

describe('TextMate grammar (editors/vscode)', () => {
  it.each(shipped)('tokenizes experiments/%s as in its snapshot', async (file) => {
    const tokens = tokenize(readFileSync(join(experiments, file), 'utf8'));
    const lines = tokens.map((t) => `${t.line} ${JSON.stringify(t.text)} ${t.scopes.join(' ') || '-'}`);
    await expect(lines.join('\n') + '\n').toMatchFileSnapshot(join('__snapshots__', 'textmate', file.replace('/', '_') + '.tokens'));
  });

  it('scopes declarations, keys, values, units, strings and comments', () => {
    const tokens = tokenize(
      [
        'import "shared/brain.ssl" as brain // shared data',
        'pretext rot3d = rotation {',
        '  data = brain.ukb',
        '  train { epochs = 20, steps = 12 steps, optimizer = adam { lr = 1e-3 } }',
        '  /* block',
        '     comment */ copies = 4',
        '}',
        'report paper { table regions { rows = method, fraction = 100% } formats = [md, csv] }',
        'dataset d = phantom3d { size = 24x24x24, labelled = false, images = "a/*.nii.gz" }',
      ].join('\n'),
    );
    const scopeOf = (text: string, nth = 0): string => tokens.filter((t) => t.text.trim() === text.trim())[nth]?.scopes.join(' ') ?? '(none)';
    expect(scopeOf('import')).toContain('keyword.control.import');
    expect(scopeOf('"shared/brain.ssl"')).toContain('string.quoted');
    expect(scopeOf('brain')).toContain('entity.name.namespace');
    expect(scopeOf(' shared data')).toContain('comment.line');
    expect(scopeOf('pretext')).toContain('storage.type.declaration');
    expect(scopeOf('rot3d')).toContain('entity.name.type');
    expect(scopeOf('rotation')).toContain('support.type');
    expect(scopeOf('data')).toContain('variable.other.property');
    expect(scopeOf('brain.ukb')).toContain('variable.other');
    expect(scopeOf('train')).toContain('variable.other.property');
    expect(scopeOf('20')).toContain('constant.numeric');
    expect(scopeOf('steps', 1)).toContain('keyword.other.unit');
    expect(scopeOf('adam')).toContain('support.type');
    expect(scopeOf('1e-3')).toContain('constant.numeric');
    expect(scopeOf('comment')).toContain('comment.block');
    expect(scopeOf('copies')).toContain('variable.other.property');
    expect(scopeOf('regions')).toContain('entity.name.tag');
    expect(scopeOf('100%')).toContain('constant.numeric');
    expect(scopeOf('24x24x24')).toContain('constant.numeric.size');
    expect(scopeOf('false')).toContain('constant.language.boolean');
  });
});

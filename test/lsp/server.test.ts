// The language server driven over stdio by a real LSP client (JSON-RPC framing), as an editor
// would: diagnostics, quick fixes, completion, hover, definition across an import, references,
// rename, outline, formatting, semantic tokens, and responsiveness with a 1 MB file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeAction, CompletionItem, CompletionList, Hover, Location, TextEdit, DocumentSymbol, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { format, parse } from '../../grammar/index.js';
import { startClient, type Client } from './client.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const fixtures = join(here, 'fixtures');
const repo = join(here, '..', '..');
const mainPath = join(fixtures, 'main.ssl');
const libPath = join(fixtures, 'lib.ssl');
const mainUri = pathToFileURL(mainPath).href;
const libUri = pathToFileURL(libPath).href;
const mainText = readFileSync(mainPath, 'utf8');
const libText = readFileSync(libPath, 'utf8');

/** 0-based position of the `nth` occurrence of `needle` (plus `delta` characters). */
function pos(text: string, needle: string, delta = 0, nth = 0): { line: number; character: number } {
  let at = -1;
  for (let k = 0; k <= nth; k++) at = text.indexOf(needle, at + 1);
  if (at < 0) throw new Error(`'${needle}' not in text`);
  const before = text.slice(0, at + delta);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - (before.lastIndexOf('\n') + 1) };
}

function labels(r: CompletionItem[] | CompletionList | null): string[] {
  const items = Array.isArray(r) ? r : (r?.items ?? []);
  return items.map((i) => i.label);
}

function hoverText(h: Hover | null): string {
  if (!h) return '';
  const c = h.contents;
  return typeof c === 'string' ? c : 'value' in c ? c.value : c.map((x) => (typeof x === 'string' ? x : x.value)).join('\n');
}

let client: Client;

beforeAll(async () => {
  client = await startClient(fixtures);
});

afterAll(async () => {
  await client?.close();
});

describe('ssl3d lsp --stdio', () => {
  it('reports a typo at its exact position, offers the did-you-mean fix, and clears it after the fix', async () => {
    const bad = mainText.replace('train { epochs = 2, batch = 2 }', 'train { epochz = 2, batch = 2 }');
    const first = client.diagnostics(mainUri, (p) => p.version === 1);
    client.open(libUri, libText);
    client.open(mainUri, bad, 1);
    const got = await first;
    expect(got.diagnostics.length).toBe(1);
    const d = got.diagnostics[0]!;
    const at = pos(bad, 'epochz');
    expect(d.range.start).toEqual(at);
    expect(d.range.end).toEqual({ line: at.line, character: at.character + 'epochz'.length });
    expect(d.source).toBe('ssl3d');
    expect(String(d.code)).toMatch(/^SSL\d+$/);
    expect(d.message).toMatch(/did you mean 'epochs'/);

    const actions = (await client.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: mainUri },
      range: d.range,
      context: { diagnostics: [d] },
    })) as CodeAction[];
    expect(actions.map((a) => a.title)).toContain("Change to 'epochs'");
    const edit = actions[0]!.edit!.changes![mainUri]![0]!;
    expect(edit.newText).toBe('epochs');
    expect(edit.range).toEqual(d.range);

    // apply the fix as an incremental change
    const cleared = client.diagnostics(mainUri, (p) => p.version === 2);
    await client.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: mainUri, version: 2 },
      contentChanges: [{ range: d.range, text: 'epochs' }],
    });
    expect((await cleared).diagnostics).toEqual([]);
  });

  it('reports problems of an imported file that is not open under that file, and clears them', async () => {
    const brokenPath = join(fixtures, 'broken-lib.ssl');
    const brokenUri = pathToFileURL(brokenPath).href;
    const brokenText = readFileSync(brokenPath, 'utf8');
    const uri = pathToFileURL(join(fixtures, 'uses-broken.ssl')).href;
    const text = 'import "broken-lib.ssl"\n\nexperiment uses { seed = 1 }\n';
    const inLib = client.diagnostics(brokenUri, (p) => p.diagnostics.length > 0);
    client.open(uri, text);
    const got = await inLib;
    expect(got.diagnostics.map((d) => d.range.start)).toEqual([pos(brokenText, 'levles')]);
    expect(got.diagnostics[0]!.message).toMatch(/did you mean 'levels'/);
    const cleared = client.diagnostics(brokenUri, (p) => p.diagnostics.length === 0);
    await client.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
    await cleared;
  });

  it('completes the keys of a train { } block, with their types', async () => {
    const p = pos(mainText, 'train { epochs', 'train { '.length);
    const r = (await client.conn.sendRequest('textDocument/completion', { textDocument: { uri: mainUri }, position: p })) as CompletionItem[];
    const ls = labels(r);
    for (const k of ['steps', 'optimizer', 'lr', 'on-nan']) expect(ls).toContain(k);
    expect(ls).not.toContain('data');
    const steps = r.find((i) => i.label === 'steps')!;
    expect(steps.detail).toMatch(/steps/);
  });

  it('completes declared names (also imported ones), enum values and metric names', async () => {
    const dataPos = pos(mainText, 'data = brains', 'data = '.length);
    const names = labels((await client.conn.sendRequest('textDocument/completion', { textDocument: { uri: mainUri }, position: dataPos })) as CompletionItem[]);
    expect(names).toEqual(expect.arrayContaining(['brains', 'tumours']));
    expect(names).not.toContain('tiny');
    const adapter = labels((await client.conn.sendRequest('textDocument/completion', { textDocument: { uri: mainUri }, position: pos(mainText, 'adapter = duplicate', 'adapter = '.length) })) as CompletionItem[]);
    expect(adapter).toEqual(expect.arrayContaining(['duplicate', 'average', 'zero', 'none']));
    const metrics = labels((await client.conn.sendRequest('textDocument/completion', { textDocument: { uri: mainUri }, position: pos(mainText, 'metrics = [dice.WT]', 'metrics = ['.length) })) as CompletionItem[]);
    expect(metrics).toEqual(expect.arrayContaining(['dice.WT', 'dice.ET', 'hd95.TC']));
    expect(metrics).not.toContain('qwk');
    const top = labels((await client.conn.sendRequest('textDocument/completion', { textDocument: { uri: mainUri }, position: { line: 1, character: 0 } })) as CompletionItem[]);
    expect(top).toEqual(expect.arrayContaining(['dataset', 'pretext', 'finetune', 'sweep', 'import']));
  });

  it('explains a key on hover (meaning, expected value, default, unit)', async () => {
    const h = (await client.conn.sendRequest('textDocument/hover', { textDocument: { uri: mainUri }, position: pos(mainText, 'warmup', 2) })) as Hover;
    const text = hoverText(h);
    expect(text).toMatch(/warmup/);
    expect(text).toMatch(/frozen-encoder epochs/);
    expect(text).toMatch(/default: .*25/);
    expect(text).toMatch(/unit: epochs/);
    const ref = hoverText((await client.conn.sendRequest('textDocument/hover', { textDocument: { uri: mainUri }, position: pos(mainText, 'encoder = tiny', 'encoder = '.length + 1) })) as Hover);
    expect(ref).toMatch(/encoder tiny/);
    expect(ref).toMatch(/preset = small/);
    expect(ref).toMatch(/lib\.ssl/);
  });

  it('shows a node cost from the plan when hovering a pretext task', async () => {
    const text = hoverText((await client.conn.sendRequest('textDocument/hover', { textDocument: { uri: mainUri }, position: pos(mainText, 'pretext rot', 'pretext '.length + 1) })) as Hover);
    expect(text).toMatch(/pretraining node `pretrain:rot`: .*trainable parameters.*GFLOP per step/);
  });

  it('jumps to a name declared in an imported file, and finds its references across files', async () => {
    const loc = (await client.conn.sendRequest('textDocument/definition', { textDocument: { uri: mainUri }, position: pos(mainText, 'data = brains', 'data = '.length + 2) })) as Location;
    expect(loc.uri).toBe(libUri);
    expect(loc.range.start).toEqual(pos(libText, 'brains'));
    const refs = (await client.conn.sendRequest('textDocument/references', { textDocument: { uri: libUri }, position: pos(libText, 'tiny'), context: { includeDeclaration: true } })) as Location[];
    expect(refs.map((r) => `${r.uri === libUri ? 'lib' : 'main'}:${r.range.start.line}`).sort()).toEqual([`lib:${pos(libText, 'tiny').line}`, `main:${pos(mainText, 'encoder = tiny').line}`].sort());
  });

  it('renames a declared name across files', async () => {
    const edit = (await client.conn.sendRequest('textDocument/rename', { textDocument: { uri: mainUri }, position: pos(mainText, 'encoder = tiny', 'encoder = '.length), newName: 'small-net' })) as WorkspaceEdit;
    const changes = edit.changes!;
    expect(Object.keys(changes).sort()).toEqual([libUri, mainUri].sort());
    expect(changes[libUri]!.map((e) => e.range.start)).toEqual([pos(libText, 'tiny')]);
    expect(changes[mainUri]!.map((e) => e.range.start)).toEqual([pos(mainText, 'tiny')]);
  });

  it('lists the declarations as document symbols and returns semantic tokens', async () => {
    const syms = (await client.conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: mainUri } })) as DocumentSymbol[];
    expect(syms.map((s) => s.name)).toEqual(['demo', 'tumours', 'rot', 'seg', 'protocol', 'grid']);
    expect(syms[2]!.children!.map((c) => c.name)).toEqual(['train']);
    const toks = (await client.conn.sendRequest('textDocument/semanticTokens/full', { textDocument: { uri: mainUri } })) as { data: number[] };
    expect(toks.data.length % 5).toBe(0);
    expect(toks.data.length / 5).toBeGreaterThan(40);
  });

  it('formats through ssl3d fmt', async () => {
    const uri = pathToFileURL(join(fixtures, 'messy.ssl')).href;
    const messy = 'experiment  messy {seed=1,backend = auto}\n\n\n\ndataset d = phantom3d { cases = 4,anatomy=brain }\n';
    client.open(uri, messy);
    const edits = (await client.conn.sendRequest('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } })) as TextEdit[];
    expect(edits.length).toBe(1);
    expect(edits[0]!.newText).toBe(format(parse(messy, 'messy.ssl').document));
    expect(edits[0]!.newText).toContain('experiment messy {');
  });

  it('stays responsive with rapid changes and a 1 MB file (benchmark line, not timed)', async () => {
    const shipped = ['quickstart', 'brats', 'pancreas', 'retinopathy'].map((n) => join(repo, 'experiments', `${n}.ssl`));
    const q = shipped[0]!;
    const qUri = pathToFileURL(q).href;
    const qText = readFileSync(q, 'utf8');
    const compiled = shipped.map((f) => client.diagnostics(pathToFileURL(f).href, (p) => p.version === 1));
    for (const f of shipped) client.open(pathToFileURL(f).href, readFileSync(f, 'utf8'), 1);
    await Promise.all(compiled);
    const timeIt = async (fn: () => Promise<unknown>): Promise<number> => {
      const t = performance.now();
      await fn();
      return performance.now() - t;
    };
    const hoverAt = (uri: string, text: string, needle: string): Promise<unknown> => client.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: pos(text, needle, 1) });
    const results: string[] = [];
    for (const f of shipped) {
      const text = readFileSync(f, 'utf8');
      const uri = pathToFileURL(f).href;
      const h = await timeIt(() => hoverAt(uri, text, 'epochs'));
      const c = await timeIt(() => client.conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: pos(text, 'train {', 'train {'.length) }));
      results.push(`${f.split('/').pop()} hover ${h.toFixed(0)} ms, completion ${c.toFixed(0)} ms`);
    }

    // a burst of 20 edits: only the newest text matters, and its diagnostics arrive
    const last = client.diagnostics(qUri, (p) => p.version === 21);
    for (let v = 2; v <= 21; v++) {
      void client.conn.sendNotification('textDocument/didChange', { textDocument: { uri: qUri, version: v }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: v === 21 ? '' : ' ' }] });
    }
    const burst = await timeIt(() => last);
    expect((await last).diagnostics.filter((d) => d.severity === 1)).toEqual([]);

    // a 1 MB file: while it compiles in the analysis thread, other requests are answered
    let big = qText.replace('experiment quickstart', 'experiment big');
    for (let i = 0; big.length < 1_000_000; i++) big += `\ndataset extra${i} = phantom3d {\n  anatomy = brain\n  cases = 10\n  channels = 2\n  size = 24x24x24\n}\n`;
    const bigUri = pathToFileURL(join(fixtures, 'big.ssl')).href;
    client.open(bigUri, big);
    await new Promise((r) => setTimeout(r, 300)); // let the analysis thread start on it
    const during = await timeIt(() => hoverAt(qUri, qText, 'epochs'));
    const bigHover = await timeIt(() => hoverAt(bigUri, big, 'epochs'));
    const bigCompletion = await timeIt(() => client.conn.sendRequest('textDocument/completion', { textDocument: { uri: bigUri }, position: pos(big, 'train {', 'train {'.length) }));
    const { loadavg } = await import('node:os');
    console.log(
      `lsp latency (load ${loadavg()[0]!.toFixed(1)}): ${results.join('; ')}; 20-edit burst → final diagnostics ${burst.toFixed(0)} ms; ` +
        `while a 1 MB file compiles: hover ${during.toFixed(0)} ms, hover in the 1 MB file ${bigHover.toFixed(0)} ms, completion there ${bigCompletion.toFixed(0)} ms`,
    );
    expect(during).toBeLessThan(20_000); // a guard against a hang, not a timing claim
  });
});

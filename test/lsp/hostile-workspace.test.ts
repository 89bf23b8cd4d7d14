// #17.1 (session 6 attack): the language server's main thread read workspace .ssl files with a
// plain readFileSync. A `z.ssl` that is a link to /dev/zero (or to a named pipe) in the folder made
// "find references" and "rename" read forever: the whole server froze. It now reads them as
// `ssl3d check` does (regular files of at most 4 MiB of text).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Location, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { startClient, type Client } from './client.js';

const dir = mkdtempSync(join(tmpdir(), 'ssl3d-lsp-hostile-'));
let client: Client | null = null;
afterAll(async () => {
  await client?.close();
  rmSync(dir, { recursive: true, force: true });
});

const within = <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> => Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);

describe('a hostile workspace folder', () => {
  it('references and rename answer although workspace .ssl files link to /dev/zero and a named pipe', async () => {
    const text = 'experiment e { seed = 1 }\ndataset d = phantom3d { cases = 4 }\n';
    writeFileSync(join(dir, 'main.ssl'), text);
    symlinkSync('/dev/zero', join(dir, 'zero.ssl'));
    let fifo = true;
    try {
      execFileSync('mkfifo', [join(dir, 'pipe.ssl')]);
    } catch {
      fifo = false; // no mkfifo here: the /dev/zero link alone froze the server
    }
    if (fifo) symlinkSync('pipe.ssl', join(dir, 'to-pipe.ssl'));
    client = await startClient(dir);
    const uri = pathToFileURL(join(dir, 'main.ssl')).href;
    const diags = client.diagnostics(uri);
    client.open(uri, text);
    await diags;
    await new Promise((r) => setTimeout(r, 300)); // the workspace scan has listed the links by now
    const position = { line: 1, character: 8 };
    const refs = await within(client.conn.sendRequest('textDocument/references', { textDocument: { uri }, position, context: { includeDeclaration: true } }) as Promise<Location[]>, 15_000);
    expect(refs).not.toBe('timeout');
    expect((refs as Location[]).map((l) => l.uri)).toEqual([uri]);
    const edit = await within(client.conn.sendRequest('textDocument/rename', { textDocument: { uri }, position, newName: 'e2' }) as Promise<WorkspaceEdit>, 15_000);
    expect(edit).not.toBe('timeout');
    expect(Object.keys((edit as WorkspaceEdit).changes ?? {})).toEqual([uri]);
  }, 60_000);
});

// s7 attack: what the server hands the editor from a hostile document
describe('a hostile document', () => {
  const dir2 = mkdtempSync(join(tmpdir(), 'ssl3d-lsp-hostile-doc-'));
  let c2: Client | null = null;
  afterAll(async () => {
    await c2?.close();
    rmSync(dir2, { recursive: true, force: true });
  });

  it('diagnostics and hovers show control/bidi characters visibly; a ``` in a comment cannot end the hover\'s code block; rename refuses with a reason', async () => {
    // U+202E in a name (raw in the problem list before), ESC/BEL in a description, a block comment holding ```
    const text = 'experiment e { seed = 1 }\n' +
      'dataset x = phantom3d {\n  cases = 8, description = "\u001b]0;PWN\u0007"\n  /*\n```\n![t](https://tracker.example/p.png)\n  */\n}\n' +
      'dataset y = phantom3d { cases = 4 }\ndataset c\u202eorpus = phantom3d { cases = 8 }\n';
    writeFileSync(join(dir2, 'doc.ssl'), text);
    c2 = await startClient(dir2);
    const uri = pathToFileURL(join(dir2, 'doc.ssl')).href;
    const diags = c2.diagnostics(uri);
    c2.open(uri, text);
    const got = await diags;
    const messages = got.diagnostics.map((d) => d.message).join('\n');
    expect(messages).toContain("unexpected character '\\u{202e}'");
    // eslint-disable-next-line no-control-regex
    expect(messages).not.toMatch(/[\u0000-\u0008\u001b\u007f-\u009f\u202e]/u);
    const hover = (await c2.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 8 } })) as { contents: { value: string } };
    const md = hover.contents.value;
    // eslint-disable-next-line no-control-regex
    expect(md).not.toMatch(/[\u0000-\u0008\u001b\u007f-\u009f\u202e]/u);
    expect(md).toContain('␛]0;PWN␇');
    expect(md).toMatch(/^````ssl$/m); // longer than the ``` inside, so the image stays inside the code block
    const rename = (newName: string): Promise<unknown> =>
      c2!.conn.sendRequest('textDocument/rename', { textDocument: { uri }, position: { line: 8, character: 8 }, newName }).then(() => 'no error', (e: Error) => e.message);
    expect(await rename('x')).toContain("'x' is already the name of dataset x");
    expect(await rename('e')).toContain('already the name of experiment e');
    expect(await rename('1x')).toContain('is not a name');
    expect(await rename('a\u001b[2J')).toContain('"a␛[2J" is not a name');
    expect(await rename('y2')).toBe('no error');
  }, 60_000);
});

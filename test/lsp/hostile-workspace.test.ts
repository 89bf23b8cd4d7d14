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

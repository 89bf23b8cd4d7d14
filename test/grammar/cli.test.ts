// `ssl3d fmt` and `ssl3d explain`: exit codes, output, files rewritten or left alone.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runExplain } from '../../cli/commands/explain.js';
import { runFmt } from '../../cli/commands/fmt.js';

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

function tmp(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ssl3d-fmt-'));
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('ssl3d fmt', () => {
  it('rewrites a file canonically, then --check passes', async () => {
    const p = tmp('a.ssl', 'experiment  e{seed=1}');
    expect(await runFmt([p])).toBe(0);
    expect(readFileSync(p, 'utf8')).toBe('experiment e {\n  seed = 1\n}\n');
    expect(out).toContain('formatted');
    expect(await runFmt(['--check', p])).toBe(0);
  });

  it('--check reports unformatted files with exit 1 and does not write', async () => {
    const p = tmp('b.ssl', 'experiment  e{seed=1}');
    expect(await runFmt(['--check', p])).toBe(1);
    expect(out).toContain(`would reformat ${p}`);
    expect(readFileSync(p, 'utf8')).toBe('experiment  e{seed=1}');
  });

  it('--stdout prints instead of writing', async () => {
    const p = tmp('c.ssl', 'experiment e{seed=1}');
    expect(await runFmt(['--stdout', p])).toBe(0);
    expect(out).toBe('experiment e {\n  seed = 1\n}\n');
    expect(readFileSync(p, 'utf8')).toBe('experiment e{seed=1}');
  });

  it('exit 1 with located diagnostics for syntax errors; the file is untouched', async () => {
    const p = tmp('d.ssl', 'experiment e {\n  seed = \n}\n');
    expect(await runFmt([p])).toBe(1);
    expect(err).toContain(`${p}:2:8: error SSL011`);
    expect(err).toContain('^');
    expect(readFileSync(p, 'utf8')).toBe('experiment e {\n  seed = \n}\n');
  });

  it('formats every .ssl file below a directory', async () => {
    const p = tmp('e.ssl', 'experiment e{seed=1}');
    const dir = join(p, '..');
    writeFileSync(join(dir, 'notes.txt'), 'not ssl');
    expect(await runFmt(['--check', dir])).toBe(1);
    expect(await runFmt([dir])).toBe(0);
    expect(await runFmt(['--check', dir])).toBe(0);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('not ssl');
  });

  it('usage errors exit 2; a missing file exits 1', async () => {
    expect(await runFmt([])).toBe(2);
    expect(await runFmt(['--bogus', 'x.ssl'])).toBe(2);
    expect(await runFmt([join(tmpdir(), 'does-not-exist-ssl3d.ssl')])).toBe(1);
    expect(err).toContain('no such file');
  });
});

describe('ssl3d explain', () => {
  it('prints the long form of a code, accepting loose spellings', async () => {
    expect(await runExplain(['SSL004'])).toBe(0);
    expect(out).toMatch(/^SSL004: missing '}'/);
    out = '';
    expect(await runExplain(['ssl4'])).toBe(0);
    expect(out).toMatch(/^SSL004/);
  });

  it('lists all codes', async () => {
    expect(await runExplain(['--list'])).toBe(0);
    expect(out.split('\n').filter((l) => /^SSL\d{3} /.test(l)).length).toBeGreaterThanOrEqual(19);
  });

  it('unknown codes exit 2 with a suggestion', async () => {
    expect(await runExplain(['SSL0O4'])).toBe(2);
    expect(err).toContain('did you mean SSL004?');
    expect(await runExplain([])).toBe(2);
  });
});

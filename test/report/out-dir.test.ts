// #17.11: `ssl3d report --out /proc/self/x` spun at 94 % CPU forever (Node's recursive mkdir loops
// under /proc). An unwritable --out now fails at once, before any work, with a located SSL175.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { command } from '../../cli/commands/report.js';
import { prepareOutDir } from '../../report/outdir.js';

let dir = '';
let err = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ssl3d-outdir-'));
  writeFileSync(join(dir, 'exp.ssl'), 'experiment fixture {}\n');
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  chmodSync(dir, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

describe('report --out that cannot be written', () => {
  it('/proc/self/x fails fast with SSL175 naming the place, before looking for a run', async () => {
    const t0 = Date.now();
    const rc = await command.run([join(dir, 'exp.ssl'), '--out', '/proc/self/x']);
    expect(rc).toBe(1);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(err).toContain('SSL175');
    expect(err).toContain('/proc/self');
    expect(err).not.toContain('SSL170'); // no run exists: the folder was checked first
    expect(err).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('a path through a file, and a deeper /proc path, are refused the same way', () => {
    writeFileSync(join(dir, 'plain'), 'x');
    expect(() => prepareOutDir(join(dir, 'plain', 'sub'))).toThrow(/SSL175|not a folder/);
    expect(() => prepareOutDir('/proc/self/x/y/z')).toThrow(/cannot write the report to \/proc\/self\/x\/y\/z/);
  });

  it('a symbolic-link loop or a dangling link on the way is SSL175, not "internal error: ELOOP" (s7)', async () => {
    const { symlinkSync } = await import('node:fs');
    symlinkSync(join(dir, 'lb'), join(dir, 'la'));
    symlinkSync(join(dir, 'la'), join(dir, 'lb'));
    symlinkSync('/nonexistent/x', join(dir, 'dang'));
    expect(() => prepareOutDir(join(dir, 'la', 'r'))).toThrow(/la cannot be created \(ELOOP\)/);
    expect(() => prepareOutDir(join(dir, 'dang', 'r'))).toThrow(/dang cannot be created \(EEXIST\)/);
  });

  it('creates missing levels of a writable path and leaves no probe file', () => {
    const out = join(dir, 'a', 'b', 'c');
    expect(prepareOutDir(out)).toBe(out);
    mkdirSync(join(out, 'd'));
  });
});

describe('a full disk while the report is written (s6 attack)', () => {
  it('is SSL175 naming the file, and the half-written file is removed', async () => {
    // before: "ssl3d report: internal error: ENOSPC: no space left on device, write", per-case.csv left empty
    const { putReportFile } = await import('../../report/outdir.js');
    const out = join(dir, 'out');
    prepareOutDir(out);
    const full = async (path: string): Promise<void> => {
      writeFileSync(path, 'half');
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    await expect(putReportFile(out, 'per-case.csv', full)).rejects.toMatchObject({
      code: 'SSL175',
      message: expect.stringMatching(new RegExp(`^cannot write the report to ${out}: ${join(out, 'per-case.csv')} could not be written: no space left on the device \\(.+ free there\\)$`)),
    });
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(out)).toEqual([]);
    await putReportFile(out, 'ok.md', async (path) => writeFileSync(path, 'x'));
    expect(readdirSync(out)).toEqual(['ok.md']);
  });
});

describe('report files are renamed into place (s7 attack)', () => {
  it('a symbolic link planted at a report file name is replaced, not written through; a cut-short write keeps the old file', async () => {
    const { putReportFile } = await import('../../report/outdir.js');
    const { readFileSync, readdirSync, lstatSync, symlinkSync } = await import('node:fs');
    const out = join(dir, 'out2');
    prepareOutDir(out);
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(out, 'report.md')); // `ssl3d report` used to overwrite the link's target
    await putReportFile(out, 'report.md', async (path) => writeFileSync(path, '# report'));
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(join(out, 'report.md')).isFile()).toBe(true);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toBe('# report');
    // a write that stops half way (an interrupted report) leaves the previous file whole and no temp file
    await expect(putReportFile(out, 'report.md', async (path) => {
      writeFileSync(path, '# rep');
      throw new Error('interrupted');
    })).rejects.toMatchObject({ code: 'SSL175' });
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toBe('# report');
    expect(readdirSync(out)).toEqual(['report.md']);
  });
});

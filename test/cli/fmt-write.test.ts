// #17.5 (session 6 attack): `ssl3d fmt` on a full disk truncated the user's .ssl file (it was
// rewritten in place: opened with O_TRUNC, then the write failed) and said only "cannot write X".
// Now it writes a temp file and renames it over the original: on failure the file is unchanged
// and the message says why; the file keeps its permissions, and a symbolic link stays a link.
import * as realFs from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runFmt } from '../../cli/commands/fmt.js';
import { tmp } from '../runtime/harden/harness.js';

// writeFileSync fails for the paths `fault` picks, after leaving a partial file as a full disk does
let fault: (path: string) => string | null = () => null;
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeFileSync = (path: realFs.PathOrFileDescriptor, data: string | NodeJS.ArrayBufferView, options?: realFs.WriteFileOptions): void => {
    const code = typeof path === 'string' ? fault(path) : null;
    if (code) {
      fs.writeFileSync(path, typeof data === 'string' ? data.slice(0, 7) : '', options);
      throw Object.assign(new Error(`${code}: failed, write`), { code, path });
    }
    fs.writeFileSync(path, data, options);
  };
  return { ...fs, writeFileSync, default: { ...fs, writeFileSync } };
});

afterEach(() => {
  fault = () => null;
  vi.restoreAllMocks();
});

const UGLY = 'experiment e {seed=1}\ndataset d=phantom3d{cases=4}\n';

async function fmt(file: string): Promise<{ status: number; stderr: string }> {
  let stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const status = await runFmt([file]);
  vi.restoreAllMocks();
  return { status, stderr };
}

describe('ssl3d fmt writes safely', () => {
  it('a full disk or a read-only folder leaves the file unchanged, says why, leaves no temp file', async () => {
    for (const [code, words] of [
      ['ENOSPC', 'no space left on the device while writing'],
      ['EROFS', 'read-only file system (EROFS)'],
    ] as const) {
      const dir = tmp();
      const file = join(dir, 'e.ssl');
      realFs.writeFileSync(file, UGLY);
      fault = (p) => (p.startsWith(file) && p !== file ? code : null);
      const r = await fmt(file);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`cannot write ${file}: ${words}`);
      expect(r.stderr).toContain('the file is unchanged');
      expect(realFs.readFileSync(file, 'utf8')).toBe(UGLY);
      expect(realFs.readdirSync(dir)).toEqual(['e.ssl']);
    }
  });

  it('reads like ssl3d check: a named pipe or a link to /dev/zero is refused at once, with the reason (s6 attack)', async () => {
    // before: fmt on a named pipe waited forever; on a link to /dev/zero it read 600 MB, then failed
    const dir = tmp();
    realFs.symlinkSync('/dev/zero', join(dir, 'zero.ssl'));
    const t0 = Date.now();
    const r = await fmt(join(dir, 'zero.ssl'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('zero.ssl: it is not a regular file (a device)');
    const { spawnSync } = await import('node:child_process');
    if (spawnSync('mkfifo', [join(dir, 'pipe.ssl')]).status === 0) {
      const p = await fmt(join(dir, 'pipe.ssl'));
      expect(p.stderr).toContain('pipe.ssl: it is not a regular file (a named pipe)');
    }
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('keeps the permissions, and rewrites the target of a symbolic link', async () => {
    const dir = tmp();
    const file = join(dir, 'e.ssl');
    realFs.writeFileSync(file, UGLY, { mode: 0o600 });
    realFs.chmodSync(file, 0o600);
    realFs.symlinkSync('e.ssl', join(dir, 'link.ssl'));
    expect((await fmt(join(dir, 'link.ssl'))).status).toBe(0);
    expect(realFs.lstatSync(join(dir, 'link.ssl')).isSymbolicLink()).toBe(true);
    expect(realFs.statSync(file).mode & 0o777).toBe(0o600);
    expect(realFs.readFileSync(file, 'utf8')).toContain('experiment e {\n  seed = 1\n}');
  });
});

// #17.5 (session 6 attack): a project on a read-only file system. `ssl3d run` said "cannot create
// the cache folder: ENOENT: no such file or directory" (a recursive mkdir's word for EROFS), and
// `ssl3d fmt` said only "cannot write X". Both now name the read-only file system; nothing changes.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmp } from './harness.js';

let canMount = false;
try {
  const probe = tmp('ssl3d-mountprobe-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', probe], { stdio: 'ignore' });
  execFileSync('umount', [probe], { stdio: 'ignore' });
  canMount = true;
} catch {
  canMount = false;
}

const env = { ...process.env, SSL3D_FROM_SOURCE: '1', NO_COLOR: '1', CI: '1' };
const cli = (args: string[]) => spawnSync(process.execPath, [join(__dirname, '..', '..', '..', 'bin', 'ssl3d.js'), ...args], { encoding: 'utf8', env, timeout: 60_000 });
const STACK = /^\s+at .+(\(|:\d+:\d+)/m;

if (!canMount) console.log('skipped: a read-only project folder (mounting a tmpfs needs root with CAP_SYS_ADMIN)');

describe.skipIf(!canMount)('a read-only project folder', () => {
  it('run and fmt name the read-only file system and change nothing', () => {
    const dir = tmp('ssl3d-ro-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    try {
      const ugly = 'experiment e {seed=1}\n';
      writeFileSync(join(dir, 'e.ssl'), ugly);
      execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'ignore' });
      const run = cli(['run', join(dir, 'e.ssl'), '--ui', 'plain']);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('error SSL186: cannot create the cache folder: EROFS: read-only file system');
      const fmt = cli(['fmt', join(dir, 'e.ssl')]);
      expect(fmt.status).toBe(1);
      expect(fmt.stderr).toContain('e.ssl: read-only file system (EROFS); the file is unchanged');
      for (const r of [run, fmt]) expect(r.stderr + r.stdout).not.toMatch(STACK);
      expect(readFileSync(join(dir, 'e.ssl'), 'utf8')).toBe(ugly);
      expect(readdirSync(dir)).toEqual(['e.ssl']);
    } finally {
      execFileSync('umount', [dir], { stdio: 'ignore' });
    }
  }, 60_000);
});
if (!canMount) console.log('skipped: read-only project folder (mounting a tmpfs needs root with CAP_SYS_ADMIN)');

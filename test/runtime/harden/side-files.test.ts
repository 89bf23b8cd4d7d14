// #17 (session 6 attack): side files read with a plain readFileSync hung on a named pipe put in
// their place — the user profile (every run), the backend speed cache (`plan`), the jigsaw
// permutation cache (pretraining). They are read as small regular files now; a bad one is a
// located error (the profile) or simply not used (the caches).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCachedSpeed } from '../../../runtime/backend/speed.js';
import { mkdirsSync } from '../../../runtime/files.js';
import { acquireLock } from '../../../runtime/executor/lock.js';
import { loadProfile } from '../../../runtime/executor/slurm/settings.js';
import { permutationSet } from '../../../runtime/tasks/permutations.js';
import { tmp } from './harness.js';

const fifo = (path: string): boolean => spawnSync('mkfifo', [path]).status === 0;
const canFifo = fifo(join(tmp(), 'probe'));

if (!canFifo) console.log('skipped: side files that are named pipes (mkfifo is not available here)');

describe.skipIf(!canFifo)('side files that are named pipes', () => {
  it('the user profile: SSL197 naming it, at once', () => {
    const p = join(tmp(), 'profile.json');
    fifo(p);
    const t0 = Date.now();
    expect(() => loadProfile({ SSL3D_PROFILE: p })).toThrow(expect.objectContaining({ code: 'SSL197', message: expect.stringContaining('named pipe') }));
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('the speed cache and the permutation cache: not used, nothing waits', () => {
    const dir = tmp();
    fifo(join(dir, 'speed.json'));
    expect(readCachedSpeed('native', join(dir, 'speed.json'))).toBeNull();
    const req = { tiles: 8, count: 10, seed: 3, selection: 'max-hamming' as const, cacheDir: dir };
    const first = permutationSet(req);
    const file = readdirSync(dir).find((f) => f.startsWith('perms-'))!;
    rmSync(join(dir, file));
    fifo(join(dir, file));
    const t0 = Date.now();
    const again = permutationSet(req);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(again.cached).toBe(false);
    expect(again.perms).toEqual(first.perms);
  });
});
if (!canFifo) console.log('skipped: side files that are named pipes (no mkfifo here)');

describe('folders under /proc (s6 attack)', () => {
  it('--cache /proc/self/nope/c is SSL186 at once (a recursive mkdir spun at 100 % CPU, deaf to Ctrl-C)', () => {
    if (!existsSync('/proc/self')) return;
    const t0 = Date.now();
    expect(() => mkdirsSync('/proc/self/nope/deeper')).toThrow(/ENOENT/);
    expect(() => acquireLock('/proc/self/nope/c')).toThrow(expect.objectContaining({ code: 'SSL186', message: expect.stringContaining("mkdir '/proc/self/nope'") }));
    expect(Date.now() - t0).toBeLessThan(2000);
    const dir = join(tmp(), 'a', 'b', 'c');
    mkdirsSync(dir);
    mkdirsSync(dir);
    expect(statSync(dir).isDirectory()).toBe(true);
  });
});

// #17.4: a stale cache lock has exactly one taker, even with many processes racing for it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync, utimesSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../../../runtime/executor/lock.js';
import { bundle } from './harness.js';

// The racer is bundled once into plain JavaScript: a dozen `tsx` start-ups would cost more than the race.
let racer: string | null = null;

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

async function race(n: number, prepare: (dir: string) => void): Promise<string[]> {
  racer ??= await bundle(join(__dirname, 'fixtures', 'lock-racer.ts'));
  const dir = mkdtempSync(join(tmpdir(), 'ssl3d-lockrace-'));
  prepare(dir);
  const go = join(dir, 'go');
  const stop = join(dir, 'stop');
  const outs: string[] = new Array(n).fill('');
  let ready = 0;
  let allReady!: () => void;
  const readyP = new Promise<void>((r) => (allReady = r));
  const done = Array.from({ length: n }, (_, i) => {
    const child = spawn(process.execPath, [racer!, dir, go, stop], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      if (!outs[i]!.includes('ready') && d.includes('ready')) if (++ready === n) allReady();
      outs[i] += d;
    });
    return new Promise<void>((r) => child.on('exit', () => r()));
  });
  await readyP;
  writeFileSync(go, '');
  // every racer has answered once each output has a second line
  while (outs.some((o) => !/(WON|LOST)/.test(o))) await new Promise((r) => setTimeout(r, 20));
  writeFileSync(stop, '');
  await Promise.all(done);
  expect(readdirSync(dir).filter((f) => f.startsWith('lock.'))).toEqual([]);
  return outs.map((o) => o.split('\n').find((l) => /^(WON|LOST)/.test(l))!);
}

describe('cache lock under contention (#17.4)', () => {
  it('10 processes racing for a stale lock (dead pid): exactly one wins, the rest get SSL180', async () => {
    for (let round = 0; round < 2; round++) {
      const results = await race(10, (dir) =>
        writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: 'then', command: 'killed' })),
      );
      expect(results.filter((r) => r.startsWith('WON'))).toEqual(['WON takeover']);
      expect(results.filter((r) => r === 'LOST SSL180')).toHaveLength(9);
    }
  }, 120_000);

  it('10 processes racing for a free cache: exactly one wins', async () => {
    const results = await race(10, () => undefined);
    expect(results.filter((r) => r.startsWith('WON'))).toEqual(['WON free']);
  }, 120_000);

  it('a lock that is a link to nothing, or names pid 0 / -1, is garbage: one of 10 racers takes it (s6 attack)', async () => {
    // before: a dangling link read as "gone" and every racer gave up with SSL180 after 200 tries;
    // kill(0) and kill(-1) address process groups, so those locks looked alive forever
    const old = (Date.now() - 60_000) / 1000;
    const setups: Array<(dir: string) => void> = [
      (dir) => symlinkSync(join(dir, 'nowhere', 'x'), join(dir, 'lock')),
      ...[0, -1].map((pid) => (dir: string) => {
        writeFileSync(join(dir, 'lock'), JSON.stringify({ pid, host: hostname(), startedAt: 'then', command: 'x' }));
        utimesSync(join(dir, 'lock'), old, old);
      }),
    ];
    for (const setup of setups) {
      const results = await race(10, setup);
      expect(results.filter((r) => r.startsWith('WON'))).toHaveLength(1);
      expect(results.filter((r) => r === 'LOST SSL180')).toHaveLength(9);
    }
  }, 120_000);

  it('an old unreadable lock is taken over; a live one is respected; release removes only our own lock', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssl3d-lock-'));
    writeFileSync(join(dir, 'lock'), '\u0000garbage');
    const old = (Date.now() - 60_000) / 1000;
    utimesSync(join(dir, 'lock'), old, old);
    const a = acquireLock(dir);
    expect(a.tookOver).toBeNull();
    expect(JSON.parse(readFileSync(join(dir, 'lock'), 'utf8'))).toMatchObject({ pid: process.pid });
    expect(() => acquireLock(dir)).toThrow(/in use by another run/);
    a.release();
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  });
});

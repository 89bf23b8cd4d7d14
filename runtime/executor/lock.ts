// One writer per cache: `<cache>/lock` holds the owner's pid, host and start time. It is created
// with O_EXCL, so two runs racing for it cannot both win. A lock whose pid is dead on this host
// is stale and taken over; a lock from another host is respected (we cannot see its processes).

import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SslRuntimeError } from '../contract.js';

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

export interface CacheLock {
  path: string;
  release(): void;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockInfo | null {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return typeof info.pid === 'number' ? info : null;
  } catch {
    return null;
  }
}

export function acquireLock(cacheDir: string, command = 'ssl3d run'): CacheLock {
  try {
    mkdirSync(cacheDir, { recursive: true });
  } catch (err) {
    throw new SslRuntimeError('SSL186', `cannot create the cache folder: ${(err as Error).message}`, cacheDir);
  }
  const path = join(cacheDir, 'lock');
  const me: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new SslRuntimeError('SSL186', `cannot write the cache lock: ${(err as Error).message}`, path);
      const other = readLock(path);
      if (other === null) {
        // A lock file being written right now, or garbage left by a crash between open and write.
        const age = Date.now() - safeMtime(path);
        if (age > 5000) rmSync(path, { force: true });
        else sleepSync(100);
        continue;
      }
      if (other.host === me.host && !pidAlive(other.pid)) {
        rmSync(path, { force: true }); // stale: its owner is gone
        continue;
      }
      throw new SslRuntimeError(
        'SSL180',
        `the cache ${cacheDir} is in use by another run (pid ${other.pid} on ${other.host}, since ${other.startedAt}); ` +
          `wait for it to finish or use --cache DIR` +
          (other.host !== me.host ? ` (if that run is gone, delete ${path})` : ''),
        path,
      );
    }
    writeSync(fd, JSON.stringify(me) + '\n');
    closeSync(fd);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      const now = readLock(path);
      if (now && now.pid === me.pid && now.host === me.host) rmSync(path, { force: true });
      process.off('exit', release);
    };
    process.on('exit', release);
    return { path, release };
  }
  throw new SslRuntimeError('SSL180', `could not take the cache lock ${path}`, path);
}

function safeMtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

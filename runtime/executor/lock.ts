// One writer per cache: `<cache>/lock` holds the owner's pid, host, start time and a random nonce.
//
// Taking a free lock: the full lock text is written to a private temp file and hard-linked to
// `lock`; link() fails with EEXIST when a lock exists, so the lock never exists half-written and
// two runs racing for it cannot both win.
//
// Taking over a stale lock (its pid is dead on this host, or it is unreadable and old) must also
// have a single winner. Each racer tries to create the claim file `lock.claim-<id>` with O_EXCL,
// where <id> names the exact stale lock it read (sha256 of its bytes). Only one racer can create
// it; that racer re-reads `lock`, checks it is still the same stale lock, renames its own lock
// file over it and then removes the claim. A slower racer that creates the claim after it was
// removed sees a different lock on the re-read and backs off. A lock from another host is
// respected (we cannot see its processes).

import { createHash, randomBytes } from 'node:crypto';
import { closeSync, linkSync, lstatSync, openSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { readSmallFileSync, mkdirsSync } from '../files.js';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SslRuntimeError } from '../contract.js';
import { msg } from '../../core/codes/index.js';

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
  /** Random per acquisition: tells two locks of the same pid apart. */
  nonce?: string;
}

export interface CacheLock {
  path: string;
  release(): void;
  /** The stale lock this run took over (its owner died), or null when the cache was free. */
  tookOver: LockInfo | null;
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

interface RawLock {
  bytes: Buffer;
  info: LockInfo | null;
  id: string;
}

function readRaw(path: string): RawLock | null {
  let bytes: Buffer;
  try {
    bytes = readSmallFileSync(path, 1 << 20);
  } catch (err) {
    // gone meanwhile — unless `lock` is a symbolic link to nothing: garbage like any other
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !isLink(path)) return null;
    // not a readable lock file (a named pipe, a folder, a huge file put there): garbage, taken
    // over like an unreadable lock once it is old enough
    bytes = Buffer.from(`unreadable: ${(err as Error).message}`);
  }
  let info: LockInfo | null = null;
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as LockInfo;
    // a pid that is not a real process id (0 and -1 address whole process groups for kill(), so
    // such a lock would look alive forever) makes the lock garbage
    info = parsed && Number.isSafeInteger(parsed.pid) && parsed.pid > 0 && typeof parsed.host === 'string' ? parsed : null;
  } catch {
    info = null;
  }
  return { bytes, info, id: createHash('sha256').update(bytes).digest('hex').slice(0, 24) };
}

/** A lock left unreadable (crash of an old version between open and write) for this long is stale. */
const GARBAGE_AGE_MS = 5000;
/** A claim whose taker died mid-takeover is removed after this long. */
const CLAIM_AGE_MS = 10_000;

export function acquireLock(cacheDir: string, command = 'ssl3d run'): CacheLock {
  try {
    mkdirsSync(cacheDir);
  } catch (err) {
    throw new SslRuntimeError(msg('SSL186', 'cannotCreate', { reason: (err as Error).message }), cacheDir);
  }
  const path = join(cacheDir, 'lock');
  const me: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command, nonce: randomBytes(8).toString('hex') };
  const text = JSON.stringify(me) + '\n';
  const mine = `${path}.new-${process.pid}-${me.nonce}`;
  try {
    writeFileSync(mine, text, { flag: 'wx' });
  } catch (err) {
    throw new SslRuntimeError(msg('SSL186', 'cannotWriteLock', { reason: (err as Error).message }), mine);
  }
  let tookOver: LockInfo | null = null;
  let won = false;
  try {
    for (let attempt = 0; attempt < 200 && !won; attempt++) {
      try {
        createFrom(mine, path, text);
        won = true;
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST') throw new SslRuntimeError(msg('SSL186', 'cannotWriteLock', { reason: (err as Error).message }), path);
      }
      const other = readRaw(path);
      if (other === null) continue; // released meanwhile: try again
      const stale = other.info === null ? Date.now() - safeMtime(path) > GARBAGE_AGE_MS : other.info.host === me.host && !pidAlive(other.info.pid);
      if (!stale) {
        if (other.info === null) {
          sleepSync(50); // being replaced right now, or a fresh garbage file: look again shortly
          continue;
        }
        throw new SslRuntimeError(
          msg('SSL180', 'inUse', {
            cacheDir,
            pid: other.info.pid,
            host: other.info.host,
            since: other.info.startedAt,
            ifGone: other.info.host !== me.host ? ` (if that run is gone, delete ${path})` : '',
          }),
          path,
        );
      }
      // Stale: claim exactly this lock.
      const claim = `${path}.claim-${other.id}`;
      let fd: number;
      try {
        fd = openSync(claim, 'wx');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new SslRuntimeError(msg('SSL186', 'cannotWriteLock', { reason: (err as Error).message }), claim);
        // Someone else is taking it over; a claim whose taker died is cleared after a while.
        if (Date.now() - safeMtime(claim) > CLAIM_AGE_MS) rmSync(claim, { force: true });
        sleepSync(20);
        continue;
      }
      try {
        writeSync(fd, text);
        closeSync(fd);
        const again = readRaw(path);
        if (again !== null && again.id === other.id) {
          try {
            renameSync(mine, path); // atomic replace of the stale lock by ours
          } catch (err) {
            throw new SslRuntimeError(msg('SSL186', 'cannotReplaceLock', { reason: (err as NodeJS.ErrnoException).code ?? (err as Error).message, path }), path);
          }
          won = true;
          tookOver = other.info;
        }
      } finally {
        rmSync(claim, { force: true });
      }
    }
  } finally {
    rmSync(mine, { force: true });
  }
  if (!won) throw new SslRuntimeError(msg('SSL180', 'notTaken', { path }), path);
  sweepClaims(cacheDir);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    const now = readRaw(path);
    if (now?.info && now.info.pid === me.pid && now.info.nonce === me.nonce) rmSync(path, { force: true });
    process.off('exit', release);
  };
  process.on('exit', release);
  return { path, release, tookOver };
}

/** Publish `mine` as `path` in one step; fails with EEXIST when `path` exists. */
function createFrom(mine: string, path: string, text: string): void {
  try {
    linkSync(mine, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // File systems without hard links: O_EXCL create (the text follows in the same call).
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EOPNOTSUPP') writeFileSync(path, text, { flag: 'wx' });
    else throw err;
  }
}

/** Remove leftovers of takers that died mid-takeover (we own the cache now, so none is live). */
function sweepClaims(cacheDir: string): void {
  try {
    for (const name of readdirSync(cacheDir)) {
      if (!name.startsWith('lock.claim-') && !name.startsWith('lock.new-')) continue;
      const p = join(cacheDir, name);
      if (Date.now() - safeMtime(p) > CLAIM_AGE_MS) rmSync(p, { force: true });
    }
  } catch {
    // best effort
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** When `path` was last changed; 0 (long ago) when it cannot be read, e.g. a link to nothing. */
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

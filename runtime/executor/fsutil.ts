// Small file-system helpers for the cache: atomic writes, sha256 of files, recursive listings.

import { createHash } from 'node:crypto';
import { chmodSync, createReadStream, existsSync, readdirSync, renameSync, rmSync, statSync, statfsSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { SslRuntimeError } from '../contract.js';
import { msg } from '../../core/codes/index.js';
import { mkdirsSync } from '../files.js';

/** ENOSPC (no space) or EDQUOT (quota exceeded). */
export function isDiskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** A byte count in words (`136 KB`). */
export function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Free bytes on the file system holding `path` (or its nearest existing parent), or null. */
export function freeBytes(path: string): number | null {
  let p = path;
  for (let i = 0; i < 64; i++) {
    try {
      const s = statfsSync(p);
      return Number(s.bavail) * Number(s.bsize);
    } catch {
      const up = dirname(p);
      if (up === p) return null;
      p = up;
    }
  }
  return null;
}

/**
 * SSL188 for a write that ran out of space: names the file, the space the write needed (when
 * known) and what is free on that file system.
 */
export function diskFullError(err: unknown, path: string | null, neededBytes: number | null = null, folder: string | null = null): SslRuntimeError {
  const where = path ?? ((err as NodeJS.ErrnoException | null)?.path ?? null);
  // a write through an open file handle (streams, tfjs savers) carries no path: name the folder
  // the node was writing into, and the free space of the file system it is on
  const free = where ? freeBytes(where) : folder ? freeBytes(dirname(folder)) : null;
  const quota = (err as NodeJS.ErrnoException | null)?.code === 'EDQUOT';
  const parts = [
    `${quota ? 'disk quota exceeded' : 'no space left on the device'} while writing ${where ?? (folder ? `a file in ${folder}` : 'a file')}`,
    neededBytes !== null ? `the write needed ${bytesText(neededBytes)}` : null,
    free !== null ? `${bytesText(free)} free there` : null,
  ].filter((x): x is string => x !== null);
  return Object.assign(new SslRuntimeError(msg('SSL188', 'diskFull', { parts: parts.join('; ') }), where ?? folder), { detail: parts.join('; ') });
}

/** What ran out and where, without the advice for runs (`ssl3d fmt` words its own), or null for another error. */
export function diskFullDetail(err: unknown): string | null {
  return err instanceof SslRuntimeError && err.code === 'SSL188' && typeof (err as { detail?: unknown }).detail === 'string' ? (err as unknown as { detail: string }).detail : null;
}

let tmpCounter = 0;

/** A name unique to this process for temporary files and folders (pid + time + counter). */
export function uniqueSuffix(): string {
  tmpCounter += 1;
  return `${process.pid}-${Date.now().toString(36)}-${tmpCounter}`;
}

/**
 * Write a file atomically: write a sibling temp file, fsync it, rename it over the target.
 * `mode`: the permission bits the file ends with (kept from the file it replaces, say).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode?: number): void {
  mkdirsSync(dirname(path));
  const tmp = `${path}.tmp-${uniqueSuffix()}`;
  try {
    // private until it has the final mode (a 0600 file must never be readable on its way)
    writeFileSync(tmp, data, { mode: mode === undefined ? 0o666 : 0o600 });
    if (mode !== undefined) chmodSync(tmp, mode & 0o7777);
  } catch (err) {
    rmSync(tmp, { force: true }); // never leave a half-written temp file behind
    if (isDiskFull(err)) throw diskFullError(err, path, typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength);
    throw err;
  }
  try {
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // fsync is best effort (some file systems refuse it on read-only descriptors)
  }
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    if (isDiskFull(err)) throw diskFullError(err, path);
    // a folder where the file belongs (runs/latest, a record.json made by hand): Node's own words name
    // the temp file, which is gone by now
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw Object.assign(new Error(`${path} is a folder, not a file: remove it`), { code: 'EISDIR' });
    throw err;
  }
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    const s = createReadStream(path);
    s.on('data', (chunk) => h.update(chunk));
    s.on('error', reject);
    s.on('end', () => resolve(h.digest('hex')));
  });
}

/** Every regular file below `dir`, as '/'-separated paths relative to it, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

export interface FileEntry {
  path: string;
  size: number;
  sha256: string;
}

export async function describeFiles(dir: string, skip: readonly string[] = []): Promise<FileEntry[]> {
  const files: FileEntry[] = [];
  for (const rel of listFiles(dir)) {
    if (skip.includes(rel)) continue;
    const abs = join(dir, rel);
    files.push({ path: rel, size: statSync(abs).size, sha256: await sha256File(abs) });
  }
  return files;
}

/** Check files against their recorded sizes and hashes; returns a reason or null when all match. */
export async function verifyFiles(dir: string, files: readonly FileEntry[], deep = true): Promise<string | null> {
  for (const f of files) {
    const abs = join(dir, f.path);
    let size: number;
    try {
      size = statSync(abs).size;
    } catch {
      return `file ${f.path} is missing`;
    }
    if (size !== f.size) return `file ${f.path} has ${size} bytes, the manifest says ${f.size}`;
    if (deep) {
      const h = await sha256File(abs);
      if (h !== f.sha256) return `file ${f.path} has sha256 ${h.slice(0, 8)}…, the manifest says ${f.sha256.slice(0, 8)}…`;
    }
  }
  return null;
}

export function removeTree(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/** Move a folder out of the way (rename is atomic) and then delete it. */
export function discardTree(path: string, trashRoot: string): void {
  if (!existsSync(path)) return;
  mkdirsSync(trashRoot);
  const target = join(trashRoot, `${uniqueSuffix()}`);
  try {
    renameSync(path, target);
  } catch {
    removeTree(path);
    return;
  }
  removeTree(target);
}

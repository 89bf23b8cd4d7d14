// The report folder, checked before any work: it is created one level at a time (never with a
// recursive mkdir, which spins forever under /proc in Node 20) and a probe file is written and
// removed, so an unwritable --out fails at once with SSL175 instead of after the tables are built.

import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SslRuntimeError } from '../runtime/contract.js';
import { bytesText, freeBytes, isDiskFull, uniqueSuffix } from '../runtime/executor/fsutil.js';
import { msg } from '../core/codes/index.js';

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e && typeof e.code === 'string' ? e.code : err instanceof Error ? err.message : String(err);
}

/** Create `dir` (and missing parents) and prove it writable, or throw SSL175 naming the place. */
export function prepareOutDir(dir: string): string {
  const abs = resolve(dir);
  const missing: string[] = [];
  let p = abs;
  while (!existsSync(p)) {
    missing.unshift(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  const fail = (where: string, why: string): never => {
    throw new SslRuntimeError(msg('SSL175', 'cannotWrite', { folder: abs, where, why }), abs);
  };
  let st;
  try {
    st = statSync(p);
  } catch (err) {
    return fail(p, `cannot be read (${reason(err)})`);
  }
  if (!st.isDirectory()) fail(p, 'is not a folder');
  try {
    accessSync(p, constants.W_OK | constants.X_OK);
  } catch (err) {
    fail(p, `is not writable (${reason(err)})`);
  }
  for (const m of missing) {
    try {
      mkdirSync(m);
    } catch (err) {
      // (a link loop or a dangling link there: EEXIST, and then stat fails with ELOOP/ENOENT itself)
      const isDir = (): boolean => statSync(m, { throwIfNoEntry: false })?.isDirectory() ?? false;
      let dir = false;
      try {
        dir = (err as NodeJS.ErrnoException).code === 'EEXIST' && isDir();
      } catch (e) {
        fail(m, `cannot be created (${reason(e)})`);
      }
      if (!dir) fail(m, `cannot be created (${reason(err)})`);
    }
  }
  const probe = join(abs, `.ssl3d-write-probe-${uniqueSuffix()}`);
  try {
    writeFileSync(probe, '', { flag: 'wx' }); // never through a link planted at the name
    rmSync(probe, { force: true });
  } catch (err) {
    fail(abs, `does not accept files (${reason(err)})`);
  }
  return abs;
}

/**
 * Write one report file with `write`; when that fails (a full disk mid-report) the partial file is
 * removed and the error is SSL175 naming the file and, for a full disk, the space left there
 * (was "internal error: ENOSPC: no space left on device, write", with a half-written file left).
 */
export async function putReportFile(outDir: string, name: string, write: (path: string) => Promise<void>): Promise<void> {
  const path = join(outDir, name);
  // written beside it under a fresh name (the extension kept last) and renamed into place: a report
  // cut short (Ctrl-C, kill) leaves the previous file whole, and a symbolic link planted at the name
  // is replaced, never written through (report.md → ~/.bashrc was overwritten)
  const tmp = join(outDir, `.tmp-${uniqueSuffix()}-${name}`);
  try {
    await write(tmp);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    const free = isDiskFull(err) ? freeBytes(outDir) : null;
    const why = isDiskFull(err) ? `could not be written: no space left on the device${free !== null ? ` (${bytesText(free)} free there)` : ''}` : `could not be written (${reason(err)})`;
    throw new SslRuntimeError(msg('SSL175', 'cannotWrite', { folder: outDir, where: path, why }), path);
  }
}

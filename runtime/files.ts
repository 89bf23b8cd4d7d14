// Reading a file (an image, a label map, a CSV, a dataset.json, a cache entry, a manifest, a lock,
// a run record) without
// trusting what the path names: a path that is a device (/dev/zero, /dev/urandom), a named pipe
// or a folder — directly or through a symbolic link — would grow memory without end or hang on
// a plain readFile. The file is opened without blocking and checked on its open handle (no
// window between the check and the read), then read whole.

import { closeSync, constants, existsSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { open, type FileHandle } from 'node:fs/promises';

/** The largest input file read whole (Node's own limit for one read of a whole file). */
export const MAX_INPUT_FILE_BYTES = 2 ** 31 - 1;

/** What a non-regular file is, in words. */
function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}

/** Open `file` for reading and make sure it is a regular file of a readable size; the caller closes the handle. */
export async function openRegularFile(file: string): Promise<FileHandle> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new Error(`it is ${kindOf(st)}, not a regular file`);
    if (st.size > MAX_INPUT_FILE_BYTES) throw new Error(`it has ${st.size} bytes, more than the ${MAX_INPUT_FILE_BYTES} that can be read at once`);
    return handle;
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/**
 * The bytes of `file`, which must be a regular file. Failures are plain errors: the open's own
 * (`code` ENOENT, EACCES, …) or one whose message says what the path is instead of a file.
 */
export async function readInputFile(file: string): Promise<Buffer> {
  const handle = await openRegularFile(file);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * The bytes of a small bookkeeping file (node.json, lock, checkpoint meta, run record, `latest`)
 * read synchronously: a regular file of at most `maxBytes` bytes, else an error saying what it
 * is (a named pipe put in its place would hang the run, a link to /dev/zero fill memory).
 */
export function readSmallFileSync(file: string, maxBytes = 64 * 2 ** 20): Buffer {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`${file} is ${kindOf(st)}, not a regular file`);
    if (st.size > maxBytes) throw new Error(`${file} has ${st.size} bytes, more than the ${maxBytes} expected`);
    const buf = Buffer.alloc(st.size);
    let n = 0;
    while (n < buf.length) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Why a file could not be read, for a message: the error's code, or its message. */
export function readProblem(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/**
 * `mkdir -p`, one level at a time. Node 20's `mkdirSync(dir, { recursive: true })` spins at 100 %
 * CPU forever under /proc (`--cache /proc/self/x/y`: mkdir there says ENOENT although the parent
 * exists, and Node retries without end, deaf to Ctrl-C and SIGTERM). Here the first folder that
 * cannot be made throws its real error (EROFS, EACCES, ENOENT, ENOTDIR).
 */
export function mkdirsSync(dir: string): void {
  const missing: string[] = [];
  let p = resolve(dir);
  while (!existsSync(p)) {
    missing.unshift(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const m of missing) {
    try {
      mkdirSync(m);
    } catch (err) {
      // made meanwhile by another process: fine if it is a folder (the next level tells otherwise)
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

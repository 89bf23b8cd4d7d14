// JSONL renderer: every event, exactly as emitted, one JSON object a line, appended to a file
// (`--events FILE`). Lines are written synchronously so a tool tailing the file (or a run killed
// with SIGKILL) sees every event up to the last one.

import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunEvent } from '../../runtime/events.js';
import { mkdirsSync } from '../../runtime/files.js';

export interface JsonlRenderer {
  onEvent(event: RunEvent): void;
  close(): void;
}

/** `--events FILE` cannot be opened for writing; the message says why (a usage error, exit 2). */
export class EventsFileError extends Error {}

/**
 * Open FILE for the events. A named pipe is opened without blocking first: with no reader yet it
 * fails at once (ENXIO) instead of hanging the run before it starts; with a reader (`tail -f`,
 * another program) it is reopened normally. A folder, a missing parent that cannot be made, a
 * read-only file system: an EventsFileError naming the file and the reason.
 */
function openEvents(file: string): number {
  try {
    mkdirsSync(dirname(file));
    const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NONBLOCK, 0o666);
    if (!fstatSync(fd).isFIFO()) return fd;
    closeSync(fd);
    return openSync(file, 'w');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENXIO' ? 'it is a named pipe that nothing reads' : e.code === 'EISDIR' ? 'it is a folder' : (e.code ?? e.message);
    throw new EventsFileError(`--events: cannot write ${file}: ${why}`);
  }
}

export function createJsonlRenderer(file: string, warn: (line: string) => void = (l) => process.stderr.write(l)): JsonlRenderer {
  let fd: number | null = openEvents(file);
  return {
    onEvent(event: RunEvent): void {
      if (fd === null) return;
      try {
        writeSync(fd, JSON.stringify(event) + '\n');
      } catch (err) {
        // a full disk (or a reader that went away): say so once and stop writing there; the run
        // itself goes on (every event was printed at one line per failed write before)
        const e = err as NodeJS.ErrnoException;
        warn(`ssl3d: --events: cannot write ${file} (${e.code ?? e.message}); no more events are written there\n`);
        try {
          closeSync(fd);
        } catch {
          // already unusable
        }
        fd = null;
      }
    },
    close(): void {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}

/** Serialise events as JSONL text (for stdout with `--ui json`, and for tests). */
export function toJsonl(events: readonly RunEvent[]): string {
  return events.map((e) => JSON.stringify(e) + '\n').join('');
}

// JSONL renderer: every event, exactly as emitted, one JSON object a line, appended to a file
// (`--events FILE`). Lines are written synchronously so a tool tailing the file (or a run killed
// with SIGKILL) sees every event up to the last one.

import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunEvent } from '../../runtime/events.js';

export interface JsonlRenderer {
  onEvent(event: RunEvent): void;
  close(): void;
}

export function createJsonlRenderer(file: string): JsonlRenderer {
  mkdirSync(dirname(file), { recursive: true });
  let fd: number | null = openSync(file, 'w');
  return {
    onEvent(event: RunEvent): void {
      if (fd !== null) writeSync(fd, JSON.stringify(event) + '\n');
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

// #17.5 (session 6 attack) on `ssl3d run --events FILE`: a named pipe nobody reads hung the run
// before it started; a folder or a missing /proc path was "internal error: EISDIR/ENOENT"; a full
// disk (/dev/full) printed "event listener failed: ENOSPC" once per event. Now a usage error
// naming the file and the reason, and one warning when writing starts to fail.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createJsonlRenderer, EventsFileError } from '../../cli/ui/jsonl.js';
import type { RunEvent } from '../../runtime/events.js';

const event: RunEvent = { t: 0, type: 'info', node: null, message: 'x' };

describe('--events FILE', () => {
  it('a folder, an impossible path or a named pipe nobody reads is refused at once, by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssl3d-events-'));
    expect(() => createJsonlRenderer(dir)).toThrow(new EventsFileError(`--events: cannot write ${dir}: it is a folder`));
    // under /proc a recursive mkdir spun forever (the whole test hung)
    if (existsSync('/proc/self')) expect(() => createJsonlRenderer('/proc/self/nope/x.jsonl')).toThrow(`--events: cannot write /proc/self/nope/x.jsonl: ENOENT`);
    const pipe = join(dir, 'pipe');
    if (spawnSync('mkfifo', [pipe]).status === 0) {
      const t0 = Date.now();
      expect(() => createJsonlRenderer(pipe)).toThrow(`--events: cannot write ${pipe}: it is a named pipe that nothing reads`);
      expect(Date.now() - t0).toBeLessThan(1000);
    }
    const ok = createJsonlRenderer(join(dir, 'sub', 'e.jsonl'));
    ok.onEvent(event);
    ok.close();
    expect(readFileSync(join(dir, 'sub', 'e.jsonl'), 'utf8')).toBe(JSON.stringify(event) + '\n');
  });

  it('a write that fails (a full disk) is said once; the run goes on', () => {
    if (!existsSync('/dev/full')) return;
    const lines: string[] = [];
    const r = createJsonlRenderer('/dev/full', (l) => lines.push(l));
    for (let i = 0; i < 20; i++) r.onEvent(event);
    r.close();
    expect(lines).toEqual(['ssl3d: --events: cannot write /dev/full (ENOSPC); no more events are written there\n']);
  });
});

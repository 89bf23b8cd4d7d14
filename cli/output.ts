// The last line of defence between user text and the terminal, and what happens when the reader
// of our output goes away.
//
// Diagnostics and run events already show control characters visibly (grammar/diagnostics.ts
// `visible`), but commands also echo what they were given: file names, options, codes, paths
// under a cache folder. `guardOutput` makes every string written to stdout and stderr safe, so no
// path of the CLI can hand the terminal an escape sequence it did not mean to send:
//   - the colour sequences the renderers paint with (ESC [ digits m) pass unchanged;
//   - any other C0 control (tab and line feed kept) becomes its control picture (ESC → ␛);
//   - DEL, C1 controls, bidi and invisible format characters become \uXXXX — the same text in
//     JSON, so `--json` output stays valid and means the same.
// The TUI (ink) moves the cursor with escape sequences of its own and only ever draws text that
// went through `visible`; it turns the guard off while it owns the terminal (`setTerminalOwner`).
// The language server speaks JSON-RPC with byte counts on stdout and is never guarded.
//
// A closed pipe (`ssl3d run x | head -1`, a pager quit early) makes the next write fail with EPIPE.
// Unhandled, that was a stack trace, a run record left 'running' and a lock left behind. Now the
// stream is marked closed, later writes to it are dropped, and the listeners given to
// `onOutputClosed` are told (`ssl3d run` stops after a checkpoint, as on Ctrl-C).

import { CONTROL_CHARS } from '../grammar/diagnostics.js';

/** The colour sequences the renderers outside the TUI write (reset, bold, dim, red, green, yellow,
 *  blue, cyan, grey, default colour/intensity) — nothing else: a file name holding ESC[8m (concealed
 *  text) or ESC[30;40m (black on black) would hide what follows it. And "show the cursor", which the
 *  TUI's library writes at exit, after it has handed the terminal back (escaped, it left the cursor
 *  hidden and `␛[?25h` on the screen after every TUI run). */
const SGR = /^\u001b\[(?:(?:0|1|2|22|31|32|33|34|36|39|90)?m|\?25h)/;

function escapeCodePoint(c: string): string {
  const code = c.codePointAt(0)!;
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  // \uXXXX for each UTF-16 unit: valid inside JSON strings and readable as text
  let out = '';
  for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

/** `s` as it may reach a terminal: colour sequences kept, every other control or invisible character shown. */
export function terminalSafe(s: string): string {
  CONTROL_CHARS.lastIndex = 0;
  if (!CONTROL_CHARS.test(s)) return s;
  return s.replace(CONTROL_CHARS, (c, offset: number) => (c === '\u001b' && SGR.test(s.slice(offset, offset + 20)) ? c : escapeCodePoint(c)));
}

let terminalOwned = false;
/** The TUI owns the terminal (its own cursor sequences must pass) while `owned` is true. */
export function setTerminalOwner(owned: boolean): void {
  terminalOwned = owned;
}

const closedListeners = new Set<() => void>();
let outputClosed = false;

/** Call `listener` once when stdout or stderr is closed by its reader; returns the unsubscribe function. */
export function onOutputClosed(listener: () => void): () => void {
  if (outputClosed) {
    listener();
    return () => {};
  }
  closedListeners.add(listener);
  return () => closedListeners.delete(listener);
}

let guarded = false;
/** Guard process.stdout and process.stderr (see the top of this file). Idempotent. */
export function guardOutput(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  if (guarded) return;
  guarded = true;
  for (const stream of streams) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    let closed = false;
    const guardedWrite = (chunk: unknown, ...rest: unknown[]): boolean => {
      if (closed) {
        // dropped; still call a completion callback so that nobody waits for it
        const cb = rest.find((r): r is () => void => typeof r === 'function');
        cb?.();
        return true;
      }
      return write(typeof chunk === 'string' && !terminalOwned ? terminalSafe(chunk) : chunk, ...rest);
    };
    stream.write = guardedWrite as typeof stream.write;
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (closed) return;
      closed = true;
      // EPIPE, or any other failure to write (a closed terminal): nothing more can be shown there
      if (err.code !== 'EPIPE' && stream !== process.stderr) process.stderr.write(`ssl3d: cannot write to the output (${err.code ?? err.message}); stopping\n`);
      if (!outputClosed) {
        outputClosed = true;
        for (const l of [...closedListeners]) l();
      }
    });
  }
}

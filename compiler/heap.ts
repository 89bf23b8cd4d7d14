// The front end's heap (#17.11: memory of `check` near the file's size).
//
// Parsing and checking a big `.ssl` file allocates a stream of short-lived objects (tokens looked
// at, AST of a declaration, its JSON) beside a slowly growing set that stays (declaration heads,
// validated blocks). V8 then grows its young generation from 1 MB to 16 MB per semi-space (two of
// them), and lets the old generation grow to up to four times what survived its last collection
// before collecting it again: most of the peak resident memory of checking a 1–4 MB file is that
// head room, not what the check holds. While the compiler runs, the young generation is kept at
// its starting size (`--semi-space-growth-factor=1`) and the old generation grows by at most 30 %
// between collections (`--heap-growing-percent=30`), two V8 flags read each time V8 sizes its
// heap (docs/performance.md, "Session 7": e.g. 157 → 100 MB for a 1 MB file of small
// declarations, 290 → 160 MB for 4 MB, at most ~10 % more time). V8's defaults are put back when
// the outermost front-end call returns, so training, which allocates tensors' wrappers at a high
// rate, keeps V8's usual tuning. A user who starts node with either flag (`node
// --heap-growing-percent=… bin/ssl3d.js`) keeps V8 as they set it: nothing is changed then.
import v8 from 'node:v8';

/** The flags and V8's defaults for them (heap-growing-percent 0: V8's own heuristic). */
const FLAGS: ReadonlyArray<{ name: string; frontEnd: number; v8Default: number }> = [
  { name: 'semi-space-growth-factor', frontEnd: 1, v8Default: 2 },
  { name: 'heap-growing-percent', frontEnd: 30, v8Default: 0 },
];

let depth = 0;
let userSetsIt: boolean | null = null;

function setByUser(): boolean {
  // (on node's command line only: NODE_OPTIONS does not take V8 flags like these)
  userSetsIt ??= process.execArgv.some((a) => FLAGS.some((f) => a.replace(/_/g, '-').startsWith(`--${f.name}`)));
  return userSetsIt;
}

function setFlags(frontEnd: boolean): void {
  for (const f of FLAGS) {
    try {
      v8.setFlagsFromString(`--${f.name}=${frontEnd ? f.frontEnd : f.v8Default}`);
    } catch {
      // a runtime without the flag: memory as before, nothing else changes
    }
  }
}

/** Runs `f` (the parser and the compiler) with V8's young generation kept at its starting size. */
export function withFrontEndHeap<T>(f: () => T): T {
  if (setByUser()) return f();
  if (depth++ === 0) setFlags(true);
  try {
    return f();
  } finally {
    if (--depth === 0) setFlags(false);
  }
}

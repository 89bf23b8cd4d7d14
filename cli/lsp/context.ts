// Where the cursor is, for completion: which blocks enclose it and whether a key, a value or a
// declaration is being typed. A small character scanner (strings and comments skipped, braces
// and brackets matched) over the text before the cursor: it works on half-typed input that the
// parser has to recover from, and it is linear and cheap even on a megabyte.
import type { Frame } from './schema.js';

export type Slot =
  /** Between declarations: a kind or `import`. */
  | { kind: 'top' }
  /** `pretext NAME = |`: the type of a declaration. */
  | { kind: 'type'; declKind: string }
  /** In a block, where a key goes. */
  | { kind: 'key' }
  /** After `key =` (or inside `key = [ … ]`). */
  | { kind: 'value'; key: string; afterNumber: boolean }
  /** Nowhere useful (in a string or comment, after `import`, …). */
  | { kind: 'none' };

export interface CursorContext {
  frames: Frame[];
  slot: Slot;
  /** The word being typed, up to the cursor (`ep` in `ep|`), and where it starts. */
  prefix: string;
  prefixStart: number;
  /** Keys already written in the innermost block. */
  present: string[];
}

interface Open {
  frame: Frame | null; // null for a list
  keys: string[];
  stmt: string[];
}

const wordChar = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46 || c === 37;

export function cursorContext(text: string, offset: number): CursorContext {
  const stack: Open[] = [{ frame: null, keys: [], stmt: [] }];
  let inString = false;
  let wordStart = -1;
  let i = 0;
  const end = Math.min(offset, text.length);
  const top = (): Open => stack[stack.length - 1]!;
  // statement tokens of the innermost block (lists keep the statement of the block around them)
  const stmtOwner = (): Open => {
    for (let k = stack.length - 1; k >= 0; k--) if (stack[k]!.frame !== null || k === 0) return stack[k]!;
    return stack[0]!;
  };
  const inList = (): boolean => stack.length > 1 && top().frame === null;
  const endStatement = (): void => {
    const o = stmtOwner();
    const s = o.stmt;
    if (s.length >= 2 && (s[1] === '=' || s[1] === '{')) o.keys.push(s[0]!);
    o.stmt = [];
  };
  while (i < end) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i += 2;
      else {
        if (c === 34 || c === 10) inString = false;
        i++;
      }
      continue;
    }
    if (c === 34) {
      inString = true;
      stmtOwner().stmt.push('"');
      i++;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      const nl = text.indexOf('\n', i);
      if (nl < 0 || nl >= end) return { frames: [], slot: { kind: 'none' }, prefix: '', prefixStart: end, present: [] };
      i = nl;
      continue;
    }
    if (c === 35) {
      const nl = text.indexOf('\n', i);
      if (nl < 0 || nl >= end) return { frames: [], slot: { kind: 'none' }, prefix: '', prefixStart: end, present: [] };
      i = nl;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const close = text.indexOf('*/', i + 2);
      if (close < 0 || close + 2 > end) return { frames: [], slot: { kind: 'none' }, prefix: '', prefixStart: end, present: [] };
      i = close + 2;
      continue;
    }
    if (c === 123) {
      // `{`: the statement so far is the block's header
      const owner = stmtOwner();
      const s = owner.stmt;
      const depth = stack.filter((o) => o.frame !== null).length;
      let frame: Frame;
      if (depth === 0) {
        frame = { word: s[0] ?? '', name: s[1] ?? null, type: s[2] === '=' ? s[3] ?? null : null };
      } else if (inList()) {
        frame = { word: '', name: null, type: null };
      } else {
        const eq = s.indexOf('=');
        frame = { word: s[0] ?? '', type: eq === 1 ? s[2] ?? null : null, name: eq < 0 ? s[1] ?? null : null };
      }
      if (!inList()) {
        if (depth > 0 && s[0]) owner.keys.push(s[0]);
        owner.stmt = [];
      }
      stack.push({ frame, keys: [], stmt: [] });
      i++;
      continue;
    }
    if (c === 125) {
      if (stack.length > 1) stack.pop();
      if (stack.length >= 1) stmtOwner().stmt = [];
      i++;
      continue;
    }
    if (c === 91) {
      stmtOwner().stmt.push('[');
      stack.push({ frame: null, keys: [], stmt: [] });
      i++;
      continue;
    }
    if (c === 93) {
      if (stack.length > 1 && top().frame === null) stack.pop();
      stmtOwner().stmt.push(']');
      i++;
      continue;
    }
    if (c === 10 || c === 44 || c === 59) {
      if (!inList()) {
        // a newline right after `=` does not end the entry (`key =⏎ value`)
        const s = stmtOwner().stmt;
        if (!(c === 10 && s[s.length - 1] === '=')) endStatement();
      }
      i++;
      continue;
    }
    if (c === 61) {
      stmtOwner().stmt.push('=');
      i++;
      continue;
    }
    if (wordChar(c)) {
      let j = i + 1;
      while (j < end && wordChar(text.charCodeAt(j))) j++;
      if (j === end) {
        wordStart = i; // the word under the cursor: the prefix
        break;
      }
      stmtOwner().stmt.push(text.slice(i, j));
      i = j;
      continue;
    }
    i++;
  }
  if (inString) return { frames: [], slot: { kind: 'none' }, prefix: '', prefixStart: end, present: [] };
  const prefixStart = wordStart >= 0 ? wordStart : end;
  const prefix = text.slice(prefixStart, end);
  const frames = stack.map((o) => o.frame).filter((f): f is Frame => f !== null && f.word !== '');
  const owner = stmtOwner();
  const s = owner.stmt;
  let slot: Slot;
  if (frames.length === 0) {
    if (s.length === 0) slot = { kind: 'top' };
    else if (s[0] === 'import') slot = { kind: 'none' };
    else if (s.length === 3 && s[2] === '=') slot = { kind: 'type', declKind: s[0]! };
    else slot = { kind: 'none' };
  } else if (s.length === 0) {
    slot = inList() ? { kind: 'none' } : { kind: 'key' };
  } else if (s[1] === '=') {
    const last = s[s.length - 1]!;
    slot = { kind: 'value', key: s[0]!, afterNumber: /^-?\d[\d.eE+-]*$/.test(last) };
  } else slot = { kind: 'none' };
  return { frames, slot, prefix, prefixStart, present: owner.keys };
}

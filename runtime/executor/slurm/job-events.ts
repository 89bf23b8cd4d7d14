// Reading a job's events file back. The file lies in the shared cache, so it is input like any
// other: a line is re-emitted only when it is an event of the job's own node with fields of the
// right types (a forged `"node": "__proto__"` line reached the run record's per-node table as
// Object.prototype; an epoch without `metrics` threw in the renderers). The file itself is read
// only when it is a regular file, at most READ_LIMIT bytes per poll.

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { NodeKind } from '../../../core/graph.js';
import type { RunEvent } from '../../events.js';

/** Bytes read per poll; a line longer than this is garbage and skipped. */
export const READ_LIMIT = 4 << 20;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const numOrNull = (v: unknown): boolean => v === null || num(v);
/** A record of numbers (NaN/Infinity arrive as null in JSON and are dropped), without a prototype. */
function numbers(v: unknown): Record<string, number> | null {
  if (!isObj(v)) return null;
  const out: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const [k, x] of Object.entries(v)) if (num(x)) out[k] = x;
  return out;
}

const END_STATUS = new Set(['ok', 'cached', 'failed', 'interrupted', 'skipped']);

/**
 * The event of one line of the events file of the job that runs `node` (of kind `kind`), or null
 * when the line is not one. Run-level events (run-start, run-end) are not the job's to report.
 */
export function jobEvent(line: string, node: string, kind: NodeKind): RunEvent | null {
  let e: unknown;
  try {
    e = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isObj(e) || !num(e['t'])) return null;
  const t = e['t'];
  const own = e['node'] === node;
  switch (e['type']) {
    case 'node-start':
      return own && e['kind'] === kind && num(e['resumeEpoch']) && numOrNull(e['totalEpochs']) && numOrNull(e['stepsPerEpoch'])
        ? { t, type: 'node-start', node, kind, resumeEpoch: e['resumeEpoch'], totalEpochs: e['totalEpochs'] as number | null, stepsPerEpoch: e['stepsPerEpoch'] as number | null }
        : null;
    case 'node-end': {
      const summary = numbers(e['summary']);
      return own && END_STATUS.has(e['status'] as string) && num(e['durationMs']) && summary
        ? { t, type: 'node-end', node, status: e['status'] as 'ok', durationMs: e['durationMs'], summary }
        : null;
    }
    case 'epoch': {
      const metrics = numbers(e['metrics']);
      if (!own || !metrics || !num(e['epoch']) || !num(e['totalEpochs']) || !num(e['durationMs'])) return null;
      // a NaN loss is written as null (JSON has no NaN); the NaN policy's own events say so
      const loss = num(e['loss']) ? e['loss'] : NaN;
      return { t, type: 'epoch', node, epoch: e['epoch'], totalEpochs: e['totalEpochs'], loss, metrics, durationMs: e['durationMs'], ...(e['frozen'] === true ? { frozen: true } : {}) };
    }
    case 'step':
      return own && num(e['epoch']) && num(e['step']) && num(e['stepsPerEpoch']) && num(e['samplesPerSec'])
        ? { t, type: 'step', node, epoch: e['epoch'], step: e['step'], stepsPerEpoch: e['stepsPerEpoch'], loss: num(e['loss']) ? e['loss'] : NaN, samplesPerSec: e['samplesPerSec'] }
        : null;
    case 'metric':
      return own && typeof e['name'] === 'string' && num(e['value']) ? { t, type: 'metric', node, name: e['name'], value: e['value'] } : null;
    case 'checkpoint':
      return own && num(e['epoch']) && typeof e['path'] === 'string' ? { t, type: 'checkpoint', node, epoch: e['epoch'], path: e['path'] } : null;
    case 'warning':
    case 'info':
      return (own || e['node'] === null) && typeof e['message'] === 'string' ? { t, type: e['type'], node: own ? node : null, message: e['message'] } : null;
    case 'error':
      return (own || e['node'] === null) && typeof e['code'] === 'string' && typeof e['message'] === 'string'
        ? { t, type: 'error', node: own ? node : null, code: e['code'], message: e['message'] }
        : null;
    default:
      return null;
  }
}

/**
 * Complete lines appended to `path` since `offset`, and the new offset. Only a regular file is
 * read (a named pipe there would block the watcher), at most READ_LIMIT bytes at a time; a chunk
 * that holds no line end at all is skipped whole.
 */
export function readNewLines(path: string, offset: number): { lines: string[]; offset: number } {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return { lines: [], offset };
    size = st.size;
  } catch {
    return { lines: [], offset };
  }
  if (size <= offset) return { lines: [], offset: size < offset ? 0 : offset };
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(size - offset, READ_LIMIT));
    const n = readSync(fd, buf, 0, buf.length, offset);
    const end = buf.subarray(0, n).lastIndexOf(0x0a);
    if (end < 0) return { lines: [], offset: n === READ_LIMIT ? offset + n : offset };
    return { lines: buf.subarray(0, end).toString('utf8').split('\n').filter(Boolean), offset: offset + end + 1 };
  } finally {
    closeSync(fd);
  }
}

// Plain mode: error lines go to the error stream (stderr in `ssl3d run`), and a failed run repeats
// them at the end of the log.
import { describe, expect, it } from 'vitest';
import { createPlainRenderer } from '../../cli/ui/plain.js';
import type { RunEvent } from '../../runtime/events.js';

describe('plain renderer errors', () => {
  it('routes errors to writeError and repeats them when the run fails', () => {
    const out: string[] = [];
    const err: string[] = [];
    const r = createPlainRenderer({ write: (s) => out.push(s), writeError: (s) => err.push(s), heartbeatMs: 0, now: () => 0 });
    const events: RunEvent[] = [
      { t: 0, type: 'run-start', experiment: 'x', runId: 'r1', backend: { name: 'cpu', reason: 'test' }, nodes: [{ id: 'data:a', kind: 'data', hash: 'h1', state: 'to-run' }] },
      { t: 1, type: 'node-start', node: 'data:a', kind: 'data', resumeEpoch: 0, totalEpochs: null, stepsPerEpoch: null },
      { t: 2, type: 'error', node: 'data:a', code: 'SSL104', message: 'data/x.nii.gz: truncated gzip stream' },
      { t: 3, type: 'node-end', node: 'data:a', status: 'failed', durationMs: 2, summary: {} },
      { t: 4, type: 'run-end', status: 'failed', durationMs: 4 },
    ];
    for (const e of events) r.onEvent(e);
    r.close();
    expect(out.join('')).not.toContain('SSL104');
    const e = err.join('');
    expect(e.match(/error SSL104 in data:a: data\/x\.nii\.gz: truncated gzip stream/g)?.length).toBe(2);
    expect(e).toContain('1 error:');
    expect(out.join('')).toContain('run failed');
  });
});

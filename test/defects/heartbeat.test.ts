// Issue #16.8: plain mode promised a line at least every 30 s, but a 64³ epoch was silent for
// 58 s: the heartbeat ran on an interval timer, and synchronous training kernels keep the event
// loop too busy for it to fire. Every step event now checks whether a heartbeat is due.
import { describe, expect, it } from 'vitest';
import { createPlainRenderer } from '../../cli/ui/plain.js';
import type { RunEvent } from '../../runtime/events.js';

type Untimed = RunEvent extends infer E ? (E extends { t: number } ? Omit<E, 't'> : never) : never;

describe('#16.8 plain heartbeat inside a long epoch', () => {
  it('prints a line at least every 30 s while only step events arrive (fake clock, no timer)', () => {
    let clock = 1_000_000;
    const lines: Array<{ at: number; text: string }> = [];
    const r = createPlainRenderer({ write: (s) => lines.push({ at: clock, text: s }), now: () => clock }); // default 30 s
    const node = 'pretrain:rot3d';
    const ev = (e: Untimed): void => r.onEvent({ ...e, t: clock } as RunEvent);
    ev({ type: 'run-start', experiment: 'big', runId: 'r', backend: { name: 'native', reason: 'test' }, nodes: [{ id: node, kind: 'pretrain', hash: 'h', state: 'to-run', epochs: 10, stepsPerEpoch: 40 }] });
    ev({ type: 'node-start', node, kind: 'pretrain', resumeEpoch: 0, totalEpochs: 10, stepsPerEpoch: 40 });
    // one epoch of 40 steps, 1.45 s each: 58 s without an epoch event
    for (let s = 1; s <= 40; s++) {
      clock += 1450;
      ev({ type: 'step', node, epoch: 1, step: s, stepsPerEpoch: 40, loss: 2.3, samplesPerSec: 1.4 });
    }
    r.close();
    const beats = lines.filter((l) => l.text.includes('still running'));
    expect(beats.length).toBe(1);
    expect(beats[0]!.text).toMatch(/still running pretrain:rot3d, epoch 1\/10, step \d+\/40, elapsed 3\ds/);
    const times = lines.map((l) => l.at);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeLessThanOrEqual(30_000 + 1450);
    expect(clock - times[times.length - 1]!).toBeLessThanOrEqual(30_000);
  });
});

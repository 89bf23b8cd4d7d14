import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import React from 'react';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../runtime/events.js';
import { createJsonlRenderer, toJsonl } from '../../cli/ui/jsonl.js';
import { createPlainRenderer } from '../../cli/ui/plain.js';
import { nodeEta, resultTables, runEta, viewFrom } from '../../cli/ui/state.js';
import { App, RunStore } from '../../cli/ui/tui.js';

const fixture = (name: string): string => readFileSync(join(__dirname, 'fixtures', name), 'utf8');
const events = (): RunEvent[] => fixture('run-events.jsonl').trim().split('\n').map((l) => JSON.parse(l) as RunEvent);
const UPDATE = process.env.UPDATE_GOLDEN === '1';
/** The live part of a frame (ink-testing-library also returns the <Static> log above it). */
const live = (frame: string): string[] => {
  const lines = frame.split('\n');
  const i = lines.findIndex((l) => l.startsWith('ssl3d · '));
  return i < 0 ? lines : lines.slice(i);
};

describe('plain renderer', () => {
  it('matches the golden text for the recorded stream (no ANSI codes when not a TTY)', async () => {
    let out = '';
    const r = createPlainRenderer({ write: (s) => (out += s), heartbeatMs: 0 });
    for (const e of events()) r.onEvent(e);
    r.close();
    if (UPDATE) (await import('node:fs')).writeFileSync(join(__dirname, 'fixtures', 'plain.golden.txt'), out);
    expect(out).toBe(fixture('plain.golden.txt'));
    expect(out).not.toMatch(/\u001b\[/);
    expect(out).toMatch(/^ {2}val_dice on the test split|dice_WT on the test split/m);
  });

  it('prints a heartbeat when nothing was printed for 30 s', () => {
    let out = '';
    let clock = events()[0]!.t;
    const all = events();
    const firstStep = all.findIndex((e) => e.type === 'step' && e.node === 'pretrain:rot');
    const r = createPlainRenderer({ write: (s) => (out += s), heartbeatMs: 30_000, now: () => clock });
    for (const e of all.slice(0, firstStep + 2)) r.onEvent(e);
    const t = all[firstStep + 1]!.t;
    out = '';
    clock = t + 10_000;
    r.tick();
    expect(out).toBe('');
    clock = t + 31_000;
    r.tick();
    r.close();
    expect(out).toMatch(/still running pretrain:rot, epoch 1\/3, step 2\/4, elapsed \d+s, node ETA \d+(\.\d)?s/);
  });
});

describe('JSONL renderer', () => {
  it('writes exactly the events, one per line', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ssl3d-jsonl-')), 'events.jsonl');
    const r = createJsonlRenderer(file);
    const evs = events();
    for (const e of evs) r.onEvent(e);
    r.close();
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(fixture('run-events.jsonl'));
    expect(text).toBe(toJsonl(evs));
  });
});

describe('view model', () => {
  it('estimates node and run ETAs from measured step times and the plan', () => {
    const all = events();
    const i = all.findIndex((e) => e.type === 'epoch' && e.node === 'pretrain:rot');
    const v = viewFrom(all.slice(0, i + 1));
    const pre = v.nodes['pretrain:rot']!;
    expect(pre.stepsDone).toBe(4);
    // 8 steps left at the measured rate
    expect(nodeEta(v, pre)).toBeCloseTo(8 * pre.msPerStep!, 5);
    // fine-tuning nodes have not run yet: their steps are costed at the measured pretrain rate
    expect(runEta(v)!).toBeGreaterThan(nodeEta(v, pre)!);
  });
});

describe('result tables', () => {
  it('use metric keys only (not counts such as testCases), one table per metric', () => {
    const evs = events().map((e) =>
      e.type === 'node-end' && e.node.startsWith('evaluate:') ? { ...e, summary: { testCases: 2, ...e.summary, dice_WT__excluded: 1, dice_ET: 0.5 } } : e,
    );
    const tables = resultTables(viewFrom(evs));
    expect(tables.map((t) => t.metric)).toEqual(['dice_WT', 'dice_ET']);
    expect(tables[1]!.cells['scratch']!['0.1']).toEqual({ mean: 0.5, sd: 0, n: 2 });
  });
});

describe('Ink TUI', () => {
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('shows progress bars and an ETA mid-run, within the terminal height', async () => {
    const all = events();
    const store = new RunStore();
    const i = all.findIndex((e) => e.type === 'step' && e.node === 'finetune:finetune/10%/r1');
    for (const e of all.slice(0, i + 2)) store.onEvent(e);
    const rows = 16;
    const app = render(<App store={store} onQuit={() => undefined} rows={rows} columns={100} />);
    await wait(150);
    const frame = app.lastFrame() ?? '';
    app.unmount();
    expect(frame).toMatch(/epochs [█░]+ 0\/2 done/);
    expect(frame).toMatch(/● finetune:scratch\/10%\/r0 done in 12s/); // the log pane of finished nodes
    expect(frame).toMatch(/steps {2}[█░]+ 2\/4/);
    expect(frame).toMatch(/ETA \d/);
    expect(frame).toMatch(/samples\/s/);
    expect(frame).toMatch(/3D-Rotation/); // the sweep grid
    expect(live(frame).length).toBeLessThanOrEqual(rows);
  });

  it('stays within very small terminals', async () => {
    const store = new RunStore();
    const all = events();
    for (const e of all.slice(0, 60)) store.onEvent(e);
    for (const rows of [4, 8]) {
      const app = render(<App store={store} onQuit={() => undefined} rows={rows} columns={60} />);
      await wait(120);
      const frame = app.lastFrame() ?? '';
      app.unmount();
      expect(live(frame).length).toBeLessThanOrEqual(rows);
    }
  });

  it('shows the final result table and handles q and the arrow keys', async () => {
    const store = new RunStore();
    let quit = 0;
    for (const e of events()) store.onEvent(e);
    const app = render(<App store={store} onQuit={() => (quit += 1)} rows={40} columns={110} />);
    await wait(150);
    const frame = app.lastFrame() ?? '';
    expect(frame).toMatch(/on the test split/);
    expect(frame).toMatch(/scratch\s+0\.\d{3} ± 0\.\d{3} \(n=2\)/);
    expect(frame).toMatch(/3D-Rotation\s+0\.\d{3} ± 0\.\d{3} \(n=2\)/);
    app.stdin.write('\u001b[B');
    app.stdin.write('q');
    await wait(50);
    app.unmount();
    expect(quit).toBe(1);
  });
});

// The Ink TUI: the graph (or the method × fraction × repetition sweep grid) with each node's
// state, the running node's epoch and step bars, loss/metric sparklines, throughput, ETAs, a
// log pane of finished nodes (<Static>), warnings and errors, and the result table at the end.
// Redraws at most 10 times a second and never draws more lines than the terminal has rows.
// Keys: q (or Ctrl-C) stops cleanly; ↑/↓ select a node and show its details.

import React, { useEffect, useState } from 'react';
import { Box, Static, Text, render, useInput, useStdin, useStdout, type Instance } from 'ink';
import type { RunEvent } from '../../runtime/events.js';
import { collapsesOf } from '../../report/collapse.js';
import { setTerminalOwner } from '../output.js';
import { sweepOfNode } from '../../report/scope.js';
import {
  bar,
  emptyView,
  formatDuration,
  formatFraction,
  formatNumber,
  formatSummary,
  nodeEta,
  reduce,
  resultTables,
  resultTableLines,
  runEta,
  sparkline,
  type NodeState,
  type NodeView,
  type RunView,
} from './state.js';

/** Holds the view; the run pushes events in, the component polls it (throttled). */
export class RunStore {
  readonly view: RunView = emptyView();
  version = 0;
  onEvent = (e: RunEvent): void => {
    reduce(this.view, e);
    this.version += 1;
  };
}

interface Line {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
}

const ICON: Record<NodeState, { glyph: string; color: string }> = {
  'to-run': { glyph: '·', color: 'gray' },
  partial: { glyph: '◐', color: 'yellow' },
  cached: { glyph: '○', color: 'cyan' },
  running: { glyph: '▶', color: 'yellow' },
  done: { glyph: '●', color: 'green' },
  failed: { glyph: '✗', color: 'red' },
  interrupted: { glyph: '◌', color: 'yellow' },
  skipped: { glyph: '-', color: 'gray' },
};

function nodeLine(v: NodeView, selected: boolean, now: number): Line {
  const icon = ICON[v.state];
  let extra = '';
  if (v.state === 'running' && v.totalEpochs) extra = ` epoch ${Math.min(v.epoch + 1, v.totalEpochs)}/${v.totalEpochs}`;
  else if (v.state === 'done') extra = ` ${formatDuration(v.durationMs)}${Object.keys(v.summary).length ? ` · ${formatSummary(v.summary, 2)}` : ''}`;
  else if (v.state === 'cached') extra = ' cached';
  else if (v.state === 'failed' && v.error) extra = ` ${v.error.code}`;
  else if (v.state === 'running' && v.startedAt !== null) extra = ` ${formatDuration(now - v.startedAt)}`;
  return { text: `${selected ? '›' : ' '} ${icon.glyph} ${v.id}${extra}`, color: icon.color, bold: selected };
}

/** method × fraction grid; each cell shows one glyph per repetition (finetune, then evaluate). */
function gridLines(view: RunView): Line[] {
  const sweep = view.order.map((id) => view.nodes[id]!).filter((v) => (v.kind === 'finetune' || v.kind === 'evaluate') && v.method !== null && v.fraction !== null);
  if (!sweep.length) return [];
  // rows of different sweeps never share a line (the 3D and the 2D scratch baseline differ)
  const several = new Set(sweep.map((v) => sweepOfNode(v.id))).size > 1;
  const rowOf = (v: NodeView): string => (several ? `${sweepOfNode(v.id) ?? ''}: ${v.method}` : v.method!);
  const methods: string[] = [];
  const fractions: number[] = [];
  for (const v of sweep) {
    if (!methods.includes(rowOf(v))) methods.push(rowOf(v));
    if (!fractions.includes(v.fraction!)) fractions.push(v.fraction!);
  }
  fractions.sort((a, b) => a - b);
  const cell = (m: string, f: number): string =>
    sweep
      .filter((v) => rowOf(v) === m && v.fraction === f && v.kind === 'finetune')
      .sort((a, b) => (a.repetition ?? 0) - (b.repetition ?? 0))
      .map((ft) => {
        const ev = view.nodes[ft.id.replace(/^finetune:/, 'evaluate:')];
        // the evaluate state wins once the fine-tuning is finished
        const s = ev && (ft.state === 'done' || ft.state === 'cached') ? ev.state : ft.state;
        // a collapsed repetition (Dice/IoU 0 on every test case) is marked, not hidden
        if (ev && (s === 'done' || s === 'cached') && collapsesOf(ev.summary, ev.summary.testCases ?? 0).length) return COLLAPSED_GLYPH;
        return ICON[s].glyph;
      })
      .join('');
  const w = Math.max(6, ...methods.map((m) => m.length));
  const colW = Math.max(6, ...fractions.map((f) => formatFraction(f).length + 1));
  const header = ' '.repeat(w + 4) + fractions.map((f) => formatFraction(f).padEnd(colW)).join('');
  return [
    { text: header, dim: true },
    ...methods.map((m) => ({ text: `  ${m.padEnd(w)}  ` + fractions.map((f) => cell(m, f).padEnd(colW)).join('') })),
  ];
}

/** Grid glyph of a finished repetition that collapsed (see report/collapse.ts). */
export const COLLAPSED_GLYPH = '⊘';

function currentLines(view: RunView, width: number): Line[] {
  const id = view.current;
  if (!id) return [];
  const v = view.nodes[id]!;
  const barW = Math.max(10, Math.min(40, width - 40));
  const out: Line[] = [{ text: `▶ ${v.id}`, bold: true, color: 'yellow' }];
  if (v.totalEpochs) {
    const epochsDone = v.stepsPerEpoch ? v.stepsDone / v.stepsPerEpoch : v.epoch;
    out.push({ text: `  epochs ${bar(epochsDone / v.totalEpochs, barW)} ${Math.floor(epochsDone)}/${v.totalEpochs} done` });
  }
  if (v.stepsPerEpoch) {
    const inEpoch = v.stepsDone - Math.floor(v.stepsDone / v.stepsPerEpoch) * v.stepsPerEpoch;
    const shown = inEpoch === 0 && v.stepsDone > 0 ? v.stepsPerEpoch : inEpoch;
    out.push({ text: `  steps  ${bar(shown / v.stepsPerEpoch, barW)} ${shown}/${v.stepsPerEpoch}` });
  }
  const losses = v.stepLosses.length ? v.stepLosses : v.epochLosses;
  if (losses.length) out.push({ text: `  loss   ${sparkline(losses, barW)} ${formatNumber(losses[losses.length - 1]!)}` });
  const metricName = Object.keys(v.metrics)[0];
  if (metricName) {
    const xs = v.metrics[metricName]!;
    out.push({ text: `  ${metricName.slice(0, 10)} ${sparkline(xs, barW)} ${formatNumber(xs[xs.length - 1]!)}` });
  }
  const eta = nodeEta(view, v);
  const parts = [
    v.samplesPerSec !== null ? `${v.samplesPerSec.toFixed(1)} samples/s` : null,
    v.startedAt !== null ? `elapsed ${formatDuration(view.now - v.startedAt)}` : null,
    `ETA ${eta === null ? '…' : formatDuration(eta)}`,
    v.lastCheckpointEpoch !== null ? `checkpoint @ epoch ${v.lastCheckpointEpoch}` : null,
  ].filter(Boolean);
  out.push({ text: `  ${parts.join(' · ')}`, dim: true });
  return out;
}

function detailLines(v: NodeView | undefined): Line[] {
  if (!v) return [];
  const out: Line[] = [{ text: `details: ${v.id} (${v.kind}, ${v.state})`, bold: true }];
  if (v.reason) out.push({ text: `  ${v.reason}`, dim: true });
  if (Object.keys(v.summary).length) out.push({ text: `  ${formatSummary(v.summary, 6)}` });
  if (v.epochLosses.length) out.push({ text: `  loss by epoch ${sparkline(v.epochLosses, 30)} ${formatNumber(v.epochLosses[v.epochLosses.length - 1]!)}` });
  if (v.error) out.push({ text: `  error ${v.error.code}: ${v.error.message}`, color: 'red' });
  return out;
}

/** Every line of the live frame, fitted into `rows` lines (lower-priority sections shrink first). */
export function frameLines(view: RunView, selected: number, rows: number, width: number): Line[] {
  const eta = runEta(view);
  const elapsed = view.startedAt !== null ? (view.endedAt ?? view.now) - view.startedAt : 0;
  const header: Line[] = [
    {
      text: `ssl3d · ${view.experiment} · run ${view.runId}${view.backend ? ` · backend ${view.backend.name}` : ''} · ${formatDuration(elapsed)}${view.status === 'running' ? ` · ETA ${eta === null ? '…' : formatDuration(eta)}` : ` · ${view.status ?? ''}`}`,
      bold: true,
    },
  ];
  const current = currentLines(view, width);
  const sel = view.nodes[view.order[selected] ?? ''];
  const nodes = view.order.filter((id) => {
    const v = view.nodes[id]!;
    return !(v.kind === 'finetune' || v.kind === 'evaluate') || v.method === null;
  });
  const listLines = nodes.map((id) => nodeLine(view.nodes[id]!, sel?.id === id, view.now));
  const grid = gridLines(view);
  const messages: Line[] = [
    ...view.errors.slice(-3).map((e) => ({ text: `error ${e.code}${e.node ? ` in ${e.node}` : ''}: ${e.message}`, color: 'red' })),
    ...view.warnings.slice(-2).map((w) => ({ text: `warning${w.node ? ` ${w.node}` : ''}: ${w.message}`, color: 'yellow' })),
  ];
  const tables = view.status !== 'running' ? resultTables(view) : [];
  const tableLines: Line[] = tables.flatMap((t) => resultTableLines(t).map((text, i) => ({ text, bold: i === 1 })));
  const footer: Line[] = [{ text: view.status === 'running' ? 'q stop (resumable) · ↑/↓ select a node' : '', dim: true }];
  const details = sel && view.status === 'running' ? detailLines(sel) : [];

  // sections in priority order; the node list shrinks to what is left
  const fixed = [header, current, tableLines, messages, footer];
  let budget = Math.max(1, rows) - fixed.reduce((a, s) => a + s.length, 0);
  const take = (ls: Line[]): Line[] => {
    if (budget <= 0) return [];
    if (ls.length <= budget) {
      budget -= ls.length;
      return ls;
    }
    const keep = ls.slice(0, Math.max(0, budget - 1));
    keep.push({ text: `  … ${ls.length - keep.length} more`, dim: true });
    budget = 0;
    return keep;
  };
  const gridPart = take(grid);
  // keep the selected (else the running) node visible when the list must be cut
  let list = listLines;
  const focus = sel?.id ?? view.current;
  if (budget < list.length && focus) {
    const i = nodes.indexOf(focus);
    if (i >= 0) list = list.slice(Math.max(0, Math.min(i - Math.floor(budget / 2), list.length - budget)));
  }
  const listPart = take(list);
  const detailPart = take(details);
  const all = [...header, ...listPart, ...gridPart, ...current, ...detailPart, ...messages, ...tableLines, ...footer];
  return all.slice(0, Math.max(1, rows)).map((l) => ({ ...l, text: l.text.length > width ? l.text.slice(0, Math.max(1, width - 1)) + '…' : l.text }));
}

export interface AppProps {
  store: RunStore;
  onQuit: () => void;
  /** Override the terminal size (tests). */
  rows?: number;
  columns?: number;
  /** Redraw interval in ms (≥ 100 keeps it at ≤ 10 frames/s). */
  frameMs?: number;
}

export function App({ store, onQuit, rows, columns, frameMs = 100 }: AppProps): React.JSX.Element {
  const { stdout } = useStdout();
  // keys need a raw-mode stdin; without one (stdin redirected) the TUI still draws, and Ctrl-C
  // arrives as SIGINT instead
  const { isRawModeSupported } = useStdin();
  const [, setVersion] = useState(0);
  const [selected, setSelected] = useState(-1); // -1: nothing selected until an arrow key
  const [quitting, setQuitting] = useState(false);

  useEffect(() => {
    let seen = -1;
    const timer = setInterval(() => {
      if (store.version !== seen) {
        seen = store.version;
        setVersion(seen);
      }
    }, Math.max(100, frameMs));
    return () => clearInterval(timer);
  }, [store, frameMs]);

  useInput((input, key) => {
    if (input === 'q' || (key.ctrl && input === 'c')) {
      if (quitting && key.ctrl) process.exit(130);
      setQuitting(true);
      onQuit();
    } else if (key.upArrow) setSelected((s) => (s < 0 ? store.view.order.length - 1 : Math.max(0, s - 1)));
    else if (key.downArrow) setSelected((s) => Math.min(store.view.order.length - 1, s + 1));
  }, { isActive: isRawModeSupported });

  const view = store.view;
  const height = Math.max(3, (rows ?? stdout.rows ?? 24) - 1);
  const width = Math.max(20, (columns ?? stdout.columns ?? 80) - 1);
  const finished = view.finished.map((id) => view.nodes[id]!).filter((v) => v.state !== 'cached');
  const lines = frameLines(view, selected, height - (quitting && view.status === 'running' ? 1 : 0), width);
  return (
    <>
      <Static items={finished}>
        {(v) => (
          <Text key={v.id} color={ICON[v.state].color}>
            {`${ICON[v.state].glyph} ${v.id} ${v.state} in ${formatDuration(v.durationMs)}${Object.keys(v.summary).length ? ` — ${formatSummary(v.summary)}` : ''}${v.error ? ` — ${v.error.code}: ${v.error.message}` : ''}`}
          </Text>
        )}
      </Static>
      <Box flexDirection="column">
        {lines.map((l, i) => (
          <Text key={i} wrap="truncate" {...(l.color ? { color: l.color } : {})} bold={l.bold ?? false} dimColor={l.dim ?? false}>
            {l.text === '' ? ' ' : l.text}
          </Text>
        ))}
        {quitting && view.status === 'running' ? <Text color="yellow">stopping: saving a checkpoint…</Text> : null}
      </Box>
    </>
  );
}

export interface TuiHandle {
  store: RunStore;
  onEvent: (e: RunEvent) => void;
  /** Draw the final frame and release the terminal. */
  finish(): Promise<void>;
}

export function startTui(onQuit: () => void): TuiHandle {
  const store = new RunStore();
  // ink draws with cursor sequences of its own; what it shows went through `visible` (cli/output.ts)
  setTerminalOwner(true);
  const instance: Instance = render(<App store={store} onQuit={onQuit} />, { exitOnCtrlC: false, patchConsole: false });
  return {
    store,
    onEvent: store.onEvent,
    async finish(): Promise<void> {
      store.version += 1;
      await new Promise((r) => setTimeout(r, 150)); // one last frame
      instance.unmount();
      await instance.waitUntilExit().catch(() => undefined);
      setTerminalOwner(false);
    },
  };
}

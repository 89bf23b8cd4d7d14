// Plain-line renderer for pipes, CI logs and dumb terminals: one line per node start and end,
// one per epoch, warnings and errors, and a heartbeat at least every 30 s while a node runs.
// Times are shown relative to the run start. Colour only on a TTY without NO_COLOR.

import type { RunEvent } from '../../runtime/events.js';
import { collapsesOf, collapseText } from '../../report/collapse.js';
import { emptyView, formatDuration, formatNumber, formatSummary, reduce, resultTableLines, resultTables, runEta, nodeEta, type RunView } from './state.js';

export interface PlainOptions {
  write: (text: string) => void;
  /** Where error lines go (e.g. stderr); defaults to `write`. */
  writeError?: (text: string) => void;
  color?: boolean;
  /** Milliseconds between heartbeats (default 30 000); 0 disables the timer. */
  heartbeatMs?: number;
  /** Clock for heartbeats (tests). */
  now?: () => number;
  /** Print the method × fraction result table at the end (default true; off when a report follows). */
  results?: boolean;
}

export interface PlainRenderer {
  onEvent(event: RunEvent): void;
  /** Print a heartbeat line if one is due (called by the timer; tests call it directly). */
  tick(): void;
  close(): void;
  view: RunView;
}

const paint = (on: boolean, code: string, s: string): string => (on ? `\u001b[${code}m${s}\u001b[0m` : s);

export function createPlainRenderer(opts: PlainOptions): PlainRenderer {
  const color = opts.color ?? false;
  const now = opts.now ?? Date.now;
  const heartbeatMs = opts.heartbeatMs ?? 30_000;
  const view = emptyView();
  let lastLineAt = now();
  const errors: string[] = [];
  const writeError = opts.writeError ?? opts.write;
  let timer: NodeJS.Timeout | null = null;

  const stamp = (t: number): string => `[${clock(view.startedAt === null ? 0 : t - view.startedAt)}]`;
  const out = (t: number, text: string): void => {
    opts.write(`${stamp(t)} ${text}\n`);
    lastLineAt = t;
  };

  const heartbeat = (t: number): string | null => {
    const id = view.current;
    if (!id) return null;
    const v = view.nodes[id]!;
    const parts = [`still running ${id}`];
    if (v.totalEpochs !== null) parts.push(`epoch ${Math.min(v.epoch + 1, v.totalEpochs)}/${v.totalEpochs}`);
    if (v.stepsPerEpoch !== null) parts.push(`step ${v.step}/${v.stepsPerEpoch}`);
    if (v.startedAt !== null) parts.push(`elapsed ${formatDuration(t - v.startedAt)}`);
    const eta = nodeEta(view, v);
    if (eta !== null) parts.push(`node ETA ${formatDuration(eta)}`);
    const total = runEta(view);
    if (total !== null) parts.push(`run ETA ${formatDuration(total)}`);
    return parts.join(', ');
  };

  const onEvent = (e: RunEvent): void => {
    reduce(view, e);
    switch (e.type) {
      case 'run-start': {
        const counts = { cached: 0, partial: 0, 'to-run': 0 };
        for (const n of e.nodes) counts[n.state] += 1;
        out(e.t, `run ${e.runId} of ${e.experiment}: backend ${e.backend.name} (${e.backend.reason})`);
        out(e.t, `${e.nodes.length} nodes: ${counts.cached} cached, ${counts.partial} to resume, ${counts['to-run']} to run`);
        break;
      }
      case 'node-start': {
        const v = view.nodes[e.node]!;
        const plan: string[] = [];
        if (e.totalEpochs !== null) plan.push(e.resumeEpoch > 0 ? `resuming at epoch ${e.resumeEpoch + 1}/${e.totalEpochs}` : `${e.totalEpochs} epochs`);
        if (e.stepsPerEpoch !== null) plan.push(`${e.stepsPerEpoch} steps/epoch`);
        if (v.reason && e.resumeEpoch === 0) plan.push(v.reason);
        out(e.t, `start ${e.node}${plan.length ? ` (${plan.join(', ')})` : ''}`);
        break;
      }
      case 'epoch': {
        const metrics = Object.entries(e.metrics).map(([k, v]) => `${k} ${formatNumber(v)}`);
        const v = view.nodes[e.node];
        const sps = v?.samplesPerSec != null ? `, ${v.samplesPerSec.toFixed(1)} samples/s` : '';
        out(e.t, `${e.node} epoch ${e.epoch}/${e.totalEpochs}${e.frozen ? ' (frozen)' : ''} loss ${formatNumber(e.loss)}${metrics.length ? ' ' + metrics.join(' ') : ''} (${formatDuration(e.durationMs)}${sps})`);
        break;
      }
      case 'node-end': {
        const sum = formatSummary(e.summary);
        const label =
          e.status === 'ok' ? paint(color, '32', 'done') : e.status === 'cached' ? 'cached' : e.status === 'failed' ? paint(color, '31', 'FAILED') : e.status === 'skipped' ? 'skipped' : paint(color, '33', 'interrupted');
        const time = e.status === 'ok' || e.status === 'failed' || e.status === 'interrupted' ? ` in ${formatDuration(e.durationMs)}` : '';
        out(e.t, `${label} ${e.node}${time}${sum ? ` — ${sum}` : ''}`);
        const v = view.nodes[e.node];
        if (v?.kind === 'evaluate' && (e.status === 'ok' || e.status === 'cached')) {
          const c = collapsesOf(e.summary, e.summary.testCases ?? 0);
          if (c.length) out(e.t, `${paint(color, '33', 'warning')} ${e.node}: ${collapseText(v.repetition ?? 0, c)} (kept in the results)`);
        }
        break;
      }
      case 'warning':
        out(e.t, `${paint(color, '33', 'warning')}${e.node ? ` ${e.node}` : ''}: ${e.message}`);
        break;
      case 'info':
        out(e.t, `${e.node ? `${e.node}: ` : ''}${e.message}`);
        break;
      case 'error': {
        const line = `${paint(color, '31', `error ${e.code}`)}${e.node ? ` in ${e.node}` : ''}: ${e.message}`;
        errors.push(line);
        writeError(`${stamp(e.t)} ${line}\n`);
        lastLineAt = e.t;
        break;
      }
      case 'run-end': {
        const counts: Record<string, number> = {};
        for (const id of view.order) counts[view.nodes[id]!.state] = (counts[view.nodes[id]!.state] ?? 0) + 1;
        const parts = ['done', 'cached', 'failed', 'skipped', 'interrupted', 'to-run', 'partial'].filter((k) => counts[k]).map((k) => `${counts[k]} ${k === 'to-run' || k === 'partial' ? 'not run' : k}`);
        out(e.t, `run ${e.status} in ${formatDuration(e.durationMs)}: ${parts.join(', ')}`);
        const tables = opts.results === false ? [] : resultTables(view);
        for (const table of tables) for (const l of resultTableLines(table)) opts.write(`  ${l}\n`);
        if (e.status === 'interrupted') opts.write('  interrupted: run the same command again to resume from the last checkpoint\n');
        if (e.status === 'failed' && errors.length > 0) {
          // Repeat the errors at the end, where a reader of a long log looks first.
          writeError(`${errors.length} error${errors.length === 1 ? '' : 's'}:\n`);
          for (const l of errors) writeError(`  ${l}\n`);
        }
        break;
      }
      default:
        // step, metric and checkpoint events only feed the view, but they are also the heartbeat's
        // clock: a long epoch keeps the event loop busy (synchronous kernels), so the interval
        // timer below may not fire for a minute; every step checks whether a heartbeat is due
        beat();
        break;
    }
  };
  const beat = (): void => {
    const t = now();
    if (t - lastLineAt < heartbeatMs || heartbeatMs <= 0) return;
    const line = heartbeat(t);
    if (line) out(t, line);
  };

  if (heartbeatMs > 0) {
    timer = setInterval(() => renderer.tick(), Math.min(heartbeatMs, 5000));
    timer.unref();
  }

  const renderer: PlainRenderer = {
    view,
    onEvent,
    tick(): void {
      beat();
    },
    close(): void {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
  return renderer;
}

function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return `${h > 0 ? `${h}:` : ''}${String(m).padStart(h > 0 ? 2 : 1, '0')}:${String(sec).padStart(2, '0')}`;
}


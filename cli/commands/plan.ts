// `ssl3d plan FILE [--json] [--set PATH=VALUE]... [--cache DIR] [--no-color]`
// Prints the execution graph in run order: kind, key parameters, hash prefix, cost estimate,
// and (when a cache exists) what a run would do with each node. `--json` prints the graph.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { compileFile } from '../../compiler/index.js';
import { pretextEncoderInput } from '../../compiler/cost.js';
import { encoderDivisor, pretrainCorpusText } from '../../core/geometry.js';
import type { ExecutionGraph, GraphNode } from '../../core/graph.js';
import type { Command } from '../command.js';
import { fileProblem, machineMemory, parseArgs, render } from './check.js';
import { msg, withCode } from '../../core/codes/index.js';

const usage = `usage: ssl3d plan FILE [options]

  --json             print the execution graph (JSON) instead of the table
  --set PATH=VALUE   override a value first, e.g. --set rot3d.train.epochs=2
  --cache DIR        cache folder to report cached / partial / to-run (default: .ssl3d/ beside FILE)
  --executor slurm   print the sbatch lines \`ssl3d run --executor slurm\` would submit (dry run)
  --no-color         plain output
  --backend NAME     estimate wall time for this backend (default: the experiment's backend)
  --probe            measure the backend's speed again (about 1 s) instead of the cached value
  --no-estimate      no wall-time estimates (no backend probe)

Wall time is estimated per training node and in total: the cost model's FLOPs divided by the
backend's measured speed (a ~1 s training probe, cached per machine, backend and version in
~/.cache/ssl3d/speed.json; SSL3D_SPEED_CACHE names another file, SSL3D_NO_PROBE=1 turns it off).
`;

/** Measured speed of the backend that would run the plan (runtime/backend/speed.ts). */
export interface PlanSpeed {
  /** tfjs backend that was measured ('native', 'cpu', …) */
  backend: string;
  flopsPerSecond: number;
  /** e.g. "measured now" or "cached from 2026-12-04" */
  source: string;
}

/** Seconds in words: 45 s, 12 min, 5.2 h, 3.1 days. */
export function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return 'unknown';
  if (s < 90) return `${Math.max(1, Math.round(s))} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} days`;
}

/** Estimated training seconds of a node (FLOPs per step × steps / measured FLOP/s), or null. */
export function nodeSeconds(n: GraphNode, speed: PlanSpeed): number | null {
  const c = n.cost;
  if (!c || c.steps === null) return null;
  return (c.flopsPerStep * c.steps) / speed.flopsPerSecond;
}

/** The days warning, or null: a plan that would run a day or more on this backend says so. */
export function daysWarning(seconds: number, speed: PlanSpeed): string | null {
  if (seconds < 86400) return null;
  return `warning: this plan would train for about ${fmtDuration(seconds)} on the ${speed.backend} backend of this machine; lower epochs, sizes or repetitions, or run on a faster backend (--executor slurm spreads nodes over a cluster)`;
}

export type PlanState = { state: 'cached' | 'partial' | 'to-run'; reason: string };

function fmtCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

function pct(f: number): string {
  return `${Number((f * 100).toPrecision(10))}%`;
}

/** Short description of a node's key parameters. */
export function keyParams(n: GraphNode): string {
  switch (n.kind) {
    case 'data': {
      const d = n.params.dataset;
      const size = d.preprocess.resize ?? ('size' in d.source ? d.source.size : null);
      const parts = [d.source.kind, size ? size.join('x') : 'native size', `${d.channels}ch`, d.knownCases !== null ? `${d.knownCases} cases` : null, d.labels.kind === 'none' ? 'unlabelled' : d.labels.kind];
      return parts.filter(Boolean).join(' ');
    }
    case 'pretrain': {
      const p = n.params.pretext;
      const t = p.params;
      const task =
        t.task === 'rpl' ? `grid ${t.grid} jitter ${t.jitter}` : t.task === 'jigsaw' ? `grid ${t.grid} perms ${t.permutations}` : t.task === 'cpc' ? `grid ${t.grid} patch ${t.patch}` : t.task === 'rotation' ? `copies ${t.copies}` : `code ${t.codeSize}`;
      // the encoder's own input: grid patches (RPL, Jigsaw, CPC) or a padded cube (rotation)
      const spatial = n.params.inputShape.slice(0, -1);
      const seen = pretextEncoderInput(p, n.params.encoder, spatial);
      const same = seen.patch.join('x') === spatial.join('x');
      // a grid patch that is not a multiple of the encoder's divisor is cropped (warning SSL076): say from what
      const raw = t.task === 'rpl' || t.task === 'jigsaw' ? spatial.map((s) => Math.floor(s / t.grid) - 2 * t.jitter) : seen.patch;
      const cropped = raw.join('x') !== seen.patch.join('x') ? ` (cropped from ${raw.join('x')})` : '';
      const patches = same ? '' : ` → ${['rpl', 'jigsaw', 'cpc'].includes(p.task) ? `${seen.runs} patches of ` : ''}${seen.patch.join('x')}${cropped}`;
      return `${p.dim}D ${p.task} (${p.variant}) ${task}; ${n.params.encoder.kind} in ${n.params.inputShape.join('x')}${patches}; ${p.train.epochs} ep, batch ${p.train.batch}, lr ${p.train.optimizer.lr}`;
    }
    case 'finetune': {
      const f = n.params.finetune;
      return `${n.params.method} ${n.params.arm} ${pct(n.params.fraction)} r${n.params.repetition}; ${f.target} ${f.loss}; ${f.train.epochs} ep${f.warmup ? ` (warm-up ${f.warmup})` : ''}, lr ${f.train.optimizer.lr}${n.params.pretrainedChannels !== null && n.params.pretrainedChannels !== n.params.inputShape[n.params.inputShape.length - 1] ? `; adapter ${f.adapter} ${n.params.pretrainedChannels}→${n.params.inputShape[n.params.inputShape.length - 1]}ch` : ''}`;
    }
    case 'evaluate':
      return n.params.evaluation.metrics.map((m) => (m.region ? `${m.metric}.${m.region}` : m.metric)).join(', ');
    case 'report':
      return [...n.params.report.tables.map((t) => `table ${t.name}`), ...n.params.report.plots.map((p) => `plot ${p.name}`)].join(', ') + ` → ${n.params.report.formats.join(', ')}`;
  }
}

/**
 * Plan warnings that `check` leaves out: RPL/Jigsaw patches cropped to a multiple of the
 * encoder's divisor (SSL076, #16.11), with the reason and a jitter that fits exactly.
 */
export function planWarnings(graph: ExecutionGraph): string[] {
  const out: string[] = [];
  for (const n of graph.nodes) {
    if (n.kind !== 'pretrain') continue;
    const p = n.params.pretext;
    const t = p.params;
    if (t.task !== 'rpl' && t.task !== 'jigsaw') continue;
    const spatial = n.params.inputShape.slice(0, -1);
    const used = pretextEncoderInput(p, n.params.encoder, spatial).patch;
    const cells = spatial.map((s) => Math.floor(s / t.grid));
    const raw = cells.map((c) => c - 2 * t.jitter);
    if (raw.join('x') === used.join('x')) continue;
    const div = encoderDivisor(n.params.encoder);
    const unit = p.dim === 2 ? 'pixel' : 'voxel';
    const exact = cells.every((c, i) => (c - used[i]!) % 2 === 0 && (c - used[i]!) / 2 === (cells[0]! - used[0]!) / 2) ? (cells[0]! - used[0]!) / 2 : null;
    const m = msg('SSL076', 'cropped', {
      name: p.name,
      raw: raw.join('x'),
      unit,
      cells: cells.join('x'),
      jitter: t.jitter,
      used: used.join('x'),
      halvings: Math.log2(div),
      plural: div === 2 ? '' : 's',
      divisor: div,
      exactly: exact !== null && exact !== t.jitter ? `; jitter = ${exact} ${p.dim === 2 ? 'px' : 'voxels'} would fit exactly` : '',
    });
    out.push(`warning ${withCode(m, ': ')}`);
  }
  return out;
}

function costText(n: GraphNode): string {
  const c = n.cost;
  if (!c) return '';
  return `${fmtCount(c.trainableParams)} params, ${(c.activationBytes / 2 ** 20).toFixed(0)} MB act, ${(c.flopsPerStep / 1e9).toFixed(1)} GFLOP/step, ${c.steps === null ? '? steps' : `${c.steps} steps`}`;
}

/** The plan as text: one line per node in run order (with cache state and time estimates when given). */
export function renderPlan(graph: ExecutionGraph, states?: Record<string, PlanState>, speed?: PlanSpeed): string {
  const lines: string[] = [];
  lines.push(`experiment ${graph.experiment} (${graph.source.file}, seed ${graph.seed}, backend ${graph.backend}): ${graph.nodes.length} nodes`);
  const idW = Math.min(48, Math.max(...graph.nodes.map((n) => n.id.length)));
  const counts: Record<string, number> = {};
  for (const n of graph.nodes) {
    const st = states?.[n.id];
    if (st) counts[st.state] = (counts[st.state] ?? 0) + 1;
    const secs = speed ? nodeSeconds(n, speed) : null;
    const cost = costText(n) + (secs !== null ? `, ≈ ${fmtDuration(secs)}` : '');
    lines.push(
      `  ${n.kind.padEnd(8)} ${n.id.padEnd(idW)}  ${n.hash.slice(0, 12)}${st ? `  [${st.state}${st.reason ? ': ' + st.reason : ''}]` : ''}`,
    );
    lines.push(`  ${' '.repeat(8)} ${keyParams(n)}${cost ? `\n  ${' '.repeat(8)} cost: ${cost}` : ''}`);
    if (n.kind === 'pretrain') {
      // what pretraining trains on, and what it holds out (#16.11)
      const data = graph.nodes.find((d) => d.id === n.inputs[0]);
      if (data && data.kind === 'data') lines.push(`  ${' '.repeat(8)} data: ${pretrainCorpusText(data.params.dataset)}`);
    }
  }
  const train = graph.nodes.filter((n) => n.cost && n.cost.steps !== null);
  const total = train.reduce((a, n) => a + n.cost!.flopsPerStep * n.cost!.steps!, 0);
  lines.push(`total: ${(total / 1e12).toFixed(2)} TFLOP over ${train.length} training node${train.length === 1 ? '' : 's'} with known steps`);
  if (speed) {
    // the time still to spend: cached nodes cost nothing
    const todo = train.filter((n) => states?.[n.id]?.state !== 'cached');
    const secs = todo.reduce((a, n) => a + (nodeSeconds(n, speed) ?? 0), 0);
    const unknown = graph.nodes.filter((n) => n.cost && n.cost.steps === null).length;
    if (states && todo.length === 0) lines.push('estimated training time: none (every training node is cached)');
    else lines.push(
      `estimated training time: ${fmtDuration(secs)} on ${speed.backend} (${todo.length} node${todo.length === 1 ? '' : 's'}${states ? ' to run' : ''}; ` +
        `${(speed.flopsPerSecond / 1e9).toFixed(1)} GFLOP/s ${speed.source}; data preparation and evaluation not included${unknown ? `; ${unknown} node${unknown === 1 ? '' : 's'} with unknown steps left out` : ''})`,
    );
    const w = daysWarning(secs, speed);
    if (w) lines.push(`⚠ ${w}`);
  }
  if (states) lines.push(`cache: ${['cached', 'partial', 'to-run'].map((s) => `${counts[s] ?? 0} ${s}`).join(', ')}`);
  return lines.join('\n') + '\n';
}

export async function runPlan(argv: string[]): Promise<number> {
  const args = parseArgs(argv, 'plan', ['--requeue', '--probe', '--no-estimate'], ['--cache', '--executor', '--backend'], usage);
  if (typeof args === 'number') return args;
  if (args.files.length !== 1) {
    process.stderr.write(`ssl3d plan: give exactly one FILE\n\n${usage}`);
    return 2;
  }
  const file = args.files[0]!;
  const p = fileProblem(file);
  if (p) {
    process.stderr.write(`ssl3d plan: ${p}\n`);
    return 2;
  }
  const result = compileFile(file, { overrides: args.sets, machineMemoryBytes: machineMemory() });
  if (result.diagnostics.length > 0) process.stderr.write(render(result, result.diagnostics, args.color));
  const graph = result.graph;
  if (!graph) return 1;
  if (args.json) {
    process.stdout.write(JSON.stringify(graph, null, 2) + '\n');
    return 0;
  }
  const executor = args.values.get('--executor');
  if (executor !== undefined && executor !== 'local' && executor !== 'slurm') {
    process.stderr.write(`ssl3d plan: --executor must be local or slurm (got '${executor}')\n`);
    return 2;
  }
  if (executor === 'slurm') return planSlurm(file, graph, args.values.get('--cache') ?? join(dirname(file), '.ssl3d'), args.values.get('--backend') ?? null, args.flags.has('--requeue'));
  let states: Record<string, PlanState> | undefined;
  const cacheDir = args.values.get('--cache') ?? join(dirname(file), '.ssl3d');
  if (args.values.has('--cache') || existsSync(cacheDir)) {
    try {
      const mod = (await import(new URL('../../runtime/executor/cache.js', import.meta.url).href)) as {
        cacheStates?: (g: ExecutionGraph, dir: string) => Record<string, PlanState>;
      };
      // Bind the graph to the data files as they are now (what `ssl3d run` keys its cache by).
      const fp = (await import(new URL('../../runtime/executor/fingerprint.js', import.meta.url).href)) as {
        bindDataInputs?: (g: ExecutionGraph, baseDir: string) => Promise<ExecutionGraph>;
      };
      const bound = fp.bindDataInputs ? await fp.bindDataInputs(graph, dirname(file)) : graph;
      if (mod.cacheStates) states = mod.cacheStates(bound, cacheDir);
    } catch {
      states = undefined;
    }
  }
  for (const w of planWarnings(graph)) process.stderr.write(`${w}\n`);
  const speed = args.flags.has('--no-estimate') || process.env.SSL3D_NO_PROBE === '1' ? undefined : await planSpeed(args.values.get('--backend') ?? graph.backend, args.flags.has('--probe'));
  const text = renderPlan(graph, states, speed ?? undefined);
  process.stdout.write(text);
  const days = /^⚠ (warning: .*)$/m.exec(text);
  if (days) process.stderr.write(`ssl3d plan: ${days[1]}\n`);
  return 0;
}

/** The backend's measured speed (cached probe, or a new ~1 s one); undefined when it cannot run. */
async function planSpeed(choice: string, fresh: boolean): Promise<PlanSpeed | undefined> {
  try {
    const { backendSpeed } = await import('../../runtime/backend/speed.js');
    const p = await backendSpeed(choice, { fresh });
    return { backend: p.backend, flopsPerSecond: p.flopsPerSecond, source: p.cached ? `cached from ${p.measuredAt.slice(0, 10)}` : 'measured now' };
  } catch (err) {
    process.stderr.write(`ssl3d plan: no time estimate: the ${choice} backend could not be measured (${err instanceof Error ? err.message.split('\n')[0] : String(err)})\n`);
    return undefined;
  }
}

/** `ssl3d plan FILE --executor slurm`: the sbatch lines of the uncached nodes, as a shell script. */
async function planSlurm(file: string, graph: ExecutionGraph, cache: string, backend: string | null, requeue: boolean): Promise<number> {
  const { resolve } = await import('node:path');
  const { loadProfile, resolveSettings } = await import('../../runtime/executor/slurm/settings.js');
  const { planScript } = await import('../../runtime/executor/slurm/sbatch.js');
  const { cacheStates } = await import('../../runtime/executor/cache.js');
  const { bindDataInputs } = await import('../../runtime/executor/fingerprint.js');
  const { SslRuntimeError } = await import('../../runtime/contract.js');
  try {
    const cacheDir = resolve(cache);
    const settings = resolveSettings(graph.executor, loadProfile().executor, requeue ? { requeue: true } : {});
    const bound = await bindDataInputs(graph, dirname(resolve(file)));
    const states = existsSync(cacheDir) ? cacheStates(bound, cacheDir) : {};
    const cached = new Set(Object.entries(states).filter(([, st]) => st.state === 'cached').map(([id]) => id));
    const reasons = Object.fromEntries(Object.entries(states).map(([id, st]) => [id, st.reason]));
    const graphPath = join(cacheDir, 'slurm', 'runs', 'RUN_ID', 'graph.json');
    process.stdout.write(planScript({ graph: bound, settings, cacheDir, baseDir: dirname(resolve(file)), graphPath, backend: backend ?? graph.backend }, cached, reasons));
    return 0;
  } catch (err) {
    if (err instanceof SslRuntimeError) {
      process.stderr.write(`ssl3d plan: error ${err.code}: ${err.message}${err.file ? ` (${err.file})` : ''}\n`);
      return 1;
    }
    throw err;
  }
}

export const command: Command = {
  summary: 'show the execution graph with costs and cache state (--json for the graph)',
  run: runPlan,
};

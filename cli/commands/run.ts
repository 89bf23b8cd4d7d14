// `ssl3d run FILE`: compile, then run the execution graph with the content-addressed cache
// (finished nodes are reused, interrupted ones resume), report progress through one event
// stream to a renderer (Ink TUI, plain lines or JSONL) and the run record, and print the
// report's tables at the end. Exit codes: 0 ok, 1 diagnostics or a failed node, 2 usage,
// 130 interrupted (Ctrl-C, SIGTERM, `q`).

import { existsSync, readFileSync } from 'node:fs';
import { readSmallFileSync } from '../../runtime/files.js';
import { dirname, join, relative, resolve } from 'node:path';
import { codedErrorText, type Command } from '../command.js';
import { onOutputClosed } from '../output.js';
import type { ExecutionGraph, ReportNode } from '../../core/graph.js';
import { SslRuntimeError } from '../../runtime/contract.js';
import type { RunBackend, RunEvent } from '../../runtime/events.js';
import { createEventStream } from '../../runtime/executor/emitter.js';
import type { HandlerResolver } from '../../runtime/executor/handlers.js';
import { BACKENDS, type BackendChoice } from '../../core/backends.js';
import { defaultHandlers } from '../handlers.js';
import { machineMemory } from './check.js';
import { exitCodeOf, installInterruptHandlers, runSession } from '../../runtime/executor/session.js';
import { packageVersion } from '../../runtime/version.js';
import { executorKind, loadProfile, resolveSettings, type Profile } from '../../runtime/executor/slurm/settings.js';
import { createJsonlRenderer, EventsFileError } from '../ui/jsonl.js';
import { createPlainRenderer } from '../ui/plain.js';

const UIS = ['tui', 'plain', 'json'] as const;
type UiChoice = (typeof UIS)[number];

export const usage = `usage: ssl3d run FILE [options]

Runs an experiment (FILE.ssl, or an execution graph saved with \`ssl3d plan FILE --json > G.json\`;
relative data paths in a saved graph resolve against the graph file's folder). Finished nodes are taken from the cache (keyed by each node's content hash);
an interrupted node resumes from its last checkpoint. Ctrl-C (or q in the TUI) stops cleanly.
  --cache DIR        cache folder (default: .ssl3d/ beside FILE)
  --set PATH=VALUE   override a parameter, type-checked like the file (repeatable),
                     e.g. --set rot3d.train.epochs=2
  --backend NAME     auto | webgpu | native | cpu | tensorflow (overrides the file's backend)
  --ui NAME          tui | plain | json (default: tui on a terminal, plain when piped or in CI)
  --events FILE      also write every event as JSON lines to FILE
  --fail-fast        stop at the first failed node (default: keep running independent nodes)
  --no-report        do not write/print the report at the end
  --executor NAME    local | slurm (default: the experiment's executor setting, else the user
                     profile's, else local). slurm: every uncached node becomes one sbatch job
  --detach           (slurm) submit and return; \`ssl3d status FILE\` watches the jobs
  --requeue          (slurm) let Slurm requeue preempted jobs; they resume from the checkpoint
`;

export interface RunArgs {
  file: string;
  cache: string | null;
  sets: string[];
  backend: BackendChoice | null;
  ui: UiChoice | null;
  events: string | null;
  failFast: boolean;
  report: boolean;
  executor: ExecutorChoice | null;
  detach: boolean;
  requeue: boolean;
}

const EXECUTORS = ['local', 'slurm'] as const;
type ExecutorChoice = (typeof EXECUTORS)[number];

export function parseRunArgs(argv: string[]): RunArgs | string {
  const a: RunArgs = { file: '', cache: null, sets: [], backend: null, ui: null, events: null, failFast: false, report: true, executor: null, detach: false, requeue: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    const eq = x.startsWith('--') ? x.indexOf('=') : -1;
    const flag = eq > 0 ? x.slice(0, eq) : x;
    const value = (): string | null => {
      if (eq > 0) return x.slice(eq + 1);
      const v = argv[i + 1];
      if (v === undefined || (v.startsWith('--') && v.length > 2)) return null;
      i++;
      return v;
    };
    switch (flag) {
      case '--cache':
      case '--events':
      case '--set':
      case '--backend':
      case '--executor':
      case '--ui': {
        const v = value();
        if (v === null || v === '') return `${flag} needs a value`;
        if (flag === '--cache') a.cache = v;
        else if (flag === '--events') a.events = v;
        else if (flag === '--set') {
          if (!/^[^=]+=/.test(v)) return `--set expects PATH=VALUE, got '${v}'`;
          a.sets.push(v);
        } else if (flag === '--executor') {
          if (!(EXECUTORS as readonly string[]).includes(v)) return `--executor must be one of ${EXECUTORS.join(', ')} (got '${v}')`;
          a.executor = v as ExecutorChoice;
        } else if (flag === '--backend') {
          if (!(BACKENDS as readonly string[]).includes(v)) return `--backend must be one of ${BACKENDS.join(', ')} (got '${v}')`;
          a.backend = v as BackendChoice;
        } else {
          if (!(UIS as readonly string[]).includes(v)) return `--ui must be one of ${UIS.join(', ')} (got '${v}')`;
          a.ui = v as UiChoice;
        }
        break;
      }
      case '--fail-fast':
        a.failFast = true;
        break;
      case '--keep-going':
        a.failFast = false;
        break;
      case '--no-report':
        a.report = false;
        break;
      case '--detach':
        a.detach = true;
        break;
      case '--requeue':
        a.requeue = true;
        break;
      case '--help':
      case '-h':
        return 'help';
      default:
        if (x.startsWith('-') && x !== '-') return `unknown option '${x}'`;
        if (a.file) return `unexpected argument '${x}'`;
        a.file = x;
    }
  }
  if (!a.file) return 'missing experiment FILE';
  if ((a.detach || a.requeue) && a.executor === 'local') return `${a.detach ? '--detach' : '--requeue'} needs --executor slurm`;
  return a;
}

/** The renderer to use when --ui is not given: the TUI only on an interactive terminal outside CI. */
export function defaultUi(env: NodeJS.ProcessEnv = process.env, isTTY = Boolean(process.stdout.isTTY)): UiChoice {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI !== 'false';
  return isTTY && !ci && env.TERM !== 'dumb' ? 'tui' : 'plain';
}

function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
}

function printError(err: unknown): void {
  if (err instanceof SslRuntimeError) {
    process.stderr.write(codedErrorText('run', err));
  } else {
    process.stderr.write(`ssl3d run: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.SSL3D_DEBUG && err instanceof Error) process.stderr.write(String(err.stack) + '\n');
  }
}

export interface RunDeps {
  /** Node handlers (default: the built-in ones); tests pass fakes. */
  handlers?: HandlerResolver;
}

export const command: Command = {
  summary: 'run an experiment (cached, resumable)',
  run: (argv: string[]) => runCli(argv),
};

/** `ssl3d run` with injectable dependencies; returns the exit code. */
export async function runCli(argv: string[], deps: RunDeps = {}): Promise<number> {
  {
    const args = parseRunArgs(argv);
    if (args === 'help') {
      process.stdout.write(usage);
      return 0;
    }
    if (typeof args === 'string') {
      process.stderr.write(`ssl3d run: ${args}\n\n${usage}`);
      return 2;
    }
    const file = resolve(args.file);
    if (!existsSync(file)) {
      process.stderr.write(`ssl3d run: ${args.file}: no such experiment file\n`);
      return 2;
    }

    // 1. compile (with --set overrides, type-checked like the file), or load a saved graph
    let graph: ExecutionGraph;
    if (file.endsWith('.json')) {
      if (args.sets.length) {
        process.stderr.write('ssl3d run: --set applies to .ssl files, not to a compiled graph (.json)\n');
        return 2;
      }
      const { loadGraph } = await import('../../core/graph-schema.js');
      try {
        graph = loadGraph(JSON.parse(readSmallFileSync(file, 1 << 30).toString('utf8')) as unknown);
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'SSL098';
        process.stderr.write(`ssl3d run: error ${code}: ${args.file}: ${err instanceof Error ? err.message : String(err)}\n`);
        return 1;
      }
    } else {
      const { compileFile } = await import('../../compiler/index.js');
      const { renderDiagnostics } = await import('../../grammar/diagnostics.js');
      const compiled = compileFile(args.file, { overrides: args.sets, machineMemoryBytes: machineMemory() });
      const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
      if (compiled.diagnostics.length) {
        process.stderr.write(renderDiagnostics(compiled.diagnostics, (f) => compiled.sources[f] ?? null, { color: Boolean(process.stderr.isTTY) && !('NO_COLOR' in process.env) }));
      }
      if (errors.length || !compiled.graph) return 1;
      graph = compiled.graph;
    }

    // 2. executor, backend and environment
    let executor: ExecutorChoice;
    let profile: Profile;
    try {
      profile = loadProfile();
      executor = args.executor ?? executorKind(graph.executor, profile.executor);
    } catch (err) {
      printError(err);
      return 1;
    }
    if ((args.detach || args.requeue) && executor !== 'slurm') {
      process.stderr.write(`ssl3d run: ${args.detach ? '--detach' : '--requeue'} needs --executor slurm (or executor = slurm in the experiment or the user profile)\n`);
      return 2;
    }
    const cacheDir = resolve(args.cache ?? join(dirname(file), '.ssl3d'));
    const ui = args.ui ?? defaultUi();
    const stream = createEventStream();
    const controller = new AbortController();
    let backend: RunBackend & { warning?: string };
    let cpu: { model: string; cores: number; features: string[] };
    let tfjsVersion = 'unknown';
    try {
      const tf = await import('@tensorflow/tfjs');
      // Production mode: no "install tfjs-node" banner from the cpu backend (the run-start event
      // already says which backend runs and why); SSL3D_DEBUG keeps tfjs' debug behaviour.
      if (!process.env.SSL3D_DEBUG) tf.env().set('PROD', true);
      tfjsVersion = tf.version.tfjs;
      const b = await import('../../runtime/backend/index.js');
      // with Slurm every job selects its own backend on its compute node
      backend = executor === 'slurm' ? { name: args.backend ?? graph.backend, reason: 'chosen by each Slurm job' } : await b.selectBackend(args.backend ?? graph.backend, { quiet: true });
      if (args.backend && executor !== 'slurm') backend = { ...backend, reason: `${backend.reason} (--backend ${args.backend})` };
      cpu = b.cpuInfo();
    } catch (err) {
      printError(err);
      return 1;
    }

    // 3. renderers: all subscribe to the same stream
    let renderers: Awaited<ReturnType<typeof startRenderers>>;
    try {
      renderers = await startRenderers(stream, controller, { ui, events: args.events, report: args.report });
    } catch (err) {
      if (!(err instanceof EventsFileError)) throw err;
      process.stderr.write(`ssl3d run: ${err.message}\n`);
      return 2;
    }
    const closers = [renderers.close];
    const removeInterrupts = installInterruptHandlers(controller, (sig) => {
      if (!renderers.tui) process.stderr.write(executor === 'slurm' ? `\nssl3d: ${sig}: stopping the watcher (again to quit at once)\n` : `\nssl3d: ${sig}: stopping after a checkpoint (again to quit at once)\n`);
    });
    // nobody reads our output any more (`ssl3d run x | head`): stop as after Ctrl-C, record 'interrupted'
    const removeClosed = onOutputClosed(() => controller.abort(new Error('the output was closed')));
    const removeSignals = (): void => {
      removeInterrupts();
      removeClosed();
    };
    if (backend.warning) stream.emit({ type: 'warning', node: null, message: backend.warning });

    if (executor === 'slurm') {
      const code = await runOnSlurm({ args, file, graph, cacheDir, ui, stream, controller, profile, closeRenderers: renderers.close, tfjsVersion, cpu });
      removeSignals();
      return code;
    }

    // 4. run
    let status: 'ok' | 'failed' | 'interrupted' = 'failed';
    let record = null as Awaited<ReturnType<typeof runSession>>['record'] | null;
    let runId = '';
    try {
      const result = await runSession({
        graph,
        cacheDir,
        baseDir: dirname(file),
        handlers: deps.handlers ?? defaultHandlers,
        stream,
        signal: controller.signal,
        backend: { name: backend.name, reason: backend.reason, ...(backend.adapter ? { adapter: backend.adapter } : {}) },
        source: { file: graph.source.file, hash: graph.source.hash, text: readFileSync(file, 'utf8') },
        versions: { node: process.version, tfjs: tfjsVersion, ssl3d: packageVersion() },
        cpu,
        keepGoing: !args.failFast,
      });
      status = result.status;
      record = result.record;
      runId = result.runId;
    } catch (err) {
      for (const c of closers) await c();
      removeSignals();
      printError(err);
      return 1;
    }
    for (const c of closers) await c();
    removeSignals();

    // 5. the reports: copied from the report nodes that rendered them, the others from the record
    if (args.report && record && ui !== 'json') {
      try {
        await printReport(record, file, runId, cacheDir);
      } catch (err) {
        printError(err);
      }
    }
    const recordPath = relative(process.cwd(), join(cacheDir, 'runs', runId, 'record.json'));
    if (ui !== 'json') process.stdout.write(`run record: ${recordPath}\n`);
    if (status === 'interrupted' && ui === 'tui') process.stdout.write('interrupted: run the same command again to resume.\n');
    return exitCodeOf(status);
  }
}

/** The renderers of a run (also used by `ssl3d status`): JSONL file, then json | plain | TUI. */
export async function startRenderers(
  stream: ReturnType<typeof createEventStream>,
  controller: AbortController,
  o: { ui: UiChoice; events: string | null; report: boolean },
): Promise<{ close: () => Promise<void>; tui: boolean }> {
  const closers: Array<() => void | Promise<void>> = [];
  let tui = false;
  if (o.events) {
    const j = createJsonlRenderer(resolve(o.events));
    stream.subscribe(j.onEvent);
    closers.push(() => j.close());
  }
  if (o.ui === 'json') {
    stream.subscribe((e: RunEvent) => process.stdout.write(JSON.stringify(e) + '\n'));
  } else if (o.ui === 'plain') {
    const p = createPlainRenderer({ write: (s) => process.stdout.write(s), writeError: (s) => process.stderr.write(s), color: useColor(), results: !o.report });
    stream.subscribe(p.onEvent);
    closers.push(() => p.close());
  } else {
    const { startTui } = await import('../ui/tui.js');
    const t = startTui(() => controller.abort(new Error('stopped from the TUI')));
    tui = true;
    stream.subscribe(t.onEvent);
    closers.push(() => t.finish());
  }
  let closed = false;
  return {
    tui,
    async close() {
      if (closed) return;
      closed = true;
      for (const c of closers) await c();
    },
  };
}

/** Ask on the terminal whether to scancel unfinished jobs; false (keep them) when nobody can answer. */
export async function askCancel(jobIds: string[], ui: UiChoice): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY || ui === 'json') return false;
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`scancel the ${jobIds.length} unfinished Slurm job${jobIds.length === 1 ? '' : 's'} (${jobIds.join(', ')})? [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

interface SlurmRunContext {
  args: RunArgs;
  file: string;
  graph: ExecutionGraph;
  cacheDir: string;
  ui: UiChoice;
  stream: ReturnType<typeof createEventStream>;
  controller: AbortController;
  profile: Profile;
  closeRenderers: () => Promise<void>;
  tfjsVersion: string;
  cpu: { model: string; cores: number; features: string[] };
}

/** `ssl3d run --executor slurm`: submit the uncached nodes as jobs, then watch them (or return with --detach). */
async function runOnSlurm(c: SlurmRunContext): Promise<number> {
  const { runSlurmSession } = await import('../../runtime/executor/slurm/session.js');
  const { createSlurmClient } = await import('../../runtime/executor/slurm/queue.js');
  const { bindDataInputs } = await import('../../runtime/executor/fingerprint.js');
  let result: Awaited<ReturnType<typeof runSlurmSession>>;
  try {
    const settings = resolveSettings(c.graph.executor, c.profile.executor, c.args.requeue ? { requeue: true } : {});
    result = await runSlurmSession({
      graph: await bindDataInputs(c.graph, dirname(c.file)),
      cacheDir: c.cacheDir,
      baseDir: dirname(c.file),
      file: c.file,
      source: { file: c.graph.source.file, hash: c.graph.source.hash, text: readFileSync(c.file, 'utf8') },
      settings,
      backend: c.args.backend ?? c.graph.backend,
      detach: c.args.detach,
      stream: c.stream,
      signal: c.controller.signal,
      client: createSlurmClient(),
      versions: { node: process.version, tfjs: c.tfjsVersion, ssl3d: packageVersion() },
      cpu: c.cpu,
      confirmCancel: async (ids) => {
        await c.closeRenderers();
        return askCancel(ids, c.ui);
      },
    });
  } catch (err) {
    await c.closeRenderers();
    printError(err);
    return 1;
  }
  await c.closeRenderers();
  return finishSlurm(result, c.file, c.cacheDir, c.ui, c.args.report, c.controller.signal.aborted);
}

/** After a Slurm run or `ssl3d status`: the report (when the run ended), where the record is, the exit code. */
export async function finishSlurm(
  result: { status: 'ok' | 'failed' | 'interrupted' | 'detached'; record: NonNullable<Awaited<ReturnType<typeof runSession>>['record']>; runId: string; unfinished: string[] },
  file: string,
  cacheDir: string,
  ui: UiChoice,
  report: boolean,
  interrupted: boolean,
): Promise<number> {
  if ((result.status === 'ok' || result.status === 'failed') && report && ui !== 'json') {
    try {
      await printReport(result.record, file, result.runId, cacheDir);
    } catch (err) {
      printError(err);
    }
  }
  const recordPath = relative(process.cwd(), join(cacheDir, 'runs', result.runId, 'record.json'));
  if (ui !== 'json') {
    if (result.status === 'detached') {
      process.stdout.write(`${result.unfinished.length} Slurm job${result.unfinished.length === 1 ? '' : 's'} queued or running (${result.unfinished.join(', ')}); watch them with: ssl3d status ${relative(process.cwd(), file)}${cacheDir !== join(dirname(file), '.ssl3d') ? ` --cache ${relative(process.cwd(), cacheDir)}` : ''}\n`);
    }
    process.stdout.write(`run record: ${recordPath}\n`);
  }
  if (result.status === 'detached') return interrupted ? 130 : 0;
  return exitCodeOf(result.status);
}

/** The run's reports into reports/<runId>/ (each rendered once: copied from its report node, or from the record), and their tables printed. */
async function printReport(record: NonNullable<Awaited<ReturnType<typeof runSession>>['record']>, file: string, runId: string, cacheDir: string): Promise<void> {
  const { deliverRunReports } = await import('../../report/deliver.js');
  await deliverRunReports(record, cacheDir, join(dirname(file), 'reports', runId), ({ spec, outDir, written }) => {
    process.stdout.write('\n');
    for (const t of written.tables) process.stdout.write(t + '\n');
    for (const w of written.warnings) process.stderr.write(`ssl3d run: report warning: ${w}\n`);
    process.stdout.write(`report '${spec.name}' → ${relative(process.cwd(), outDir) || '.'}/ (${written.files.join(', ')})\n`);
  });
}

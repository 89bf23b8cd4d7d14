// `ssl3d report FILE [--run ID|latest] [--cache DIR] [--out DIR]`: tables and figures from a
// finished run's record (`<cache>/runs/<runId>/record.json`). Never trains anything.
// Exit codes: 0 written, 1 no finished run / malformed record, 2 usage error.

import { existsSync, readdirSync } from 'node:fs';
import { readSmallFileSync } from '../../runtime/files.js';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { codedErrorText, type Command } from '../command.js';
import type { ExecutionGraph, ReportNode, ReportSpec } from '../../core/graph.js';
import type { RunRecord } from '../../runtime/record.js';
import { SslRuntimeError } from '../../runtime/contract.js';
import { defaultReportSpec, prepareOutDir, recordProblem, reportInputFromRecord, reportScopes, writeReport } from '../../report/index.js';
import { compileFile } from '../../compiler/index.js';
import { msg } from '../../core/codes/index.js';

const usage = `usage: ssl3d report FILE [--run ID|latest] [--cache DIR] [--out DIR] [--quiet] [--as-recorded]

Builds the report's tables (Markdown, CSV, LaTeX) and figures (SVG, PNG) from a finished run,
without retraining. FILE is the experiment file; the cache defaults to .ssl3d/ beside it. A run
record (.ssl3d/runs/ID/record.json, as ssl3d run prints it) also works: that run is reported.
  --run ID|latest   which run (default: the newest run that finished with status ok)
  --cache DIR       the run cache (default: <folder of FILE>/.ssl3d)
  --out DIR         where to write (default: <folder of FILE>/reports/<run id>)
  --quiet           write the files but print only their list
  --as-recorded     use the report blocks as they were when the run was made (default: the
                    file's current report blocks, so tables, plots and formats can be changed
                    and the report rebuilt without retraining)
`;

interface Args {
  file: string;
  run: string | null;
  cache: string | null;
  out: string | null;
  quiet: boolean;
  asRecorded: boolean;
}

function parseArgs(argv: string[]): Args | string {
  const a: Args = { file: '', run: null, cache: null, out: null, quiet: false, asRecorded: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    const value = (): string | null => {
      const eq = x.indexOf('=');
      if (eq > 0) return x.slice(eq + 1);
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) return null;
      i++;
      return v;
    };
    const flag = x.split('=')[0];
    if (flag === '--run' || flag === '--cache' || flag === '--out') {
      const v = value();
      if (v === null || v === '') return `${flag} needs a value`;
      // a run id names a folder under <cache>/runs/: never a path that leads elsewhere
      if (flag === '--run' && (v.includes('/') || v.includes('\\') || v === '.' || v === '..')) return `--run takes a run id such as 20261205-013135-e807 (a folder name in <cache>/runs/), not a path: '${v}'`;
      a[flag.slice(2) as 'run' | 'cache' | 'out'] = v;
    } else if (x === '--quiet' || x === '-q') a.quiet = true;
    else if (x === '--as-recorded') a.asRecorded = true;
    else if (x === '--help' || x === '-h') return 'help';
    else if (x.startsWith('-')) return `unknown option '${x}'`;
    else if (a.file) return `unexpected argument '${x}'`;
    else a.file = x;
  }
  if (!a.file) return 'missing experiment FILE';
  return a;
}

function readRecordFile(path: string): RunRecord {
  let text: string;
  try {
    text = readSmallFileSync(path).toString('utf8');
  } catch {
    throw new SslRuntimeError(msg('SSL170', 'noRunRecord', { path }), path);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SslRuntimeError(msg('SSL171', 'notJson', { reason: err instanceof Error ? err.message : String(err) }), path);
  }
  // an edited or damaged record (graph null, nodes not a list) was "internal error: … reading 'nodes'"
  const bad = recordProblem(json);
  if (bad) throw new SslRuntimeError(msg('SSL171', 'invalid', { problem: bad }), path);
  return json as RunRecord;
}

/** All run records in a cache, newest first (by start time). Unreadable ones are skipped. */
export function listRuns(cacheDir: string): Array<{ id: string; record: RunRecord }> {
  const dir = join(cacheDir, 'runs');
  if (!existsSync(dir)) return [];
  const out: Array<{ id: string; record: RunRecord }> = [];
  for (const id of readdirSync(dir)) {
    const p = join(dir, id, 'record.json');
    if (!existsSync(p)) continue;
    try {
      const json: unknown = JSON.parse(readSmallFileSync(p).toString('utf8'));
      const bad = recordProblem(json);
      // said, so that an older run reported instead is no surprise
      if (bad) process.stderr.write(`ssl3d report: warning: skipping run ${id}: its record is malformed (${bad})\n`);
      else out.push({ id, record: json as RunRecord });
    } catch {
      // a half-written record of a killed process: not a finished run (nor is a malformed one)
    }
  }
  return out.sort((a, b) => (a.record.startedAt < b.record.startedAt ? 1 : a.record.startedAt > b.record.startedAt ? -1 : 0));
}

/** Pick the run to report: an explicit id, or the newest finished (status ok) one. */
export function chooseRun(cacheDir: string, run: string | null, experiment: string | null): { id: string; record: RunRecord } {
  if (run && run !== 'latest') {
    const p = join(cacheDir, 'runs', run, 'record.json');
    const record = readRecordFile(p);
    return { id: run, record };
  }
  const all = listRuns(cacheDir);
  const runs = all.filter((r) => experiment === null || r.record.experiment === experiment);
  const ok = runs.find((r) => r.record.status === 'ok');
  if (ok) return ok;
  if (runs.length === 0 && all.length > 0) {
    const others = [...new Set(all.map((r) => r.record.experiment))].join(', ');
    throw new SslRuntimeError(msg('SSL170', 'noRunOfExperiment', { experiment: String(experiment), folder: join(cacheDir, 'runs'), others }));
  }
  if (runs.length === 0) {
    throw new SslRuntimeError(msg('SSL170', 'noRun', { folder: join(cacheDir, 'runs') }));
  }
  const newest = runs[0]!;
  throw new SslRuntimeError(
    msg('SSL170', 'notFinished', { newestId: newest.id, status: newest.record.status }),
  );
}

/** <cache>/runs/<id>/record.json → its run id and cache folder; anything else → null. */
function recordPathParts(path: string): { id: string; cache: string } | null {
  if (basename(path) !== 'record.json' || basename(dirname(dirname(path))) !== 'runs') return null;
  return { id: basename(dirname(path)), cache: dirname(dirname(dirname(path))) };
}

/** The experiment file compiled as it is now, or null when it does not compile. */
function compiledGraph(file: string): ExecutionGraph | null {
  try {
    const r = compileFile(file);
    if (!r.graph || r.diagnostics.some((d) => d.severity === 'error')) return null;
    return r.graph;
  } catch {
    return null;
  }
}

export const command: Command = {
  summary: 'build tables and figures from finished runs (never retrains)',
  async run(argv: string[]): Promise<number> {
    const args = parseArgs(argv);
    if (args === 'help') {
      process.stdout.write(usage);
      return 0;
    }
    if (typeof args === 'string') {
      process.stderr.write(`ssl3d report: ${args}\n\n${usage}`);
      return 2;
    }
    let file = resolve(args.file);
    // A run record given as FILE (`ssl3d run` prints its path): report that run of the experiment
    // file it was made from, which sits beside the cache (<folder>/.ssl3d/runs/<id>/record.json).
    const asRecord = recordPathParts(file);
    if (asRecord) {
      try {
        const source = readRecordFile(file).source?.file;
        const experiment = source ? join(dirname(asRecord.cache), basename(source)) : '';
        if (!source || !existsSync(experiment)) {
          throw new SslRuntimeError(msg('SSL170', 'recordWithoutExperiment', { record: args.file, id: asRecord.id, file: source ?? '(unnamed)', cache: asRecord.cache }), file);
        }
        file = experiment;
        args.run ??= asRecord.id;
        args.cache ??= asRecord.cache;
      } catch (err) {
        return reportError(err);
      }
    }
    if (!existsSync(file)) {
      process.stderr.write(`ssl3d report: ${args.file}: no such experiment file\n`);
      return 2;
    }
    const cacheDir = resolve(args.cache ?? join(dirname(file), '.ssl3d'));
    try {
      // an unwritable --out fails before any work (#17.11: /proc/self/x used to spin forever)
      if (args.out !== null) prepareOutDir(args.out);
      // Only runs of this file's experiment (a shared --cache may hold several experiments' runs).
      const currentGraph = compiledGraph(file);
      const { id, record } = chooseRun(cacheDir, args.run, currentGraph ? currentGraph.experiment : null);
      if (record.status !== 'ok') {
        process.stderr.write(`ssl3d report: warning: run ${id} is '${record.status}'; reporting the nodes that finished\n`);
      }
      let current = '';
      try {
        current = readSmallFileSync(file).toString('utf8');
      } catch {
        current = '';
      }
      const recorded = reportScopes(record.graph);
      if (reportInputFromRecord(record).results.length === 0) {
        throw new SslRuntimeError(msg('SSL172', 'noResults', { id, status: record.status }));
      }
      let scopes = recorded;
      if (record.source?.text && current && record.source.text !== current) {
        // The report blocks are presentation only: take the file's current ones (changed tables,
        // plots or formats need no retraining); the numbers stay those of the recorded run. Each
        // current report reads the evaluations of the sweep it names now (matched by node id).
        const now = args.asRecorded || !currentGraph ? [] : reportScopes(currentGraph).filter((s) => s.spec !== null);
        if (now.length) {
          scopes = now.map((s) => {
            const before = recorded.find((r) => r.name === s.name);
            const known = s.evaluateIds.some((i) => record.artifacts.metrics?.[i]);
            return known || !before ? s : { ...s, evaluateIds: before.evaluateIds };
          });
          process.stderr.write(`ssl3d report: note: ${basename(file)} changed since run ${id}; using its current report blocks with the run's recorded results (--as-recorded for the blocks as run)\n`);
        } else {
          process.stderr.write(`ssl3d report: note: ${basename(file)} changed since run ${id}; the report shows the run as it was recorded${args.asRecorded ? '' : ' (the current file does not compile or declares no report)'}\n`);
        }
      }
      const outRoot = resolve(args.out ?? join(dirname(file), 'reports', id));
      const cwd = process.cwd();
      for (const scope of scopes) {
        const input = reportInputFromRecord(record, scope.evaluateIds);
        const spec: ReportSpec = scope.spec ?? { ...defaultReportSpec(input), name: scope.name };
        const outDir = scopes.length > 1 ? join(outRoot, spec.name) : outRoot;
        if (input.results.length === 0) {
          process.stderr.write(`ssl3d report: warning: report '${spec.name}' has no finished evaluation in run ${id}; skipped\n`);
          continue;
        }
        const written = await writeReport(input, spec, outDir);
        if (!args.quiet) for (const t of written.tables) process.stdout.write(t + '\n');
        for (const w of written.warnings) process.stderr.write(`ssl3d report: warning: ${w}\n`);
        process.stdout.write(`report '${spec.name}'${scope.sweep ? ` (sweep ${scope.sweep})` : ''} of run ${id} → ${relative(cwd, outDir) || '.'}/\n`);
        for (const f of written.files) process.stdout.write(`  ${f}\n`);
      }
      return 0;
    } catch (err) {
      return reportError(err);
    }
  },
};

/** A coded error → its located line on stderr and exit code 1; anything else is a bug. */
function reportError(err: unknown): number {
  if (err instanceof SslRuntimeError) {
    process.stderr.write(codedErrorText('report', err));
    return 1;
  }
  throw err;
}

// `ssl3d check FILE... [--json] [--set PATH=VALUE]... [--no-color] [--data]`
// Checks experiments without running anything: syntax, names, schemas, units, domain rules.
// Exit codes: 0 clean (warnings allowed), 1 diagnostics (or --data problems), 2 usage error.
import { existsSync, lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { readSmallFileSync } from '../../runtime/files.js';
import { dirname, join } from 'node:path';
import { totalmem } from 'node:os';
import { pathToFileURL } from 'node:url';
import { renderDiagnostics, renderDiagnosticsJson } from '../../grammar/index.js';
import { visible, type Diagnostic } from '../../grammar/diagnostics.js';
import { compileFile, type CompileResult } from '../../compiler/index.js';
import type { DatasetSpec } from '../../core/graph.js';
import type { Command } from '../command.js';

const usage = `usage: ssl3d check FILE... [options]

  --set PATH=VALUE   override a value before checking, e.g. --set rot3d.train.epochs=2
                     (PATH is NAME.key[.key…], kind.NAME.key…, or experiment.key)
  --json             print the diagnostics as JSON (for editors and CI)
  --data             also verify that every dataset's files exist and can be read
  --no-color         plain output
`;

export interface CommonArgs {
  files: string[];
  sets: string[];
  json: boolean;
  color: boolean;
  flags: Set<string>;
  values: Map<string, string>;
}

/** Parse FILE... plus --set/--json/--no-color and the extra flags/valued options a command allows. */
/**
 * The memory SSL078 compares training estimates with: SSL3D_MACHINE_MEMORY (bytes, or 0 to turn
 * the check off), else this machine's total memory.
 */
export function machineMemory(): number | undefined {
  const env = process.env.SSL3D_MACHINE_MEMORY;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  }
  return totalmem();
}

export function parseArgs(argv: string[], cmd: string, extraFlags: string[], extraValued: string[], help: string): CommonArgs | number {
  const out: CommonArgs = { files: [], sets: [], json: false, color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR, flags: new Set(), values: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const take = (): string | null => {
      const eq = a.indexOf('=');
      if (a.startsWith('--') && eq > 0) return a.slice(eq + 1);
      const v = argv[i + 1];
      if (v === undefined) return null;
      i++;
      return v;
    };
    const name = a.startsWith('--') && a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
    if (name === '--help' || name === '-h') {
      process.stdout.write(help);
      return 0;
    } else if (name === '--json') out.json = true;
    else if (name === '--no-color') out.color = false;
    else if (name === '--color') out.color = true;
    else if (name === '--set' || name === '-s') {
      const v = take();
      if (v === null) {
        process.stderr.write(`ssl3d ${cmd}: --set needs PATH=VALUE\n\n${help}`);
        return 2;
      }
      out.sets.push(v);
    } else if (extraFlags.includes(name)) out.flags.add(name);
    else if (extraValued.includes(name)) {
      const v = take();
      if (v === null) {
        process.stderr.write(`ssl3d ${cmd}: ${name} needs a value\n\n${help}`);
        return 2;
      }
      out.values.set(name, v);
    } else if (a.startsWith('-') && a !== '-') {
      process.stderr.write(`ssl3d ${cmd}: unknown option '${a}'\n\n${help}`);
      return 2;
    } else out.files.push(a);
  }
  if (out.files.length === 0) {
    process.stderr.write(`ssl3d ${cmd}: no file given\n\n${help}`);
    return 2;
  }
  return out;
}

/** A clear usage error for a missing or unreadable file, or null when it can be read. */
export function fileProblem(file: string): string | null {
  if (!existsSync(file)) {
    // a symbolic link whose target is missing, or a loop of links, is named as such
    let target: string | null = null;
    try {
      if (lstatSync(file).isSymbolicLink()) target = readlinkSync(file);
    } catch {
      target = null;
    }
    if (target === null) return `cannot read ${file}: no such file`;
    try {
      realpathSync(file);
    } catch (e) {
      if ((e as { code?: string }).code === 'ELOOP') return `cannot read ${file}: its symbolic links form a loop`;
    }
    return `cannot read ${file}: it is a symbolic link to ${target}, which does not exist`;
  }
  try {
    if (statSync(file).isDirectory()) return `${file} is a folder; give an .ssl file`;
  } catch {
    return `cannot read ${file}`;
  }
  return null;
}

export function render(result: CompileResult, diags: Diagnostic[], color: boolean): string {
  return renderDiagnostics(diags, (f) => result.sources[f] ?? null, { color });
}

type Verify = (spec: DatasetSpec, baseDir: string) => Promise<{ ok: boolean; cases?: number; problems: Array<{ file: string; message: string; code?: string }> }>;

async function loadVerifier(): Promise<Verify | null> {
  // Loaded only for --data, so plain `check` stays fast; absent while the data part is missing.
  const url = new URL('../../runtime/data/verify.js', import.meta.url);
  try {
    const mod = (await import(url.href)) as { verifyDataset?: Verify };
    return mod.verifyDataset ?? null;
  } catch {
    try {
      const ts = pathToFileURL(new URL('../../runtime/data/verify.ts', import.meta.url).pathname).href;
      const mod = (await import(ts)) as { verifyDataset?: Verify };
      return mod.verifyDataset ?? null;
    } catch {
      return null;
    }
  }
}

/**
 * For MSD / nnU-Net data whose regions are the defaults (`label1`, …): the label names that
 * dataset.json gives, as a `regions { … }` suggestion. The compiler never reads data (a graph
 * must not depend on whether the data are reachable where it is compiled), so the names are
 * only suggested here, where the files are opened anyway.
 */
export function regionSuggestion(d: DatasetSpec, baseDir: string): string | null {
  const src = d.source;
  if (src.kind !== 'decathlon' && src.kind !== 'nnunet') return null;
  const names = Object.keys(d.regions);
  if (names.length === 0 || !names.every((n) => /^label\d+$/.test(n))) return null;
  let labels: unknown;
  try {
    labels = (JSON.parse(readSmallFileSync(join(baseDir, src.root, 'dataset.json')).toString('utf8')) as { labels?: unknown }).labels;
  } catch {
    return null;
  }
  if (!labels || typeof labels !== 'object' || Array.isArray(labels)) return null;
  // MSD: { "1": "pancreas" }; nnU-Net v2: { "pancreas": 1 } (a list of values is a region in v2)
  const byValue = new Map<number, string>();
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    if (/^\d+$/.test(k) && typeof v === 'string') byValue.set(Number(k), v);
    else if (typeof v === 'number' && Number.isInteger(v)) byValue.set(v, k);
  }
  const parts: string[] = [];
  for (const [value, name] of [...byValue].sort((a, b) => a[0] - b[0])) {
    if (value === 0) continue;
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) return null;
    parts.push(`${name} = [${value}]`);
  }
  return parts.length > 0 ? `regions { ${parts.join(', ')} }` : null;
}

/** `4 channels, 128x128x128` (after preprocessing, as the compiler knows it). */
function datasetShape(d: DatasetSpec): string {
  const size = d.preprocess.resize ?? ('size' in d.source ? d.source.size : null);
  return `${d.channels} channel${d.channels === 1 ? '' : 's'}, ${size ? size.join('x') : 'native size'}`;
}

export async function runCheck(argv: string[]): Promise<number> {
  const args = parseArgs(argv, 'check', ['--data'], [], usage);
  if (typeof args === 'number') return args;
  for (const f of args.files) {
    const p = fileProblem(f);
    if (p) {
      process.stderr.write(`ssl3d check: ${p}\n`);
      return 2;
    }
  }
  let status = 0;
  const all: Diagnostic[] = [];
  const dataProblems: Array<{ file: string; message: string; code?: string; dataset: string }> = [];
  for (const file of args.files) {
    const result = compileFile(file, { overrides: args.sets, machineMemoryBytes: machineMemory(), unusedDatasets: args.flags.has('--data') });
    all.push(...result.diagnostics);
    if (result.diagnostics.some((d) => d.severity === 'error')) status = 1;
    if (!args.json && result.diagnostics.length > 0) process.stderr.write(render(result, result.diagnostics, args.color));
    if (result.graph && args.flags.has('--data')) {
      const verify = await loadVerifier();
      if (!verify) {
        process.stderr.write('ssl3d check: --data is not available in this build (runtime/data/verify is missing)\n');
        return 2;
      }
      const problemsBefore = dataProblems.length;
      // every dataset the graph uses, then the declared ones nothing uses yet (a user vetting a
      // dataset before writing the rest of the experiment expects it verified too)
      const datasets = [
        ...result.graph.nodes.flatMap((n) => (n.kind === 'data' ? [{ d: n.params.dataset, unused: false }] : [])),
        ...(result.unusedDatasets ?? []).map((d) => ({ d, unused: true })),
      ];
      for (const { d, unused } of datasets) {
        let line: string;
        try {
          const r = await verify(d, dirname(file));
          for (const p of r.problems) dataProblems.push({ ...p, dataset: d.name });
          line = r.problems.length === 0 ? 'ok' : `${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}`;
          if (r.cases !== undefined) line = `${r.cases} case${r.cases === 1 ? '' : 's'}, ${datasetShape(d)} — ${line}`;
        } catch (err) {
          dataProblems.push({ file, dataset: d.name, message: err instanceof Error ? err.message : String(err) });
          line = 'could not be read';
        }
        // one line per dataset, so that a clean --data run shows the data were in fact checked
        if (!args.json) process.stdout.write(`  dataset ${d.name}${unused ? ' (unused)' : ''}: ${line}\n`);
        const named = regionSuggestion(d, dirname(file));
        if (!args.json && named) process.stdout.write(`    note: dataset.json names the labels; write ${named} in dataset ${d.name} to report them by name (now ${Object.keys(d.regions).join(', ')})\n`);
      }
      const k = dataProblems.length - problemsBefore;
      if (!args.json && k > 0) {
        process.stdout.write(`${file}: source ok, ${k} dataset problem${k === 1 ? '' : 's'}\n`);
        continue;
      }
    }
    if (!args.json && result.graph) {
      const n = result.graph.nodes.length;
      process.stdout.write(`${file}: ok (${n} node${n === 1 ? '' : 's'}${args.flags.has('--data') ? ', data verified' : ''})\n`);
    }
  }
  if (dataProblems.length > 0) {
    status = 1;
    // the line starts with the file; a reader's message that starts with it too would say it twice
    const own = (p: (typeof dataProblems)[number]): string => (p.message.startsWith(`${p.file}: `) ? p.message.slice(p.file.length + 2) : p.message);
    // the file names come from the data folder: shown visibly (a name with ESC[8m hid the rest of the line)
    if (!args.json) for (const p of dataProblems) process.stderr.write(visible(`${p.file}: error${p.code ? ' ' + p.code : ''}: dataset ${p.dataset}: ${own(p)}`) + '\n');
  }
  if (args.json) {
    if (dataProblems.length === 0) process.stdout.write(renderDiagnosticsJson(all));
    else process.stdout.write(JSON.stringify({ diagnostics: JSON.parse(renderDiagnosticsJson(all)) as unknown, data: dataProblems }, null, 2) + '\n');
  }
  return status;
}

export const command: Command = {
  summary: 'check an experiment (add --data to verify dataset files)',
  run: runCheck,
};

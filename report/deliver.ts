// The reports a run hands to its user (`reports/<runId>/…`), each rendered once per run. A
// declared report is rendered by its report node (report/node.ts) into the node's cache entry,
// beside `printout.json` (the files in order, the tables as printed, the warnings); `ssl3d run`
// copies those files out and prints the node's tables. A report with no node (the default report
// of an experiment that declares none) or whose node did not finish in this run (its inputs
// failed or the run was interrupted) is rendered from the run record instead, and its partial
// tables say which cells are missing. `ssl3d report` always renders from a record.

import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReportNode, ReportSpec } from '../core/graph.js';
import { checkEntry } from '../runtime/executor/cache.js';
import type { RunRecord } from '../runtime/record.js';
import { defaultReportSpec, writeReport, type WrittenReport } from './index.js';
import { reportInputFromRecord } from './input.js';
import { prepareOutDir, putReportFile } from './outdir.js';
import { reportScopes } from './scope.js';

/** The report node's account of what it rendered, kept in its cache entry (not copied to the user). */
export const PRINTOUT = 'printout.json';

export async function writePrintout(outDir: string, written: WrittenReport): Promise<void> {
  await writeFile(join(outDir, PRINTOUT), JSON.stringify(written, null, 1) + '\n');
}

const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * Copy the files a report node rendered from its (verified) cache entry into `outDir`; null when
 * the entry is missing, damaged, or older than the printout (then the caller renders instead).
 */
export async function deliverNodeReport(cacheDir: string, node: ReportNode, outDir: string): Promise<WrittenReport | null> {
  const entry = await checkEntry(cacheDir, node, true);
  if (!entry.ok) return null;
  let printout: unknown;
  try {
    printout = JSON.parse(await readFile(join(entry.dir, PRINTOUT), 'utf8'));
  } catch {
    return null;
  }
  const p = printout as Partial<WrittenReport> | null;
  const listed = new Set(entry.manifest.files.map((f) => f.path));
  if (!p || !strings(p.files) || !strings(p.tables) || !strings(p.warnings) || !p.files.every((f) => listed.has(f) && f !== PRINTOUT)) return null;
  prepareOutDir(outDir);
  for (const f of p.files) await putReportFile(outDir, f, (path) => copyFile(join(entry.dir, f), path));
  return { files: p.files, tables: p.tables, warnings: p.warnings };
}

export interface DeliveredReport {
  spec: ReportSpec;
  outDir: string;
  written: WrittenReport;
  /** Where the files came from: the report node's cache entry, or rendered from the record now. */
  from: 'node' | 'record';
}

/**
 * Every report of a run (one per declared report block, each on its sweep; one default report
 * per sweep without any) into `outRoot` (a sub-folder per report when there are several).
 * `onReport` sees each as it lands, so a failure in a later one leaves the earlier ones printed.
 */
export async function deliverRunReports(record: RunRecord, cacheDir: string, outRoot: string, onReport: (r: DeliveredReport) => void): Promise<void> {
  const scopes = reportScopes(record.graph);
  for (const scope of scopes) {
    const input = reportInputFromRecord(record, scope.evaluateIds);
    if (input.results.length === 0) continue;
    const spec: ReportSpec = scope.spec ?? { ...defaultReportSpec(input), name: scope.name };
    const outDir = scopes.length > 1 ? join(outRoot, spec.name) : outRoot;
    const node = record.graph.nodes.find((n): n is ReportNode => n.kind === 'report' && n.id === scope.nodeId);
    const status = node ? record.nodes[node.id]?.status : undefined;
    const fromNode = node && (status === 'ok' || status === 'cached') ? await deliverNodeReport(cacheDir, node, outDir) : null;
    onReport(fromNode ? { spec, outDir, written: fromNode, from: 'node' } : { spec, outDir, written: await writeReport(input, spec, outDir), from: 'record' });
  }
}

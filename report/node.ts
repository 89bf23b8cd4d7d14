// The `report` graph node: read the artifacts of its inputs (evaluate nodes' metrics.json;
// fine-tune histories from finetune inputs, or the copy each evaluate node keeps), collect the
// ReportInput from them on the same road as a run record (report/input.ts), and write the
// report's tables and figures into ctx.outDir, with the printout `ssl3d run` shows when it
// copies them to reports/<runId>/ (report/deliver.ts): the one rendering of this report.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReportNode } from '../core/graph.js';
import { SslRuntimeError, type NodeHandler } from '../runtime/contract.js';
import type { EvalMetrics, FinetuneHistory } from '../runtime/record.js';
import { writePrintout } from './deliver.js';
import { writeReport } from './index.js';
import { collectReportInput } from './input.js';
import { msg } from '../core/codes/index.js';

async function readJson<T>(file: string, what: string): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (e) {
    throw new SslRuntimeError(msg('SSL171', 'cannotRead', { what, reason: (e as Error).message }), file);
  }
}

export const reportHandler: NodeHandler<ReportNode> = async (ctx) => {
  // the artifacts of the inputs by node id; a fine-tune's own history wins over the copy an
  // evaluate node keeps of it
  const metrics = new Map<string, EvalMetrics>();
  const histories = new Map<string, FinetuneHistory>();
  const copies = new Map<string, FinetuneHistory>();
  const byId = new Map(ctx.graph.nodes.map((n) => [n.id, n] as const));
  for (const [id, a] of Object.entries(ctx.inputs)) {
    if (a.node.kind === 'evaluate') {
      metrics.set(id, await readJson<EvalMetrics>(join(a.dir, 'metrics.json'), `the metrics of ${id}`));
      const ft = byId.get(a.node.inputs[0] ?? '');
      const copy = join(a.dir, 'history.json');
      if (ft && ft.kind === 'finetune' && !copies.has(ft.id) && existsSync(copy)) copies.set(ft.id, await readJson<FinetuneHistory>(copy, `the history copy in ${id}`));
    } else if (a.node.kind === 'finetune') {
      const file = join(a.dir, 'history.json');
      if (existsSync(file)) histories.set(id, await readJson<FinetuneHistory>(file, `the history of ${id}`));
    }
  }
  const input = collectReportInput(ctx.graph, { metrics: (id) => metrics.get(id), history: (id) => histories.get(id) ?? copies.get(id) }, [...metrics.keys()]);
  const written = await writeReport(input, ctx.node.params.report, ctx.outDir);
  await writePrintout(ctx.outDir, written);
  for (const w of written.warnings) ctx.emit({ type: 'warning', node: ctx.node.id, message: w });
  ctx.emit({ type: 'info', node: ctx.node.id, message: `report '${ctx.node.params.report.name}': ${written.files.length} files (${written.files.filter((f) => f.startsWith('table-')).length} table files, ${written.files.filter((f) => f.startsWith('figure-')).length} figure files)` });
  return { summary: { results: input.results.length, histories: input.histories.length, files: written.files.length } };
};

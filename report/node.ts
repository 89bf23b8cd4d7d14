// The `report` graph node: assemble a ReportInput from the artifacts of its inputs (evaluate
// nodes' metrics.json; fine-tune histories from finetune inputs, or the copy each evaluate
// node keeps) and write the report's tables and figures into ctx.outDir.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FinetuneNode, ReportNode } from '../core/graph.js';
import { SslRuntimeError, type NodeHandler } from '../runtime/contract.js';
import type { EvalMetrics, FinetuneHistory, ReportInput } from '../runtime/record.js';
import { isDifferentData, writeReport } from './index.js';

async function readJson<T>(file: string, what: string): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (e) {
    throw new SslRuntimeError('SSL171', `cannot read ${what}: ${(e as Error).message}`, file);
  }
}

export const reportHandler: NodeHandler<ReportNode> = async (ctx) => {
  const results: ReportInput['results'] = [];
  const histories = new Map<string, ReportInput['histories'][number]>();
  const byId = new Map(ctx.graph.nodes.map((n) => [n.id, n] as const));
  for (const [id, a] of Object.entries(ctx.inputs)) {
    if (a.node.kind === 'evaluate') {
      const metrics = await readJson<EvalMetrics>(join(a.dir, 'metrics.json'), `the metrics of ${id}`);
      results.push({ node: a.node, metrics });
      const ft = byId.get(a.node.inputs[0] ?? '');
      const copy = join(a.dir, 'history.json');
      if (ft && ft.kind === 'finetune' && !histories.has(ft.id) && existsSync(copy)) {
        histories.set(ft.id, { node: ft, history: await readJson<FinetuneHistory>(copy, `the history copy in ${id}`) });
      }
    } else if (a.node.kind === 'finetune') {
      const file = join(a.dir, 'history.json');
      if (existsSync(file)) histories.set(id, { node: a.node as FinetuneNode, history: await readJson<FinetuneHistory>(file, `the history of ${id}`) });
    }
  }
  // Graph order keeps tables and legends stable whatever order the inputs arrive in.
  const order = new Map(ctx.graph.nodes.map((n, i) => [n.id, i] as const));
  results.sort((a, b) => (order.get(a.node.id) ?? 0) - (order.get(b.node.id) ?? 0));
  const hist = [...histories.values()].sort((a, b) => (order.get(a.node.id) ?? 0) - (order.get(b.node.id) ?? 0));
  const input: ReportInput = {
    graph: ctx.graph,
    results,
    histories: hist,
    differentData: ctx.graph.nodes.some((n) => n.kind === 'data' && isDifferentData(n)),
  };
  const written = await writeReport(input, ctx.node.params.report, ctx.outDir);
  for (const w of written.warnings) ctx.emit({ type: 'warning', node: ctx.node.id, message: w });
  ctx.emit({ type: 'info', node: ctx.node.id, message: `report '${ctx.node.params.report.name}': ${written.files.length} files (${written.files.filter((f) => f.startsWith('table-')).length} table files, ${written.files.filter((f) => f.startsWith('figure-')).length} figure files)` });
  return { summary: { results: results.length, histories: hist.length, files: written.files.length } };
};

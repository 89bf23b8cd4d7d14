// Compiling one document for the editor: the same compileSource as `ssl3d check` (so the same
// codes, spans, hints and notes), with imports read from the open buffers first, then from disk.
// Besides the diagnostics it keeps a few facts of the compiled graph that hover and completion
// use: each node's cost by declaration name, and the metrics valid for the sweep's target.
// Runs in a worker thread (worker.ts), so a slow compile never holds up the editor's requests.
import type { Diagnostic } from '../../grammar/diagnostics.js';
import { compileSource, MAX_SOURCE_BYTES, projectRoot, readSourceFile, realFile, tooLarge } from '../../compiler/index.js';
import { msg } from '../../core/codes/index.js';
import type { CostEstimate, ExecutionGraph } from '../../core/graph.js';
import { metricsFor } from '../../core/metrics.js';

export interface AnalyzeRequest {
  id: number;
  path: string;
  text: string;
  /** Texts of the open buffers by path (they win over the files on disk). */
  overlay: Record<string, string>;
  /** True when other files import this one: it need not declare an experiment (SSL036). */
  library: boolean;
  /** Send the parsed document back first (large files, which the server does not parse itself). */
  wantDocument: boolean;
}

export interface Facts {
  /** Markdown lines about the graph nodes a declaration produced, by declaration name. */
  nodes: Record<string, string[]>;
  /** Metric names valid for the target (`dice.WT`, `qwk`, …); empty when unknown. */
  metrics: string[];
}

export interface AnalyzeResult {
  id: number;
  path: string;
  diagnostics: Diagnostic[];
  facts: Facts | null;
  millis: number;
}

export function formatCount(n: number): string {
  if (n >= 1e9) return (n / 1e9).toFixed(1) + 'G';
  if (n >= 1e6) return (n / 1e6).toFixed(1) + 'M';
  if (n >= 1e3) return (n / 1e3).toFixed(1) + 'k';
  return String(n);
}

function costLine(c: CostEstimate | null): string {
  if (!c) return 'cost unknown';
  const mb = c.activationBytes / 2 ** 20;
  return `${formatCount(c.trainableParams)} trainable parameters, ${mb < 10 ? mb.toFixed(1) : mb.toFixed(0)} MB activations per batch, ${(c.flopsPerStep / 1e9).toFixed(2)} GFLOP per step${c.steps !== null ? `, ${c.steps} steps` : ''}`;
}

export function graphFacts(graph: ExecutionGraph): Facts {
  const nodes: Record<string, string[]> = {};
  const add = (name: string, line: string): void => {
    (nodes[name] ??= []).push(line);
  };
  const finetunes = new Map<string, { count: number; steps: number; cost: CostEstimate | null; label: string }>();
  const metrics = new Set<string>();
  for (const n of graph.nodes) {
    if (n.kind === 'data') {
      const d = n.params.dataset;
      add(d.name, `node \`${n.id}\`: ${d.channels} channel${d.channels === 1 ? '' : 's'}, ${d.dim}D, ${d.knownCases ?? 'unknown number of'} cases, labels: ${d.labels.kind}`);
    } else if (n.kind === 'pretrain') {
      add(n.id.slice('pretrain:'.length), `pretraining node \`${n.id}\`: ${costLine(n.cost)}`);
    } else if (n.kind === 'finetune') {
      const method = n.id.slice('finetune:'.length).split('/')[0]!;
      const f = finetunes.get(method) ?? { count: 0, steps: 0, cost: n.cost, label: n.params.method };
      f.count++;
      f.steps += n.cost?.steps ?? 0;
      finetunes.set(method, f);
      if (n.params.finetune.target === 'classification') {
        for (const m of metricsFor('classification')) metrics.add(m);
      }
    } else if (n.kind === 'evaluate') {
      for (const m of metricsFor('segmentation')) {
        if (Object.keys(n.params.regions).length === 0) continue;
        metrics.add(m);
        for (const r of Object.keys(n.params.regions)) metrics.add(`${m}.${r}`);
      }
    }
  }
  let total = 0;
  for (const [method, f] of finetunes) {
    total += f.count;
    add(method, `${f.count} fine-tuning node${f.count === 1 ? '' : 's'} (${f.label}), ${f.steps} steps in all; each: ${costLine(f.cost)}`);
  }
  if (total > 0) add('#graph', `${graph.nodes.length} nodes, ${total} fine-tuning runs`);
  return { nodes, metrics: [...metrics] };
}

/** A document over the size `ssl3d check` reads (MAX_SOURCE_BYTES): its SSL091, as check says it. */
function tooBig(text: string, file: string): Diagnostic | null {
  const size = Buffer.byteLength(text, 'utf8');
  if (size <= MAX_SOURCE_BYTES) return null;
  return { ...msg('SSL091', 'cannotRead', { file, reason: tooLarge(size).message }), severity: 'error', span: { file, startOffset: 0, endOffset: 0, startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 } };
}

export function analyze(req: AnalyzeRequest): AnalyzeResult {
  const t0 = performance.now();
  // an open document larger than `ssl3d check` reads is refused as check refuses the file (a
  // 5.5 MB document took 14 s to compile), and so is an open import
  const refused = tooBig(req.text, req.path);
  if (refused) return { id: req.id, path: req.path, diagnostics: [refused], facts: null, millis: performance.now() - t0 };
  // the same confinement as `ssl3d check`: a link to /dev/zero or a FIFO in the project must not
  // grow or hang the editor's analysis thread
  const root = projectRoot(req.path);
  const readFile = (p: string): string => {
    const open = req.overlay[p];
    if (open === undefined) return readSourceFile(p, root);
    const bytes = Buffer.byteLength(open, 'utf8');
    if (bytes > MAX_SOURCE_BYTES) throw tooLarge(bytes);
    return open;
  };
  let diagnostics: Diagnostic[] = [];
  let facts: Facts | null = null;
  try {
    const result = compileSource(req.text, req.path, { readFile, importRoot: root, identify: realFile });
    diagnostics = result.diagnostics;
    if (req.library) diagnostics = diagnostics.filter((d) => d.code !== 'SSL036');
    if (result.graph) facts = graphFacts(result.graph);
  } catch (err) {
    // compileSource already turns internal failures into SSL099; this is the last resort
    diagnostics = [];
    void err;
  }
  return { id: req.id, path: req.path, diagnostics, facts, millis: performance.now() - t0 };
}

// `ssl3d run-node` (internal; what each Slurm job runs): compute one node of a saved graph
// against the shared cache. Its events go to <cache>/slurm/jobs/<hash>/<jobId>.events.jsonl
// (read by the submitting `ssl3d run` or by `ssl3d status`) and as plain lines to stdout (the
// job's log). Exit codes: 0 done or already cached, 1 failed, 2 usage, 130 interrupted.

import { readSmallFileSync } from '../../runtime/files.js';
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { SslRuntimeError } from '../../runtime/contract.js';
import { createEventStream } from '../../runtime/executor/emitter.js';
import type { HandlerResolver } from '../../runtime/executor/handlers.js';
import { defaultHandlers } from '../handlers.js';
import { installInterruptHandlers } from '../../runtime/executor/session.js';
import { createPlainRenderer } from '../ui/plain.js';

const usage = `usage: ssl3d run-node --graph GRAPH.json --node ID --cache DIR --base DIR [--backend NAME]

Internal: what each job of \`ssl3d run --executor slurm\` runs. Computes node ID of the saved graph
(its inputs must be in the cache) and commits it to the cache; a cached node returns at once.
`;

interface Args {
  graph: string;
  node: string;
  cache: string;
  base: string;
  backend: string | null;
}

export function parseRunNodeArgs(argv: string[]): Args | string {
  const v: Partial<Record<keyof Args, string>> = {};
  const keys: Record<string, keyof Args> = { '--graph': 'graph', '--node': 'node', '--cache': 'cache', '--base': 'base', '--backend': 'backend' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') return 'help';
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const key = keys[flag];
    if (!key) return `unknown argument '${a}'`;
    const value = eq > 0 && a.startsWith('--') ? a.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') return `${flag} needs a value`;
    v[key] = value;
  }
  for (const k of ['graph', 'node', 'cache', 'base'] as const) if (!v[k]) return `missing --${k}`;
  return { graph: v.graph!, node: v.node!, cache: v.cache!, base: v.base!, backend: v.backend ?? null };
}

export async function runNodeCli(argv: string[], handlers: HandlerResolver = defaultHandlers): Promise<number> {
  const args = parseRunNodeArgs(argv);
  if (args === 'help') {
    process.stdout.write(usage);
    return 0;
  }
  if (typeof args === 'string') {
    process.stderr.write(`ssl3d run-node: ${args}\n\n${usage}`);
    return 2;
  }
  const stream = createEventStream();
  const plain = createPlainRenderer({ write: (s) => process.stdout.write(s), writeError: (s) => process.stderr.write(s), color: false, results: false });
  stream.subscribe(plain.onEvent);
  const controller = new AbortController();
  // Slurm sends SIGTERM before a time limit or a preemption: stop at the next step (the last
  // epoch's checkpoint stays for the requeued or rerun job)
  const removeSignals = installInterruptHandlers(controller, (sig) => process.stderr.write(`ssl3d run-node: ${sig}: stopping\n`));
  try {
    const { loadGraph } = await import('../../core/graph-schema.js');
    let graph;
    try {
      graph = loadGraph(JSON.parse(readSmallFileSync(args.graph, 1 << 30).toString('utf8')) as unknown);
    } catch (err) {
      process.stderr.write(`ssl3d run-node: error SSL098: ${args.graph}: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
    const tf = await import('@tensorflow/tfjs');
    if (!process.env.SSL3D_DEBUG) tf.env().set('PROD', true);
    const b = await import('../../runtime/backend/index.js');
    const backend = await b.selectBackend((args.backend ?? graph.backend) as Parameters<typeof b.selectBackend>[0], { quiet: true });
    if (backend.warning) stream.emit({ type: 'warning', node: args.node, message: backend.warning });
    const { runNodeJob } = await import('../../runtime/executor/slurm/node-job.js');
    const status = await runNodeJob({
      graph,
      nodeId: args.node,
      cacheDir: resolve(args.cache),
      baseDir: resolve(args.base),
      handlers,
      backend: { name: backend.name, reason: backend.reason },
      stream,
      signal: controller.signal,
      jobId: process.env.SLURM_JOB_ID ?? `local-${process.pid}`,
    });
    return status === 'ok' || status === 'cached' ? 0 : status === 'interrupted' ? 130 : 1;
  } catch (err) {
    if (err instanceof SslRuntimeError) process.stderr.write(`ssl3d run-node: error ${err.code}: ${err.message}${err.file ? ` (${err.file})` : ''}\n`);
    else process.stderr.write(`ssl3d run-node: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    plain.close();
    removeSignals();
  }
}

export const command: Command = {
  summary: 'internal: run one node of a saved graph (what a Slurm job runs)',
  run: (argv) => runNodeCli(argv),
};

// The sbatch command line of one node's job, and `ssl3d plan --executor slurm`'s dry run.
//
// Each job runs `ssl3d run-node` on that node alone against the shared cache. Ordering is
// Slurm's: `--dependency=afterok:<jobs of the inputs>` with `--kill-on-invalid-dep=yes`, so when
// a job fails Slurm cancels everything downstream of it. `max-jobs = N` chains job i to job i−N
// with `afterany` (whatever its outcome), so at most N jobs of one submission run at once
// without a process having to stay behind to throttle them.

import type { ExecutionGraph, GraphNode } from '../../../core/graph.js';
import { CONTROL_CHARS } from '../../../grammar/diagnostics.js';
import { msg } from '../../../core/codes/index.js';
import { SslRuntimeError } from '../../../core/errors.js';
import { jobDir, jobLogPattern, jobName, slurmUnsafePath } from './layout.js';
import { nodeResources, type JobResources } from './resources.js';
import type { SlurmSettings } from './settings.js';

export interface JobSpec {
  node: GraphNode;
  /** Job ids (or `$VAR` references in a dry run) this job must wait for, successfully. */
  after: string[];
  /** A job this one waits for whatever its outcome (the max-jobs window), or null. */
  window: string | null;
}

export interface SbatchContext {
  graph: ExecutionGraph;
  settings: SlurmSettings;
  cacheDir: string;
  baseDir: string;
  /** The saved graph the job reads. */
  graphPath: string;
  /** The backend choice passed to every job (`auto`, `native`, …). */
  backend: string;
}

/** POSIX shell quoting of one word (only when needed). */
export function shellQuote(s: string): string {
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

// what scriptWord writes as an escape: the characters `visible` shows, and tab and line feed
const UNPRINTABLE_ALL = new RegExp(`[\\t\\n]|${CONTROL_CHARS.source}`, 'gu');
const UNPRINTABLE = new RegExp(UNPRINTABLE_ALL.source, 'u');

/**
 * A word of the dry-run script, which is printed to a terminal and may be pasted into bash: a word
 * holding a control, bidi or invisible character (a partition name with a newline and an escape
 * sequence) is written in bash's $'…' form with every such character as its UTF-8 bytes (\xHH), so the
 * script shows it and bash still reads back the exact word that would be submitted.
 */
export function scriptWord(s: string): string {
  if (!UNPRINTABLE.test(s)) return shellQuote(s);
  // each UTF-8 byte as \xHH: bash's \uHHHH is left as those six characters in the C locale (LC_ALL=C,
  // common in batch shells), which would name another folder
  const body = s.replace(/[\\']/g, (c) => `\\${c}`).replace(UNPRINTABLE_ALL, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join(''));
  return `$'${body}'`;
}

/** The words of the command a job runs. */
export function nodeCommand(node: GraphNode, ctx: SbatchContext): string[] {
  return [...ctx.settings.command, 'run-node', '--graph', ctx.graphPath, '--node', node.id, '--cache', ctx.cacheDir, '--base', ctx.baseDir, '--backend', ctx.backend];
}

/** sbatch's arguments for one job (without the `sbatch` word itself). */
export function sbatchArgs(job: JobSpec, ctx: SbatchContext, res: JobResources = nodeResources(job.node, ctx.graph, ctx.settings, ctx.backend)): string[] {
  const { node } = job;
  if (slurmUnsafePath(ctx.cacheDir)) throw new SslRuntimeError(msg('SSL197', 'backslashCache', { path: ctx.cacheDir }));
  const s = ctx.settings;
  const args = ['--parsable', `--job-name=${jobName(node.hash)}`, `--comment=${node.id}`, `--output=${jobLogPattern(ctx.cacheDir, node.hash)}`, '--open-mode=append'];
  if (s.partition) args.push(`--partition=${s.partition}`);
  if (s.account) args.push(`--account=${s.account}`);
  if (res.time) args.push(`--time=${res.time}`);
  args.push('--nodes=1', '--ntasks=1', `--cpus-per-task=${res.cpus}`, `--mem=${res.memoryMB}M`);
  if (res.gpus > 0) args.push(`--gres=gpu:${res.gpus}`);
  const deps: string[] = [];
  if (job.after.length) deps.push(`afterok:${job.after.join(':')}`);
  if (job.window) deps.push(`afterany:${job.window}`);
  if (deps.length) args.push(`--dependency=${deps.join(',')}`, '--kill-on-invalid-dep=yes');
  args.push(s.requeue ? '--requeue' : '--no-requeue');
  args.push(...s.sbatch);
  args.push(`--wrap=${nodeCommand(node, ctx).map(shellQuote).join(' ')}`);
  return args;
}

/** A shell variable name for a node's job id in the dry run (`$J3`). */
const varOf = (i: number): string => `J${i}`;

/**
 * The dry run: a shell script of sbatch lines for the nodes that are not cached, in graph order,
 * each capturing its job id for the dependencies of later lines. Cached nodes are listed as
 * comments. `skip` holds the ids of cached nodes.
 */
export function planScript(ctx: SbatchContext, skip: Set<string>, reasons: Record<string, string> = {}): string {
  const lines: string[] = [
    `# ssl3d: the sbatch lines \`ssl3d run --executor slurm\` would submit for ${ctx.graph.experiment}`,
    `# (dry run: nothing was submitted; the graph file is written at submission)`,
  ];
  const vars = new Map<string, string>();
  const order: string[] = [];
  let i = 0;
  for (const node of ctx.graph.nodes) {
    if (skip.has(node.id)) {
      lines.push(`# ${node.id}: cached${reasons[node.id] ? ` (${reasons[node.id]})` : ''}`);
      continue;
    }
    i += 1;
    const v = varOf(i);
    const after = node.inputs.filter((id) => vars.has(id)).map((id) => `$${vars.get(id)!}`);
    const w = ctx.settings.maxJobs !== null && order.length >= ctx.settings.maxJobs ? `$${order[order.length - ctx.settings.maxJobs]!}` : null;
    const res = nodeResources(node, ctx.graph, ctx.settings, ctx.backend);
    const args = sbatchArgs({ node, after, window: w }, ctx, res);
    lines.push(`# ${node.id} (${node.kind}, ${res.memoryMB} MB ${res.memoryFrom === 'estimate' ? 'from the cost estimate' : 'as set'}, ${res.cpus} cpus${res.gpus ? `, ${res.gpus} gpu` : ''})`);
    lines.push(`mkdir -p ${scriptWord(jobDir(ctx.cacheDir, node.hash))}`);
    // `$J1` must expand, so dependency words are double-quoted rather than single-quoted
    lines.push(`${v}=$(sbatch ${args.map((a) => (a.startsWith('--dependency=') ? `"${a}"` : scriptWord(a))).join(' ')})`);
    vars.set(node.id, v);
    order.push(v);
  }
  if (i === 0) lines.push('# every node is cached: nothing to submit');
  return lines.join('\n') + '\n';
}

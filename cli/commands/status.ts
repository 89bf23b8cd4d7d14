// `ssl3d status FILE`: watch the Slurm jobs of the newest `ssl3d run --executor slurm` of FILE's
// cache again (after --detach, a closed terminal or Ctrl-C), with the same renderers as
// `ssl3d run`; it ends when the jobs end, with the run's exit code. Without a Slurm submission
// it prints the newest run record's status.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from '../command.js';
import { SslRuntimeError } from '../../runtime/contract.js';
import { createEventStream } from '../../runtime/executor/emitter.js';
import { installInterruptHandlers } from '../../runtime/executor/session.js';
import { readRecord } from '../../runtime/executor/record-writer.js';
import { askCancel, defaultUi, finishSlurm, startRenderers } from './run.js';
import { EventsFileError } from '../ui/jsonl.js';

const usage = `usage: ssl3d status FILE [options]

Watches the Slurm jobs of the newest \`ssl3d run FILE --executor slurm\` again (after --detach or
Ctrl-C) until they end, then prints the report. Ctrl-C stops watching (it asks whether to scancel).
  --cache DIR        cache folder (default: .ssl3d/ beside FILE)
  --run ID           a submission other than the newest
  --ui NAME          tui | plain | json
  --events FILE      also write every event as JSON lines to FILE
  --no-report        do not print the report at the end
`;

export async function runStatus(argv: string[]): Promise<number> {
  let file = '';
  let cache: string | null = null;
  let runId: string | undefined;
  let ui: 'tui' | 'plain' | 'json' | null = null;
  let events: string | null = null;
  let report = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const value = (): string | null => (eq > 0 ? a.slice(eq + 1) : (argv[++i] ?? null));
    if (flag === '--help' || flag === '-h') {
      process.stdout.write(usage);
      return 0;
    } else if (flag === '--no-report') report = false;
    else if (flag === '--cache' || flag === '--run' || flag === '--ui' || flag === '--events') {
      const v = value();
      if (!v) {
        process.stderr.write(`ssl3d status: ${flag} needs a value\n\n${usage}`);
        return 2;
      }
      if (flag === '--cache') cache = v;
      else if (flag === '--run') runId = v;
      else if (flag === '--events') events = v;
      else if (v === 'tui' || v === 'plain' || v === 'json') ui = v;
      else {
        process.stderr.write(`ssl3d status: --ui must be one of tui, plain, json (got '${v}')\n`);
        return 2;
      }
    } else if (a.startsWith('-')) {
      process.stderr.write(`ssl3d status: unknown option '${a}'\n\n${usage}`);
      return 2;
    } else if (file) {
      process.stderr.write(`ssl3d status: unexpected argument '${a}'\n`);
      return 2;
    } else file = a;
  }
  if (!file) {
    process.stderr.write(`ssl3d status: missing experiment FILE\n\n${usage}`);
    return 2;
  }
  const path = resolve(file);
  if (!existsSync(path)) {
    process.stderr.write(`ssl3d status: ${file}: no such experiment file\n`);
    return 2;
  }
  const cacheDir = resolve(cache ?? join(dirname(path), '.ssl3d'));
  const { readSubmission } = await import('../../runtime/executor/slurm/submit.js');
  const submission = readSubmission(cacheDir, runId);
  if (!submission) {
    if (runId) {
      process.stderr.write(`ssl3d status: no Slurm submission '${runId}' in ${cacheDir}\n`);
      return 1;
    }
    const rec = readRecord(cacheDir);
    if (!rec) process.stdout.write(`no runs in ${cacheDir}\n`);
    else {
      const counts: Record<string, number> = {};
      // an edited record (nodes null, a status that is not text) gives what it can, never a crash
      const nodes: unknown = rec.nodes;
      for (const n of typeof nodes === 'object' && nodes !== null ? Object.values(nodes as Record<string, { status?: unknown } | null>) : []) {
        const st = n && typeof n.status === 'string' ? n.status : 'unreadable';
        counts[st] = (counts[st] ?? 0) + 1;
      }
      process.stdout.write(`newest run ${rec.runId} (${rec.startedAt}): ${rec.status}; ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}\n`);
    }
    return 0;
  }

  const chosenUi = ui ?? defaultUi();
  const stream = createEventStream();
  const controller = new AbortController();
  let renderers: Awaited<ReturnType<typeof startRenderers>>;
  try {
    renderers = await startRenderers(stream, controller, { ui: chosenUi, events, report });
  } catch (err) {
    if (!(err instanceof EventsFileError)) throw err;
    process.stderr.write(`ssl3d status: ${err.message}\n`);
    return 2;
  }
  const removeSignals = installInterruptHandlers(controller, (sig) => {
    if (!renderers.tui) process.stderr.write(`\nssl3d: ${sig}: stopping the watcher (again to quit at once)\n`);
  });
  try {
    const { attachSlurmSession } = await import('../../runtime/executor/slurm/session.js');
    const { createSlurmClient } = await import('../../runtime/executor/slurm/queue.js');
    // the record keeps the submitter's versions and CPU; these only fill a record that was lost
    const { cpuInfo } = await import('../../runtime/backend/index.js');
    const result = await attachSlurmSession({
      cacheDir,
      runId: submission.runId,
      stream,
      signal: controller.signal,
      client: createSlurmClient(),
      versions: { node: process.version, tfjs: 'unknown', ssl3d: (await import('../../runtime/version.js')).packageVersion() },
      cpu: cpuInfo(),
      confirmCancel: async (ids) => {
        await renderers.close();
        return askCancel(ids, chosenUi);
      },
    });
    await renderers.close();
    if (!result) return 1;
    return await finishSlurm(result, path, cacheDir, chosenUi, report, controller.signal.aborted);
  } catch (err) {
    await renderers.close();
    if (err instanceof SslRuntimeError) process.stderr.write(`ssl3d status: error ${err.code}: ${err.message}${err.file ? ` (${err.file})` : ''}\n`);
    else process.stderr.write(`ssl3d status: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    removeSignals();
  }
}

export const command: Command = {
  summary: 'watch the Slurm jobs of the newest run again',
  run: runStatus,
};

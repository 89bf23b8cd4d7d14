// The `ssl3d` command line: dispatches to one module per command in cli/commands/.
// Exit codes: 0 ok, 1 diagnostics or a failed run, 2 usage error, 130 interrupted.

import type { Command } from './command.js';
import { guardOutput } from './output.js';

const commands: Record<string, () => Promise<Command>> = {
  check: async () => (await import('./commands/check.js')).command,
  plan: async () => (await import('./commands/plan.js')).command,
  fmt: async () => (await import('./commands/fmt.js')).command,
  explain: async () => (await import('./commands/explain.js')).command,
  run: async () => (await import('./commands/run.js')).command,
  report: async () => (await import('./commands/report.js')).command,
  status: async () => (await import('./commands/status.js')).command,
  'run-node': async () => (await import('./commands/run-node.js')).command,
  lsp: async () => (await import('./commands/lsp.js')).command,
};

const usage = `usage: ssl3d <command> [options]

commands:
  check FILE      check an experiment (add --data to verify dataset files)
  plan FILE       show the execution graph with costs and cache state (--json for the graph)
  fmt FILE        rewrite a file canonically (--check to only verify)
  explain CODE    describe a diagnostic code (e.g. SSL012)
  run FILE        run an experiment (cached, resumable)
  report FILE     build tables and figures from finished runs (never retrains)
  status FILE     watch the Slurm jobs of the newest run again (after --detach or Ctrl-C)
  lsp --stdio     language server for editors (docs/editors.md)
`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  // every byte we print is made terminal-safe and a closed pipe ends quietly (cli/output.ts);
  // the language server's stdout is JSON-RPC with byte counts and must pass untouched
  if (name !== 'lsp') guardOutput();
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    const { packageVersion } = await import('../runtime/version.js');
    process.stdout.write(packageVersion() + '\n');
    return 0;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`ssl3d: unknown command '${name}'\n\n${usage}`);
    return 2;
  }
  try {
    const command = await load();
    return await command.run(rest);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`ssl3d ${name}: internal error: ${message}\n`);
    if (process.env.SSL3D_DEBUG) process.stderr.write(String(err instanceof Error ? err.stack : err) + '\n');
    return 1;
  }
}

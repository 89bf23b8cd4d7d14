// `ssl3d lsp --stdio`: the language server for editors (see cli/lsp/server.ts, docs/editors.md).
import type { Command } from '../command.js';

const usage = `usage: ssl3d lsp --stdio

  Start the language server for .ssl files, speaking the Language Server Protocol on standard
  input and output (what editors launch; see docs/editors.md).

  --stdio    talk over stdin/stdout (the only transport)
  --trace    log each compile and its time to the editor's output
`;

export async function runLsp(argv: string[]): Promise<number> {
  let stdio = false;
  let trace = false;
  for (const a of argv) {
    if (a === '--stdio') stdio = true;
    else if (a === '--trace') trace = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(usage);
      return 0;
    } else if (a.startsWith('--clientProcessId')) {
      // some clients add it; the server ends when stdin closes anyway
    } else {
      process.stderr.write(`ssl3d lsp: unknown option '${a}'\n\n${usage}`);
      return 2;
    }
  }
  if (!stdio) {
    process.stderr.write(`ssl3d lsp: say how to talk to the editor: --stdio\n\n${usage}`);
    return 2;
  }
  const { startServer } = await import('../lsp/server.js');
  const { createConnection, ProposedFeatures } = await import('vscode-languageserver/node.js');
  const connection = startServer(createConnection(ProposedFeatures.all, process.stdin, process.stdout), { trace });
  // the process lives as long as the connection: resolve when the client exits or stdin closes
  return await new Promise<number>((resolve) => {
    connection.onExit(() => resolve(0));
    process.stdin.on('end', () => resolve(0));
  });
}

export const command: Command = {
  summary: 'language server for editors (--stdio)',
  run: runLsp,
};

// The shape of one `ssl3d` command (cli/commands/<name>.ts); cli/main.ts dispatches to them.

import { withFile } from '../core/errors.js';
import { visible } from '../grammar/diagnostics.js';

export interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}

/** How a command prints a coded runtime error: one located line, then where the long form is. */
export function codedErrorText(command: string, err: { code: string; message: string; file: string | null }): string {
  // file names and messages carry user text (a data file named with ESC[8m would hide the rest)
  return `ssl3d ${command}: error ${err.code}: ${visible(withFile(err.message, err.file))}\n  (ssl3d explain ${err.code} for details)\n`;
}

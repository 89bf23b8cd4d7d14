// `ssl3d explain SSL0NN` prints the long form of a diagnostic code (title, severity, explanation,
// the message forms of the catalogue); `--list` lists them all with their severity.
// Exit codes: 0 found, 2 unknown code or bad usage (with a suggestion when one is close).

import type { Command } from '../command.js';
import { allCodes } from '../../core/codes/index.js';
import { severityText, type CodeInfo } from '../../core/codes/info.js';
import { didYouMean } from '../../grammar/index.js';

const usage = `usage: ssl3d explain CODE      (e.g. ssl3d explain SSL004)
       ssl3d explain --list    (all codes with their severities and titles)
`;

/** `ssl4`, `4`, `SSL004`, ` ssl004 ` → `SSL004`. */
export function normaliseCode(input: string): string {
  const s = input.trim().toUpperCase();
  const m = /^(?:SSL)?0*(\d{1,3})$/.exec(s);
  return m ? 'SSL' + m[1]!.padStart(3, '0') : s;
}

export async function runExplain(argv: string[]): Promise<number> {
  const codes = allCodes();
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  if (argv.includes('--list')) {
    const width = Math.max(...codes.map((c) => c.code.length));
    for (const c of codes) process.stdout.write(`${c.code.padEnd(width)}  ${c.severity.padEnd(7)}  ${c.title}\n`);
    return 0;
  }
  if (argv.length !== 1 || argv[0]!.startsWith('-')) {
    process.stderr.write(`ssl3d explain: ${argv.length === 0 ? 'no code given' : argv.length > 1 ? 'give one code' : `unknown option '${argv[0]}'`}\n\n${usage}`);
    return 2;
  }
  const want = normaliseCode(argv[0]!);
  const info = codes.find((c) => c.code === want);
  if (!info) {
    const near = didYouMean(want, codes.map((c) => c.code));
    process.stderr.write(`ssl3d explain: unknown code '${argv[0]}'${near ? `; did you mean ${near}?` : ''}\nrun 'ssl3d explain --list' to see all codes\n`);
    return 2;
  }
  process.stdout.write(explainText(info));
  return 0;
}

/** The long form of one catalogue entry: title, severity, explanation, and its message forms. */
export function explainText(info: CodeInfo): string {
  const messages = Object.entries(info.messages ?? {});
  const width = Math.max(0, ...messages.map(([k]) => k.length));
  const forms = messages.length ? `\nmessages ({name} is filled in; {name|s} is an 's' unless name is 1):\n${messages.map(([k, t]) => `  ${k.padEnd(width)}  ${t}\n`).join('')}` : '';
  return `${info.code}: ${info.title}\nseverity: ${severityText(info)}\n\n${info.explanation.trimEnd()}\n${forms}`;
}


export const command: Command = {
  summary: 'describe a diagnostic code (--list for all)',
  run: runExplain,
};

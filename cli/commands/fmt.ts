// `ssl3d fmt FILE... [--check] [--stdout]`: rewrite .ssl files in canonical form.
// Exit codes: 0 all files formatted (or already canonical), 1 a file has syntax errors, cannot
// be read, or (with --check) is not canonical, 2 usage error. A file with syntax errors is
// never rewritten. `-` reads standard input and writes the result to standard output.

import { realpathSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from '../command.js';
import { readSourceFile } from '../../compiler/index.js';
import { format, hasErrors, parse, renderDiagnostics } from '../../grammar/index.js';
import { diskFullDetail, writeFileAtomic } from '../../runtime/executor/fsutil.js';

const usage = `usage: ssl3d fmt FILE|DIR... [--check] [--stdout]

  DIR        every .ssl file below it

  --check    do not write; exit 1 and list the files that are not formatted
  --stdout   print the formatted text instead of rewriting the files
  -          read standard input, write standard output
`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Why a write failed, in words (the temp file's name would only confuse). */
function writeFailure(err: unknown): string {
  const full = diskFullDetail(err);
  if (full !== null) return full;
  const code = (err as NodeJS.ErrnoException).code;
  const words: Record<string, string> = { EROFS: 'read-only file system', EACCES: 'permission denied', EPERM: 'operation not permitted' };
  return code && words[code] ? `${words[code]} (${code})` : err instanceof Error ? err.message : String(err);
}

function useColor(): boolean {
  return Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
}

export async function runFmt(argv: string[]): Promise<number> {
  let check = false;
  let toStdout = false;
  const files: string[] = [];
  for (const a of argv) {
    if (a === '--check') check = true;
    else if (a === '--stdout') toStdout = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(usage);
      return 0;
    } else if (a.startsWith('-') && a !== '-') {
      process.stderr.write(`ssl3d fmt: unknown option '${a}'\n\n${usage}`);
      return 2;
    } else files.push(a);
  }
  if (files.length === 0) {
    process.stderr.write(`ssl3d fmt: no file given\n\n${usage}`);
    return 2;
  }
  let status = 0;
  const expanded: string[] = [];
  for (const f of files) {
    let isDir = false;
    try {
      isDir = f !== '-' && (await stat(f)).isDirectory();
    } catch {
      // reported when read below
    }
    if (!isDir) {
      expanded.push(f);
      continue;
    }
    const found = (await readdir(f, { recursive: true }))
      .filter((p) => p.endsWith('.ssl') && !p.split(/[\\/]/).includes('node_modules'))
      .sort()
      .map((p) => join(f, p));
    if (found.length === 0) process.stderr.write(`ssl3d fmt: no .ssl files in ${f}\n`);
    expanded.push(...found);
  }
  for (const file of expanded) {
    let text: string;
    try {
      // as ssl3d check reads a source: a regular file of at most 4 MiB of UTF-8 text (a named pipe
      // hung fmt, a link to /dev/zero filled 600 MB before failing)
      text = file === '-' ? await readStdin() : readSourceFile(file, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as { sslCode?: string }).sslCode ? (err as Error).message : (code ?? '');
      process.stderr.write(`ssl3d fmt: cannot read ${file}${why ? `: ${why}` : ''}\n`);
      status = 1;
      continue;
    }
    const name = file === '-' ? '<stdin>' : file;
    const { document, diagnostics } = parse(text, name);
    if (hasErrors(diagnostics)) {
      process.stderr.write(renderDiagnostics(diagnostics, () => text, { color: useColor() }));
      process.stderr.write(`ssl3d fmt: ${name} has syntax errors; not formatted\n`);
      status = 1;
      continue;
    }
    const out = format(document);
    const normalised = text.replace(/\r\n/g, '\n');
    if (check) {
      if (out !== text) {
        process.stdout.write(`would reformat ${name}${out === normalised ? ' (line endings)' : ''}\n`);
        status = 1;
      }
      continue;
    }
    if (toStdout || file === '-') {
      process.stdout.write(out);
      continue;
    }
    if (out !== text) {
      try {
        // a temp file renamed over the original (beside the link's target for a symbolic link),
        // with the original's permissions: a full disk or a crash never leaves it half-written
        const real = realpathSync(file);
        writeFileAtomic(real, out, statSync(real).mode);
      } catch (err) {
        process.stderr.write(`ssl3d fmt: cannot write ${file}: ${writeFailure(err)}; the file is unchanged\n`);
        status = 1;
        continue;
      }
      process.stdout.write(`formatted ${name}\n`);
    }
  }
  return status;
}

export const command: Command = {
  summary: 'rewrite .ssl files canonically (--check to only verify)',
  run: runFmt,
};

#!/usr/bin/env node
// Entry point: run the compiled CLI from dist/ when it has been built (npm install builds it),
// otherwise run the TypeScript sources through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

// A working folder deleted under the shell makes process.cwd() throw (ENOENT, uv_cwd), which
// surfaced as "internal error" (or a stack trace from the TypeScript loader) even for absolute
// paths; `explain` needs no folder.
try {
  process.cwd();
} catch {
  if (process.argv[2] !== 'explain') {
    process.stderr.write(`ssl3d${/^[a-z-]{1,20}$/.test(process.argv[2] ?? '') ? ' ' + process.argv[2] : ''}: the current folder no longer exists (it was deleted or moved); cd to an existing folder and run again\n`);
    process.exit(2);
  }
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli', 'main.js');
let main;
if (existsSync(built) && !process.env.SSL3D_FROM_SOURCE) {
  main = await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  main = await import(pathToFileURL(join(root, 'cli', 'main.ts')).href);
}
process.exitCode = await main.main(process.argv.slice(2));

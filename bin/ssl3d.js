#!/usr/bin/env node
// Entry point: run the compiled CLI from dist/ when it has been built (npm install builds it),
// otherwise run the TypeScript sources through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

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

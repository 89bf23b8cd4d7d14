#!/usr/bin/env node
// Bundles bench/cpu-device.ts with everything it imports (tfjs included) into ONE file,
// out/cpu-device.mjs (~5 MB), so that the #11 measurement runs on a machine that has node and
// this repository's tracked files but no node_modules:
//   here:   node native/build.mjs && node bench/bundle-cpu-device.mjs
//   there:  node out/cpu-device.mjs RESULT.md        (carry out/ and native/build/)
// The bundle finds the addon (native/build/) and the PyTorch scripts (bench/) through the
// package.json above it, so it must stay inside the repository (out/ is git-ignored).
// esbuild comes with tsx (a dependency).

import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const outfile = join(root, 'out', 'cpu-device.mjs');
mkdirSync(dirname(outfile), { recursive: true });
const r = await build({
  entryPoints: [join(root, 'bench', 'cpu-device.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile,
  // Optional backends that the native measurement never loads.
  external: ['webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-webgpu'],
  // CommonJS modules inside the bundle (and the addon loader) call require().
  banner: { js: "import { createRequire as __sslCreateRequire } from 'node:module'; const require = __sslCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  metafile: true,
});
const bytes = r.metafile.outputs[Object.keys(r.metafile.outputs)[0]].bytes;
console.log(`wrote ${outfile} (${(bytes / 1e6).toFixed(1)} MB); run it with: node out/cpu-device.mjs RESULT.md`);

// Loads Chevrotain once. The package's main entry ("lib/src/api.js") pulls in ~600 separate
// lodash-es modules, which costs ~400 ms of start-up on a small machine; the package also ships
// a single-file ESM bundle (lib/chevrotain.mjs) with the same exports that loads in ~30 ms.
// `ssl3d check` must finish in 300 ms including Node start-up, so we load the bundle and fall
// back to the normal entry if the bundle is ever missing.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Chevrotain from 'chevrotain';

async function load(): Promise<typeof Chevrotain> {
  try {
    const require = createRequire(import.meta.url);
    const api = require.resolve('chevrotain'); // <pkg>/lib/src/api.js
    const bundle = join(dirname(api), '..', 'chevrotain.mjs');
    return (await import(pathToFileURL(bundle).href)) as typeof Chevrotain;
  } catch {
    return await import('chevrotain');
  }
}

export const chevrotain: typeof Chevrotain = await load();

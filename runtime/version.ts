// The package version and root folder, found from this file whether it runs from the sources
// or from dist/ (one folder deeper).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_VERSION } from '../core/version.js';

let cachedRoot: string | null = null;

/** The package root: the nearest folder above this file with a package.json named ssl3d. */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string };
      if (pkg.name === 'ssl3d') return (cachedRoot = dir);
    }
    dir = dirname(dir);
  }
  throw new Error('ssl3d: cannot find the package root');
}

/** The package version (core/version.ts; the architecture test keeps it equal to package.json's). */
export function packageVersion(): string {
  return PACKAGE_VERSION;
}

// The layering holds: core/ → grammar/ → compiler/ → runtime/ → report/ → cli/, every import
// points down or sideways, no import circles, and core/ stays pure (no tfjs, no file system).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PACKAGE_VERSION } from '../core/version.js';
import { findCycles, importEdges, layerViolations, type ImportEdge } from '../scripts/imports.js';

describe('architecture', () => {
  const { edges, packages } = importEdges();

  it('has no import circles', () => {
    expect(findCycles(edges)).toEqual([]);
  });

  it('has no arrow running back up a layer, and core/ imports nothing impure', () => {
    expect(layerViolations(edges, packages)).toEqual([]);
  });

  it('the checker sees circles and upward arrows when they exist', () => {
    const e = (from: string, to: string): ImportEdge => ({ from, to, spec: to, typeOnly: false });
    expect(findCycles([e('cli/a.ts', 'cli/b.ts'), e('cli/b.ts', 'cli/c.ts'), e('cli/c.ts', 'cli/a.ts')])).toEqual([['cli/a.ts', 'cli/b.ts', 'cli/c.ts']]);
    expect(layerViolations([e('compiler/x.ts', 'runtime/y.ts'), e('runtime/y.ts', 'core/z.ts')], [{ from: 'core/z.ts', spec: 'node:fs' }])).toEqual([
      'compiler/x.ts → runtime/y.ts',
      "core/z.ts → package 'node:fs' (core/ stays pure)",
    ]);
  });

  it('core/version.ts matches package.json', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(PACKAGE_VERSION).toBe(pkg.version);
  });
});

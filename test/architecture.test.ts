// The layering holds: core/ → grammar/ → compiler/ → runtime/ → report/ → cli/, every import
// points down or sideways, no import circles, and core/ stays pure (no tfjs, no file system).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PACKAGE_VERSION } from '../core/version.js';
import { findCycles, importEdges, layerViolations, type ImportEdge } from '../scripts/imports.js';

describe('architecture', () => {
  const { files, edges, packages } = importEdges();

  it('has no import circles', () => {
    expect(findCycles(edges)).toEqual([]);
  });

  it('has no arrow running back up a layer, and core/ imports nothing impure', () => {
    expect(layerViolations(edges, packages)).toEqual([]);
  });

  it('the checker sees circles and upward arrows when they exist', () => {
    const e = (from: string, to: string): ImportEdge => ({ from, to, spec: to });
    expect(findCycles([e('cli/a.ts', 'cli/b.ts'), e('cli/b.ts', 'cli/c.ts'), e('cli/c.ts', 'cli/a.ts')])).toEqual([['cli/a.ts', 'cli/b.ts', 'cli/c.ts']]);
    expect(layerViolations([e('compiler/x.ts', 'runtime/y.ts'), e('runtime/y.ts', 'core/z.ts')], [{ from: 'core/z.ts', spec: 'node:fs' }])).toEqual([
      'compiler/x.ts → runtime/y.ts',
      "core/z.ts → package 'node:fs' (core/ stays pure)",
    ]);
  });

  it('the task geometry and parameters both sides need are in core/tasks/, and both the compiler and the runtime read every task file of it', () => {
    // index.ts (the registry) and contract.ts (its entry type) are read through core/graph.ts
    const registry = ['core/tasks/contract.ts', 'core/tasks/index.ts'];
    const shared = [...new Set(edges.map((e) => e.to).filter((f) => f.startsWith('core/tasks/') && !registry.includes(f)))].sort();
    expect(shared).toEqual(['core/tasks/cpc.ts', 'core/tasks/exemplar.ts', 'core/tasks/grid.ts', 'core/tasks/jigsaw.ts', 'core/tasks/rotation.ts', 'core/tasks/rpl.ts']);
    for (const f of shared) {
      const users = edges.filter((e) => e.to === f && !e.from.startsWith('core/')).map((e) => e.from.split('/')[0]);
      expect(new Set(users), f).toEqual(new Set(['compiler', 'runtime']));
    }
  });

  it('docs/architecture.md names only files that exist (its places and touch-point lists stay true)', () => {
    const doc = readFileSync('docs/architecture.md', 'utf8');
    const named = [...new Set([...doc.matchAll(/`([a-z][\w.-]*(?:\/[\w.-]+)+\.(?:ts|cpp|mjs|md))/g)].map((m) => m[1]!))];
    expect(named.length).toBeGreaterThan(40);
    expect(named.filter((f) => !existsSync(f))).toEqual([]);
  });

  it('no source file is over 500 lines unless docs/architecture.md names it under "Still over" (generated files excepted)', () => {
    const doc = readFileSync('docs/architecture.md', 'utf8');
    const still = doc.slice(doc.indexOf('Still over'), doc.indexOf('## Checking the layering'));
    const over = files.filter((f) => !f.endsWith('.generated.ts') && readFileSync(f, 'utf8').split('\n').length - 1 > 500);
    expect(files.length).toBeGreaterThan(200);
    expect(over.filter((f) => !still.includes(`\`${f}\``))).toEqual([]);
  });

  it('core/version.ts matches package.json', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(PACKAGE_VERSION).toBe(pkg.version);
  });
});

describe('the diagnostic catalogue', () => {
  it('is one list: every code once, in its range file, and explain finds each', async () => {
    const { CATALOGUE, allCodes, findCode, isCode } = await import('../core/codes/index.js');
    const listed = Object.values(CATALOGUE).flatMap((l) => l.map((c) => c.code));
    expect(new Set(listed).size).toBe(listed.length);
    expect(allCodes().map((c) => c.code)).toEqual([...listed].sort());
    for (const c of listed) expect(findCode(c.toLowerCase())?.code).toBe(c);
    expect(isCode('SSL004')).toBe(true);
    expect(isCode('SSL999')).toBe(false);
  });
});

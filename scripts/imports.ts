// The import map of the sources: every relative import (static, `import type`, dynamic) between
// the layers core/ → grammar/ → compiler/ → runtime/ → report/ → cli/. `findCycles` lists the
// import circles, `layerViolations` every arrow that runs back up a layer (or a core/ file that
// reaches for tfjs or the file system). Run `node --import tsx scripts/imports.ts` for a report;
// test/architecture.test.ts keeps both lists empty.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const LAYERS = ['core', 'grammar', 'compiler', 'runtime', 'report', 'cli'] as const;
export type Layer = (typeof LAYERS)[number];

/** Packages a core/ file may import: no tfjs, no file system, no process. */
const CORE_PACKAGES = new Set(['node:crypto', 'ajv']);

export interface ImportEdge {
  from: string;
  to: string;
  /** The specifier as written. */
  spec: string;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function* walk(dir: string): Generator<string> {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (/\.tsx?$/.test(e) && !e.endsWith('.d.ts')) yield p;
  }
}

/** All imports of the layered source folders, relative ones resolved to repository paths. */
export function importEdges(root = ROOT): { files: string[]; edges: ImportEdge[]; packages: Array<{ from: string; spec: string }> } {
  const files: string[] = [];
  for (const layer of LAYERS) {
    try {
      for (const f of walk(join(root, layer))) files.push(relative(root, f));
    } catch {
      // a layer folder that does not exist yet
    }
  }
  const known = new Set(files);
  const edges: ImportEdge[] = [];
  const packages: Array<{ from: string; spec: string }> = [];
  for (const from of files) {
    const text = readFileSync(join(root, from), 'utf8');
    // the TypeScript pre-processor: static, type-only and dynamic imports, never text in strings
    for (const { fileName: spec } of ts.preProcessFile(text, true, true).importedFiles) {
      if (!spec.startsWith('.')) {
        packages.push({ from, spec });
        continue;
      }
      const base = join(dirname(from), spec).replace(/\.(js|jsx|ts|tsx)$/, '');
      const to = [base + '.ts', base + '.tsx', join(base, 'index.ts')].find((c) => known.has(c));
      if (to) edges.push({ from, to, spec });
    }
  }
  return { files, edges, packages };
}

export function layerOf(file: string): Layer | null {
  const top = file.split('/')[0];
  return (LAYERS as readonly string[]).includes(top!) ? (top as Layer) : null;
}

/** Import circles (strongly connected components with more than one file, or a self-import). */
export function findCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  let i = 0;
  const visit = (v: string): void => {
    index.set(v, i);
    low.set(v, i++);
    stack.push(v);
    on.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (next.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of new Set(edges.map((e) => e.from))) if (!index.has(v)) visit(v);
  return out;
}

/** Arrows that point up a layer, and core/ files importing packages outside the pure list. */
export function layerViolations(edges: readonly ImportEdge[], packages: ReadonlyArray<{ from: string; spec: string }>): string[] {
  const rank = (f: string): number => LAYERS.indexOf(layerOf(f)!);
  const out: string[] = [];
  for (const e of edges) if (rank(e.to) > rank(e.from)) out.push(`${e.from} → ${e.to}`);
  for (const p of packages)
    if (layerOf(p.from) === 'core' && !CORE_PACKAGES.has(p.spec)) out.push(`${p.from} → package '${p.spec}' (core/ stays pure)`);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { files, edges, packages } = importEdges();
  const cycles = findCycles(edges);
  const up = layerViolations(edges, packages);
  console.log(`${files.length} source files, ${edges.length} relative imports`);
  console.log(`import circles: ${cycles.length}`);
  for (const c of cycles) console.log('  ' + c.join(' ↔ '));
  console.log(`arrows up a layer: ${up.length}`);
  for (const v of up) console.log('  ' + v);
  process.exitCode = cycles.length + up.length > 0 ? 1 : 0;
}

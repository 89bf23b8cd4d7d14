// Do two builds of the front end give the same output? (#17.11: the memory work on grammar/ and
// compiler/ must not change a byte of what `check` reports.)
//
//   node --import tsx bench/front-end-diff.ts OLD_ROOT NEW_ROOT [--mutants N] [FILE.ssl ...]
//
// Both roots need `dist/` built (`npx tsc -p tsconfig.build.json`). Inputs: the `.ssl` files of
// NEW_ROOT (experiments, test fixtures), N seeded mutants of them (default 2000: insertions of
// tokens and junk, deletions, copied slices), 300 random token soups, and the FILEs given.
// Compared as JSON: parse() (document + diagnostics), format(), parseValue() on slices, and
// compileSource() (graph + diagnostics) with its rendered diagnostics.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface FrontEnd {
  parse(text: string, file: string): unknown;
  format(text: string, file: string): unknown;
  parseValue(text: string): unknown;
  compile(text: string, file: string): { json: string; rendered: string };
}

async function load(root: string): Promise<FrontEnd> {
  const g = (await import(pathToFileURL(join(root, 'dist/grammar/index.js')).href)) as Record<string, (...a: unknown[]) => unknown>;
  const c = (await import(pathToFileURL(join(root, 'dist/compiler/index.js')).href)) as Record<string, (...a: unknown[]) => unknown>;
  return {
    parse: (t, f) => g['parse']!(t, f),
    format: (t, f) => g['format']!(t, f),
    parseValue: (t) => g['parseValue']!(t),
    compile: (t, f) => {
      const r = c['compileSource']!(t, f, { readFile: (p: string) => readFileSync(p, 'utf8'), unusedDatasets: true }) as { diagnostics: unknown[]; sources: Record<string, string> };
      const rendered = g['renderDiagnostics']!(r.diagnostics, (x: string) => r.sources[x] ?? null, { color: false }) as string;
      return { json: JSON.stringify(r), rendered };
    },
  };
}

const args = process.argv.slice(2);
const [oldRoot, newRoot] = [resolve(args[0] ?? '.'), resolve(args[1] ?? '.')];
let mutants = 2000;
const extra: string[] = [];
for (let i = 2; i < args.length; i++) {
  if (args[i] === '--mutants') mutants = Number(args[++i]);
  else extra.push(args[i]!);
}
const A = await load(oldRoot);
const B = await load(newRoot);

const files: string[] = [];
const walk = (d: string): void => {
  for (const f of readdirSync(d)) {
    if (f === 'node_modules' || f === 'dist' || f.startsWith('.')) continue;
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (f.endsWith('.ssl')) files.push(p);
  }
};
walk(newRoot);
const seeds = files.map((f) => readFileSync(f, 'utf8')).filter((t) => t.length < 200_000);
let state = 12345;
const rand = (n: number): number => {
  state = (state * 1103515245 + 12345) & 0x7fffffff;
  return state % n;
};
const pieces = ['{', '}', '[', ']', '=', ',', ';', '.', '..', '"', '/*', '*/', '//', '#', '\n', ' ', 'x', '1', '1.5', '64x64', '64 x 64', '-', '@', '%', 'epochs', 'import ', 'dataset ', 'step', '\\', '\r', '\t', 'é', '“', 'e', '0x1F', '.5', '1e', ':', '(', 'true'];
const inputs: Array<[string, string]> = seeds.map((t, i) => [files[i]!, t]);
for (let i = 0; i < mutants; i++) {
  let t = seeds[rand(seeds.length)]!;
  for (let k = 1 + rand(6); k > 0; k--) {
    const at = rand(t.length + 1);
    const op = rand(3);
    if (op === 0) t = t.slice(0, at) + pieces[rand(pieces.length)] + t.slice(at);
    else if (op === 1) t = t.slice(0, at) + t.slice(at + 1 + rand(20));
    else {
      const from = rand(t.length + 1);
      t = t.slice(0, at) + t.slice(from, from + rand(40)) + t.slice(at);
    }
  }
  inputs.push([`mutant ${i}`, t]);
}
for (let i = 0; i < 300; i++) {
  let t = '';
  for (let k = rand(60); k > 0; k--) t += pieces[rand(pieces.length)];
  inputs.push([`soup ${i}`, t]);
}
for (const f of extra) inputs.push([f, readFileSync(f, 'utf8')]);

const same = (f: (e: FrontEnd) => unknown): boolean => {
  const run = (e: FrontEnd): string => {
    try {
      return JSON.stringify(f(e));
    } catch (err) {
      return `threw ${(err as Error).message}`;
    }
  };
  return run(A) === run(B);
};
let differ = 0;
for (const [name, t] of inputs) {
  const v = t.slice(rand(t.length + 1)).slice(0, 30);
  const ok = same((e) => e.parse(t, 'f.ssl')) && same((e) => e.format(t, 'f.ssl')) && same((e) => e.parseValue(v)) && same((e) => e.compile(t, 'f.ssl'));
  if (!ok && differ++ < 10) console.log(`differs: ${name}`);
}
console.log(`${inputs.length} inputs (${seeds.length} files, ${mutants} mutants, ${extra.length} given): ${differ} differ`);
process.exitCode = differ > 0 ? 1 : 0;

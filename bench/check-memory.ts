// Peak memory and time of checking big .ssl files, per source byte (#17.11).
//
//   node --import tsx bench/check-memory.ts --make DIR [--mb 1,5]     # write the test files
//   node --import tsx bench/check-memory.ts [--roots A,B] FILE...     # measure them
//   node --import tsx bench/check-memory.ts --rss [--roots A,B] FILE... # peak RSS of `ssl3d check`
//
// Shapes (each the quickstart plus generated text up to the size): `decls` many small unused
// datasets (one SSL067 warning each), `list` one dataset with a list of ~200 000 numbers per MB,
// `nested` datasets holding a block nested 40 levels deep, `strings` datasets with a 64 KB
// string each, `quickstart` the quickstart's pipeline declarations again and again under new names
// (valid: every pretext pretrains).
//
// Each file is checked in a fresh child process (`node --trace-gc --expose-gc`) on the compiled
// tree (dist/: build it first with `npx tsc -p tsconfig.build.json`) that does what `ssl3d check`
// does without the 4 MiB file cap: compileSource, then the rendered diagnostics.
// Baseline: the heap + external memory after checking the quickstart once (forced GC). Peak:
// the largest heap size V8 reports before any garbage collection during the check (trace-gc),
// or at its end, plus external memory; "extra" = peak − baseline, "× size" = extra / file size.
// "kept" = what is still reachable after the check (forced GC; the parser once kept the last
// file's tokens). Time: the check's wall time, linear in the size. "live parsed" / "live +
// blocks": the live heap (forced GCs) per source byte while the compiler holds the parsed files,
// then also every declaration's validated JSON — what the check needs, whatever V8's collector
// lets pile up before it runs (the peak counts that garbage too). --roots runs the same
// files against other checkouts (e.g. a build of main) back to back, for before/after numbers.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The child, plain JavaScript on the compiled tree (dist/, as `ssl3d check` runs): argv = root, file.
const CHILD = `
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
const [root, file] = process.argv.slice(1);
const { compileSource } = await import(pathToFileURL(join(root, 'dist/compiler/index.js')).href);
const { renderDiagnostics } = await import(pathToFileURL(join(root, 'dist/grammar/index.js')).href);
const check = (text, name) => {
  const r = compileSource(text, name, { readFile: (p) => readFileSync(p, 'utf8') });
  const out = renderDiagnostics(r.diagnostics, (f) => r.sources[f] ?? null, { color: false });
  return { n: r.diagnostics.length, chars: out.length };
};
check(readFileSync(join(root, 'experiments/quickstart.ssl'), 'utf8'), 'experiments/quickstart.ssl');
const text = readFileSync(file, 'utf8');
gc(); gc();
const m0 = process.memoryUsage();
const base = m0.heapUsed + m0.external;
console.log('MARK start');
const t0 = performance.now();
const result = check(text, file);
const ms = performance.now() - t0;
const m1 = process.memoryUsage();
gc(); gc();
const m2 = process.memoryUsage();
console.log('MARK end');
console.log('RESULT ' + JSON.stringify({ base, ms, heapEnd: m1.heapUsed, external: Math.max(m1.external, m0.external), kept: m2.heapUsed + m2.external, diagnostics: result.n }));
`;

// The live heap (forced GCs) while the compiler holds the parsed files, then also every
// declaration's validated JSON (checkBlocks): what the check needs, without V8's garbage.
const LIVE_CHILD = `
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
const [root, file] = process.argv.slice(1);
const load = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const { compileSource } = await load('compiler/index.js');
const { loadModules } = await load('compiler/modules.js');
const { checkBlocks } = await load('compiler/check/blocks.js');
const { Diagnostics } = await load('compiler/diag.js');
const grammar = await load('grammar/index.js');
compileSource(readFileSync(join(root, 'experiments/quickstart.ssl'), 'utf8'), 'experiments/quickstart.ssl', { readFile: (p) => readFileSync(p, 'utf8') });
const text = readFileSync(file, 'utf8');
const live = () => { gc(); gc(); return process.memoryUsage().heapUsed; };
const base = live();
const diags = new Diagnostics(1000);
const loaded = loadModules(file, text, (p) => readFileSync(p, 'utf8'), diags, '.', undefined);
const parsed = live();
const blocks = checkBlocks(loaded.modules, diags);
grammar.forgetRecentEntries?.();
const checked = live();
console.log('RESULT ' + JSON.stringify({ parsed: parsed - base, checked: checked - base, n: [loaded, blocks].length }));
`;

function measureLive(root: string, file: string): { parsed: number; checked: number } {
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', LIVE_CHILD, root, resolve(file)], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`live measurement of ${file} on ${root} failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(line.slice(7)) as { parsed: number; checked: number };
}

const args = process.argv.slice(2);
const here = resolve(fileURLToPath(import.meta.url), '..', '..');

/** The trees (--roots A,B; default this one) and the files named in `list`. */
function rootsAndFiles(list: string[]): { roots: string[]; files: string[] } {
  let roots = [here];
  const files: string[] = [];
  for (let i = 0; i < list.length; i++) {
    if (list[i] === '--roots') roots = list[++i]!.split(',').map((r) => resolve(r));
    else files.push(list[i]!);
  }
  return { roots, files };
}

if (args[0] === '--rss') {
  // What a user sees: the peak resident memory of the whole `ssl3d check FILE` process (Node
  // included) and its wall time, median of three runs, beside the same for the quickstart.
  const { roots, files } = rootsAndFiles(args.slice(1));
  console.log('file | MB | tree | peak RSS | over the quickstart | × size | wall time');
  for (const root of roots) {
    const quick = rss(root, join(here, 'experiments/quickstart.ssl'));
    console.log(['quickstart.ssl', '0.00', root === here ? 'this' : root, `${(quick.rss / 1e6).toFixed(0)} MB`, '', '', `${quick.s.toFixed(2)} s`].join(' | '));
    for (const file of files) {
      const r = rss(root, file);
      const mb = statSync(file).size / 1e6;
      console.log(
        [file.split('/').pop(), mb.toFixed(2), root === here ? 'this' : root, `${(r.rss / 1e6).toFixed(0)} MB`, `${((r.rss - quick.rss) / 1e6).toFixed(0)} MB`, ((r.rss - quick.rss) / (mb * 1e6)).toFixed(1), `${r.s.toFixed(2)} s`].join(' | '),
      );
    }
  }
} else if (args[0] === '--make') {
  const mb = args.indexOf('--mb');
  make(args[1] ?? '.', (mb > 0 ? args[mb + 1]! : '1,5').split(',').map(Number));
} else {
  const { roots, files } = rootsAndFiles(args);
  console.log('file | MB | tree | time | peak extra | × size | kept | diagnostics | live parsed × size | live + blocks × size');
  for (const file of files) {
    for (const root of roots) {
      const r = measure(root, file);
      const l = measureLive(root, file);
      const mb = statSync(file).size / 1e6;
      console.log(
        [
          file.split('/').pop(), mb.toFixed(2), root === here ? 'this' : root, `${(r.ms / 1000).toFixed(2)} s`, `${(r.peak / 1e6).toFixed(0)} MB`,
          `${(r.peak / (mb * 1e6)).toFixed(1)}`, `${(r.kept / 1e6).toFixed(0)} MB`, r.diagnostics, (l.parsed / (mb * 1e6)).toFixed(1), (l.checked / (mb * 1e6)).toFixed(1),
        ].join(' | '),
      );
    }
  }
}

function make(dir: string, sizes: number[]): void {
  const base = readFileSync(join(here, 'experiments/quickstart.ssl'), 'utf8');
  const dataset = (i: number, extra: string): string => `dataset d${i} = phantom3d {\n  anatomy = brain\n  cases = 8\n  channels = 2\n  size = 24x24x24\n  labelled = false\n${extra}}\n`;
  const nest = (depth: number): string => {
    let s = 'v = 1';
    for (let k = 0; k < depth; k++) s = `b${k} { ${s} }`;
    return `  extra { ${s} }\n`;
  };
  const pipeline = base.slice(base.indexOf('dataset corpus'), base.indexOf('sweep main'));
  const longString = '  note = "' + 'abcdefghij klmnopqrstuvwxyz 0123456789 '.repeat(1700).slice(0, 65536) + '"\n';
  const shapes: Record<string, (target: number) => string> = {
    decls: (target) => fill(target, (i) => dataset(i, '')),
    nested: (target) => fill(target, (i) => dataset(i, nest(40))),
    strings: (target) => fill(target, (i) => dataset(i, longString)),
    // the quickstart's pipeline (datasets, encoder, pretext, fine-tuning, evaluation) again and
    // again under new names: a valid file whose pretexts all pretrain (a graph of ~1 500 nodes per MB)
    quickstart: (target) => fill(target, (i) => pipeline.replace(/\b(corpus|tumours|tiny|rot3d|seg|protocol)\b/g, `$1${i}`)),
    list: (target) => {
      const parts: string[] = [];
      let size = base.length + 200;
      for (let i = 0; size < target; i++) {
        const item = `${(i % 1000) / 10}, `;
        parts.push(i % 16 === 15 ? item + '\n    ' : item);
        size += item.length + (i % 16 === 15 ? 5 : 0);
      }
      return dataset(0, `  values = [\n    ${parts.join('')}0\n  ]\n`);
    },
  };
  function fill(target: number, one: (i: number) => string): string {
    const parts: string[] = [];
    let size = base.length;
    for (let i = 0; size < target; i++) {
      const d = one(i);
      parts.push(d);
      size += d.length + 1;
    }
    return parts.join('\n');
  }
  for (const [shape, gen] of Object.entries(shapes)) {
    for (const mb of sizes) {
      const file = join(dir, `${shape}-${mb}.ssl`);
      writeFileSync(file, base + '\n' + gen(mb * 1e6 - base.length));
      console.log(`${file}: ${statSync(file).size} bytes`);
    }
  }
}

/** Peak RSS (bytes) and wall time (s) of `ssl3d check FILE` on the tree at `root`, median of 3. */
function rss(root: string, file: string): { rss: number; s: number } {
  const code = `const { main } = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/cli/main.js')).href)}); await main(['check', ${JSON.stringify(resolve(file))}]); process.stdout.write('MAXRSS ' + process.resourceUsage().maxRSS + '\\n');`;
  const runs: Array<{ rss: number; s: number }> = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
    const m = /MAXRSS (\d+)/.exec(r.stdout);
    if (!m) throw new Error(`ssl3d check ${file} on ${root} failed: ${r.stderr.slice(-2000)}`);
    runs.push({ rss: Number(m[1]) * 1024, s: (performance.now() - t0) / 1000 });
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[1]!;
  return { rss: median(runs.map((r) => r.rss)), s: median(runs.map((r) => r.s)) };
}

interface ChildResult {
  base: number;
  ms: number;
  heapEnd: number;
  external: number;
  kept: number;
  diagnostics: number;
}

interface Measured {
  ms: number;
  peak: number;
  kept: number;
  diagnostics: number;
}

function measure(root: string, file: string): Measured {
  const r = spawnSync(process.execPath, ['--trace-gc', '--expose-gc', '--input-type=module', '-e', CHILD, root, resolve(file)], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr.slice(-2000)}`);
  let started = false;
  let peakHeap = 0;
  let result = null as ChildResult | null;
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('MARK start')) started = true;
    else if (line.startsWith('MARK end')) started = false;
    else if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7)) as ChildResult;
    else if (started) {
      // [pid:0x…]   123 ms: Mark-Compact 250.3 (270.1) -> 200.1 (230.2) MB, …
      const m = /: (?:Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Compact)[^0-9]*([0-9.]+) \(/.exec(line);
      if (m) peakHeap = Math.max(peakHeap, Number(m[1]) * 1024 * 1024);
    }
  }
  if (!result) throw new Error('no result from the child');
  const peak = Math.max(peakHeap, result.heapEnd) + result.external - result.base;
  return { ms: result.ms, peak, kept: result.kept - result.base, diagnostics: result.diagnostics };
}


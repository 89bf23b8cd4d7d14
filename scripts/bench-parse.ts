// Measures the front end's start-up and parse cost, next to a baseline measured in the same run:
//   node --import tsx scripts/bench-parse.ts
// 1. wall time of `node -e 0` (baseline) and of `node -e "import(grammar/index)"` from the
//    compiled dist/ (run `npm run build` first; without dist/ the sources are timed through
//    tsx, which is much slower and says so);
// 2. in-process: the first and the warm parse of a 200-line file built from the syntax fixtures.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.RUNS ?? 10);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Wall time of a child process, and the CPU time it reports for itself (less sensitive to a
 *  busy machine than wall time). */
function wall(args: string[]): { wall: number; cpu: number } {
  const t0 = process.hrtime.bigint();
  const out = execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { wall: ms, cpu: Number(out.trim().split('\n').pop()) / 1000 };
}

const cpuTail = 'const u=process.cpuUsage();console.log(u.user+u.system)';

const built = join(root, 'dist', 'grammar', 'index.js');
const fromDist = existsSync(built);
const target = fromDist ? pathToFileURL(built).href : pathToFileURL(join(root, 'grammar', 'index.ts')).href;
const importCode = `import(${JSON.stringify(target)}).then(()=>{${cpuTail}})`;
const importArgs = fromDist ? ['-e', importCode] : ['--import', 'tsx', '-e', importCode];

const base: Array<{ wall: number; cpu: number }> = [];
const imp: Array<{ wall: number; cpu: number }> = [];
for (let i = 0; i < runs; i++) {
  base.push(wall(['-e', cpuTail]));
  imp.push(wall(importArgs));
}
const bw = median(base.map((b) => b.wall));
const bc = median(base.map((b) => b.cpu));
const iw = median(imp.map((b) => b.wall));
const ic = median(imp.map((b) => b.cpu));

const fixtures = join(root, 'test', 'fixtures', 'ssl');
const parts = readdirSync(fixtures)
  .filter((f) => f.endsWith('.ssl'))
  .sort()
  .map((f) => readFileSync(join(fixtures, f), 'utf8'));
let src = '';
for (let i = 0; src.split('\n').length < 200; i++) src += parts[i % parts.length] + '\n';
src = src.split('\n').slice(0, 200).join('\n');

const t0 = performance.now();
const g = (await import(target)) as typeof import('../grammar/index.js');
const t1 = performance.now();
g.parse(src, 'bench.ssl');
const t2 = performance.now();
const warm: number[] = [];
for (let i = 0; i < 50; i++) {
  const a = performance.now();
  g.parse(src, 'bench.ssl');
  warm.push(performance.now() - a);
}

const load = (await import('node:os')).loadavg()[0]!.toFixed(2);
process.stdout.write(
  [
    `grammar front end (${fromDist ? 'dist/' : 'sources through tsx: run npm run build for real numbers'}), ${runs} runs, load average ${load}`,
    `  node -e 0 (baseline)               median wall ${bw.toFixed(0)} ms, cpu ${bc.toFixed(0)} ms`,
    `  node -e import(grammar/index)      median wall ${iw.toFixed(0)} ms (+${(iw - bw).toFixed(0)}), cpu ${ic.toFixed(0)} ms (+${(ic - bc).toFixed(0)})`,
    `  in-process import                  ${(t1 - t0).toFixed(1)} ms`,
    `  parse 200 lines (${src.length} chars): first ${(t2 - t1).toFixed(1)} ms, warm median ${median(warm).toFixed(2)} ms`,
  ].join('\n') + '\n',
);

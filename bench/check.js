// npm run bench:check — wall time of `ssl3d check experiments/brats.ssl` (built CLI, including
// Node start-up) against `node -e 0` measured in the same run, interleaved so both see the same
// machine load. Run `npm run build` first (bin/ssl3d.js uses dist/ when it exists).
// Wall time on a busy machine mostly measures the other processes, so each run also reports
// its own CPU time (user + system, from process.cpuUsage() at exit, via a preload): on an idle
// machine wall ≈ CPU for this single-threaded command.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Math.max(10, Number(process.env.RUNS ?? 15));
const file = process.argv[2] ?? 'experiments/brats.ssl';
if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) {
  process.stderr.write('bench:check: dist/ is missing; run `npm run build` first\n');
  process.exit(2);
}

const PRELOAD = "data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('\\n@cpu '+(u.user+u.system))})";
const cpu = { check: [], baseline: [] };

function time(args, into) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', PRELOAD, ...args], { cwd: root, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const m = /@cpu (\d+)/.exec(r.stderr);
  if (into && m) into.push(Number(m[1]) / 1000);
  return ms;
}

const check = [];
const baseline = [];
time(['bin/ssl3d.js', 'check', file]); // warm the file-system cache
for (let i = 0; i < runs; i++) {
  baseline.push(time(['-e', '0'], cpu.baseline));
  check.push(time(['bin/ssl3d.js', 'check', file], cpu.check));
}
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)] };
};
const c = stats(check);
const b = stats(baseline);
const f = (x) => x.toFixed(0).padStart(5);
process.stdout.write(`ssl3d check ${file}: ${runs} runs each, wall ms (Node ${process.version})\n`);
process.stdout.write(`  node -e 0            min ${f(b.min)}  median ${f(b.median)}\n`);
process.stdout.write(`  ssl3d check          min ${f(c.min)}  median ${f(c.median)}\n`);
process.stdout.write(`  check − node start   min ${f(c.min - b.min)}  median ${f(c.median - b.median)}\n`);
const cc = stats(cpu.check);
const cb = stats(cpu.baseline);
process.stdout.write(`  CPU ms (user+sys of the whole process): node -e 0 median ${f(cb.median)}, ssl3d check median ${f(cc.median)} (min ${f(cc.min)})\n`);
const load = (await import('node:os')).loadavg()[0];
process.stdout.write(`  load average ${load.toFixed(1)} on ${(await import('node:os')).cpus().length} cores\n`);
process.stdout.write(`  target: < 300 ms wall median including Node start-up → ${c.median < 300 ? 'met' : 'NOT met'}\n`);

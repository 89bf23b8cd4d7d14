// Time and memory of `check` on big .ssl files (#17.11: a 1 MB file took 2.1 s and 292 MB).
//
//   node --import tsx bench/check-size.ts --make DIR        # write the synthetic files into DIR
//   for f in DIR/*.ssl; do node --import tsx bench/check-size.ts $f; done
//
// The files are the quickstart plus N copies of one declaration: `datasets-<MB>.ssl` (unused
// datasets: one SSL067 warning each, so the diagnostics path is exercised) and
// `pretexts-<MB>.ssl` (unused rotation tasks, each one a pretraining node). One line per file:
// size, compile wall time (ms, after a warm-up compile of the quickstart), the process's peak
// RSS (MB), the diagnostics and graph nodes. Run each file in its own process for a clean RSS.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSource } from '../compiler/index.js';

const args = process.argv.slice(2);
if (args[0] === '--make') {
  const dir = args[1] ?? '.';
  const base = readFileSync('experiments/quickstart.ssl', 'utf8');
  const decl = {
    datasets: (i: number) => `dataset d${i} = phantom3d {\n  anatomy = brain\n  cases = 8\n  channels = 2\n  size = 24x24x24\n  labelled = false\n}\n`,
    pretexts: (i: number) => `pretext p${i} = rotation {\n  data = corpus\n  encoder = tiny\n  head-hidden = 64\n  copies = 4\n  train { epochs = 20, batch = 2, steps = 12 steps, optimizer = adam { lr = 1e-3 } }\n}\n`,
  };
  for (const [kind, make] of Object.entries(decl)) {
    for (const mb of [0.25, 1, 4]) {
      const parts = [base];
      let size = base.length;
      for (let i = 0; size < mb * 1e6; i++) {
        const d = make(i);
        parts.push(d);
        size += d.length + 1;
      }
      writeFileSync(join(dir, `${kind}-${mb}.ssl`), parts.join('\n'));
    }
  }
} else {
  compileSource(readFileSync('experiments/quickstart.ssl', 'utf8'), 'experiments/quickstart.ssl');
  for (const file of args) {
    const text = readFileSync(file, 'utf8');
    const t0 = performance.now();
    const r = compileSource(text, file, { readFile: (p) => readFileSync(p, 'utf8') });
    const ms = performance.now() - t0;
    const rss = process.resourceUsage().maxRSS / 1024;
    console.log(`${file}: ${(statSync(file).size / 1e6).toFixed(2)} MB, ${ms.toFixed(0)} ms, peak RSS ${rss.toFixed(0)} MB, ${r.diagnostics.length} diagnostics, graph ${r.graph ? r.graph.nodes.length + ' nodes' : 'none'}`);
  }
}

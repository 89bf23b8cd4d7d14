// Seeded mutation fuzzing of the experiment files through the whole compile (parse, imports,
// schemas, domain checks, lowering): deletions, insertions, line swaps and misspelt words.
// Never an exception; every failure is a located diagnostic; a clean result has a graph.
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/index.js';
import { Rng } from '../../core/rng.js';

const files = ['quickstart', 'brats', 'pancreas', 'retinopathy'].map((f) => `experiments/${f}.ssl`);
const texts = new Map<string, string>();
const read = (p: string): string => {
  let t = texts.get(p);
  if (t === undefined) {
    t = readFileSync(p, 'utf8');
    texts.set(p, t);
  }
  return t;
};

const inserts = ['{', '}', '[', ']', '=', ',', '"', '10%', '1e-3', '25 epochs', '..', 'x', '128x128', 'dataset', 'import "x.ssl"', '/*', '-1', 'none', 'true', '\n', 'rot3d', '0', '.', '#'];

function mutate(text: string, rng: Rng): string {
  const n = 1 + rng.int(3);
  let t = text;
  for (let k = 0; k < n; k++) {
    const kind = rng.int(4);
    const at = rng.int(Math.max(1, t.length));
    if (kind === 0) {
      t = t.slice(0, at) + t.slice(at + 1 + rng.int(12));
    } else if (kind === 1) {
      t = t.slice(0, at) + ' ' + rng.pick(inserts) + ' ' + t.slice(at);
    } else if (kind === 2) {
      const lines = t.split('\n');
      const i = rng.int(lines.length);
      const j = rng.int(lines.length);
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      t = lines.join('\n');
    } else {
      const words = [...t.matchAll(/[A-Za-z][A-Za-z0-9-]{2,}/g)];
      if (words.length === 0) continue;
      const w = rng.pick(words);
      const s = w[0];
      const p = rng.int(s.length);
      const typo = rng.int(3) === 0 ? s.slice(0, p) + s.slice(p + 1) : rng.int(2) === 0 ? s.slice(0, p) + 'q' + s.slice(p) : s.slice(0, p) + s.slice(p + 1, p + 2) + s.slice(p, p + 1) + s.slice(p + 2);
      t = t.slice(0, w.index) + typo + t.slice(w.index! + s.length);
    }
  }
  return t;
}

describe('mutation fuzzing of experiments/ through the whole compiler', () => {
  it('never throws; every failure is a located diagnostic', () => {
    const rng = new Rng(20201);
    const started = Date.now();
    let failures = 0;
    let total = 0;
    while (total < 240 && Date.now() - started < 12_000) {
      const file = files[total % files.length]!;
      const mutant = mutate(read(file), rng);
      total++;
      let r: ReturnType<typeof compileSource>;
      try {
        r = compileSource(mutant, file, { readFile: read });
      } catch (err) {
        throw new Error(`compile threw on a mutant of ${file}: ${String(err)}\n---\n${mutant}`);
      }
      const errors = r.diagnostics.filter((d) => d.severity === 'error');
      if (r.graph === null) {
        failures++;
        expect(errors.length, `no diagnostic for a failed mutant of ${file}:\n${mutant}`).toBeGreaterThan(0);
      } else expect(errors).toEqual([]);
      for (const d of r.diagnostics) {
        expect(d.code).toMatch(/^SSL\d{3}$/);
        expect(d.code).not.toBe('SSL099');
        const src = r.sources[d.span.file];
        expect(src, `${d.code} points into an unknown file ${d.span.file}`).toBeDefined();
        const lines = src!.split('\n').length;
        expect(d.span.startLine).toBeGreaterThanOrEqual(1);
        expect(d.span.startLine).toBeLessThanOrEqual(lines);
        expect(d.span.endOffset).toBeLessThanOrEqual(src!.length);
        expect(d.message.length).toBeGreaterThan(0);
      }
      expect(posix.isAbsolute(r.graph?.source.file ?? 'x')).toBe(false);
    }
    process.stdout.write(`fuzz: ${total} mutants, ${failures} rejected with diagnostics\n`);
    expect(total).toBeGreaterThanOrEqual(80);
    expect(failures).toBeGreaterThan(total / 4);
  }, 20_000);
});

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hammingStats, maxHammingPermutations, permutationSet, randomPermutations } from '../../../runtime/tasks/permutations.js';

function distinct(perms: number[][]): boolean {
  return new Set(perms.map((p) => p.join(','))).size === perms.length;
}
function isPerm(p: number[], n: number): boolean {
  return p.length === n && [...p].sort((a, b) => a - b).every((v, i) => v === i);
}

describe('jigsaw permutation sets', () => {
  it('max-hamming 1000 × 27: distinct, at least as spread as random, fast', () => {
    const t0 = Date.now();
    const { perms } = maxHammingPermutations(27, 1000, 1);
    const ms = Date.now() - t0;
    expect(perms.length).toBe(1000);
    expect(perms.every((p) => isPerm(p, 27))).toBe(true);
    expect(distinct(perms)).toBe(true);
    const h = hammingStats(perms);
    const r = hammingStats(randomPermutations(27, 1000, 1));
    expect(h.min).toBeGreaterThanOrEqual(r.min);
    expect(h.mean).toBeGreaterThanOrEqual(r.mean);
    expect(h.min).toBeGreaterThan(r.min); // the greedy criterion really does something
    expect(ms).toBeLessThan(20_000); // ~2 s alone on 2 cores; generous for a loaded CI machine
  });
  it('max-hamming 100 × 8 (enumerates 8!) beats random; identical for a seed, different across seeds', () => {
    const a = maxHammingPermutations(8, 100, 7).perms;
    const b = maxHammingPermutations(8, 100, 7).perms;
    const c = maxHammingPermutations(8, 100, 8).perms;
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(distinct(a)).toBe(true);
    const h = hammingStats(a);
    const r = hammingStats(randomPermutations(8, 100, 7));
    expect(h.min).toBeGreaterThanOrEqual(r.min);
    expect(h.mean).toBeGreaterThanOrEqual(r.mean);
  });
  it('random: P distinct permutations; refuses more than n!', () => {
    const p = randomPermutations(4, 24, 3);
    expect(distinct(p)).toBe(true);
    expect(() => randomPermutations(4, 25, 3)).toThrow(/only 24 exist/);
  });
  it('caches on disk and survives a corrupt cache entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssl3d-perm-'));
    try {
      const req = { tiles: 27, count: 50, seed: 11, selection: 'max-hamming' as const, cacheDir: dir };
      const first = permutationSet(req);
      expect(first.cached).toBe(false);
      const again = permutationSet(req);
      expect(again.cached).toBe(true);
      expect(again.perms).toEqual(first.perms);
      expect(again.stats).toEqual(first.stats);
      const [file] = readdirSync(dir);
      writeFileSync(join(dir, file!), '{broken');
      const fixed = permutationSet(req);
      expect(fixed.cached).toBe(false);
      expect(fixed.perms).toEqual(first.perms);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

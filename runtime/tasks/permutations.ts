// Jigsaw permutation sets.
//
// `max-hamming` (paper; Noroozi & Favaro's greedy algorithm extended to n^d tiles): start from
// one random permutation, then repeatedly add the candidate that maximises the minimum Hamming
// distance to the permutations chosen so far (ties: the larger mean distance, then the lower
// candidate index). Candidates are all n! permutations when n! ≤ 9! (2D 3×3 puzzles), otherwise
// a seeded pool of distinct random permutations (27! cannot be enumerated; pool size
// max(20·P, 10000)). Each step costs O(pool · tiles) thanks to running min/sum distances.
// `random` (authors' code): P uniform random permutations, duplicates rejected.
// Sets are deterministic in (tiles, P, seed, selection) and cached as JSON on disk.

import { createHash } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../core/rng.js';
import { SslRuntimeError } from '../../core/errors.js';
import { msg } from '../../core/codes/index.js';
import { readSmallFileSync, mkdirsSync } from '../files.js';

export type PermutationSelection = 'max-hamming' | 'random';

export interface PermutationSet {
  tiles: number;
  selection: PermutationSelection;
  seed: number;
  /** Candidate pool size used by max-hamming (n! when enumerated); 0 for random. */
  pool: number;
  perms: number[][];
  stats: HammingStats;
}

export interface HammingStats {
  min: number;
  mean: number;
  max: number;
}

export function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

export function hamming(a: readonly number[], b: readonly number[]): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) d++;
  return d;
}

/** Min, mean and max pairwise Hamming distance of a set (O(P²·n)). */
export function hammingStats(perms: readonly number[][]): HammingStats {
  let min = Infinity, max = 0, sum = 0, count = 0;
  for (let i = 0; i < perms.length; i++) {
    for (let j = i + 1; j < perms.length; j++) {
      const d = hamming(perms[i] as number[], perms[j] as number[]);
      if (d < min) min = d;
      if (d > max) max = d;
      sum += d;
      count++;
    }
  }
  return { min: count ? min : 0, mean: count ? sum / count : 0, max };
}

function checkArgs(tiles: number, count: number): void {
  if (!Number.isInteger(tiles) || tiles < 2) throw new SslRuntimeError(msg('SSL151', 'jigsawTiles', { tiles }));
  if (!Number.isInteger(count) || count < 1) throw new SslRuntimeError(msg('SSL151', 'badPermutations', { count }));
  if (tiles <= 12 && count > factorial(tiles)) {
    throw new SslRuntimeError(msg('SSL151', 'tooManyPermutations', { count, exist: factorial(tiles), tiles }));
  }
}

/** P distinct uniform random permutations (the authors' 3D set was made this way). */
export function randomPermutations(tiles: number, count: number, seed: number): number[][] {
  checkArgs(tiles, count);
  const rng = new Rng(seed);
  const seen = new Set<string>();
  const out: number[][] = [];
  while (out.length < count) {
    const p = rng.permutation(tiles);
    const key = p.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

/** All permutations of 0..n-1 in lexicographic order, packed row-wise. */
function allPermutations(n: number): Uint8Array {
  const total = factorial(n);
  const out = new Uint8Array(total * n);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let r = 0; r < total; r++) {
    out.set(p, r * n);
    // next lexicographic permutation
    let i = n - 2;
    while (i >= 0 && (p[i] as number) > (p[i + 1] as number)) i--;
    if (i < 0) break;
    let j = n - 1;
    while ((p[j] as number) < (p[i] as number)) j--;
    [p[i], p[j]] = [p[j] as number, p[i] as number];
    for (let a = i + 1, b = n - 1; a < b; a++, b--) [p[a], p[b]] = [p[b] as number, p[a] as number];
  }
  return out;
}

function randomPool(n: number, size: number, rng: Rng): Uint8Array {
  const seen = new Set<string>();
  const out = new Uint8Array(size * n);
  let r = 0;
  while (r < size) {
    const p = rng.permutation(n);
    const key = p.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    out.set(p, r * n);
    r++;
  }
  return out;
}

/** Greedy maximal-minimum-Hamming-distance set (see the file header). */
export function maxHammingPermutations(tiles: number, count: number, seed: number, poolSize?: number): { perms: number[][]; pool: number } {
  checkArgs(tiles, count);
  const rng = new Rng(seed);
  const n = tiles;
  const enumerate = n <= 9;
  const size = enumerate ? factorial(n) : Math.max(poolSize ?? Math.max(20 * count, 10000), count);
  const pool = enumerate ? allPermutations(n) : randomPool(n, size, rng);
  // Pack each permutation into 32-bit words (4 tiles per word, unused bytes 0 in every row) so a
  // Hamming distance is a few word XORs plus a count of non-zero bytes.
  const W = Math.ceil(n / 4);
  const packed = new Uint32Array(size * W);
  const bytes = new Uint8Array(packed.buffer);
  for (let r = 0; r < size; r++) bytes.set(pool.subarray(r * n, r * n + n), r * W * 4);
  const minD = new Int32Array(size).fill(n + 1);
  const sumD = new Float64Array(size);
  const taken = new Uint8Array(size);
  const chosen: number[] = [];
  let pick = rng.int(size);
  for (let c = 0; c < count; c++) {
    chosen.push(pick);
    taken[pick] = 1;
    const base = pick * W;
    // update the running min/sum distance of every candidate to the chosen set
    let best = -1, bestMin = -1, bestSum = -1;
    for (let r = 0; r < size; r++) {
      if (taken[r]) continue;
      const o = r * W;
      let d = 0;
      for (let w = 0; w < W; w++) {
        const x = ((packed[o + w] as number) ^ (packed[base + w] as number)) | 0;
        // high bit of each byte set iff that byte is non-zero, then count those bits
        const t = ((((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x) & 0x80808080) >>> 7;
        d += Math.imul(t, 0x01010101) >>> 24;
      }
      if (d < (minD[r] as number)) minD[r] = d;
      sumD[r] = (sumD[r] as number) + d;
      const m = minD[r] as number;
      const s = sumD[r] as number;
      if (m > bestMin || (m === bestMin && s > bestSum)) { best = r; bestMin = m; bestSum = s; }
    }
    if (c + 1 < count) {
      if (best < 0) throw new SslRuntimeError(msg('SSL151', 'poolExhausted', { size, found: c + 1 }));
      pick = best;
    }
  }
  const perms = chosen.map((r) => Array.from(pool.subarray(r * n, r * n + n)));
  return { perms, pool: size };
}

export interface PermutationRequest {
  tiles: number;
  count: number;
  seed: number;
  selection: PermutationSelection;
  /** Folder for the on-disk cache; null disables caching. */
  cacheDir: string | null;
}

function cacheKey(req: PermutationRequest): string {
  const h = createHash('sha256').update(JSON.stringify({ v: 1, t: req.tiles, p: req.count, s: req.seed >>> 0, a: req.selection })).digest('hex');
  return `perms-${req.selection}-${req.tiles}-${req.count}-${req.seed >>> 0}-${h.slice(0, 12)}.json`;
}

function validSet(x: unknown, req: PermutationRequest): x is PermutationSet {
  if (typeof x !== 'object' || x === null) return false;
  const s = x as Partial<PermutationSet>;
  if (s.tiles !== req.tiles || s.selection !== req.selection || s.seed !== req.seed >>> 0 || !Array.isArray(s.perms)) return false;
  if (s.perms.length !== req.count) return false;
  return s.perms.every((p) => Array.isArray(p) && p.length === req.tiles && [...p].sort((a, b) => a - b).every((v, i) => v === i));
}

/** The permutation set for a request: from the cache when present, else generated (and cached). */
export function permutationSet(req: PermutationRequest): PermutationSet & { cached: boolean } {
  const file = req.cacheDir ? join(req.cacheDir, cacheKey(req)) : null;
  if (file && existsSync(file)) {
    try {
      const x: unknown = JSON.parse(readSmallFileSync(file).toString('utf8')); // not a named pipe put in the cache
      if (validSet(x, req)) return { ...x, cached: true };
    } catch {
      // fall through: regenerate and overwrite the damaged entry
    }
  }
  const seed = req.seed >>> 0;
  let perms: number[][];
  let pool = 0;
  if (req.selection === 'random') perms = randomPermutations(req.tiles, req.count, seed);
  else ({ perms, pool } = maxHammingPermutations(req.tiles, req.count, seed));
  const set: PermutationSet = { tiles: req.tiles, selection: req.selection, seed, pool, perms, stats: hammingStats(perms) };
  if (file && req.cacheDir) {
    mkdirsSync(req.cacheDir);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(set));
    renameSync(tmp, file);
  }
  return { ...set, cached: false };
}

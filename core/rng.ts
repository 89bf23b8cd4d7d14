// Seeded randomness for the whole runtime. Every random choice flows from the experiment seed
// through `deriveSeed` (the seed tree) into an `Rng`; nothing calls an unseeded source.
// sfc32 is small, fast and has a 128-bit state that can be saved and restored for resume.

import { createHash } from 'node:crypto';

/** Derive a 32-bit child seed from a parent seed and a path of labels (the seed tree). */
export function deriveSeed(seed: number, ...path: Array<string | number>): number {
  const h = createHash('sha256');
  h.update(String(seed >>> 0));
  for (const p of path) h.update('\u0000' + String(p));
  return h.digest().readUInt32LE(0);
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 to spread the seed over the state
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    if (!(n > 0)) throw new RangeError(`Rng.int needs n > 0, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** Integer in [lo, hi] inclusive. */
  intIn(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** Standard normal (Box–Muller). */
  normal(mean = 0, sd = 1): number {
    let u = this.next();
    while (u <= Number.EPSILON) u = this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** In-place Fisher–Yates shuffle; returns the array. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = xs[i] as T;
      xs[i] = xs[j] as T;
      xs[j] = tmp;
    }
    return xs;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new RangeError('Rng.pick on an empty array');
    return xs[this.int(xs.length)] as T;
  }

  /** A child generator (independent stream) labelled by `label`. */
  fork(label: string | number): Rng {
    return new Rng(deriveSeed(this.nextU32(), label));
  }

  /** The state, for checkpoints. */
  getState(): [number, number, number, number] {
    return [this.a, this.b, this.c, this.d];
  }

  setState(s: readonly [number, number, number, number]): void {
    [this.a, this.b, this.c, this.d] = s;
  }
}

// ───────────────────────── counter-based draws (dropout masks) ─────────────────────────
// Element i of a dropout mask is a pure function of (seed, i), so any backend can draw any
// element in any order: C++ threads split the tensor, a GPU gives every invocation one element,
// and all of them produce the same bits. The same arithmetic is written three times and must stay
// identical: here, native/src/kernels.cpp `dropout_mask`, runtime/backend/webgpu/dropout.ts.

/** Chris Wellons' lowbias32 integer mixer (two multiply-xorshift rounds). */
export function mix32(x: number): number {
  let z = x >>> 0;
  z ^= z >>> 16;
  z = Math.imul(z, 0x7feb352d);
  z ^= z >>> 15;
  z = Math.imul(z, 0x846ca68b);
  z ^= z >>> 16;
  return z >>> 0;
}

/** The two keys of a counter stream, derived from its seed. */
export function counterKeys(seed: number): [number, number] {
  return [mix32(seed >>> 0), mix32((seed ^ 0x9e3779b9) >>> 0)];
}

/** Draw i (a uniform u32) of the counter stream with keys `k`. */
export function counterU32(k: readonly [number, number], i: number): number {
  return mix32((mix32((i + k[0]) >>> 0) ^ k[1]) >>> 0);
}

// Max |a − b| / max |b| over lists of arrays (b is the reference, e.g. tfjs `cpu`); the lengths
// must match. Shared by the native-kernel tests.
import { expect } from 'vitest';

export function maxRelErr(a: ArrayLike<number>[], b: ArrayLike<number>[]): number {
  let err = 0;
  a.forEach((av, k) => {
    const bv = b[k]!;
    expect(av.length).toBe(bv.length);
    let scale = 1e-6;
    for (let i = 0; i < bv.length; i++) scale = Math.max(scale, Math.abs(bv[i]!));
    for (let i = 0; i < bv.length; i++) err = Math.max(err, Math.abs(av[i]! - bv[i]!) / scale);
  });
  return err;
}

// Jigsaw targets: crop the grid^d jittered patches, shuffle them by permutation p of the set,
// and ask for p. Convention (as in the authors' code): shuffled[i] = patches[perm[i]], so the
// inverse is reassembled[perm[i]] = shuffled[i].

import type { Rng } from '../../core/rng.js';
import type { GridGeometry, Vol } from './crop.js';
import { cropGrid } from './crop.js';
import { SslRuntimeError } from '../../core/errors.js';
import { msg } from '../../core/codes/index.js';

export function shuffleTiles<T>(tiles: readonly T[], perm: readonly number[]): T[] {
  if (perm.length !== tiles.length) throw new SslRuntimeError(msg('SSL151', 'permutationLength', { length: perm.length, tiles: tiles.length }));
  return perm.map((p) => tiles[p] as T);
}

export function unshuffleTiles<T>(shuffled: readonly T[], perm: readonly number[]): T[] {
  const out = new Array<T>(shuffled.length);
  perm.forEach((p, i) => { out[p] = shuffled[i] as T; });
  return out;
}

export interface JigsawSample {
  /** Patches in shuffled order. */
  tiles: Vol[];
  label: number;
}

export function jigsawSample(v: Vol, g: GridGeometry, perms: readonly number[][], rng: Rng, jitter: boolean): JigsawSample {
  const label = rng.int(perms.length);
  const { patches } = cropGrid(v, g, jitter ? rng : null);
  return { tiles: shuffleTiles(patches, perms[label] as number[]), label };
}

import { describe, expect, it } from 'vitest';
import { Rng } from '../../../core/rng.js';
import type { Vol } from '../../../runtime/tasks/crop.js';
import { cropBox, cropGrid, gridGeometry, makeVol, padToCube, sliceIndices, sliceVolume, volEqual } from '../../../runtime/tasks/crop.js';
import { rotate, rotationClasses, unrotate } from '../../../runtime/tasks/rotation.js';
import { rotationCrop } from '../../../runtime/tasks/rotation-task.js';
import { createTask } from '../../../runtime/tasks/tasks.js';
import { pretext, tinyEncoder } from './synth.js';
import { rplCentre, rplClasses, rplLabelToCell, rplOffset, rplSample } from '../../../runtime/tasks/rpl.js';
import { jigsawSample, shuffleTiles, unshuffleTiles } from '../../../runtime/tasks/jigsaw.js';
import { randomPermutations } from '../../../runtime/tasks/permutations.js';
import { cpcBatchIndices, cpcCellStart, cpcGeometry, cpcPatches, cpcPlan } from '../../../runtime/tasks/cpc.js';
import { adjustContrast, augment, flip, translate } from '../../../runtime/tasks/augment.js';
import { derangement, exemplarTriplets } from '../../../runtime/tasks/exemplar.js';

/** A volume whose every voxel/channel value is unique (so any rearrangement is visible). */
function uniqueVol(shape: number[], channels = 1, seed = 1): Vol {
  const v = makeVol(shape, channels);
  const rng = new Rng(seed);
  const perm = rng.permutation(v.data.length);
  for (let i = 0; i < v.data.length; i++) v.data[i] = (perm[i] as number) + 1;
  return v;
}

describe('crops', () => {
  it('crops boxes and zero-pads outside the volume', () => {
    const v = uniqueVol([4, 5, 6], 2);
    const c = cropBox(v, [1, 2, 3], [2, 2, 2]);
    // voxel (1,2,3) channel 1 of the source = the first voxel channel 1 of the crop
    expect(c.data[1]).toBe(v.data[((1 * 5 + 2) * 6 + 3) * 2 + 1]);
    const p = cropBox(v, [-1, 0, 0], [2, 5, 6]);
    expect(Array.from(p.data.subarray(0, 60)).every((x) => x === 0)).toBe(true);
    expect(p.data[60]).toBe(v.data[0]);
    const cube = padToCube(makeVol([2, 4], 1, new Float32Array(8).fill(1)));
    expect(cube.shape).toEqual([4, 4]);
    expect(cube.data.reduce((a, b) => a + b, 0)).toBe(8);
  });
  it('slices 3D volumes along an axis', () => {
    const v = uniqueVol([3, 4, 5]);
    const [s] = sliceVolume(v, 1, [2]);
    expect(s!.shape).toEqual([3, 5]);
    expect(s!.data[0]).toBe(v.data[(0 * 4 + 2) * 5 + 0]);
    expect(sliceIndices(10, 3)).toEqual([1, 5, 8]);
    expect(sliceIndices(10, 1)).toEqual([5]);
  });
});

describe('rotation targets', () => {
  for (const dim of [2, 3] as const) {
    it(`${dim}D: rotating by k then by the inverse recovers the input; all classes distinct`, () => {
      const shape = dim === 3 ? [5, 5, 5] : [6, 6];
      const v = uniqueVol(shape, 2);
      const n = rotationClasses(dim);
      const outs: Vol[] = [];
      for (let k = 0; k < n; k++) {
        const r = rotate(v, k);
        outs.push(r);
        expect(volEqual(unrotate(r, k), v)).toBe(true);
      }
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(volEqual(outs[i]!, outs[j]!)).toBe(false);
      // class 1 is an exact permutation of voxels (same multiset)
      expect([...outs[1]!.data].sort((a, b) => a - b)).toEqual([...v.data].sort((a, b) => a - b));
    });
  }
  it('3D 90° about an axis matches the hand-computed index map', () => {
    const v = uniqueVol([3, 3, 3]);
    const r = rotate(v, 1); // 90° in plane (0,1): out[p,q,z] = in[q, n-1-p, z]
    const at = (x: Vol, i: number, j: number, k: number): number => x.data[(i * 3 + j) * 3 + k] as number;
    for (let p = 0; p < 3; p++) for (let q = 0; q < 3; q++) for (let z = 0; z < 3; z++) expect(at(r, p, q, z)).toBe(at(v, q, 2 - p, z));
  });
  it('authors-code-bug: class 9 is the identity, the other classes unchanged', () => {
    const v = uniqueVol([4, 4, 4]);
    expect(volEqual(rotate(v, 9, 'authors-code-bug'), v)).toBe(true);
    expect(volEqual(rotate(v, 9, 'paper'), v)).toBe(false);
    for (let k = 0; k < 9; k++) expect(volEqual(rotate(v, k, 'authors-code-bug'), rotate(v, k, 'paper'))).toBe(true);
  });
  it('crop: a cube from inside the input, centred for validation, shifted ±⌊(side − crop)/4⌋ in training', () => {
    const v = uniqueVol([24, 24, 20]);
    // validation: centred
    expect(volEqual(rotationCrop(v, 12, null), cropBox(v, [6, 6, 4], [12, 12, 12]))).toBe(true);
    const rng = new Rng(5);
    const starts = [new Set<number>(), new Set<number>(), new Set<number>()];
    for (let i = 0; i < 400; i++) {
      const c = rotationCrop(v, 12, rng);
      expect(c.shape).toEqual([12, 12, 12]);
      // every voxel comes from the input (no zero padding): the crop lies inside it
      expect(c.data.every((x) => x > 0)).toBe(true);
      // find the start: the first voxel's value locates it in the source
      const at = v.data.indexOf(c.data[0]!);
      const start = [Math.floor(at / (24 * 20)), Math.floor(at / 20) % 24, at % 20];
      expect(volEqual(c, cropBox(v, start, [12, 12, 12]))).toBe(true);
      start.forEach((x, a) => starts[a]!.add(x));
      // shifts of at most 3 (24 − 12 = 12 → 3) and 2 (20 − 12 = 8 → 2) voxels
      expect(Math.abs(start[0]! - 6)).toBeLessThanOrEqual(3);
      expect(Math.abs(start[2]! - 4)).toBeLessThanOrEqual(2);
    }
    // every shift occurs on every axis
    expect(starts.map((x) => x.size)).toEqual([7, 7, 5]);
  });
  it('crop: the task trains its encoder on the crop cube, the batch holds rotated crops', () => {
    const enc = tinyEncoder(3);
    const task = createTask(pretext({ task: 'rotation', copies: 2, crop: 8 }, 3), enc, [16, 16, 16, 1], 1, { cacheDir: null });
    expect(task.encoderInputShape).toEqual([8, 8, 8, 1]);
    const b = task.batch([uniqueVol([16, 16, 16])], new Rng(1), 1, false);
    expect((b.inputs[0] as { shape: number[] }).shape).toEqual([2, 8, 8, 8, 1]);
    b.inputs.forEach((t) => (t as { dispose(): void }).dispose());
    (b.targets as { dispose(): void }).dispose();
    expect(() => createTask(pretext({ task: 'rotation', copies: 1, crop: 20 }, 3), enc, [16, 16, 16, 1], 1, { cacheDir: null })).toThrow(/crop must be a whole number from 1 to the input's shortest side \(16\)/);
  });
  it('rejects 90° rotations of non-cubic volumes', () => {
    expect(() => rotate(uniqueVol([4, 5, 4]), 1)).toThrow(/equal sides/);
  });
});

describe('RPL targets', () => {
  it('3D: labels map to the 26 neighbours and the query patch is cut at its offset', () => {
    const v = uniqueVol([21, 21, 21]);
    const g = gridGeometry(v.shape, 3, 1);
    expect(rplCentre(g)).toBe(13);
    expect(rplClasses(g)).toBe(26);
    expect(rplOffset(0, g)).toEqual([-1, -1, -1]);
    expect(rplOffset(12, g)).toEqual([0, 0, -1]);
    expect(rplOffset(13, g)).toEqual([0, 0, 1]);
    expect(rplOffset(25, g)).toEqual([1, 1, 1]);
    const rng = new Rng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const s = rplSample(v, g, rng, true);
      seen.add(s.label);
      const off = rplOffset(s.label, g);
      // the query start lies in the cell at that offset from the centre cell
      s.queryStart.forEach((q, a) => expect(Math.floor((q - g.origin[a]!) / g.cell[a]!)).toBe(1 + off[a]!));
      s.centreStart.forEach((c, a) => expect(Math.floor((c - g.origin[a]!) / g.cell[a]!)).toBe(1));
      expect(volEqual(s.query, cropBox(v, s.queryStart, g.patch))).toBe(true);
    }
    expect(seen.size).toBe(26);
  });
  it('2D: 8 classes, centred patches without jitter', () => {
    const v = uniqueVol([15, 15]);
    const g = gridGeometry(v.shape, 3, 1);
    expect(rplClasses(g)).toBe(8);
    expect(rplLabelToCell(4, g)).toBe(5);
    const s = rplSample(v, g, new Rng(1), false);
    expect(s.centreStart).toEqual([6, 6]);
  });
  it('rejects a grid that does not fit', () => {
    expect(() => gridGeometry([8, 8, 8], 3, 1)).toThrow(/does not fit/);
  });
});

describe('jigsaw targets', () => {
  for (const dim of [2, 3] as const) {
    it(`${dim}D: the inverse permutation reassembles the grid`, () => {
      const v = uniqueVol(dim === 3 ? [12, 12, 12] : [12, 12]);
      const g = gridGeometry(v.shape, 3, 1);
      const tiles = dim === 3 ? 27 : 9;
      const perms = randomPermutations(tiles, 10, 5);
      const rng = new Rng(9);
      const s = jigsawSample(v, g, perms, rng, false);
      const grid = cropGrid(v, g, null).patches;
      const back = unshuffleTiles(s.tiles, perms[s.label]!);
      back.forEach((t, i) => expect(volEqual(t, grid[i]!)).toBe(true));
      expect(shuffleTiles([10, 11, 12], [2, 0, 1])).toEqual([12, 10, 11]);
    });
  }
});

describe('CPC targets', () => {
  it('3D paper geometry: context is the inverted pyramid, targets the patches below', () => {
    const g = cpcGeometry([16, 16, 16], { grid: 4, patch: 4, overlap: 0, terms: 2 }, 'paper');
    const plan = cpcPlan(g);
    expect(plan.contextLength).toBe(10);
    expect(plan.anchors.length).toBe(16); // row 1 only for 4 rows and 2 terms
    const a = plan.anchors.findIndex((x) => x.col[0] === 1 && x.col[1] === 2);
    const ctx = Array.from(plan.context.subarray(a * 10, a * 10 + 10));
    const idx = (x: number, y: number, z: number): number => (x * 4 + y) * 4 + z;
    expect(ctx).toEqual([idx(0, 0, 1), idx(0, 0, 2), idx(0, 0, 3), idx(0, 1, 1), idx(0, 1, 2), idx(0, 1, 3), idx(0, 2, 1), idx(0, 2, 2), idx(0, 2, 3), idx(1, 1, 2)]);
    expect(Array.from(plan.targets.subarray(a * 2, a * 2 + 2))).toEqual([idx(2, 1, 2), idx(3, 1, 2)]);
    // mirrored border: column (0, 3) uses y = 1 for y − 1 and z = 2 for z + 1
    const b = plan.anchors.findIndex((x) => x.col[0] === 0 && x.col[1] === 3);
    expect(plan.context[b * 10]).toBe(idx(0, 1, 2));
  });
  it('overlap moves patches closer; an oversized grid is rejected', () => {
    const g = cpcGeometry([20, 20], { grid: 5, patch: 6, overlap: 0.5, terms: 1 }, 'paper');
    expect(g.step).toBe(3);
    expect(cpcCellStart(g, 1)).toEqual([g.origin[0], g.origin[1]! + 3]);
    expect(() => cpcGeometry([10, 10], { grid: 5, patch: 6, overlap: 0, terms: 1 }, 'paper')).toThrow(/spans/);
  });
  it('authors-code geometry: 4×4×4 of side/4 (3D); 5×5 half-overlapping, a skipped row, zero borders (2D)', () => {
    const g3 = cpcGeometry([32, 32, 32], { grid: 9, patch: 1, overlap: 0, terms: 5 }, 'authors-code');
    expect([g3.grid, g3.patch, g3.terms, g3.rows]).toEqual([4, 8, 2, [1]]);
    const g2 = cpcGeometry([224, 224], { grid: 9, patch: 1, overlap: 0, terms: 5 }, 'authors-code');
    expect([g2.grid, g2.patch, g2.step]).toEqual([5, 74, 37]);
    const p2 = cpcPlan(g2);
    expect(p2.contextLength).toBe(4);
    expect(p2.context[0]).toBe(-1); // column 0: its left neighbour is a zero patch
    expect(Array.from(p2.targets.subarray(0, 2))).toEqual([15, 20]); // rows 3 and 4 of column 0
  });
  for (const dim of [2, 3] as const) {
    it(`${dim}D: positives are the true next patches; no negative equals its positive`, () => {
      const shape = dim === 3 ? [16, 16, 16] : [16, 16];
      const g = cpcGeometry(shape, { grid: 4, patch: 4, overlap: 0, terms: 2 }, 'paper');
      const plan = cpcPlan(g);
      const vols = [uniqueVol(shape, 1, 1), uniqueVol(shape, 1, 2), uniqueVol(shape, 1, 3)];
      const patches = vols.flatMap((v) => cpcPatches(v, g));
      const ix = cpcBatchIndices(plan, 3, 8, 'paper', new Rng(4), undefined, 'other-volumes');
      const T = g.terms;
      for (let ci = 0; ci < ix.contexts; ci++) {
        const b = Math.floor(ci / plan.anchors.length);
        const anc = plan.anchors[ci % plan.anchors.length]!;
        for (let t = 0; t < T; t++) {
          const pos = ix.positives[ci * T + t]!;
          // the positive is the patch at (row + 1 + t, same column) of the same volume
          const start = [anc.row + 1 + t, ...anc.col].map((c, a) => g.origin[a]! + c * g.step);
          expect(volEqual(patches[pos]!, cropBox(vols[b]!, start, new Array(dim).fill(g.patch)))).toBe(true);
          const negs = Array.from(ix.negatives.subarray((ci * T + t) * 8, (ci * T + t + 1) * 8));
          expect(new Set(negs).size).toBe(8);
          for (const n of negs) {
            expect(n).not.toBe(pos);
            expect(Math.floor(n / plan.cells)).not.toBe(b); // other volumes of the batch
            expect(volEqual(patches[n]!, patches[pos]!)).toBe(false);
          }
        }
      }
      // the default: negatives from other locations of the same volume (the paper)
      const same = cpcBatchIndices(plan, 3, 8, 'paper', new Rng(4));
      for (let q = 0; q < same.queries; q++) {
        const negs = Array.from(same.negatives.subarray(q * 8, (q + 1) * 8));
        expect(new Set(negs).size).toBe(8);
        for (const n of negs) {
          expect(n).not.toBe(same.positives[q]);
          expect(Math.floor(n / plan.cells)).toBe(Math.floor(same.positives[q]! / plan.cells));
        }
      }
      const one = cpcBatchIndices(plan, 1, 5, 'paper', new Rng(4));
      for (let q = 0; q < one.queries; q++) for (let k = 0; k < 5; k++) expect(one.negatives[q * 5 + k]).not.toBe(one.positives[q]);
      expect(() => cpcBatchIndices(plan, 1, plan.cells, 'paper', new Rng(1))).toThrow(/negatives/);
      // entries 0 and 1 are slices of one case: their negatives come from entry 2 only
      const shared = cpcBatchIndices(plan, 3, 4, 'paper', new Rng(5), [7, 7, 8], 'other-volumes');
      for (let ci = 0; ci < shared.contexts; ci++) {
        const b = Math.floor(ci / plan.anchors.length);
        for (let k = 0; k < T * 4; k++) {
          const vb = Math.floor(shared.negatives[ci * T * 4 + k]! / plan.cells);
          expect(b < 2 ? vb === 2 : vb < 2).toBe(true);
        }
      }
      const auth = cpcBatchIndices(plan, 2, 1, 'authors-code', new Rng(4));
      expect(auth.negativesPerQuery).toBe(1);
      for (let ci = 0; ci < auth.contexts; ci++) expect(auth.negatives[ci * T]).not.toBe(auth.positives[ci * T]);
    });
  }
});

describe('exemplar targets', () => {
  it('transforms: flip, translate, contrast behave as specified', () => {
    const v = uniqueVol([3, 4, 5]);
    expect(volEqual(flip(flip(v, 1), 1), v)).toBe(true);
    const t = translate(v, 2, 2);
    expect(t.data[2]).toBe(v.data[0]);
    expect(t.data[0]).toBe(0);
    const c = adjustContrast(v, 1);
    for (let i = 0; i < v.data.length; i++) expect(c.data[i]).toBeCloseTo(v.data[i]!, 3);
    const a = augment(v, ['flip', 'translate', 'brightness', 'contrast'], new Rng(2));
    expect(a.applied.map((x) => x.name)).toEqual(['flip', 'translate', 'brightness', 'contrast']);
    expect(volEqual(a.vol, v)).toBe(false);
  });
  it('derangements have no fixed points', () => {
    const rng = new Rng(5);
    for (let n = 2; n < 9; n++) derangement(n, rng).forEach((p, i) => expect(p).not.toBe(i));
  });
  it('slices of one volume are never each other\'s negatives', () => {
    const pool = [0, 1, 2, 3, 4, 5].map((s) => ({ ...uniqueVol([6, 6], 1, s + 30), source: Math.floor(s / 2) }));
    for (const negatives of ['batch', 'dataset'] as const) {
      for (let seed = 0; seed < 20; seed++) {
        const trip = exemplarTriplets(pool, [0, 1, 2, 3], { transforms: ['flip'], negatives, variant: 'paper' }, new Rng(seed));
        for (const t of trip) expect(pool[t.negativeSource]!.source).not.toBe(pool[t.source]!.source);
      }
    }
  });
  for (const dim of [2, 3] as const) {
    for (const variant of ['paper', 'authors-code'] as const) {
      it(`${dim}D ${variant}: positives come from the sample, negatives from another sample`, () => {
        const shape = dim === 3 ? [6, 6, 6] : [8, 8];
        const pool = [0, 1, 2, 3, 4].map((s) => uniqueVol(shape, 1, s + 10));
        for (const negatives of ['batch', 'dataset'] as const) {
          const trip = exemplarTriplets(pool, [0, 2, 4], { transforms: ['flip'], negatives, variant }, new Rng(3));
          trip.forEach((t, i) => {
            expect(t.source).toBe([0, 2, 4][i]);
            expect(t.negativeSource).not.toBe(t.source);
            if (negatives === 'batch') expect([0, 2, 4]).toContain(t.negativeSource);
            const src = pool[t.source]!;
            const plain = variant === 'paper' ? t.anchor : t.positive;
            const moved = variant === 'paper' ? t.positive : t.anchor;
            expect(volEqual(plain, src)).toBe(true);
            // the transformed one is a flip of the source along some axis
            expect([0, 1, 2].slice(0, dim).some((ax) => volEqual(flip(src, ax), moved))).toBe(true);
            expect(volEqual(t.negative, pool[t.negativeSource]!)).toBe(true);
          });
        }
      });
    }
  }
});

describe('CPC authors-code augmentation', () => {
  it('shift and per-patch augmentation keep the shape and move voxels only by crop/flip/pad', async () => {
    const { authorsCpcPatchAugment, authorsCpcShift } = await import('../../../runtime/tasks/tasks.js');
    const v = uniqueVol([20, 20, 20]);
    const s = authorsCpcShift(v, new Rng(1));
    expect(s.shape).toEqual([20, 20, 20]);
    // every non-zero voxel of the result comes from the source; the border is zero-filled
    const src = new Set(v.data);
    expect(Array.from(s.data).every((x) => x === 0 || src.has(x))).toBe(true);
    expect(Array.from(s.data).filter((x) => x === 0).length).toBeGreaterThan(0);
    const p = authorsCpcPatchAugment(uniqueVol([8, 8, 8]), new Rng(2));
    expect(p.shape).toEqual([8, 8, 8]);
    expect(Array.from(p.data).filter((x) => x !== 0).length).toBe(7 * 7 * 7);
    const p2 = authorsCpcPatchAugment(uniqueVol([12, 12]), new Rng(2));
    expect(Array.from(p2.data).filter((x) => x !== 0).length).toBe(11 * 11);
  });
});

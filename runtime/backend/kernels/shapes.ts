// Shape merging for the native element-wise and transpose kernels: adjacent dimensions that the
// operation treats alike become one, so the C++ loops run over long contiguous rows.

/**
 * Expand both operand shapes to the output rank and merge adjacent dimensions that broadcast the
 * same way in both operands, so the C++ loop runs over long contiguous inner rows.
 */
export function mergeBroadcastDims(out: number[], a: number[], b: number[]): { out: Int32Array; a: Int32Array; b: Int32Array } {
  const r = out.length;
  const ea = [...Array(r - a.length).fill(1), ...a] as number[];
  const eb = [...Array(r - b.length).fill(1), ...b] as number[];
  const mo: number[] = [], ma: number[] = [], mb: number[] = [];
  const kind = (x: number, o: number): number => (o === 1 ? 2 : x === 1 ? 0 : 1); // 2 = size-1 dim, merges with anything
  for (let i = 0; i < r; i++) {
    const o = out[i]!, x = ea[i]!, y = eb[i]!;
    if (o === 1) continue;
    const last = mo.length - 1;
    if (last >= 0 && kind(ma[last]!, mo[last]!) === kind(x, o) && kind(mb[last]!, mo[last]!) === kind(y, o)) {
      mo[last]! *= o;
      ma[last]! *= x;
      mb[last]! *= y;
    } else {
      mo.push(o); ma.push(x); mb.push(y);
    }
  }
  if (mo.length === 0) { mo.push(1); ma.push(1); mb.push(1); }
  return { out: Int32Array.from(mo), a: Int32Array.from(ma), b: Int32Array.from(mb) };
}

/** Drop size-1 dims and merge adjacent dims that are both reduced or both kept. */
export function mergeReduceDims(shape: number[], red: number[]): { shape: Int32Array; red: Int32Array } {
  const s: number[] = [], r: number[] = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    const f = red[i]!;
    if (r.length && r[r.length - 1] === f) s[s.length - 1]! *= d;
    else { s.push(d); r.push(f); }
  });
  if (s.length === 0) { s.push(1); r.push(1); }
  return { shape: Int32Array.from(s), red: Int32Array.from(r) };
}

/** Drop size-1 dims and merge input dims that stay adjacent and in order under the permutation. */
export function mergeTransposeDims(shape: number[], perm: number[]): { shape: Int32Array; perm: Int32Array } {
  const keep = shape.map((d, i) => i).filter((i) => shape[i]! !== 1);
  const p = perm.filter((i) => shape[i]! !== 1).map((i) => keep.indexOf(i));
  const s = keep.map((i) => shape[i]!);
  // groups: runs in p of consecutive input axes
  const groups: number[][] = [];
  for (const ax of p) {
    const g = groups[groups.length - 1];
    if (g && g[g.length - 1]! + 1 === ax) g.push(ax);
    else groups.push([ax]);
  }
  const order = [...groups].sort((x, y) => x[0]! - y[0]!);
  const newShape = order.map((g) => g.reduce((acc, ax) => acc * s[ax]!, 1));
  const newPerm = groups.map((g) => order.indexOf(g));
  if (newShape.length === 0) return { shape: Int32Array.of(1), perm: Int32Array.of(0) };
  return { shape: Int32Array.from(newShape), perm: Int32Array.from(newPerm) };
}

// Abdominal CT phantom (MSD Task07-like): organs in Hounsfield-like units, pancreas and tumour labels.
import type { Vec3 } from '../../../core/graph.js';
import { Rng } from '../../../core/rng.js';
import { smoothField, shape3, normalTable, checkSize, type PhantomVolume } from './common.js';

export interface PancreasPhantomOptions {
  tumour: boolean | 'random';
  tumourProbability?: number;
  labelled: boolean;
}

/**
 * One abdominal CT phantom in Hounsfield-like units (1 channel) of size [D,H,W]:
 * air −1000, fat ≈ −100, muscle ≈ 50, liver/spleen ≈ 100, pancreas ≈ 100 (label 1),
 * tumour ≈ 40 (label 2, hypo-dense), kidneys ≈ 160, aorta ≈ 180, bone 250 (marrow) – 900 (cortex).
 */
export function pancreasPhantom(seed: number, size: Vec3 | number[], opts: PancreasPhantomOptions): PhantomVolume {
  checkSize(size, 8, 'pancreas phantom');
  const [D, H, W] = shape3(size);
  const N = D * H * W;
  const rng = new Rng(seed);
  const fieldRng = rng.fork('fields');
  const deform = smoothField(fieldRng, [D, H, W], 3);
  const texture = smoothField(fieldRng, [D, H, W], 8);
  const lobes = smoothField(fieldRng, [D, H, W], 9);
  const noise = normalTable(rng.fork('noise'));

  // Physical layout: x,y in [-1,1] ↔ ±175 mm; z in [-1,1] ↔ ±80 mm, so z is scaled by ZS to keep
  // distances isotropic.
  const ZS = 80 / 175;
  const bx = rng.uniform(0.8, 0.93);
  const by = rng.uniform(0.58, 0.72);
  const bcy = rng.uniform(-0.08, 0.0);
  const fatT = rng.uniform(0.05, 0.12); // subcutaneous fat thickness (fraction of the radius)
  const shiftZ = rng.uniform(-0.1, 0.1) * ZS;
  const jitter = (): number => rng.uniform(-0.04, 0.04);

  // Organs: ellipsoids in (x, y, z·ZS) with HU value.
  interface Blob { x: number; y: number; z: number; rx: number; ry: number; rz: number; hu: number; }
  const liver: Blob = { x: 0.45 + jitter(), y: 0.02 + jitter(), z: 0.35 * ZS + shiftZ, rx: 0.42, ry: 0.42, rz: 0.9 * ZS, hu: rng.uniform(90, 115) };
  const spleen: Blob = { x: -0.58 + jitter(), y: -0.18 + jitter(), z: 0.4 * ZS + shiftZ, rx: 0.15, ry: 0.22, rz: 0.45 * ZS, hu: rng.uniform(100, 125) };
  const kidneyZ = rng.uniform(-0.4, -0.1) * ZS + shiftZ;
  const kidneys: Blob[] = [1, -1].map((s) => ({ x: s * (0.42 + jitter()), y: -0.38 + jitter(), z: kidneyZ + s * 0.05 * ZS, rx: 0.12, ry: 0.16, rz: 0.5 * ZS, hu: rng.uniform(150, 190) }));
  const stomach: Blob = { x: -0.3 + jitter(), y: 0.25 + jitter(), z: 0.35 * ZS + shiftZ, rx: 0.23, ry: 0.18, rz: 0.5 * ZS, hu: 35 };
  const bowels: Blob[] = [];
  const nBowel = rng.intIn(4, 8);
  for (let i = 0; i < nBowel; i++) {
    bowels.push({
      x: rng.uniform(-0.5, 0.5), y: rng.uniform(0.15, 0.45), z: rng.uniform(-0.9, -0.1) * ZS, rx: rng.uniform(0.06, 0.11), ry: rng.uniform(0.06, 0.11), rz: rng.uniform(0.2, 0.5) * ZS,
      hu: rng.next() < 0.4 ? -900 : rng.uniform(5, 30),
    });
  }
  const aorta = { x: -0.06 + jitter() / 2, y: -0.33 + jitter() / 2, r: rng.uniform(0.05, 0.07), hu: rng.uniform(160, 220) };
  const ivc = { x: 0.1 + jitter() / 2, y: -0.3 + jitter() / 2, r: rng.uniform(0.05, 0.075), hu: rng.uniform(110, 150) };
  const spine = { x: 0, y: -0.55 + jitter() / 2, r: rng.uniform(0.11, 0.14) };

  // Pancreas: quadratic Bézier from the head (right, near the duodenum) over the aorta to the tail
  // (left, at the splenic hilum); thick head, thin tail; lobulated boundary.
  const pz = rng.uniform(-0.1, 0.25) * ZS + shiftZ;
  const P0 = [0.2 + jitter(), -0.12 + jitter(), pz - rng.uniform(0.05, 0.2) * ZS];
  const P1 = [-0.05 + jitter(), -0.02 + jitter(), pz];
  const P2 = [-0.48 + jitter(), -0.22 + jitter(), pz + rng.uniform(0.0, 0.25) * ZS];
  const rHead = rng.uniform(0.09, 0.12);
  const rTail = rng.uniform(0.05, 0.065);
  const nCurve = 28;
  const curve: Array<{ x: number; y: number; z: number; r: number }> = [];
  for (let i = 0; i < nCurve; i++) {
    const t = i / (nCurve - 1);
    const a = (1 - t) * (1 - t);
    const b = 2 * t * (1 - t);
    const c = t * t;
    curve.push({ x: a * P0[0]! + b * P1[0]! + c * P2[0]!, y: a * P0[1]! + b * P1[1]! + c * P2[1]!, z: a * P0[2]! + b * P1[2]! + c * P2[2]!, r: rHead + (rTail - rHead) * t });
  }
  const pancreasHu = rng.uniform(85, 120);
  const tumourP = opts.tumourProbability ?? 0.8;
  const hasTumour = opts.tumour === 'random' ? rng.next() < tumourP : opts.tumour;
  const tumourAt = curve[rng.intIn(2, nCurve - 3)]!;
  const tumour = hasTumour
    ? { x: tumourAt.x + rng.uniform(-0.02, 0.02), y: tumourAt.y + rng.uniform(-0.02, 0.02), z: tumourAt.z, r: rng.uniform(0.045, 0.08), hu: pancreasHu - rng.uniform(40, 70) }
    : null;
  // Pancreas bounding box (normalised) for speed.
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity, minZ = Infinity, maxZ = -Infinity;
  for (const p of curve) {
    minX = Math.min(minX, p.x - p.r * 1.4); maxX = Math.max(maxX, p.x + p.r * 1.4);
    minY = Math.min(minY, p.y - p.r * 1.4); maxY = Math.max(maxY, p.y + p.r * 1.4);
    minZ = Math.min(minZ, p.z - p.r * 1.4); maxZ = Math.max(maxZ, p.z + p.r * 1.4);
  }
  const ribs: Array<{ a: number }> = [];
  for (let i = 0; i < 8; i++) ribs.push({ a: (i / 8) * 2 * Math.PI + rng.uniform(-0.15, 0.15) });
  const noiseSd = rng.uniform(8, 18);
  const texAmp = rng.uniform(5, 12);

  const inBlob = (b: Blob, x: number, y: number, z: number, wobble: number): boolean => {
    const dx = (x - b.x) / b.rx;
    const dy = (y - b.y) / b.ry;
    const dz = (z - b.z) / b.rz;
    return dx * dx + dy * dy + dz * dz < 1 + wobble;
  };

  const image = new Float32Array(N);
  const mask = opts.labelled ? new Uint8Array(N) : null;
  let o = 0;
  for (let d = 0; d < D; d++) {
    const z = (((d + 0.5) / D) * 2 - 1) * ZS;
    for (let h = 0; h < H; h++) {
      const y = ((h + 0.5) / H) * 2 - 1;
      for (let w = 0; w < W; w++, o++) {
        const x = ((w + 0.5) / W) * 2 - 1;
        const wob = 0.08 * deform[o]!;
        const e = Math.sqrt((x / bx) ** 2 + ((y - bcy) / by) ** 2) + 0.02 * deform[o]!;
        let hu: number;
        let label = 0;
        if (e >= 1) hu = -1000;
        else if (e >= 1 - fatT) hu = -100;
        else if (e >= 1 - fatT - 0.06) hu = 50; // abdominal wall muscle
        else {
          hu = -95; // visceral fat
          // Ribs: small bony circles inside the wall on the upper slices.
          if (e > 0.78 && z > -0.2 * ZS) {
            const ang = Math.atan2((y - bcy) / by, x / bx);
            for (const rib of ribs) {
              let da = Math.abs(ang - rib.a);
              if (da > Math.PI) da = 2 * Math.PI - da;
              if (da < 0.06 && e < 0.86) hu = 800;
            }
          }
          for (const b of bowels) if (inBlob(b, x, y, z, wob)) hu = b.hu;
          if (inBlob(stomach, x, y, z, wob)) {
            const inner = (x - stomach.x) ** 2 / (stomach.rx * 0.8) ** 2 + (y - stomach.y) ** 2 / (stomach.ry * 0.8) ** 2 + (z - stomach.z) ** 2 / (stomach.rz * 0.8) ** 2;
            hu = inner < 1 ? (y > stomach.y + 0.05 ? -950 : 15) : stomach.hu;
          }
          for (const k of kidneys) if (inBlob(k, x, y, z, wob)) hu = k.hu;
          if (inBlob(spleen, x, y, z, wob)) hu = spleen.hu;
          if (inBlob(liver, x, y, z, wob)) hu = liver.hu;
          const ar = Math.hypot(x - aorta.x, y - aorta.y);
          if (ar < aorta.r) hu = aorta.hu;
          if (Math.hypot(x - ivc.x, y - ivc.y) < ivc.r) hu = ivc.hu;
          const sr = Math.hypot(x - spine.x, y - spine.y);
          if (sr < spine.r) hu = sr > spine.r * 0.8 ? 900 : 250;
          if (x >= minX && x <= maxX && y >= minY && y <= maxY && z >= minZ && z <= maxZ) {
            let q = Infinity;
            for (const p of curve) {
              const dd = Math.sqrt((x - p.x) ** 2 + (y - p.y) ** 2 + (z - p.z) ** 2) / p.r;
              if (dd < q) q = dd;
            }
            const lob = q + 0.18 * lobes[o]!;
            if (lob < 1) {
              hu = pancreasHu;
              label = 1;
            }
            if (tumour) {
              const tq = Math.sqrt((x - tumour.x) ** 2 + (y - tumour.y) ** 2 + (z - tumour.z) ** 2) / tumour.r + 0.15 * lobes[o]!;
              if (tq < 1 && lob < 1.6) {
                hu = tumour.hu;
                label = 2;
              }
            }
          }
        }
        if (mask) mask[o] = label;
        image[o] = hu <= -900 ? hu + 15 * noise[rng.nextU32() & 8191]! : hu + texAmp * texture[o]! + noiseSd * noise[rng.nextU32() & 8191]!;
      }
    }
  }
  return {
    shape: [D, H, W],
    channels: 1,
    image,
    mask,
    spacing: [160 / D, 350 / H, 350 / W],
    grade: null,
    channelNames: ['ct'],
    lesion: hasTumour,
  };
}

// Seeded synthetic data: the built-in datasets that make the paper's protocol runnable without
// any download. Three generators:
//   - brain MRI (BraTS-like): head, skull, CSF, grey/white matter, ventricles and eyes with random
//     smooth deformation, texture, bias field and noise, in up to four MRI contrasts
//     (t1, t1ce, t2, flair), with tumours whose nested sub-regions follow the BraTS labels
//     (1 necrotic core, 4 enhancing rim around it, 2 oedema outermost);
//   - abdominal CT (MSD Task07-like): Hounsfield-like intensities, body wall, fat, liver, spleen,
//     kidneys, spine, aorta, stomach and bowel, and an elongated pancreas (label 1) with an
//     optional hypo-dense tumour (label 2);
//   - colour fundus photographs (APTOS-like): fundus disc, optic disc, branching vessels and
//     lesions whose kind and number set a retinopathy grade 0–4 by a fixed rule.
// Each case is generated from its own seed (deriveSeed(datasetSeed, index)), so case i does not
// depend on how many cases are asked for. All randomness comes from core/rng.ts.
// Layout: channels-last float32; 3D shape [D,H,W] = [S, A, R] axes of a RAS+ grid (W fastest),
// the same canonical layout the NIfTI reader produces.

import type { Vec2, Vec3 } from '../../core/graph.js';
import { SslRuntimeError } from '../contract.js';
import { Rng, deriveSeed } from '../../core/rng.js';
import { DATA_CODES } from '../../core/codes/data.js';
import type { Case } from './types.js';

// ───────────────────────── helpers ─────────────────────────

/**
 * Smooth random field on a [D,H,W] grid: unit normals on a coarse lattice with `cells` cells per
 * axis, trilinearly interpolated (done separably, one axis at a time: ~1 ns per voxel).
 * Cheap low-frequency noise for deformations, textures and bias fields.
 */
export function smoothField(rng: Rng, shape: readonly number[], cells: number): Float32Array {
  const [D, H, W] = shape3(shape);
  const g = Math.max(1, Math.round(cells));
  const gd = D > 1 ? g : 0;
  const n0 = gd + 1;
  const n1 = g + 1;
  const n2 = g + 1;
  const lattice = new Float32Array(n0 * n1 * n2);
  for (let i = 0; i < lattice.length; i++) lattice[i] = rng.normal();
  const axis = (n: number, cellsOnAxis: number): { i0: Int32Array; f: Float32Array } => {
    const i0 = new Int32Array(n);
    const f = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const u = cellsOnAxis === 0 ? 0 : ((k + 0.5) / n) * cellsOnAxis;
      const base = Math.min(Math.floor(u), Math.max(0, cellsOnAxis - 1));
      i0[k] = base;
      f[k] = cellsOnAxis === 0 ? 0 : u - base;
    }
    return { i0, f };
  };
  const ad = axis(D, gd);
  const ah = axis(H, g);
  const aw = axis(W, g);
  // Pass 1: along W → [n0, n1, W].
  const p1 = new Float32Array(n0 * n1 * W);
  for (let r = 0; r < n0 * n1; r++) {
    const src = r * n2;
    const dst = r * W;
    for (let w = 0; w < W; w++) {
      const i = src + aw.i0[w]!;
      const f = aw.f[w]!;
      p1[dst + w] = lattice[i]! * (1 - f) + lattice[i + 1]! * f;
    }
  }
  // Pass 2: along H → [n0, H, W].
  const p2 = new Float32Array(n0 * H * W);
  for (let a = 0; a < n0; a++) {
    for (let h = 0; h < H; h++) {
      const f = ah.f[h]!;
      const s0 = (a * n1 + ah.i0[h]!) * W;
      const s1 = s0 + W;
      const dst = (a * H + h) * W;
      for (let w = 0; w < W; w++) p2[dst + w] = p1[s0 + w]! * (1 - f) + p1[s1 + w]! * f;
    }
  }
  if (gd === 0) return D === 1 ? p2 : repeatSlices(p2, D);
  // Pass 3: along D → [D, H, W].
  const HW = H * W;
  const out = new Float32Array(D * HW);
  for (let d = 0; d < D; d++) {
    const f = ad.f[d]!;
    const s0 = ad.i0[d]! * HW;
    const s1 = s0 + HW;
    const dst = d * HW;
    for (let k = 0; k < HW; k++) out[dst + k] = p2[s0 + k]! * (1 - f) + p2[s1 + k]! * f;
  }
  return out;
}

function repeatSlices(slice: Float32Array, D: number): Float32Array {
  const out = new Float32Array(slice.length * D);
  for (let d = 0; d < D; d++) out.set(slice, d * slice.length);
  return out;
}

function shape3(shape: readonly number[]): [number, number, number] {
  if (shape.length === 2) return [1, shape[0]!, shape[1]!];
  return [shape[0]!, shape[1]!, shape[2]!];
}

/** A table of standard normals indexed by cheap integer draws (much faster than Box–Muller per voxel). */
function normalTable(rng: Rng, n = 8192): Float32Array {
  const t = new Float32Array(n);
  for (let i = 0; i < n; i++) t[i] = rng.normal();
  return t;
}

function checkSize(size: readonly number[], min: number, what: string): void {
  for (const s of size) {
    if (!Number.isInteger(s) || s < min) {
      throw new SslRuntimeError(
        DATA_CODES.badPhantom,
        `${what}: size [${size.join(', ')}] is invalid; every axis needs an integer of at least ${min} voxels`,
      );
    }
  }
}

// ───────────────────────── brain MRI ─────────────────────────

export const BRAIN_CHANNELS: Record<number, readonly BrainContrast[]> = {
  1: ['t1'],
  2: ['t1', 'flair'],
  3: ['t1', 't2', 'flair'],
  4: ['t1', 't1ce', 't2', 'flair'],
};

export type BrainContrast = 't1' | 't1ce' | 't2' | 'flair';

// Tissue classes used inside the generator.
const T_BG = 0;
const T_SCALP = 1;
const T_BONE = 2;
const T_CSF = 3;
const T_GM = 4;
const T_WM = 5;
const T_EYE = 6;
const T_OEDEMA = 7;
const T_NECROSIS = 8;
const T_ENHANCING = 9;

// Mean intensity of each tissue in each contrast (roughly the relative appearance on clinical
// MRI: CSF dark on T1/FLAIR and bright on T2; oedema bright on T2/FLAIR; the enhancing rim
// bright on T1ce only; necrosis dark on T1/T1ce, bright on T2, intermediate on FLAIR).
const CONTRAST: Record<BrainContrast, number[]> = {
  //        bg  scalp bone  csf   gm    wm    eye   oed   necr  enh
  t1: [0, 0.85, 0.12, 0.18, 0.55, 0.78, 0.15, 0.46, 0.25, 0.5],
  t1ce: [0, 0.85, 0.12, 0.2, 0.57, 0.8, 0.15, 0.48, 0.28, 0.98],
  t2: [0, 0.55, 0.08, 1.0, 0.68, 0.5, 0.95, 0.88, 0.93, 0.7],
  flair: [0, 0.6, 0.08, 0.1, 0.62, 0.5, 0.1, 0.93, 0.45, 0.76],
};

function enforceNesting(t: Uint8Array, shape: [number, number, number]): void {
  const [D, H, W] = shape;
  const HW = H * W;
  const touches = (i: number, pred: (v: number) => boolean): boolean => {
    const w = i % W;
    const h = Math.floor(i / W) % H;
    const d = Math.floor(i / HW);
    return (
      (w > 0 && pred(t[i - 1]!)) ||
      (w < W - 1 && pred(t[i + 1]!)) ||
      (h > 0 && pred(t[i - W]!)) ||
      (h < H - 1 && pred(t[i + W]!)) ||
      (d > 0 && pred(t[i - HW]!)) ||
      (d < D - 1 && pred(t[i + HW]!))
    );
  };
  const healthy = (v: number): boolean => v < T_OEDEMA;
  const notCore = (v: number): boolean => v !== T_ENHANCING && v !== T_NECROSIS;
  for (let pass = 0; pass < 8; pass++) {
    let changed = 0;
    for (let i = 0; i < t.length; i++) {
      if (t[i] === T_ENHANCING && touches(i, healthy)) {
        t[i] = T_OEDEMA;
        changed++;
      }
    }
    for (let i = 0; i < t.length; i++) {
      if (t[i] === T_NECROSIS && touches(i, notCore)) {
        t[i] = T_ENHANCING;
        changed++;
      }
    }
    if (changed === 0) break;
  }
}

export interface BrainPhantomOptions {
  /** Whether the case has a tumour; 'random' = with probability `tumourProbability`. */
  tumour: boolean | 'random';
  tumourProbability?: number;
  /** Return a label map (BraTS labels 0,1,2,4). */
  labelled: boolean;
}

export interface PhantomVolume {
  shape: number[];
  channels: number;
  image: Float32Array;
  mask: Uint8Array | null;
  spacing: number[];
  grade: number | null;
  /** Names of the channels, e.g. ['t1', 'flair']. */
  channelNames: string[];
  /** Whether a lesion (tumour) was placed. */
  lesion: boolean;
}

/**
 * One brain MRI phantom of spatial size [D,H,W] with 1–4 channels (see BRAIN_CHANNELS).
 * A 64³ 4-channel case takes a few tens of ms.
 */
export function brainPhantom(seed: number, size: Vec3 | number[], channels: number, opts: BrainPhantomOptions): PhantomVolume {
  checkSize(size, 8, 'brain phantom');
  const names = BRAIN_CHANNELS[channels];
  if (!names) {
    throw new SslRuntimeError(DATA_CODES.badPhantom, `brain phantom: ${channels} channels requested; it defines 1–4 (t1, t1ce, t2, flair)`);
  }
  const [D, H, W] = shape3(size);
  const N = D * H * W;
  const rng = new Rng(seed);
  const fieldRng = rng.fork('fields');
  const deform = smoothField(fieldRng, [D, H, W], 3);
  const fold = smoothField(fieldRng, [D, H, W], 7);
  const gyri = smoothField(fieldRng, [D, H, W], 15);
  const texture = smoothField(fieldRng, [D, H, W], 10);
  const bias = smoothField(fieldRng, [D, H, W], 2);
  const tumourField = smoothField(fieldRng, [D, H, W], 5);
  const noise = normalTable(rng.fork('noise'));

  // Head geometry (normalised coordinates in [-1, 1] per axis; x = R, y = A, z = S).
  const sx = rng.uniform(0.76, 0.86);
  const sy = rng.uniform(0.86, 0.95);
  const sz = rng.uniform(0.8, 0.9);
  const cx = rng.uniform(-0.04, 0.04);
  const cy = rng.uniform(-0.04, 0.04);
  const cz = rng.uniform(0.0, 0.08);
  const deformAmp = rng.uniform(0.03, 0.06);
  const foldAmp = rng.uniform(0.05, 0.09);
  const wmLevel = rng.uniform(0.6, 0.68);
  const ventScale = rng.uniform(0.7, 1.5);
  const skullIn = rng.uniform(0.85, 0.88);
  const csfIn = skullIn - rng.uniform(0.025, 0.045);

  // Tumour geometry.
  const tumourP = opts.tumourProbability ?? 0.35;
  const hasTumour = opts.tumour === 'random' ? rng.next() < tumourP : opts.tumour;
  let tcx = 0, tcy = 0, tcz = 0, re = 0, levelCore = 0, levelNec = 0, ax = 1, ay = 1, az = 1;
  if (hasTumour) {
    re = rng.uniform(0.2, 0.42);
    levelCore = rng.uniform(0.35, 0.65);
    levelNec = rng.next() < 0.15 ? 0 : levelCore * rng.uniform(0.45, 0.8);
    ax = rng.uniform(0.8, 1.25);
    ay = rng.uniform(0.8, 1.25);
    az = rng.uniform(0.8, 1.25);
    // The core (with its worst-case stretch) must fit inside the brain; oedema may touch the cortex.
    // The shape factor below is clamped to >= 0.6, so the core reaches at most levelCore·re/0.6.
    for (let tries = 0; ; tries++) {
      const coreReach = ((re * levelCore) / 0.6) * Math.max(ax, ay, az) + deformAmp * 2.5;
      const px = rng.uniform(-0.65, 0.65);
      const py = rng.uniform(-0.65, 0.65);
      const pz = rng.uniform(-0.55, 0.65);
      const r = Math.hypot(px, py, pz);
      if (r + coreReach < csfIn - 0.05 || tries > 400) {
        tcx = cx + px * sx * (tries > 400 ? 0 : 1);
        tcy = cy + py * sy * (tries > 400 ? 0 : 1);
        tcz = cz + pz * sz * (tries > 400 ? 0 : 1);
        break;
      }
      if (tries % 20 === 19) re *= 0.95;
    }
  }

  // Per-case contrast jitter (scanner/protocol variation) and noise level.
  const contrast = names.map((n) => CONTRAST[n].map((v) => v * (1 + 0.06 * rng.normal())));
  const noiseSd = rng.uniform(0.015, 0.04);
  const biasAmp = rng.uniform(0.04, 0.12);
  const texAmp = rng.uniform(0.03, 0.06);

  // Pass 1: tissue class per voxel.
  const tissueOf = new Uint8Array(N);
  const eyeR2 = 0.13 * 0.13;
  let o = 0;
  for (let d = 0; d < D; d++) {
    const z = ((d + 0.5) / D) * 2 - 1;
    for (let h = 0; h < H; h++) {
      const y = ((h + 0.5) / H) * 2 - 1;
      for (let w = 0; w < W; w++, o++) {
        const x = ((w + 0.5) / W) * 2 - 1;
        const ex = (x - cx) / sx;
        const ey = (y - cy) / sy;
        const ez = (z - cz) / sz;
        const r = Math.sqrt(ex * ex + ey * ey + ez * ez) + deformAmp * deform[o]!;
        let tissue = T_BG;
        if (r < 1) {
          if (r >= 0.93) tissue = T_SCALP;
          else if (r >= skullIn) tissue = T_BONE;
          else if (r >= csfIn) tissue = T_CSF;
          else {
            // Grey/white boundary: lobes (low frequency) plus gyri (higher frequency).
            tissue = r < wmLevel + foldAmp * fold[o]! + 0.06 * gyri[o]! ? T_WM : T_GM;
            // Lateral ventricles: two ellipsoids beside the midline.
            const vx = (Math.abs(ex) - 0.1 * ventScale) / (0.07 * ventScale);
            const vy = (ey - 0.02) / (0.3 * Math.sqrt(ventScale));
            const vz = (ez - 0.1) / (0.12 * ventScale);
            if (vx * vx + vy * vy + vz * vz < 1) tissue = T_CSF;
          }
          // Eyes: two fluid-filled globes, anterior and inferior (an orientation cue).
          const gx = Math.abs(ex) - 0.32;
          const gy = ey - 0.72;
          const gz = ez + 0.38;
          if (gx * gx + gy * gy + gz * gz < eyeR2) tissue = T_EYE;
        }
        if (hasTumour && (tissue === T_GM || tissue === T_WM || tissue === T_CSF) && r < csfIn) {
          const dx = (x - tcx) / (sx * ax);
          const dy = (y - tcy) / (sy * ay);
          const dz = (z - tcz) / (sz * az);
          const s = (Math.sqrt(dx * dx + dy * dy + dz * dz) * Math.max(0.6, 1 + 0.3 * tumourField[o]!)) / re;
          if (s < 1) tissue = s < levelNec ? T_NECROSIS : s < levelCore ? T_ENHANCING : T_OEDEMA;
        }
        tissueOf[o] = tissue;
      }
    }
  }
  // The sub-regions are level sets of one smooth function, so they nest; on coarse grids a level
  // set can still be thinner than a voxel. Enforce the BraTS nesting on the voxel grid: an
  // enhancing voxel touching healthy tissue becomes oedema, and a necrotic voxel touching anything
  // but the enhancing rim becomes rim (repeat until stable).
  if (hasTumour) enforceNesting(tissueOf, [D, H, W]);
  // Pass 2: intensities.
  const image = new Float32Array(N * channels);
  const mask = opts.labelled ? new Uint8Array(N) : null;
  const C = channels;
  for (o = 0; o < N; o++) {
    const tissue = tissueOf[o]!;
    const tumour = tissue >= T_OEDEMA;
    if (mask && tumour) mask[o] = tissue === T_NECROSIS ? 1 : tissue === T_ENHANCING ? 4 : 2;
    const base = o * C;
    if (tissue === T_BG) {
      // Background: faint Rayleigh-like noise, as on magnitude MR images.
      for (let c = 0; c < C; c++) image[base + c] = Math.abs(noise[rng.nextU32() & 8191]!) * noiseSd * 0.5;
      continue;
    }
    const gain = 1 + biasAmp * bias[o]!;
    const tex = texAmp * texture[o]! + (tumour ? 0.06 * tumourField[o]! : 0);
    const k = rng.nextU32();
    for (let c = 0; c < C; c++) {
      const mean = contrast[c]![tissue]!;
      image[base + c] = Math.max(0, (mean + tex) * gain + noiseSd * noise[(k + c * 2731) & 8191]!);
    }
  }
  const fov = 200; // mm covered by each axis
  return {
    shape: [D, H, W],
    channels,
    image,
    mask,
    spacing: [fov / D, fov / H, fov / W],
    grade: null,
    channelNames: [...names],
    lesion: hasTumour,
  };
}

// ───────────────────────── abdominal CT ─────────────────────────

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

// ───────────────────────── fundus photographs ─────────────────────────

export interface LesionCounts {
  microaneurysms: number;
  haemorrhages: number;
  exudates: number;
  cottonWool: number;
  /** New vessels (neovascularisation) at the disc. */
  neovascularisation: boolean;
}

/**
 * The grading rule of the fundus phantom (a simplified International Clinical DR scale):
 * 4 proliferative  = neovascularisation present;
 * 3 severe         = ≥ 10 haemorrhages or ≥ 3 cotton-wool spots;
 * 2 moderate       = any haemorrhage, hard exudate or cotton-wool spot;
 * 1 mild           = microaneurysms only;
 * 0 none           = no lesion.
 */
export function fundusGrade(c: LesionCounts): number {
  if (c.neovascularisation) return 4;
  if (c.haemorrhages >= 10 || c.cottonWool >= 3) return 3;
  if (c.haemorrhages > 0 || c.exudates > 0 || c.cottonWool > 0) return 2;
  if (c.microaneurysms > 0) return 1;
  return 0;
}

/** Grade mix of the phantom (less skewed than APTOS 2019's 49/10/27/5/8 %, so small sets see every grade). */
export const FUNDUS_GRADE_PRIOR = [0.3, 0.17, 0.23, 0.15, 0.15];

function sampleCounts(rng: Rng, grade: number): LesionCounts {
  const c: LesionCounts = { microaneurysms: 0, haemorrhages: 0, exudates: 0, cottonWool: 0, neovascularisation: false };
  if (grade === 0) return c;
  if (grade === 1) {
    c.microaneurysms = rng.intIn(1, 6);
    return c;
  }
  c.microaneurysms = rng.intIn(2, 12);
  if (grade === 2) {
    c.haemorrhages = rng.intIn(0, 8);
    c.exudates = rng.intIn(0, 10);
    c.cottonWool = rng.intIn(0, 2);
    if (c.haemorrhages + c.exudates + c.cottonWool === 0) c.haemorrhages = 1;
    return c;
  }
  c.exudates = rng.intIn(0, 14);
  if (rng.next() < 0.6) {
    c.haemorrhages = rng.intIn(10, 20);
    c.cottonWool = rng.intIn(0, 4);
  } else {
    c.haemorrhages = rng.intIn(2, 9);
    c.cottonWool = rng.intIn(3, 5);
  }
  if (grade === 4) {
    c.neovascularisation = true;
    if (rng.next() < 0.5) {
      c.haemorrhages = rng.intIn(0, 8);
      c.cottonWool = rng.intIn(0, 2);
    }
  }
  return c;
}

interface Canvas {
  H: number;
  W: number;
  rgb: Float32Array; // H*W*3
}

/** Blend a soft disc of colour `col` (opacity `alpha`) centred at (px, py) pixel coords. */
function stampDisc(cv: Canvas, px: number, py: number, radius: number, col: readonly number[], alpha: number, soft = 1): void {
  const r = Math.max(0.5, radius);
  const x0 = Math.max(0, Math.floor(px - r - soft));
  const x1 = Math.min(cv.W - 1, Math.ceil(px + r + soft));
  const y0 = Math.max(0, Math.floor(py - r - soft));
  const y1 = Math.min(cv.H - 1, Math.ceil(py + r + soft));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dist = Math.hypot(x + 0.5 - px, y + 0.5 - py);
      const cover = Math.min(1, Math.max(0, (r + soft - dist) / (2 * soft)));
      if (cover <= 0) continue;
      const a = alpha * cover;
      const i = (y * cv.W + x) * 3;
      for (let k = 0; k < 3; k++) cv.rgb[i + k] = cv.rgb[i + k]! * (1 - a) + col[k]! * a;
    }
  }
}

/** Blend a line segment of width `width` from (ax, ay) to (bx, by). */
function stampSegment(cv: Canvas, ax: number, ay: number, bx: number, by: number, width: number, col: readonly number[], alpha: number): void {
  const r = Math.max(0.4, width / 2);
  const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - r - 1));
  const x1 = Math.min(cv.W - 1, Math.ceil(Math.max(ax, bx) + r + 1));
  const y0 = Math.max(0, Math.floor(Math.min(ay, by) - r - 1));
  const y1 = Math.min(cv.H - 1, Math.ceil(Math.max(ay, by) + r + 1));
  const vx = bx - ax;
  const vy = by - ay;
  const len2 = vx * vx + vy * vy || 1e-9;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const qx = x + 0.5 - ax;
      const qy = y + 0.5 - ay;
      const t = Math.min(1, Math.max(0, (qx * vx + qy * vy) / len2));
      const dist = Math.hypot(qx - t * vx, qy - t * vy);
      const cover = Math.min(1, Math.max(0, r + 0.5 - dist));
      if (cover <= 0) continue;
      const a = alpha * cover;
      const i = (y * cv.W + x) * 3;
      for (let k = 0; k < 3; k++) cv.rgb[i + k] = cv.rgb[i + k]! * (1 - a) + col[k]! * a;
    }
  }
}

export interface FundusPhantom extends PhantomVolume {
  counts: LesionCounts;
}

/**
 * One fundus photograph phantom of size [H,W], RGB (3 channels, values in [0,1]) or grey
 * (1 channel: the green channel, where retinal lesions have the most contrast).
 * `grade` is the class label (fundusGrade of the lesion counts), also set for unlabelled sets
 * so that callers can inspect it; the loader drops it when the dataset is unlabelled.
 */
export function fundusPhantom(seed: number, size: Vec2 | number[], channels: number): FundusPhantom {
  checkSize(size, 16, 'fundus phantom');
  if (channels !== 3 && channels !== 1) {
    throw new SslRuntimeError(DATA_CODES.badPhantom, `fundus phantom: ${channels} channels requested; it makes 3 (RGB) or 1 (green)`);
  }
  const [H, W] = [size[0]!, size[1]!];
  const rng = new Rng(seed);
  const tex = smoothField(rng.fork('tex'), [1, H, W], 9);
  const noise = normalTable(rng.fork('noise'));
  const u = rng.next();
  let grade = 0;
  for (let acc = 0; grade < 4; grade++) {
    acc += FUNDUS_GRADE_PRIOR[grade]!;
    if (u < acc) break;
  }
  const counts = sampleCounts(rng, grade);
  const S = Math.min(H, W) / 2; // pixels per normalised unit
  const cxp = W / 2;
  const cyp = H / 2;
  const R = rng.uniform(0.9, 0.97);
  const side = rng.next() < 0.5 ? 1 : -1; // left or right eye: which side the disc is on
  const discX = side * rng.uniform(0.33, 0.42);
  const discY = rng.uniform(-0.06, 0.06);
  const discR = rng.uniform(0.075, 0.095);
  const macX = -side * rng.uniform(0.02, 0.08);
  const macY = rng.uniform(-0.04, 0.04);
  const pigment = rng.uniform(0.8, 1.15);
  const base = [0.78 * pigment, 0.36 * pigment, 0.14 * pigment];
  const toPx = (x: number, y: number): [number, number] => [cxp + x * S, cyp + y * S];

  const cv: Canvas = { H, W, rgb: new Float32Array(H * W * 3) };
  // Background: fundus colour with vignetting, choroidal texture and a darker macula.
  for (let py = 0; py < H; py++) {
    for (let px = 0; px < W; px++) {
      const x = (px + 0.5 - cxp) / S;
      const y = (py + 0.5 - cyp) / S;
      const r2 = x * x + y * y;
      const i = (py * W + px) * 3;
      if (r2 >= R * R) continue;
      const vig = 1 - 0.45 * (r2 / (R * R));
      const mac = 1 - 0.35 * Math.exp(-((x - macX) ** 2 + (y - macY) ** 2) / 0.012);
      const t = 1 + 0.07 * tex[py * W + px]!;
      for (let k = 0; k < 3; k++) cv.rgb[i + k] = base[k]! * vig * mac * t;
    }
  }
  // Vessels: four arcades leave the disc and branch as they go (a random walk that splits).
  const vesselCol = [0.45, 0.08, 0.04];
  const fw = S / 64; // width unit: a 128-px image gets ~2 px main vessels
  const grow = (x: number, y: number, angle: number, width: number, depth: number, vr: Rng): void => {
    let len = 0;
    const stepLen = 0.03;
    const maxLen = 0.35 + 0.25 * vr.next();
    while (len < maxLen) {
      const nx = x + Math.cos(angle) * stepLen;
      const ny = y + Math.sin(angle) * stepLen;
      if (nx * nx + ny * ny > R * R) return;
      const [ax, ay] = toPx(x, y);
      const [bx, by] = toPx(nx, ny);
      stampSegment(cv, ax, ay, bx, by, width * fw, vesselCol, 0.75);
      x = nx;
      y = ny;
      len += stepLen;
      angle += vr.normal(0, 0.12);
    }
    if (depth > 0 && width > 0.6) {
      const split = vr.uniform(0.35, 0.7);
      grow(x, y, angle + split, width * 0.75, depth - 1, vr);
      grow(x, y, angle - split * vr.uniform(0.5, 1), width * 0.8, depth - 1, vr);
    }
  };
  const vr = rng.fork('vessels');
  // Temporal arcades head towards the macula side, nasal ones away from it.
  const towardMac = side > 0 ? Math.PI : 0;
  const awayMac = side > 0 ? 0 : Math.PI;
  grow(discX, discY - discR * 0.5, towardMac - side * 0.9, 2.2, 3, vr);
  grow(discX, discY + discR * 0.5, towardMac + side * 0.9, 2.2, 3, vr);
  grow(discX, discY - discR * 0.5, awayMac + side * 0.9, 1.6, 2, vr);
  grow(discX, discY + discR * 0.5, awayMac - side * 0.9, 1.6, 2, vr);
  // Optic disc with a brighter cup.
  const [dpx, dpy] = toPx(discX, discY);
  stampDisc(cv, dpx, dpy, discR * S, [0.95, 0.78, 0.45], 0.9, Math.max(1, discR * S * 0.25));
  stampDisc(cv, dpx, dpy, discR * S * 0.45, [1.0, 0.93, 0.7], 0.8, Math.max(1, discR * S * 0.15));
  // Lesions at random positions inside the fundus, away from the disc.
  const lr = rng.fork('lesions');
  const place = (maxR: number): [number, number] => {
    for (let k = 0; k < 50; k++) {
      const a = lr.uniform(0, 2 * Math.PI);
      const rr = maxR * Math.sqrt(lr.next());
      const x = rr * Math.cos(a);
      const y = rr * Math.sin(a);
      if (Math.hypot(x - discX, y - discY) > discR * 1.5) return [x, y];
    }
    return [macX, macY + 0.2];
  };
  for (let i = 0; i < counts.exudates; i++) {
    const [x, y] = place(0.6);
    const [px, py] = toPx(x, y);
    const n = lr.intIn(1, 4);
    for (let j = 0; j < n; j++) stampDisc(cv, px + lr.normal(0, S * 0.02), py + lr.normal(0, S * 0.02), S * lr.uniform(0.008, 0.016), [0.98, 0.9, 0.45], 0.9, 0.7);
  }
  for (let i = 0; i < counts.cottonWool; i++) {
    const [x, y] = place(0.7);
    const [px, py] = toPx(x, y);
    stampDisc(cv, px, py, S * lr.uniform(0.03, 0.05), [0.93, 0.88, 0.78], 0.65, S * 0.02);
  }
  for (let i = 0; i < counts.haemorrhages; i++) {
    const [x, y] = place(0.8);
    const [px, py] = toPx(x, y);
    const rr = S * lr.uniform(0.015, 0.035);
    stampDisc(cv, px, py, rr, [0.35, 0.04, 0.02], 0.85, Math.max(0.7, rr * 0.3));
  }
  for (let i = 0; i < counts.microaneurysms; i++) {
    const [x, y] = place(0.75);
    const [px, py] = toPx(x, y);
    stampDisc(cv, px, py, Math.max(0.7, S * 0.008), [0.4, 0.03, 0.02], 0.95, 0.5);
  }
  if (counts.neovascularisation) {
    // A tuft of fine, tortuous new vessels on and around the disc.
    for (let k = 0; k < 14; k++) {
      let x = discX + lr.normal(0, discR * 0.6);
      let y = discY + lr.normal(0, discR * 0.6);
      let ang = lr.uniform(0, 2 * Math.PI);
      for (let s = 0; s < 6; s++) {
        const nx = x + Math.cos(ang) * 0.018;
        const ny = y + Math.sin(ang) * 0.018;
        const [ax, ay] = toPx(x, y);
        const [bx, by] = toPx(nx, ny);
        stampSegment(cv, ax, ay, bx, by, Math.max(0.6, fw * 0.7), [0.55, 0.05, 0.05], 0.85);
        x = nx;
        y = ny;
        ang += lr.normal(0, 0.9);
      }
    }
  }
  // Sensor noise, then clip to [0,1] and re-apply the black surround.
  const out = new Float32Array(H * W * channels);
  const noiseSd = rng.uniform(0.01, 0.025);
  for (let py = 0; py < H; py++) {
    for (let px = 0; px < W; px++) {
      const x = (px + 0.5 - cxp) / S;
      const y = (py + 0.5 - cyp) / S;
      const inside = x * x + y * y < R * R;
      const i = py * W + px;
      const k = rng.nextU32();
      if (channels === 3) {
        for (let c = 0; c < 3; c++) {
          const v = inside ? cv.rgb[i * 3 + c]! + noiseSd * noise[(k + c * 2731) & 8191]! : 0;
          out[i * 3 + c] = Math.min(1, Math.max(0, v));
        }
      } else {
        const v = inside ? cv.rgb[i * 3 + 1]! + noiseSd * noise[k & 8191]! : 0;
        out[i] = Math.min(1, Math.max(0, v));
      }
    }
  }
  return {
    shape: [H, W],
    channels,
    image: out,
    mask: null,
    spacing: [1, 1],
    grade: fundusGrade(counts),
    channelNames: channels === 3 ? ['r', 'g', 'b'] : ['g'],
    lesion: grade > 0,
    counts,
  };
}

// ───────────────────────── dataset-level ─────────────────────────

export type PhantomSource =
  | { kind: 'phantom3d'; anatomy: 'brain' | 'pancreas'; cases: number; channels: number; size: Vec3 | number[]; labelled: boolean; tumourRate?: number }
  | { kind: 'phantom2d'; cases: number; channels: number; size: Vec2 | number[]; labelled: boolean };

/** Case ids of a phantom dataset: `phantom-0000`, `phantom-0001`, … (sorted order = index order). */
export function phantomCaseId(i: number): string {
  return `phantom-${String(i).padStart(4, '0')}`;
}

/**
 * Case `index` of a phantom dataset seeded with `seed` (raw intensities, before preprocessing).
 * A case has a tumour with probability `tumourRate` (the compiler always sets it: unlabelled brain
 * corpora 1 %, labelled brain sets 100 %, pancreas 80 %). Without a rate (graphs from before the
 * parameter existed) the old behaviour holds: unlabelled brain 35 %, labelled brain always.
 */
export function phantomCase(source: PhantomSource, seed: number, index: number): Case {
  const caseSeed = deriveSeed(seed, 'case', index);
  let v: PhantomVolume;
  if (source.kind === 'phantom2d') {
    v = fundusPhantom(caseSeed, source.size, source.channels);
    if (!source.labelled) v = { ...v, grade: null };
  } else if (source.anatomy === 'brain') {
    const rate = source.tumourRate;
    const tumour = rate === undefined ? (source.labelled ? true : 'random') : rate >= 1 ? true : rate <= 0 ? false : 'random';
    v = brainPhantom(caseSeed, source.size, source.channels, { tumour, tumourProbability: rate, labelled: source.labelled });
  } else {
    if (source.channels !== 1) {
      throw new SslRuntimeError(DATA_CODES.badPhantom, `pancreas phantom: ${source.channels} channels requested; CT has 1`);
    }
    v = pancreasPhantom(caseSeed, source.size, { tumour: 'random', tumourProbability: source.tumourRate, labelled: source.labelled });
  }
  return { id: phantomCaseId(index), shape: v.shape, channels: v.channels, image: v.image, mask: v.mask, grade: v.grade, spacing: v.spacing };
}

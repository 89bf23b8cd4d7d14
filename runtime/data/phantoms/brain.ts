// Brain MRI phantom (BraTS-like): anatomy, contrasts t1/t1ce/t2/flair, nested tumour sub-regions.
import type { Vec3 } from '../../../core/graph.js';
import { SslRuntimeError } from '../../contract.js';
import { Rng } from '../../../core/rng.js';
import { DATA_CODES } from '../../../core/codes/data.js';
import { smoothField, shape3, normalTable, checkSize, type PhantomVolume } from './common.js';

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

// Brain MRI phantom (BraTS-like): anatomy, contrasts t1/t1ce/t2/flair, nested tumour sub-regions.
import type { Vec3 } from '../../../core/graph.js';
import { SslRuntimeError } from '../../contract.js';
import { Rng } from '../../../core/rng.js';
import { smoothField, shape3, normalTable, checkSize, type PhantomVolume } from './common.js';
import { msg } from '../../../core/codes/index.js';

export const BRAIN_CHANNELS: Record<number, readonly BrainContrast[]> = {
  1: ['t1'],
  2: ['t1', 'flair'],
  3: ['t1', 't2', 'flair'],
  4: ['t1', 't1ce', 't2', 'flair'],
};

export type BrainContrast = 't1' | 't1ce' | 't2' | 'flair';

// Tissue classes used inside the generator (tumour classes last: `healthy` is t < T_OEDEMA).
const T_BG = 0;
const T_CSF = 1;
const T_GM = 2;
const T_WM = 3;
const T_OEDEMA = 4;
const T_NECROSIS = 5;
const T_ENHANCING = 6;

// Mean intensity of each tissue in each contrast (roughly the relative appearance on clinical
// MRI: CSF dark on T1/FLAIR and bright on T2; WM brighter than GM on T1, darker on T2/FLAIR; the
// enhancing rim bright on T1ce only; necrosis dark on T1/T1ce, bright on T2). The oedema column is
// the value of fully developed oedema; a case's oedema is a blend between the tissue it infiltrates
// and this value (BRAIN_VARIATION.oedemaStrength, fading towards its outer border), so its faint
// border overlaps grey matter on FLAIR and is told apart only with T1/T2 (see docs/data.md).
const CONTRAST: Record<BrainContrast, number[]> = {
  //      bg  csf   gm    wm    oed   necr  enh
  t1: [0, 0.18, 0.55, 0.78, 0.46, 0.25, 0.5],
  t1ce: [0, 0.2, 0.57, 0.8, 0.48, 0.28, 0.98],
  t2: [0, 1.0, 0.68, 0.5, 0.88, 0.93, 0.7],
  flair: [0, 0.1, 0.62, 0.5, 0.93, 0.45, 0.76],
};

/**
 * Inter-case variation of the brain phantom (generator 2), each drawn per case from the seed.
 * Ranges are [lo, hi] (uniform) unless said otherwise; lengths are in units of the half field of
 * view. docs/data.md lists them with their reasons; test/runtime/data/phantoms.test.ts checks them.
 */
export const BRAIN_VARIATION = {
  /** Brain size: the half-axes (R-L 0.70, A-P 0.86, S-I 0.66) are multiplied by this. */
  scale: [0.86, 1.04] as const,
  /** Each half-axis is further stretched by up to ± this fraction (head shape). */
  aspect: 0.06,
  /** Centre offset per axis (head position in the field of view). */
  shift: 0.07,
  /** Head orientation: a rotation about each axis of up to ± this many degrees. */
  tiltDegrees: 12,
  /** Per-tissue, per-contrast multiplicative jitter (standard deviation; scanner/protocol). */
  contrastJitter: 0.06,
  /** Per-contrast intensity curve v ↦ v^γ (protocol/scanner non-linearity). */
  gamma: [0.9, 1.1] as const,
  /** Amplitude of the smooth multiplicative bias field. */
  bias: [0.04, 0.15] as const,
  /** Standard deviation of the Gaussian noise. */
  noise: [0.015, 0.04] as const,
  /** Amplitude of the low-frequency tissue texture. */
  texture: [0.03, 0.06] as const,
  /** How far the oedema's contrast departs from the infiltrated tissue (1 = the CONTRAST value). */
  oedemaStrength: [0.75, 1] as const,
  /** Fraction of that contrast lost from the tumour core to the oedema's outer border. */
  oedemaFade: 0.25,
} as const;

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
 * One brain MRI phantom of spatial size [D,H,W] with 1–4 channels (see BRAIN_CHANNELS), skull-
 * stripped as BraTS and UK Biobank distribute their images (zero outside the brain). A 64³
 * 4-channel case takes a few tens of ms.
 */
export function brainPhantom(seed: number, size: Vec3 | number[], channels: number, opts: BrainPhantomOptions): PhantomVolume {
  checkSize(size, 8, 'brain phantom');
  const names = BRAIN_CHANNELS[channels];
  if (!names) {
    throw new SslRuntimeError(msg('SSL125', 'brainChannels', { channels }));
  }
  const V = BRAIN_VARIATION;
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

  // Head geometry: normalised coordinates in [-1, 1] per axis (x = R, y = A, z = S), moved to the
  // brain's own frame (centre, tilt, half-axes) where the anatomy below is drawn.
  const scale = rng.uniform(V.scale[0], V.scale[1]);
  const bx = 0.7 * scale * (1 + rng.uniform(-V.aspect, V.aspect));
  const by = 0.86 * scale * (1 + rng.uniform(-V.aspect, V.aspect));
  const bz = 0.66 * scale * (1 + rng.uniform(-V.aspect, V.aspect));
  const cx = rng.uniform(-V.shift, V.shift);
  const cy = rng.uniform(-V.shift, V.shift);
  const cz = rng.uniform(-V.shift, V.shift);
  const R = tiltMatrix(
    (rng.uniform(-V.tiltDegrees, V.tiltDegrees) * Math.PI) / 180,
    (rng.uniform(-V.tiltDegrees, V.tiltDegrees) * Math.PI) / 180,
    (rng.uniform(-V.tiltDegrees, V.tiltDegrees) * Math.PI) / 180,
  );
  const deformAmp = rng.uniform(0.03, 0.06);
  const foldAmp = rng.uniform(0.05, 0.09);
  const wmLevel = rng.uniform(0.6, 0.68);
  const ventScale = rng.uniform(0.7, 1.5);
  const csfIn = 1 - rng.uniform(0.04, 0.07);

  // Tumour geometry (brain frame).
  const tumourP = opts.tumourProbability ?? 0.35;
  const hasTumour = opts.tumour === 'random' ? rng.next() < tumourP : opts.tumour;
  let px = 0, py = 0, pz = 0, re = 0, levelCore = 0, levelNec = 0, ax = 1, ay = 1, az = 1, strength = 1;
  if (hasTumour) {
    re = rng.uniform(0.24, 0.5);
    levelCore = rng.uniform(0.35, 0.65);
    levelNec = rng.next() < 0.15 ? 0 : levelCore * rng.uniform(0.45, 0.8);
    ax = rng.uniform(0.8, 1.25);
    ay = rng.uniform(0.8, 1.25);
    az = rng.uniform(0.8, 1.25);
    strength = rng.uniform(V.oedemaStrength[0], V.oedemaStrength[1]);
    // The core (with its worst-case stretch) must fit inside the cerebrum; oedema may touch the
    // cortex. The shape factor below is clamped to >= 0.6, so the core reaches at most levelCore·re/0.6.
    for (let tries = 0; ; tries++) {
      const coreReach = ((re * levelCore) / 0.6) * Math.max(ax, ay, az) + deformAmp * 2.5;
      const qx = rng.uniform(-0.65, 0.65);
      const qy = rng.uniform(-0.65, 0.65);
      const qz = rng.uniform(-0.2, 0.65);
      if (Math.hypot(qx, qy, qz) + coreReach < csfIn - 0.05 || tries > 400) {
        if (tries <= 400) [px, py, pz] = [qx, qy, qz];
        break;
      }
      if (tries % 20 === 19) re *= 0.95;
    }
  }

  // Per-case contrast (scanner/protocol variation): tissue means jittered, an intensity curve per
  // contrast, bias field, texture and noise levels.
  const contrast = names.map((n) => CONTRAST[n].map((v) => v * (1 + V.contrastJitter * rng.normal())));
  const gamma = names.map(() => rng.uniform(V.gamma[0], V.gamma[1]));
  const noiseSd = rng.uniform(V.noise[0], V.noise[1]);
  const biasAmp = rng.uniform(V.bias[0], V.bias[1]);
  const texAmp = rng.uniform(V.texture[0], V.texture[1]);

  // Pass 1: tissue class per voxel; for oedema also the tissue it replaced and its strength.
  const tissueOf = new Uint8Array(N);
  const baseOf = new Uint8Array(N);
  const oedemaOf = new Float32Array(N);
  let o = 0;
  for (let d = 0; d < D; d++) {
    const z = ((d + 0.5) / D) * 2 - 1 - cz;
    for (let h = 0; h < H; h++) {
      const y = ((h + 0.5) / H) * 2 - 1 - cy;
      for (let w = 0; w < W; w++, o++) {
        const x = ((w + 0.5) / W) * 2 - 1 - cx;
        const ex = (R[0]! * x + R[1]! * y + R[2]! * z) / bx;
        const ey = (R[3]! * x + R[4]! * y + R[5]! * z) / by;
        const ez = (R[6]! * x + R[7]! * y + R[8]! * z) / bz;
        const wob = deformAmp * deform[o]!;
        // Cerebrum: wider frontally than occipitally, flatter below than above.
        const fx = ex / (1 + 0.1 * ey);
        const fz = ez < 0 ? ez / 0.8 : ez;
        const r = Math.sqrt(fx * fx + ey * ey + fz * fz) + wob;
        let tissue = T_BG;
        if (r < 1) {
          if (r >= csfIn) tissue = T_CSF;
          else {
            // Grey/white boundary: lobes (low frequency) plus gyri (higher frequency).
            tissue = r < wmLevel + foldAmp * fold[o]! + 0.06 * gyri[o]! ? T_WM : T_GM;
            // Lateral ventricles: two ellipsoids beside the midline, frontal horns wider.
            const vx = (Math.abs(ex) - 0.1 * ventScale) / (0.07 * ventScale * (1 + 0.4 * Math.max(0, ey)));
            const vy = (ey - 0.05) / (0.32 * Math.sqrt(ventScale));
            const vz = (ez - 0.1) / (0.12 * ventScale);
            if (vx * vx + vy * vy + vz * vz < 1) tissue = T_CSF;
            // Interhemispheric fissure above the corpus callosum.
            if (Math.abs(ex) < 0.035 && ez > 0.25 && r > 0.45) tissue = T_CSF;
          }
        } else {
          // Cerebellum (posterior, inferior; foliated) and brainstem: orientation cues that are
          // anatomy, not landmarks outside the brain.
          const kx = ex / 0.46;
          const ky = (ey + 0.58) / 0.3;
          const kz = (ez + 0.62) / 0.26;
          const rc = Math.sqrt(kx * kx + ky * ky + kz * kz) + wob;
          if (rc < 1) tissue = rc > 0.9 ? T_CSF : rc < 0.45 + 0.12 * gyri[o]! ? T_WM : T_GM;
          else {
            const sx = ex / 0.12;
            const sy = (ey + 0.18) / 0.14;
            if (ez < -0.5 && ez > -1.15 && sx * sx + sy * sy < 1) tissue = T_WM;
          }
        }
        if (hasTumour && tissue !== T_BG && r < csfIn) {
          const dx = (ex - px) / ax;
          const dy = (ey - py) / ay;
          const dz = (ez - pz) / az;
          const s = (Math.sqrt(dx * dx + dy * dy + dz * dz) * Math.max(0.6, 1 + 0.3 * tumourField[o]!)) / re;
          if (s < 1) {
            baseOf[o] = tissue === T_CSF ? T_WM : tissue;
            oedemaOf[o] = strength * (1 - V.oedemaFade * Math.max(0, (s - levelCore) / (1 - levelCore)));
            tissue = s < levelNec ? T_NECROSIS : s < levelCore ? T_ENHANCING : T_OEDEMA;
          }
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
  // Pass 2: intensities (zero outside the brain: skull-stripped).
  const image = new Float32Array(N * channels);
  const mask = opts.labelled ? new Uint8Array(N) : null;
  const C = channels;
  for (o = 0; o < N; o++) {
    const tissue = tissueOf[o]!;
    if (tissue === T_BG) continue;
    const tumour = tissue >= T_OEDEMA;
    if (mask && tumour) mask[o] = tissue === T_NECROSIS ? 1 : tissue === T_ENHANCING ? 4 : 2;
    const base = o * C;
    const gain = 1 + biasAmp * bias[o]!;
    const tex = texAmp * texture[o]! + (tumour ? 0.04 * tumourField[o]! : 0);
    const k = rng.nextU32();
    for (let c = 0; c < C; c++) {
      const table = contrast[c]!;
      let mean = table[tissue]!;
      if (tissue === T_OEDEMA) {
        const b = table[baseOf[o]!]!;
        mean = b + oedemaOf[o]! * (mean - b);
      }
      const v = Math.max(0, (mean + tex) * gain);
      image[base + c] = Math.max(0, Math.pow(v, gamma[c]!) + noiseSd * noise[(k + c * 2731) & 8191]!);
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

/** Row-major 3×3 rotation R = Rz(c)·Ry(b)·Rx(a) (world → brain frame). */
function tiltMatrix(a: number, b: number, c: number): number[] {
  const [ca, sa, cb, sb, cc, sc] = [Math.cos(a), Math.sin(a), Math.cos(b), Math.sin(b), Math.cos(c), Math.sin(c)];
  return [
    cc * cb, cc * sb * sa - sc * ca, cc * sb * ca + sc * sa,
    sc * cb, sc * sb * sa + cc * ca, sc * sb * ca - cc * sa,
    -sb, cb * sa, cb * ca,
  ];
}

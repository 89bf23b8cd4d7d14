// Colour fundus photograph phantom (APTOS-like): vessels, optic disc and lesions that set a grade 0–4.
import type { Vec2 } from '../../../core/graph.js';
import { SslRuntimeError } from '../../contract.js';
import { Rng } from '../../../core/rng.js';
import { smoothField, normalTable, checkSize, type PhantomVolume } from './common.js';
import { msg } from '../../../core/codes/index.js';

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
    throw new SslRuntimeError(msg('SSL125', 'fundusChannels', { channels }));
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

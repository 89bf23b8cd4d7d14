// Builders for the QA scenarios: small real-data dataset trees (nifti glob, BraTS 2018, MSD
// Decathlon, nnU-Net raw, APTOS) made from the Colin27 and fundus fixtures in test/fixtures/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { readNifti, writeNifti, type Mat4 } from '../../runtime/data/nifti.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export interface QaCase {
  id: string;
  /** [t1, t1ce, t2, flair] on a size³ grid, uint8-range floats. */
  modalities: Float32Array[];
  /** Derived BraTS-like labels 0/1/2/4. */
  seg: Uint8Array;
  affine: Mat4;
  spacing: [number, number, number];
  size: number;
}

/** n cases of size³ cut from the Colin27 48³ crop at different offsets (and mirrored for odd i). */
export async function colinCases(n: number, size: number): Promise<QaCase[]> {
  const t1 = await readNifti(join(FIX, 'nifti', 'colin27_crop48_t1.nii.gz'));
  const mask = await readNifti(join(FIX, 'nifti', 'colin27_crop48_brainmask.nii.gz'));
  const brod = await readNifti(join(FIX, 'nifti', 'colin27_crop48_brodmann.nii.gz'));
  const [D, H, W] = t1.shape;
  const out: QaCase[] = [];
  for (let i = 0; i < n; i++) {
    const oz = (i * 5) % (D - size + 1);
    const oy = (i * 7 + 3) % (H - size + 1);
    const ox = (i * 3 + 1) % (W - size + 1);
    const N = size ** 3;
    const mods = [0, 1, 2, 3].map(() => new Float32Array(N));
    const seg = new Uint8Array(N);
    for (let z = 0; z < size; z++)
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) {
          const src = ((z + oz) * H + (y + oy)) * W + (x + ox);
          const dst = (z * size + y) * size + x;
          const v = t1.data[src]!;
          const inBrain = mask.data[src]! > 0;
          const b = brod.data[src]!;
          mods[0]![dst] = v;
          mods[1]![dst] = Math.min(255, v * 1.1 + (b > 0 && b % 3 === 0 ? 60 : 0));
          mods[2]![dst] = inBrain ? 255 - v : v * 0.3;
          mods[3]![dst] = inBrain ? (b > 0 ? 200 : 120) : v * 0.2;
          // BraTS-like nested labels from the Brodmann map: oedema 2 around, rim 4, core 1.
          seg[dst] = b > 0 ? (b % 3 === 0 ? 4 : b % 3 === 1 ? 1 : 2) : 0;
        }
    const A = t1.affine;
    const affine: Mat4 = A.map((row) => [row[0]!, row[1]!, row[2]!, row[0]! * ox + row[1]! * oy + row[2]! * oz + row[3]!]);
    out.push({ id: `case${String(i).padStart(3, '0')}`, modalities: mods, seg, affine, spacing: t1.spacing, size });
  }
  return out;
}

const vol = (c: QaCase, data: Float32Array | Uint8Array, channels = 1) => ({
  shape: [c.size, c.size, c.size], data, spacing: c.spacing, affine: c.affine, channels,
});

/** `<root>/img/<id>_t1.nii.gz`, `_flair.nii.gz`, `<root>/seg/<id>.nii.gz` for a plain nifti glob. */
export async function writeGlobLayout(root: string, cases: QaCase[]): Promise<void> {
  mkdirSync(join(root, 'img'), { recursive: true });
  mkdirSync(join(root, 'seg'), { recursive: true });
  for (const c of cases) {
    mkdirSync(join(root, 'img', c.id), { recursive: true });
    await writeNifti(join(root, 'img', c.id, 'T1.nii.gz'), vol(c, c.modalities[0]!));
    await writeNifti(join(root, 'img', c.id, 'FLAIR.nii.gz'), vol(c, c.modalities[3]!));
    await writeNifti(join(root, 'seg', `${c.id}.nii.gz`), vol(c, brainOnly(c.seg)));
  }
}
const brainOnly = (seg: Uint8Array) => seg.map((v) => (v > 0 ? 1 : 0));

export async function writeBratsLayout(root: string, cases: QaCase[]): Promise<void> {
  const mods = ['t1', 't1ce', 't2', 'flair'];
  for (const [k, c] of cases.entries()) {
    const id = `Brats18_QA_${c.id}`;
    const dir = join(root, k % 2 ? 'LGG' : 'HGG', id);
    mkdirSync(dir, { recursive: true });
    for (const [m, name] of mods.entries()) await writeNifti(join(dir, `${id}_${name}.nii.gz`), vol(c, c.modalities[m]!));
    await writeNifti(join(dir, `${id}_seg.nii.gz`), vol(c, c.seg));
  }
}

/** MSD layout: 4D images (t1, flair) in imagesTr, labels 0/1/2 in labelsTr, dataset.json. */
export async function writeDecathlonLayout(root: string, cases: QaCase[]): Promise<void> {
  mkdirSync(join(root, 'imagesTr'), { recursive: true });
  mkdirSync(join(root, 'labelsTr'), { recursive: true });
  const training: { image: string; label: string }[] = [];
  for (const c of cases) {
    const N = c.size ** 3;
    const data = new Float32Array(N * 2);
    for (let i = 0; i < N; i++) { data[2 * i] = c.modalities[0]![i]!; data[2 * i + 1] = c.modalities[3]![i]!; }
    const lab = c.seg.map((v) => (v === 0 ? 0 : v === 2 ? 1 : 2));
    await writeNifti(join(root, 'imagesTr', `qa_${c.id}.nii.gz`), vol(c, data, 2));
    await writeNifti(join(root, 'labelsTr', `qa_${c.id}.nii.gz`), vol(c, lab));
    training.push({ image: `./imagesTr/qa_${c.id}.nii.gz`, label: `./labelsTr/qa_${c.id}.nii.gz` });
  }
  writeFileSync(join(root, 'dataset.json'), JSON.stringify({
    name: 'QA', modality: { 0: 'T1', 1: 'FLAIR' }, labels: { 0: 'background', 1: 'oedema', 2: 'tumour' },
    numTraining: cases.length, training, test: [],
  }, null, 2));
}

export async function writeNnunetLayout(root: string, cases: QaCase[]): Promise<void> {
  mkdirSync(join(root, 'imagesTr'), { recursive: true });
  mkdirSync(join(root, 'labelsTr'), { recursive: true });
  for (const c of cases) {
    await writeNifti(join(root, 'imagesTr', `${c.id}_0000.nii.gz`), vol(c, c.modalities[0]!));
    await writeNifti(join(root, 'imagesTr', `${c.id}_0001.nii.gz`), vol(c, c.modalities[2]!));
    await writeNifti(join(root, 'labelsTr', `${c.id}.nii.gz`), vol(c, brainOnly(c.seg)));
  }
  writeFileSync(join(root, 'dataset.json'), JSON.stringify({
    channel_names: { 0: 'T1', 1: 'T2' }, labels: { background: 0, brain: 1 }, numTraining: cases.length, file_ending: '.nii.gz',
  }, null, 2));
}

/** APTOS-style folder: n crops/flips of the fundus fixture, CSV id_code,diagnosis (grade = i mod 5). */
export async function writeAptosLayout(root: string, n: number, size = 32): Promise<void> {
  mkdirSync(join(root, 'train_images'), { recursive: true });
  const src = join(FIX, 'fundus', 'retina128.jpg');
  const rows = ['id_code,diagnosis'];
  for (let i = 0; i < n; i++) {
    const id = `img${i.toString(16).padStart(4, '0')}`;
    let img = sharp(src).extract({ left: (i * 7) % 32, top: (i * 11) % 32, width: 96, height: 96 });
    if (i % 2) img = img.flop();
    if (i % 3 === 0) img = img.flip();
    await img.resize(size, size).png().toFile(join(root, 'train_images', `${id}.png`));
    rows.push(`${id},${i % 5}`);
  }
  writeFileSync(join(root, 'train.csv'), rows.join('\n') + '\n');
}

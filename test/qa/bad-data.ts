// Builds a folder of broken datasets (one sub-folder each) and an experiment that uses all of them.
import { mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeNifti, type Mat4 } from '../../runtime/data/nifti.js';
import { colinCases, writeBratsLayout, writeAptosLayout } from './layouts.js';

export interface BadCase {
  name: string;
  /** The dataset declaration (without the name). */
  decl: string;
  /** Code the error must carry. */
  code: string;
  /** A file or folder name that the message must name. */
  names: string;
}

export async function writeBadData(root: string): Promise<BadCase[]> {
  const cases = await colinCases(3, 16);
  const c0 = cases[0]!;
  const vol = (data: Float32Array | Uint8Array, shape = [16, 16, 16], affine: Mat4 = c0.affine) => ({ shape, data, spacing: c0.spacing, affine });
  const out: BadCase[] = [];
  const mk = (d: string) => mkdirSync(join(root, d), { recursive: true });

  // 1. a truncated .nii.gz
  mk('trunc');
  await writeNifti(join(root, 'trunc', 'a.nii.gz'), vol(c0.modalities[0]!));
  await writeNifti(join(root, 'trunc', 'b.nii.gz'), vol(cases[1]!.modalities[0]!));
  const full = readFileSync(join(root, 'trunc', 'b.nii.gz'));
  writeFileSync(join(root, 'trunc', 'b.nii.gz'), full.subarray(0, Math.floor(full.length / 2)));
  out.push({ name: 'trunc', decl: 'nifti { images = "trunc/*.nii.gz" }', code: 'SSL101', names: 'b.nii.gz' });

  // 2. a header that lies about its dimensions (dim[1] = 64, the file holds 16)
  mk('lie');
  await writeNifti(join(root, 'lie', 'a.nii.gz'), vol(c0.modalities[0]!));
  await writeNifti(join(root, 'lie', 'b.nii'), vol(cases[1]!.modalities[0]!));
  const raw = Buffer.from(readFileSync(join(root, 'lie', 'b.nii')));
  raw.writeInt16LE(64, 42);
  writeFileSync(join(root, 'lie', 'b.nii'), raw);
  out.push({ name: 'lie', decl: 'nifti { images = "lie/*.nii*" }', code: 'SSL104', names: 'b.nii' });

  // 3. NaN voxels
  mk('nan');
  await writeNifti(join(root, 'nan', 'a.nii.gz'), vol(c0.modalities[0]!));
  const withNan = Float32Array.from(cases[1]!.modalities[0]!);
  withNan[100] = NaN;
  await writeNifti(join(root, 'nan', 'b.nii.gz'), vol(withNan));
  out.push({ name: 'nan', decl: 'nifti { images = "nan/*.nii.gz" }', code: 'SSL105', names: 'b.nii.gz' });

  // 4. BraTS case without its flair
  await writeBratsLayout(join(root, 'brats'), cases);
  const { rmSync } = await import('node:fs');
  rmSync(join(root, 'brats', 'LGG', 'Brats18_QA_case001', 'Brats18_QA_case001_flair.nii.gz'));
  out.push({ name: 'missing', decl: 'brats { root = "brats" }', code: 'SSL111', names: 'Brats18_QA_case001_flair.nii.gz' });

  // 5. image/label shape mismatch
  mk('shape/img'); mk('shape/seg');
  for (const c of cases.slice(0, 2)) {
    await writeNifti(join(root, 'shape', 'img', `${c.id}.nii.gz`), vol(c.modalities[0]!, [16, 16, 16], c.affine));
  }
  await writeNifti(join(root, 'shape', 'seg', `${cases[0]!.id}.nii.gz`), vol(c0.seg.map((v) => (v ? 1 : 0)), [16, 16, 16]));
  await writeNifti(join(root, 'shape', 'seg', `${cases[1]!.id}.nii.gz`), vol(new Uint8Array(16 * 16 * 8), [8, 16, 16], cases[1]!.affine));
  out.push({ name: 'shape', decl: 'nifti { images = "shape/img/*.nii.gz", labels = "shape/seg/*.nii.gz", classes = [0, 1] }', code: 'SSL113', names: 'case001' });

  // 6. an empty folder
  mk('empty');
  out.push({ name: 'empty', decl: 'brats { root = "empty" }', code: 'SSL110', names: 'empty' });

  // 7. a CSV with a bad grade
  await writeAptosLayout(join(root, 'aptos'), 4, 16);
  const csv = readFileSync(join(root, 'aptos', 'train.csv'), 'utf8').split('\n');
  csv[3] = csv[3]!.replace(/,\d$/, ',7');
  writeFileSync(join(root, 'aptos', 'train.csv'), csv.join('\n'));
  out.push({ name: 'grade', decl: 'images { root = "aptos/train_images", csv = "aptos/train.csv", preprocess { resize = 16x16 } }', code: 'SSL116', names: 'train.csv:4' });

  // 8. a glob that matches nothing
  out.push({ name: 'noglob', decl: 'nifti { images = "nowhere/*.nii.gz" }', code: 'SSL110', names: 'nowhere/*.nii.gz' });

  // 9. a gzip file that is not NIfTI at all
  mk('notnifti');
  copyFileSync(join(root, 'trunc', 'a.nii.gz'), join(root, 'notnifti', 'a.nii.gz'));
  writeFileSync(join(root, 'notnifti', 'b.nii.gz'), (await import('node:zlib')).gzipSync(Buffer.from('hello, this is not a NIfTI file at all'.repeat(20))));
  out.push({ name: 'notnifti', decl: 'nifti { images = "notnifti/*.nii.gz" }', code: 'SSL10', names: 'b.nii.gz' });
  void gunzipSync;
  return out;
}

/** One experiment with a tiny rotation pretext per broken dataset, so `run` touches every one. */
export function badExperiment(bad: BadCase[]): string {
  const lines = ['experiment qa_bad { seed = 1 }', 'encoder tiny = unet3d { preset = small, levels = 2 }', 'encoder tiny2 = unet2d { preset = small, levels = 2 }'];
  for (const b of bad) {
    const is2d = b.decl.startsWith('images');
    const decl = b.decl.includes('preprocess') ? b.decl : b.decl.replace(/ }$/, `, preprocess { resize = 16x16x16 } }`);
    lines.push(`dataset ${b.name} = ${decl}`);
    lines.push(`pretext p_${b.name} = rotation { data = ${b.name}, encoder = ${is2d ? 'tiny2' : 'tiny'}, head-hidden = 8, train { epochs = 1, batch = 2, steps = 1 } }`);
  }
  return lines.join('\n') + '\n';
}

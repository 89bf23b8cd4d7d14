import { copyFileSync, mkdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource, DatasetSpec } from '../../../core/graph.js';
import { loadDataset } from '../../../runtime/data/dataset.js';
import { readDatasetArtifact, writeDatasetArtifact } from '../../../runtime/data/artifact.js';
import { encodeNifti, readNifti } from '../../../runtime/data/nifti.js';
import { verifyDataset } from '../../../runtime/data/verify.js';
import { makeSpec, tempDir } from './helpers.js';

const FIX = join(import.meta.dirname, '../../fixtures');
const T1 = join(FIX, 'nifti/colin27_crop48_t1.nii.gz');
const MASK = join(FIX, 'nifti/colin27_crop48_brainmask.nii.gz');
const BRODMANN = join(FIX, 'nifti/colin27_crop48_brodmann.nii.gz');
const ITK_T1 = join(FIX, 'nifti/itk_t1_crop.nii.gz');
const ITK_LAB = join(FIX, 'nifti/itk_tissue_crop.nii.gz');

const tmp = tempDir();
const cacheDir = join(tmp.dir, 'cache');
afterAll(() => tmp.cleanup());

/** A labelled 4-channel BraTS tree: channels are transformed copies of the Colin crop. */
let bratsRoot = '';
const brainLabels = new Uint8Array(48 ** 3);

async function writeCase(dir: string, id: string, variant: number): Promise<void> {
  const t1 = await readNifti(T1);
  const mask = await readNifti(MASK);
  mkdirSync(dir, { recursive: true });
  const mods = ['t1', 't1ce', 't2', 'flair'];
  mods.forEach((m, k) => {
    const data = new Int16Array(t1.data.length);
    for (let i = 0; i < data.length; i++) data[i] = k === 2 ? 255 - t1.data[i]! : Math.round(t1.data[i]! * (1 + 0.1 * k)) + variant;
    writeFileSync(join(dir, `${id}_${m}.nii.gz`), encodeNifti({ shape: t1.shape, data, spacing: t1.spacing, affine: t1.affine }));
  });
  // Labels: brain mask → 2 (oedema-like), a core of bright voxels → 1 / 4.
  const seg = new Uint8Array(mask.data.length);
  for (let i = 0; i < seg.length; i++) seg[i] = mask.data[i]! > 0 ? (t1.data[i]! > 120 ? 4 : t1.data[i]! > 90 ? 1 : 2) : 0;
  brainLabels.set(seg);
  writeFileSync(join(dir, `${id}_seg.nii.gz`), encodeNifti({ shape: mask.shape, data: seg, spacing: mask.spacing, affine: mask.affine }));
}

beforeAll(async () => {
  bratsRoot = join(tmp.dir, 'brats');
  await writeCase(join(bratsRoot, 'HGG', 'Brats18_A_1'), 'Brats18_A_1', 0);
  await writeCase(join(bratsRoot, 'HGG', 'Brats18_A_2'), 'Brats18_A_2', 5);
  await writeCase(join(bratsRoot, 'LGG', 'Brats18_B_1'), 'Brats18_B_1', 9);
});

const bratsSpec = (over: Partial<DatasetSpec> = {}): DatasetSpec =>
  makeSpec({ kind: 'brats', root: 'brats', modalities: ['t1', 't1ce', 't2', 'flair'] }, { channels: 4, ...over });

async function expectError(p: Promise<unknown>, code: string, fileSubstr: string): Promise<void> {
  await expect(p).rejects.toMatchObject({ code, name: 'SslRuntimeError' });
  await p.catch((e: Error & { file: string | null }) => {
    expect(e.message).toContain(fileSubstr);
    expect(e.file ?? '').toContain(fileSubstr);
  });
}

describe('BraTS layout', () => {
  it('loads case folders (HGG/LGG) with 4 modalities and labels 0,1,2,4', async () => {
    const ds = await loadDataset(bratsSpec(), { baseDir: tmp.dir, cacheDir });
    expect(ds.cases.map((c) => c.id)).toEqual(['Brats18_A_1', 'Brats18_A_2', 'Brats18_B_1']);
    const c = ds.cases[0]!;
    expect(c.channels).toBe(4);
    expect(c.shape).toEqual([48, 48, 48]);
    expect(new Set(c.mask)).toEqual(new Set([0, 1, 2, 4]));
    // channel 2 is 255 - t1 (t2 in our fake tree)
    expect(c.image[0 * 4 + 2]! + c.image[0 * 4 + 0]!).toBe(255);
    // ≤ 3 cases: at least one case stays in train
    expect(ds.split.train.length).toBeGreaterThanOrEqual(1);
  });

  it('a missing modality names the case and the file', async () => {
    const dir = join(tmp.dir, 'brats-missing');
    await writeCase(join(dir, 'Brats18_C_1'), 'Brats18_C_1', 0);
    unlinkSync(join(dir, 'Brats18_C_1', 'Brats18_C_1_flair.nii.gz'));
    await expectError(loadDataset(bratsSpec({ source: { kind: 'brats', root: 'brats-missing', modalities: ['t1', 't1ce', 't2', 'flair'] } }), { baseDir: tmp.dir, cacheDir }), 'SSL111', 'Brats18_C_1_flair.nii.gz');
    unlinkSync(join(dir, 'Brats18_C_1', 'Brats18_C_1_seg.nii.gz'));
    await expectError(loadDataset(bratsSpec({ source: { kind: 'brats', root: 'brats-missing', modalities: ['t1', 't1ce'] }, channels: 2 }), { baseDir: tmp.dir, cacheDir }), 'SSL112', 'Brats18_C_1_seg.nii.gz');
  });

  it('an empty folder is an error naming it', async () => {
    mkdirSync(join(tmp.dir, 'empty'), { recursive: true });
    await expectError(loadDataset(bratsSpec({ source: { kind: 'brats', root: 'empty', modalities: ['t1'] }, channels: 1 }), { baseDir: tmp.dir, cacheDir }), 'SSL110', 'empty');
  });

  it('label values outside the declared classes → SSL116', async () => {
    await expectError(loadDataset(bratsSpec({ labels: { kind: 'segmentation', classes: [0, 1, 2] } }), { baseDir: tmp.dir, cacheDir }), 'SSL116', '_seg.nii.gz');
  });
});

describe('nifti glob layout', () => {
  it('pairs channel and label globs by sorted order; reorients the LSA ITK data', async () => {
    const dir = join(tmp.dir, 'glob');
    mkdirSync(dir, { recursive: true });
    for (const id of ['s01', 's02']) {
      copyFileSync(ITK_T1, join(dir, `${id}_t1.nii.gz`));
      copyFileSync(ITK_LAB, join(dir, `${id}_tissue.nii.gz`));
    }
    const spec = makeSpec({ kind: 'nifti', images: ['glob/*_t1.nii.gz'], labels: 'glob/*_tissue.nii.gz' }, { labels: { kind: 'segmentation', classes: [4, 5, 6] } });
    const ds = await loadDataset(spec, { baseDir: tmp.dir, cacheDir });
    expect(ds.cases.map((c) => c.id)).toEqual(['s01_t1', 's02_t1']);
    expect(ds.cases[0]!.shape).toEqual([40, 20, 40]);
    expect(ds.cases[0]!.spacing).toEqual([2, 3, 2]);
    expect(new Set(ds.cases[0]!.mask)).toEqual(new Set([0, 4, 5, 6]));
    // the RAS affine travels with the case (cache and artifact), so predictions can be written back
    const itk = await readNifti(ITK_T1);
    expect(ds.cases[0]!.affine).toEqual(itk.affine);
    const again = await loadDataset(spec, { baseDir: tmp.dir, cacheDir });
    expect(again.cases[1]!.affine).toEqual(itk.affine);
    const art = join(tmp.dir, 'glob-artifact');
    mkdirSync(art);
    await writeDatasetArtifact(art, again);
    expect((await readDatasetArtifact(art)).cases[1]!.affine).toEqual(itk.affine);
  });

  it('no match, unpaired labels, and a shape mismatch are located errors', async () => {
    await expectError(loadDataset(makeSpec({ kind: 'nifti', images: ['nowhere/*.nii.gz'], labels: null }), { baseDir: tmp.dir, cacheDir }), 'SSL110', 'nowhere/*.nii.gz');
    const dir = join(tmp.dir, 'glob2');
    mkdirSync(dir, { recursive: true });
    copyFileSync(T1, join(dir, 'a_img.nii.gz'));
    copyFileSync(T1, join(dir, 'b_img.nii.gz'));
    copyFileSync(MASK, join(dir, 'a_lab.nii.gz'));
    await expectError(loadDataset(makeSpec({ kind: 'nifti', images: ['glob2/*_img.nii.gz'], labels: 'glob2/*_lab.nii.gz' }, { labels: { kind: 'segmentation', classes: [1] } }), { baseDir: tmp.dir, cacheDir }), 'SSL112', 'b_img.nii.gz');
    copyFileSync(ITK_LAB, join(dir, 'b_lab.nii.gz'));
    await expectError(loadDataset(makeSpec({ kind: 'nifti', images: ['glob2/*_img.nii.gz'], labels: 'glob2/*_lab.nii.gz' }, { labels: { kind: 'segmentation', classes: [1, 4, 5, 6] } }), { baseDir: tmp.dir, cacheDir }), 'SSL113', 'b_lab.nii.gz');
  });

  it('images and labels named by case: a label missing plus an unrelated extra one is SSL112, not a silent mispairing (s7)', async () => {
    const dir = join(tmp.dir, 'byname');
    mkdirSync(join(dir, 'img'), { recursive: true });
    mkdirSync(join(dir, 'lab'), { recursive: true });
    for (const id of ['c1', 'c2', 'c3']) copyFileSync(T1, join(dir, 'img', `${id}.nii.gz`));
    for (const id of ['c1', 'c2', 'c9']) copyFileSync(MASK, join(dir, 'lab', `${id}.nii.gz`)); // c3's label missing, c9 extra
    const spec = makeSpec({ kind: 'nifti', images: ['byname/img/*.nii.gz'], labels: 'byname/lab/*.nii.gz' }, { labels: { kind: 'segmentation', classes: [1] } });
    await expectError(loadDataset(spec, { baseDir: tmp.dir, cacheDir }), 'SSL112', 'c9.nii.gz');
    await loadDataset(spec, { baseDir: tmp.dir, cacheDir }).catch((e: Error) => expect(e.message).toContain('named for case c9, not c3'));
    // a second channel likewise (SSL111); names that differ throughout (t1 / seg) are paired by order as before
    unlinkSync(join(dir, 'lab', 'c9.nii.gz'));
    copyFileSync(MASK, join(dir, 'lab', 'c3.nii.gz'));
    mkdirSync(join(dir, 'flair'));
    for (const id of ['c1', 'c2', 'c4']) copyFileSync(T1, join(dir, 'flair', `${id}.nii.gz`));
    await expectError(loadDataset(makeSpec({ kind: 'nifti', images: ['byname/img/*.nii.gz', 'byname/flair/*.nii.gz'], labels: null }, { labels: { kind: 'none' } }), { baseDir: tmp.dir, cacheDir }), 'SSL111', 'c4.nii.gz');
    expect((await loadDataset(spec, { baseDir: tmp.dir, cacheDir })).cases.map((c) => c.id)).toEqual(['c1', 'c2', 'c3']);
  });

  it('a file name that is not valid UTF-8 is SSL100 saying so, not ENOENT or an internal error (s7)', async () => {
    const dir = join(tmp.dir, 'latin1');
    mkdirSync(dir, { recursive: true });
    copyFileSync(T1, join(dir, 'ok.nii.gz'));
    copyFileSync(T1, Buffer.concat([Buffer.from(join(dir, 'caf')), Buffer.from([0xe9]), Buffer.from('.nii.gz')]));
    const load = loadDataset(makeSpec({ kind: 'nifti', images: ['latin1/*.nii.gz'], labels: null }, { labels: { kind: 'none' } }), { baseDir: tmp.dir, cacheDir });
    await expectError(load, 'SSL100', 'caf\ufffd.nii.gz');
    await load.catch((e: Error) => expect(e.message).toContain('is not valid UTF-8'));
  });

  it('a pattern that starts in /proc, /sys or /dev (directly or through a link) is refused at once', async () => {
    symlinkSync('/proc', join(tmp.dir, 'procs'));
    const started = Date.now();
    for (const pattern of ['/proc/**/*.nii.gz', 'procs/*/root/**/*.nii.gz', '/sys/**/x.nii', '/dev/*']) {
      const load = loadDataset(makeSpec({ kind: 'nifti', images: [pattern], labels: null }, { labels: { kind: 'none' } }), { baseDir: tmp.dir, cacheDir });
      await expectError(load, 'SSL110', pattern);
      await load.catch((e: Error) => expect(e.message).toContain('a system folder that holds no images'));
    }
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('names cases by subject folder when every file has the same name', async () => {
    for (const sub of ['sub-01', 'sub-02']) {
      mkdirSync(join(tmp.dir, 'ukb', sub), { recursive: true });
      copyFileSync(T1, join(tmp.dir, 'ukb', sub, 'T1.nii.gz'));
      copyFileSync(T1, join(tmp.dir, 'ukb', sub, 'FLAIR.nii.gz'));
    }
    const spec = makeSpec({ kind: 'nifti', images: ['ukb/*/T1.nii.gz', 'ukb/*/FLAIR.nii.gz'], labels: null }, { channels: 2, labels: { kind: 'none' } });
    const ds = await loadDataset(spec, { baseDir: tmp.dir, cacheDir });
    expect(ds.cases.map((c) => c.id)).toEqual(['sub-01', 'sub-02']);
    expect(ds.cases[0]!.channels).toBe(2);
  });

  it('single-slice NIfTI files form a 2D dataset', async () => {
    mkdirSync(join(tmp.dir, 'slices'), { recursive: true });
    for (const id of ['s1', 's2']) {
      writeFileSync(join(tmp.dir, 'slices', `${id}.nii.gz`), encodeNifti({ shape: [1, 8, 6], data: new Float32Array(48).map((_, i) => i), spacing: [3, 0.5, 0.5] }));
    }
    const spec = makeSpec({ kind: 'nifti', images: ['slices/*.nii.gz'], labels: null }, { dim: 2, channels: 1, labels: { kind: 'none' } });
    const ds = await loadDataset(spec, { baseDir: tmp.dir, cacheDir });
    expect(ds.cases[0]!.shape).toEqual([8, 6]);
    expect(ds.cases[0]!.spacing).toEqual([0.5, 0.5]);
  });

  it('a spacing mismatch → SSL114', async () => {
    const dir = join(tmp.dir, 'glob3');
    mkdirSync(dir, { recursive: true });
    const t1 = await readNifti(T1);
    writeFileSync(join(dir, 'a_img.nii.gz'), encodeNifti({ shape: t1.shape, data: t1.data, spacing: [1, 1, 1] }));
    writeFileSync(join(dir, 'a_lab.nii.gz'), encodeNifti({ shape: t1.shape, data: new Uint8Array(t1.data.length), spacing: [1, 1, 1.5] }));
    await expectError(loadDataset(makeSpec({ kind: 'nifti', images: ['glob3/*_img.nii.gz'], labels: 'glob3/*_lab.nii.gz' }), { baseDir: tmp.dir, cacheDir }), 'SSL114', 'a_lab.nii.gz');
    // same shape and spacing, but the label sits 20 mm away: a different field of view
    const moved = [[1, 0, 0, 20], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
    writeFileSync(join(dir, 'a_lab.nii.gz'), encodeNifti({ shape: t1.shape, data: new Uint8Array(t1.data.length), spacing: [1, 1, 1], affine: moved }));
    await expectError(loadDataset(makeSpec({ kind: 'nifti', images: ['glob3/*_img.nii.gz'], labels: 'glob3/*_lab.nii.gz' }), { baseDir: tmp.dir, cacheDir }), 'SSL114', 'a_lab.nii.gz');
    await loadDataset(makeSpec({ kind: 'nifti', images: ['glob3/*_img.nii.gz'], labels: 'glob3/*_lab.nii.gz' }), { baseDir: tmp.dir, cacheDir }).catch((e: Error) => expect(e.message).toMatch(/20\.0 mm/));
  });
});

describe('Decathlon layout', () => {
  it('reads dataset.json, 4D images as channels, labelsTr', async () => {
    const root = join(tmp.dir, 'Task07_Pancreas');
    mkdirSync(join(root, 'imagesTr'), { recursive: true });
    mkdirSync(join(root, 'labelsTr'), { recursive: true });
    const t1 = await readNifti(T1);
    const training: Array<{ image: string; label: string }> = [];
    for (const id of ['pancreas_001', 'pancreas_004']) {
      const two = new Float32Array(t1.data.length * 2);
      for (let i = 0; i < t1.data.length; i++) {
        two[i * 2] = t1.data[i]! - 1000;
        two[i * 2 + 1] = t1.data[i]!;
      }
      writeFileSync(join(root, 'imagesTr', `${id}.nii.gz`), encodeNifti({ shape: t1.shape, channels: 2, data: two, spacing: t1.spacing, affine: t1.affine }));
      copyFileSync(MASK, join(root, 'labelsTr', `${id}.nii.gz`));
      training.push({ image: `./imagesTr/${id}.nii.gz`, label: `./labelsTr/${id}.nii.gz` });
    }
    writeFileSync(join(root, 'imagesTr', '._pancreas_001.nii.gz'), 'macOS resource fork junk');
    writeFileSync(join(root, 'dataset.json'), JSON.stringify({ name: 'Pancreas', modality: { '0': 'CT' }, labels: { '0': 'background', '1': 'pancreas' }, training }));
    const spec = makeSpec({ kind: 'decathlon', root: 'Task07_Pancreas', imagesDir: 'imagesTr', labelsDir: 'labelsTr' }, { channels: 2, labels: { kind: 'segmentation', classes: [1, 2] } });
    const ds = await loadDataset(spec, { baseDir: tmp.dir, cacheDir });
    expect(ds.cases.map((c) => c.id)).toEqual(['pancreas_001', 'pancreas_004']);
    expect(ds.cases[0]!.channels).toBe(2);
    expect(ds.cases[0]!.image[0]! + 1000).toBe(ds.cases[0]!.image[1]);
    // imagesTs (no labels) is listed, not taken from dataset.json's training list
    mkdirSync(join(root, 'imagesTs'), { recursive: true });
    copyFileSync(join(root, 'imagesTr', 'pancreas_001.nii.gz'), join(root, 'imagesTs', 'pancreas_900.nii.gz'));
    const ts = await loadDataset(
      makeSpec({ kind: 'decathlon', root: 'Task07_Pancreas', imagesDir: 'imagesTs', labelsDir: null }, { channels: 2, labels: { kind: 'none' } }),
      { baseDir: tmp.dir, cacheDir },
    );
    expect(ts.cases.map((c) => [c.id, c.mask])).toEqual([['pancreas_900', null]]);
    // A broken dataset.json and a missing label are located errors.
    writeFileSync(join(root, 'dataset.json'), '{ "training": [ oops');
    await expectError(loadDataset(spec, { baseDir: tmp.dir, cacheDir }), 'SSL117', 'dataset.json');
    rmSync(join(root, 'dataset.json'));
    unlinkSync(join(root, 'labelsTr', 'pancreas_004.nii.gz'));
    await expectError(loadDataset(spec, { baseDir: tmp.dir, cacheDir }), 'SSL112', 'pancreas_004.nii.gz');
  });
});

describe('nnU-Net raw layout', () => {
  it('reads _0000… channel suffixes and labelsTr; a missing channel is named', async () => {
    const root = join(tmp.dir, 'Dataset001_Brain');
    mkdirSync(join(root, 'imagesTr'), { recursive: true });
    mkdirSync(join(root, 'labelsTr'), { recursive: true });
    for (const id of ['brain_000', 'brain_001', 'brain_002', 'brain_003']) {
      copyFileSync(T1, join(root, 'imagesTr', `${id}_0000.nii.gz`));
      copyFileSync(T1, join(root, 'imagesTr', `${id}_0001.nii.gz`));
      copyFileSync(BRODMANN, join(root, 'labelsTr', `${id}.nii.gz`));
    }
    writeFileSync(join(root, 'dataset.json'), JSON.stringify({ channel_names: { '0': 'T1', '1': 'T1b' }, labels: { background: 0 }, numTraining: 4, file_ending: '.nii.gz' }));
    const brodmann = await readNifti(BRODMANN);
    const classes = [...new Set(brodmann.data)].filter((v) => v > 0);
    const spec = makeSpec({ kind: 'nnunet', root: 'Dataset001_Brain', channels: [0, 1] }, { channels: 2, labels: { kind: 'segmentation', classes } });
    const ds = await loadDataset(spec, { baseDir: tmp.dir, cacheDir });
    expect(ds.cases).toHaveLength(4);
    expect(ds.cases[1]!.id).toBe('brain_001');
    expect(ds.cases[1]!.channels).toBe(2);
    const v = await verifyDataset(spec, tmp.dir);
    expect(v).toEqual({ ok: true, cases: 4, problems: [] });
    unlinkSync(join(root, 'imagesTr', 'brain_002_0001.nii.gz'));
    await expectError(loadDataset(spec, { baseDir: tmp.dir, cacheDir }), 'SSL111', 'brain_002_0001.nii.gz');
  });
});

describe('2D images + CSV layout (APTOS)', () => {
  const mk = async (): Promise<string> => {
    const root = join(tmp.dir, 'aptos');
    mkdirSync(join(root, 'train_images'), { recursive: true });
    copyFileSync(join(FIX, 'fundus/retina128.jpg'), join(root, 'train_images', '000c1434d8d7.jpg'));
    copyFileSync(join(FIX, 'fundus/retina128.jpg'), join(root, 'train_images', '001639a390f0.jpg'));
    copyFileSync(join(FIX, 'fundus/microaneurysms.png'), join(root, 'train_images', '0024cdab0c1e.png'));
    writeFileSync(join(root, 'train.csv'), 'id_code,diagnosis\r\n000c1434d8d7,2\r\n001639a390f0,4\r\n0024cdab0c1e,1\r\n');
    return root;
  };
  const source = (csv: string | null): DataSource => ({ kind: 'images', root: 'aptos/train_images', csv, idColumn: 'id_code', labelColumn: 'diagnosis', extensions: ['.png', '.jpg'] });

  it('decodes JPEG/PNG (grey → RGB), resizes with sharp, reads grades', async () => {
    await mk();
    const spec = makeSpec(source('aptos/train.csv'), {
      channels: 3,
      labels: { kind: 'classification', classes: 5 },
      preprocess: { crop: { threshold: 10, margin: 2 }, resize: [64, 64], window: null, normalize: 'minmax', channels: null },
    });
    const ds = await loadDataset(spec, { baseDir: tmp.dir, cacheDir });
    expect(ds.cases.map((c) => [c.id, c.grade])).toEqual([
      ['000c1434d8d7', 2],
      ['001639a390f0', 4],
      ['0024cdab0c1e', 1],
    ]);
    for (const c of ds.cases) {
      expect(c.shape).toEqual([64, 64]);
      expect(c.channels).toBe(3);
    }
    // the grey PNG is expanded to 3 equal channels
    const g = ds.cases[2]!;
    expect(g.image[100 * 3]).toBe(g.image[100 * 3 + 1]);
    const un = await loadDataset(makeSpec(source(null), { channels: 1, labels: { kind: 'none' } }), { baseDir: tmp.dir, cacheDir });
    expect(un.cases[0]!.shape).toEqual([128, 128]);
    expect(un.cases[0]!.grade).toBeNull();
  });

  it('CSV problems are located (file:line)', async () => {
    const root = await mk();
    const spec = makeSpec(source('aptos/train.csv'), { channels: 3, labels: { kind: 'classification', classes: 5 } });
    writeFileSync(join(root, 'train.csv'), 'id_code,diagnosis\n000c1434d8d7,2\nffffffffffff,1\n');
    await expectError(loadDataset(spec, { baseDir: tmp.dir, cacheDir }), 'SSL118', 'train.csv');
    await loadDataset(spec, { baseDir: tmp.dir, cacheDir }).catch((e: Error) => expect(e.message).toContain(':3:'));
    writeFileSync(join(root, 'train.csv'), 'id_code,grade\n000c1434d8d7,2\n');
    await expectError(loadDataset(spec, { baseDir: tmp.dir, cacheDir }), 'SSL118', 'train.csv');
    writeFileSync(join(root, 'train.csv'), 'id_code,diagnosis\n000c1434d8d7,two\n');
    await expectError(loadDataset(spec, { baseDir: tmp.dir, cacheDir }), 'SSL118', 'train.csv');
    writeFileSync(join(root, 'train.csv'), 'id_code,diagnosis\n000c1434d8d7,7\n');
    await expectError(loadDataset(spec, { baseDir: tmp.dir, cacheDir }), 'SSL116', 'train.csv');
    writeFileSync(join(root, 'train_images', 'broken.png'), 'not a png');
    writeFileSync(join(root, 'train.csv'), 'id_code,diagnosis\nbroken,1\n');
    await expectError(loadDataset(spec, { baseDir: tmp.dir, cacheDir }), 'SSL119', 'broken.png');
  });
});

describe('verifyDataset', () => {
  it('reports every bad case instead of stopping at the first', async () => {
    const root = join(tmp.dir, 'brats-verify');
    await writeCase(join(root, 'Case_1'), 'Case_1', 0);
    await writeCase(join(root, 'Case_2'), 'Case_2', 0);
    await writeCase(join(root, 'Case_3'), 'Case_3', 0);
    // Case_2: NaN in t2; Case_3: label with an undeclared value 3
    const t1 = await readNifti(T1);
    const nan = new Float32Array(t1.data.length);
    for (let i = 0; i < nan.length; i++) nan[i] = 255 - t1.data[i]!;
    nan[100] = NaN;
    writeFileSync(join(root, 'Case_2', 'Case_2_t2.nii.gz'), encodeNifti({ shape: t1.shape, data: nan, spacing: t1.spacing, affine: t1.affine }));
    const bad = new Uint8Array(brainLabels);
    bad[5] = 3;
    writeFileSync(join(root, 'Case_3', 'Case_3_seg.nii.gz'), encodeNifti({ shape: t1.shape, data: bad, spacing: t1.spacing, affine: t1.affine }));
    const spec = bratsSpec({ source: { kind: 'brats', root: 'brats-verify', modalities: ['t1', 't1ce', 't2', 'flair'] } });
    const r = await verifyDataset(spec, tmp.dir);
    expect(r.ok).toBe(false);
    expect(r.cases).toBe(3);
    expect(r.problems).toHaveLength(2);
    expect(r.problems[0]!.file).toContain('Case_2_t2.nii.gz');
    expect(r.problems[0]!.code).toBe('SSL105');
    expect(r.problems[1]!.file).toContain('Case_3_seg.nii.gz');
    expect(r.problems[1]!.code).toBe('SSL116');
    const none = await verifyDataset(bratsSpec({ source: { kind: 'brats', root: 'no-such-folder', modalities: ['t1'] } }), tmp.dir);
    expect(none.ok).toBe(false);
    expect(none.problems[0]!.file).toContain('no-such-folder');
    expect((await verifyDataset(makeSpec({ kind: 'phantom3d', anatomy: 'brain', cases: 3, channels: 4, size: [16, 16, 16], labelled: true }), tmp.dir)).ok).toBe(true);
  });
});

// Layout `brats`: BraTS 2018, <root>/[HGG|LGG/]<case>/<case>_{t1,t1ce,t2,flair,seg}.nii.gz.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { DataSource } from '../../../core/graph.js';
import { SslRuntimeError } from '../../contract.js';
import { mustBeDir, NII_EXT, niftiSource, resolvePath, type CaseSource } from './common.js';
import { msg } from '../../../core/codes/index.js';

function findNifti(dir: string, stem: string): string | null {
  for (const ext of ['.nii.gz', '.nii']) {
    const p = join(dir, stem + ext);
    if (existsSync(p)) return p;
  }
  return null;
}

async function bratsCaseDirs(root: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (dir: string, depth: number): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = join(dir, e.name);
      const files = await readdir(p);
      if (files.some((f) => f.startsWith(e.name + '_') && NII_EXT.test(f))) out.push(p);
      else if (depth < 2) await visit(p, depth + 1); // HGG/ and LGG/ grouping folders
    }
  };
  await visit(root, 0);
  return out;
}

export async function bratsLayout(src: Extract<DataSource, { kind: 'brats' }>, baseDir: string, labelled: boolean): Promise<CaseSource[]> {
  const root = resolvePath(baseDir, src.root);
  mustBeDir(root, 'BraTS folder');
  const dirs = await bratsCaseDirs(root);
  if (dirs.length === 0) throw new SslRuntimeError(msg('SSL110', 'noBratsCases', { root }), root);
  return dirs.map((dir) => {
    const id = basename(dir);
    const images = src.modalities.map((m) => {
      const f = findNifti(dir, `${id}_${m}`);
      if (!f) throw new SslRuntimeError(msg('SSL111', 'bratsModality', { id, modality: m, file: join(dir, `${id}_${m}.nii.gz`) }), join(dir, `${id}_${m}.nii.gz`));
      return f;
    });
    let label: string | null = null;
    if (labelled) {
      label = findNifti(dir, `${id}_seg`);
      if (!label) throw new SslRuntimeError(msg('SSL112', 'bratsLabel', { id, file: join(dir, `${id}_seg.nii.gz`) }), join(dir, `${id}_seg.nii.gz`));
    }
    return niftiSource(id, images, label, 'brats');
  });
}

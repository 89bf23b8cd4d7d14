// Layout `nnunet`: nnU-Net raw, dataset.json, imagesTr/<case>_0000.nii.gz …, labelsTr/<case>.nii.gz.
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DataSource } from '../../../core/graph.js';
import { SslRuntimeError } from '../../contract.js';
import { listFiles, mustBeDir, niftiSource, readJson, resolvePath, type CaseSource } from './common.js';
import { msg } from '../../../core/codes/index.js';

interface NnunetJson {
  channel_names?: Record<string, string>;
  modality?: Record<string, string>;
  file_ending?: string;
}

export async function nnunetLayout(src: Extract<DataSource, { kind: 'nnunet' }>, baseDir: string, labelled: boolean): Promise<CaseSource[]> {
  const root = resolvePath(baseDir, src.root);
  mustBeDir(root, 'nnU-Net folder');
  const jsonFile = join(root, 'dataset.json');
  let ending = '.nii.gz';
  let declared: number | null = null;
  if (existsSync(jsonFile)) {
    const js = await readJson<NnunetJson>(jsonFile);
    if (js.file_ending !== undefined) {
      if (typeof js.file_ending !== 'string') throw new SslRuntimeError(msg('SSL117', 'endingNotString', { jsonFile }), jsonFile);
      ending = js.file_ending;
    }
    const names = js.channel_names ?? js.modality;
    if (names && typeof names === 'object') declared = Object.keys(names).length;
  }
  if (ending !== '.nii.gz' && ending !== '.nii') throw new SslRuntimeError(msg('SSL117', 'endingUnsupported', { jsonFile, ending }), jsonFile);
  for (const c of src.channels) {
    if (declared !== null && c >= declared) {
      throw new SslRuntimeError(msg('SSL115', 'notDeclared', { c, jsonFile, declared }), jsonFile);
    }
  }
  const imagesDir = join(root, 'imagesTr');
  mustBeDir(imagesDir, 'nnU-Net images folder');
  const firstSuffix = `_0000${ending}`;
  const all = await listFiles(imagesDir, (n) => n.endsWith(ending));
  const ids = all.filter((f) => f.endsWith(firstSuffix)).map((f) => basename(f).slice(0, -firstSuffix.length));
  if (ids.length === 0) throw new SslRuntimeError(msg('SSL110', 'noNnunetImages', { imagesDir, ending }), imagesDir);
  const labelsDir = join(root, 'labelsTr');
  if (labelled) mustBeDir(labelsDir, 'nnU-Net labels folder');
  return ids.map((id) => {
    const images = src.channels.map((c) => {
      const f = join(imagesDir, `${id}_${String(c).padStart(4, '0')}${ending}`);
      if (!existsSync(f)) throw new SslRuntimeError(msg('SSL111', 'nnunetChannel', { id, channel: c, file: f }), f);
      return f;
    });
    let label: string | null = null;
    if (labelled) {
      label = join(labelsDir, `${id}${ending}`);
      if (!existsSync(label)) throw new SslRuntimeError(msg('SSL112', 'nnunetLabel', { id, label }), label);
    }
    return niftiSource(id, images, label, 'nnunet');
  });
}

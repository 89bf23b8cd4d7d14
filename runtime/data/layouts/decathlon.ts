// Layout `decathlon`: Medical Segmentation Decathlon, dataset.json, imagesTr/ (3D or 4D), labelsTr/.
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DataSource } from '../../../core/graph.js';
import { SslRuntimeError } from '../../contract.js';
import { listFiles, mustBeDir, NII_EXT, niftiSource, readJson, resolvePath, stripNiftiExt, type CaseSource } from './common.js';
import { msg } from '../../../core/codes/index.js';

interface DecathlonJson {
  training?: Array<{ image?: string; label?: string }>;
}

export async function decathlonLayout(src: Extract<DataSource, { kind: 'decathlon' }>, baseDir: string): Promise<CaseSource[]> {
  const root = resolvePath(baseDir, src.root);
  mustBeDir(root, 'Decathlon folder');
  const imagesDir = join(root, src.imagesDir);
  mustBeDir(imagesDir, 'Decathlon images folder');
  const labelsDir = src.labelsDir ? join(root, src.labelsDir) : null;
  const jsonFile = join(root, 'dataset.json');
  let images: string[];
  // dataset.json's "training" list describes imagesTr/; any other images folder (imagesTs/) is listed.
  const useJson = existsSync(jsonFile) && src.imagesDir.replace(/^\.\//, '').replace(/\/$/, '') === 'imagesTr';
  if (useJson) {
    const js = await readJson<DecathlonJson>(jsonFile);
    if (!Array.isArray(js.training)) throw new SslRuntimeError(msg('SSL117', 'noTrainingList', { jsonFile }), jsonFile);
    images = js.training.map((t, i) => {
      if (typeof t.image !== 'string') throw new SslRuntimeError(msg('SSL117', 'noImage', { jsonFile, i }), jsonFile);
      // Entries are like "./imagesTr/pancreas_001.nii.gz"; take the name and look in imagesDir.
      return join(imagesDir, basename(t.image));
    });
    for (const f of images) {
      if (!existsSync(f)) throw new SslRuntimeError(msg('SSL100', 'listedMissing', { jsonFile, name: basename(f), file: f }), f);
    }
  } else {
    images = await listFiles(imagesDir, (n) => NII_EXT.test(n));
  }
  if (images.length === 0) throw new SslRuntimeError(msg('SSL110', 'noDecathlonImages', { imagesDir }), imagesDir);
  if (labelsDir) mustBeDir(labelsDir, 'Decathlon labels folder');
  return images.sort().map((img) => {
    const id = stripNiftiExt(basename(img));
    let label: string | null = null;
    if (labelsDir) {
      label = join(labelsDir, basename(img));
      if (!existsSync(label)) throw new SslRuntimeError(msg('SSL112', 'labelMissing', { id, label }), label);
    }
    return niftiSource(id, [img], label, 'decathlon');
  });
}

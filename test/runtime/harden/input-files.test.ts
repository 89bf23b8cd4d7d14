// #17: a data path that names a device, a named pipe or a folder (directly or through a link) is
// refused with a located SSL100 instead of being read without end or hanging the run; so is a
// preprocessed-case cache entry replaced by one (a warning, then the case is rebuilt).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../../runtime/data/dataset.js';
import { encodeNifti } from '../../../runtime/data/nifti/write.js';
import { makeSpec, tempDir } from '../data/helpers.js';

const t = tempDir('ssl3d-inputs-');
afterAll(() => t.cleanup());
const vol = { shape: [4, 4, 4], data: new Float32Array(64).fill(2), spacing: [1, 1, 1] };

describe('input files that are not files (#17)', () => {
  it('images that are /dev/zero, /dev/urandom or a folder are refused by name, fast, without reading them', async () => {
    const dir = join(t.dir, 'dev');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.nii.gz'), encodeNifti(vol));
    symlinkSync('/dev/zero', join(dir, 'b.nii'));
    symlinkSync('/dev/urandom', join(dir, 'c.nii.gz'));
    const spec = makeSpec({ kind: 'nifti', images: ['dev/*'], labels: null }, { labels: { kind: 'none' } });
    const t0 = Date.now();
    const err = await loadDataset(spec, { baseDir: t.dir, cacheDir: join(t.dir, 'cache') }).then(() => null, (e: unknown) => e as Error & { code: string });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(err?.code).toBe('SSL100');
    expect(err?.message).toMatch(/2 of 3 cases cannot be used:\n.*b\.nii .*a device, not a regular file.*\n.*c\.nii\.gz .*a device, not a regular file/);
  });

  it('a label CSV that is a named pipe is refused instead of hanging', async () => {
    const dir = join(t.dir, 'imgs');
    mkdirSync(dir);
    writeFileSync(join(dir, 'x.png'), Buffer.from('89504e470d0a1a0a', 'hex'));
    execFileSync('mkfifo', [join(t.dir, 'labels.csv')]);
    const spec = makeSpec(
      { kind: 'images', root: 'imgs', csv: 'labels.csv', idColumn: 'id_code', labelColumn: 'diagnosis', extensions: ['png'] },
      { labels: { kind: 'classification', classes: 5 }, channels: 3 },
    );
    const err = await loadDataset(spec, { baseDir: t.dir, cacheDir: join(t.dir, 'cache') }).then(() => null, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/labels\.csv cannot be read \(it is a named pipe, not a regular file\)/);
  });

  it('a cache entry replaced by a named pipe is reported and rebuilt, not waited on', async () => {
    const dir = join(t.dir, 'ok');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.nii.gz'), encodeNifti(vol));
    const spec = makeSpec({ kind: 'nifti', images: ['ok/*'], labels: null }, { labels: { kind: 'none' } });
    const cacheDir = join(t.dir, 'cache-pipe');
    await loadDataset(spec, { baseDir: t.dir, cacheDir });
    for (const sub of readdirSync(cacheDir)) {
      for (const f of readdirSync(join(cacheDir, sub))) {
        rmSync(join(cacheDir, sub, f));
        execFileSync('mkfifo', [join(cacheDir, sub, f)]);
      }
    }
    const warned: string[] = [];
    const ds = await loadDataset(spec, { baseDir: t.dir, cacheDir, onWarning: (m) => warned.push(m) });
    expect(ds.cases).toHaveLength(1);
    expect(warned.join('\n')).toMatch(/SSL182 case a: .* is corrupt \(it is a named pipe, not a regular file\); rebuilding it/);
  });
});

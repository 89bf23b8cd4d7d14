// Layout `nifti`: one glob per channel (+ an optional label glob); cases are paired by sorted order.
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import type { DataSource } from '../../../core/graph.js';
import { SslRuntimeError } from '../../contract.js';
import { niftiSource, resolvePath, stripNiftiExt, type CaseSource } from './common.js';
import { msg } from '../../../core/codes/index.js';

/** System folders that hold no images: `/proc/<pid>/root` links back to `/`, once per process,
 *  so a `**` below them walks the whole file system over and over. */
const SYSTEM_FOLDERS = ['/proc', '/sys', '/dev'];

/** The folder a pattern's fixed part (before its first wildcard) names, links resolved. */
function patternBase(baseDir: string, pattern: string): string {
  const segs = pattern.split('/');
  const wild = segs.findIndex((seg) => /[*?[\]{}()!]/.test(seg));
  // (without a wildcard the last segment is the file itself)
  const fixed = wild < 0 ? segs.slice(0, -1) : segs.slice(0, wild);
  const dir = resolve(baseDir, fixed.join('/') || '.');
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

async function globFiles(baseDir: string, pattern: string): Promise<string[]> {
  const abs = isAbsolute(pattern);
  const base = patternBase(baseDir, pattern);
  const system = SYSTEM_FOLDERS.find((f) => base === f || base.startsWith(f + '/'));
  if (system !== undefined) throw new SslRuntimeError(msg('SSL110', 'systemFolder', { pattern, folder: system }), resolvePath(baseDir, pattern));
  const files = await glob(pattern, { cwd: abs ? '/' : baseDir, absolute: true, onlyFiles: true, dot: false, expandDirectories: false });
  const found = files.filter((f) => !basename(f).startsWith('.')).sort();
  if (found.length === 0) throw new SslRuntimeError(msg('SSL110', 'noMatch', { pattern, baseDir }), resolvePath(baseDir, pattern));
  return found;
}

/** Case id from a channel file: its name without .nii(.gz), or the relative path when names repeat. */
function idsFor(files: string[], baseDir: string): string[] {
  const names = files.map((f) => stripNiftiExt(basename(f)));
  if (new Set(names).size === names.length) return names;
  // One folder per subject (`ukb/<subject>/T1.nii.gz`): the folder names the case.
  const parents = files.map((f) => basename(dirname(f)));
  if (new Set(parents).size === parents.length) return parents;
  return files.map((f) => stripNiftiExt(relative(baseDir, f)).split(/[\\/]/).join('_'));
}

export async function niftiLayout(src: Extract<DataSource, { kind: 'nifti' }>, baseDir: string): Promise<CaseSource[]> {
  if (src.images.length === 0) throw new SslRuntimeError(msg('SSL110', 'noPattern'));
  const perChannel: string[][] = [];
  for (const p of src.images) perChannel.push(await globFiles(baseDir, p));
  const n = perChannel[0]!.length;
  perChannel.forEach((files, c) => {
    if (files.length !== n) {
      const extra = files.length > n ? files[n]! : perChannel[0]![files.length]!;
      throw new SslRuntimeError(
        msg('SSL111', 'unpairedChannel', { images: src.images[c], count: files.length, first: src.images[0], n, extra }),
        extra,
      );
    }
  });
  let labels: string[] | null = null;
  if (src.labels) {
    labels = await globFiles(baseDir, src.labels);
    if (labels.length !== n) {
      const extra = labels.length > n ? labels[n]! : perChannel[0]![labels.length]!;
      throw new SslRuntimeError(msg('SSL112', 'unpairedLabel', { labels: src.labels, count: labels.length, first: src.images[0], n, extra }), extra);
    }
  }
  const ids = idsFor(perChannel[0]!, baseDir);
  // Pairing is by sorted order. Where images and the other globs name their files by case (some
  // pair has the same case id on both sides), every pair must: a missing label plus an unrelated
  // extra one kept the counts equal and silently gave case12's image case99's label.
  const checkNames = (files: string[], isLabel: boolean): void => {
    const other = idsFor(files, baseDir);
    if (!other.some((x, i) => x === ids[i])) return;
    const k = other.findIndex((x, i) => x !== ids[i]);
    if (k < 0) return;
    const params = { file: files[k]!, image: perChannel[0]![k]!, got: other[k]!, want: ids[k]! };
    throw new SslRuntimeError(isLabel ? msg('SSL112', 'misnamedLabel', params) : msg('SSL111', 'misnamedChannel', params), files[k]!);
  };
  for (const files of perChannel.slice(1)) checkNames(files, false);
  if (labels) checkNames(labels, true);
  return ids.map((id, i) => niftiSource(id, perChannel.map((f) => f[i]!), labels ? labels[i]! : null, 'nifti'));
}

// Checkpoints of running nodes: `<cache>/checkpoints/<hash>/epoch-<n>/` folders plus a `latest`
// pointer file. A checkpoint is written into a temp folder, described (sha256 of every file in
// `checkpoint.json`), renamed into place, and only then does `latest` move to it (atomic
// rename). A process killed at any moment leaves either the old or the new checkpoint current,
// never a half-written one. Loading verifies the files and falls back to the previous epoch.

import { existsSync, readdirSync, renameSync } from 'node:fs';
import { readSmallFileSync, mkdirsSync } from '../files.js';
import { join } from 'node:path';
import type { Checkpoint } from '../contract.js';
import { describeFiles, removeTree, uniqueSuffix, verifyFiles, writeFileAtomic, type FileEntry } from './fsutil.js';

const META = 'checkpoint.json';
/** How many complete checkpoints to keep per node (the newest, plus one spare in case it rots). */
const KEEP = 2;

interface CheckpointMeta {
  epoch: number;
  savedAt: string;
  files: FileEntry[];
}

export function checkpointRoot(cacheDir: string, hash: string): string {
  return join(cacheDir, 'checkpoints', hash);
}

function epochDirs(root: string): Array<{ epoch: number; name: string }> {
  if (!existsSync(root)) return [];
  const out: Array<{ epoch: number; name: string }> = [];
  for (const name of readdirSync(root)) {
    const m = /^epoch-(\d+)$/.exec(name);
    if (m) out.push({ epoch: Number(m[1]), name });
  }
  return out.sort((a, b) => b.epoch - a.epoch);
}

function readMeta(dir: string): CheckpointMeta | null {
  try {
    const meta = JSON.parse(readSmallFileSync(join(dir, META)).toString('utf8')) as CheckpointMeta;
    if (typeof meta.epoch !== 'number' || !Array.isArray(meta.files)) return null;
    return meta;
  } catch {
    return null;
  }
}

/** Save a checkpoint after `epoch` completed epochs; returns the folder it now lives in. */
export async function saveCheckpoint(cacheDir: string, hash: string, epoch: number, write: (dir: string) => Promise<void>): Promise<string> {
  const root = checkpointRoot(cacheDir, hash);
  mkdirsSync(root);
  const tmp = join(root, `tmp-${uniqueSuffix()}`);
  mkdirsSync(tmp);
  try {
    await write(tmp);
    const meta: CheckpointMeta = { epoch, savedAt: new Date().toISOString(), files: await describeFiles(tmp, [META]) };
    writeFileAtomic(join(tmp, META), JSON.stringify(meta, null, 2));
    const final = join(root, `epoch-${epoch}`);
    if (existsSync(final)) removeTree(final);
    renameSync(tmp, final);
    writeFileAtomic(join(root, 'latest'), JSON.stringify({ epoch, dir: `epoch-${epoch}` }) + '\n');
    // prune older checkpoints and leftovers of killed attempts
    const dirs = epochDirs(root);
    for (const d of dirs.slice(KEEP)) removeTree(join(root, d.name));
    for (const name of readdirSync(root)) if (name.startsWith('tmp-') && join(root, name) !== tmp) removeTree(join(root, name));
    return final;
  } catch (err) {
    removeTree(tmp);
    throw err;
  }
}

export interface LoadedCheckpoint extends Checkpoint {
  /** Checkpoints that were skipped because they were damaged, with the reason. */
  rejected: string[];
}

/**
 * The newest intact checkpoint of `hash`, or null. With `deep`, every file's sha256 is checked;
 * otherwise only presence and sizes (cheap, for `ssl3d plan`).
 */
export async function findCheckpoint(cacheDir: string, hash: string, deep = true): Promise<LoadedCheckpoint | null> {
  const root = checkpointRoot(cacheDir, hash);
  const rejected: string[] = [];
  let preferred: string | null = null;
  try {
    const latest = JSON.parse(readSmallFileSync(join(root, 'latest')).toString('utf8')) as { dir?: string };
    if (typeof latest.dir === 'string') preferred = latest.dir;
  } catch {
    // no pointer: fall back to scanning epoch folders
  }
  const candidates = epochDirs(root).map((d) => d.name);
  if (preferred && candidates.includes(preferred)) candidates.splice(candidates.indexOf(preferred), 1), candidates.unshift(preferred);
  for (const name of candidates) {
    const dir = join(root, name);
    const meta = readMeta(dir);
    if (!meta) {
      rejected.push(`${name}: no readable ${META}`);
      continue;
    }
    const bad = await verifyFiles(dir, meta.files, deep);
    if (bad) {
      rejected.push(`${name}: ${bad}`);
      continue;
    }
    return { epoch: meta.epoch, dir, rejected };
  }
  return null;
}

export function clearCheckpoints(cacheDir: string, hash: string): void {
  removeTree(checkpointRoot(cacheDir, hash));
}

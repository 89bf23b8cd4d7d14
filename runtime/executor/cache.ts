// The content-addressed artifact cache:
//
//   <cache>/nodes/<hash>/node.json     manifest: id, kind, hash, files (+ size, sha256), summary, finishedAt
//   <cache>/nodes/<hash>/...           the node's artifact files
//   <cache>/checkpoints/<hash>/...     checkpoints of unfinished nodes (see checkpoints.ts)
//   <cache>/tmp/                       folders handlers are writing into (renamed into nodes/ on success)
//   <cache>/runs/<runId>/              run records (record.json, events.jsonl); runs/latest names the newest
//   <cache>/data/                      preprocessed-data cache shared by data nodes
//   <cache>/lock                       pid + host of the run that owns the cache
//
// An entry exists only once complete: handlers write into tmp/, the manifest is added, and the
// folder is renamed into nodes/ in one step. An entry whose files do not match the manifest is
// reported as corrupt and recomputed.

import { createHash } from 'node:crypto';
import { existsSync, renameSync, statSync } from 'node:fs';
import { readSmallFileSync, mkdirsSync } from '../files.js';
import { join } from 'node:path';
import type { ExecutionGraph, GraphNode } from '../../core/graph.js';
import { findCheckpoint } from './checkpoints.js';
import { describeFiles, discardTree, uniqueSuffix, verifyFiles, writeFileAtomic, type FileEntry } from './fsutil.js';

export const MANIFEST = 'node.json';

export interface NodeManifest {
  id: string;
  kind: string;
  hash: string;
  files: FileEntry[];
  summary: Record<string, number>;
  finishedAt: string;
  durationMs: number;
  /** sha256 of this manifest's canonical JSON without this field: covers the summary and the file list. */
  checksum?: string;
}

/** sha256 over the manifest without its checksum (keys in the order commitEntry writes them). */
export function manifestChecksum(m: NodeManifest): string {
  const { checksum: _omit, ...rest } = m;
  void _omit;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}

/** Parse and check a node.json: the object, or a reason why it cannot be trusted. */
export function parseManifest(text: string, hash: string): { manifest: NodeManifest } | { reason: string } {
  let m: NodeManifest;
  try {
    m = JSON.parse(text) as NodeManifest;
  } catch {
    return { reason: `its ${MANIFEST} is not valid JSON` };
  }
  if (m === null || typeof m !== 'object' || m.hash !== hash || !Array.isArray(m.files)) return { reason: `its ${MANIFEST} is for another node` };
  if (typeof m.checksum !== 'string') return { reason: `its ${MANIFEST} has no checksum (written by an older ssl3d)` };
  const want = manifestChecksum(m);
  if (m.checksum !== want) return { reason: `its ${MANIFEST} was modified (checksum ${want.slice(0, 8)}…, recorded ${m.checksum.slice(0, 8)}…)` };
  return { manifest: m };
}

export function nodeDir(cacheDir: string, hash: string): string {
  return join(cacheDir, 'nodes', hash);
}

export function tmpRoot(cacheDir: string): string {
  return join(cacheDir, 'tmp');
}

export type EntryCheck = { ok: true; manifest: NodeManifest; dir: string } | { ok: false; missing: boolean; reason: string };

/** Check the cache entry of `node` (deep = verify every file's sha256, else sizes only). */
export async function checkEntry(cacheDir: string, node: GraphNode, deep = true): Promise<EntryCheck> {
  const dir = nodeDir(cacheDir, node.hash);
  if (!existsSync(dir)) return { ok: false, missing: true, reason: `no cache entry for hash ${node.hash.slice(0, 8)}…` };
  let text: string;
  try {
    text = readSmallFileSync(join(dir, MANIFEST)).toString('utf8');
  } catch {
    return { ok: false, missing: false, reason: `cache entry ${node.hash.slice(0, 8)}… has no readable ${MANIFEST}` };
  }
  const parsed = parseManifest(text, node.hash);
  if ('reason' in parsed) return { ok: false, missing: false, reason: `cache entry ${node.hash.slice(0, 8)}… is corrupt: ${parsed.reason}` };
  const manifest = parsed.manifest;
  const bad = await verifyFiles(dir, manifest.files, deep);
  if (bad) return { ok: false, missing: false, reason: `cache entry ${node.hash.slice(0, 8)}… is corrupt: ${bad}` };
  return { ok: true, manifest, dir };
}

/** A fresh, empty folder for a handler to write `node`'s artifact into. */
export function makeWorkDir(cacheDir: string, node: GraphNode, root: string = tmpRoot(cacheDir)): string {
  const dir = join(root, `${node.hash.slice(0, 16)}-${uniqueSuffix()}`);
  mkdirsSync(dir);
  return dir;
}

/** Describe the finished work folder, write its manifest and rename it into the cache. */
export async function commitEntry(
  cacheDir: string,
  node: GraphNode,
  workDir: string,
  summary: Record<string, number>,
  durationMs: number,
): Promise<NodeManifest> {
  const manifest: NodeManifest = {
    id: node.id,
    kind: node.kind,
    hash: node.hash,
    files: await describeFiles(workDir, [MANIFEST]),
    summary,
    finishedAt: new Date().toISOString(),
    durationMs,
  };
  manifest.checksum = manifestChecksum(manifest);
  writeFileAtomic(join(workDir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  const dir = nodeDir(cacheDir, node.hash);
  mkdirsSync(join(cacheDir, 'nodes'));
  if (existsSync(dir)) discardTree(dir, join(tmpRoot(cacheDir), 'trash'));
  renameSync(workDir, dir);
  return manifest;
}

/** Remove a (corrupt) cache entry. */
export function discardEntry(cacheDir: string, node: GraphNode): void {
  discardTree(nodeDir(cacheDir, node.hash), join(tmpRoot(cacheDir), 'trash'));
}

export type CacheStateName = 'cached' | 'partial' | 'to-run';
export interface CacheState {
  state: CacheStateName;
  reason: string;
}

function totalEpochsOf(node: GraphNode): number | null {
  if (node.kind === 'pretrain') return node.params.pretext.train.epochs;
  if (node.kind === 'finetune') return node.params.finetune.train.epochs;
  return null;
}

export interface CacheStateOptions {
  /** Verify every file's sha256 (slower) rather than only presence and sizes. */
  deep?: boolean;
}

/**
 * What a run would do with each node: 'cached' (a valid entry exists), 'partial' (an earlier
 * attempt left a checkpoint it will resume from) or 'to-run', with a one-line reason.
 */
export async function cacheStatesDeep(graph: ExecutionGraph, cacheDir: string, options: CacheStateOptions = {}): Promise<Record<string, CacheState>> {
  const deep = options.deep ?? true;
  const states: Record<string, CacheState> = {};
  for (const node of graph.nodes) {
    const entry = await checkEntry(cacheDir, node, deep);
    if (entry.ok) {
      states[node.id] = { state: 'cached', reason: `finished ${entry.manifest.finishedAt}` };
      continue;
    }
    const ckpt = await findCheckpoint(cacheDir, node.hash, deep);
    if (ckpt) {
      const total = totalEpochsOf(node);
      states[node.id] = { state: 'partial', reason: `checkpoint at epoch ${ckpt.epoch}${total !== null ? `/${total}` : ''}` };
      continue;
    }
    const rerunning = node.inputs.find((id) => states[id] && states[id].state !== 'cached');
    if (entry.missing && rerunning) states[node.id] = { state: 'to-run', reason: `input ${rerunning} will rerun` };
    else states[node.id] = { state: 'to-run', reason: entry.reason };
  }
  return states;
}

/**
 * The same as `cacheStatesDeep` but synchronous and cheap: a cache entry counts as valid when
 * its manifest matches and every file is present with the recorded size (no sha256). Used by
 * `ssl3d plan`; the executor itself always verifies hashes before trusting an entry.
 */
export function cacheStates(graph: ExecutionGraph, cacheDir: string): Record<string, CacheState> {
  const states: Record<string, CacheState> = {};
  for (const node of graph.nodes) {
    const dir = nodeDir(cacheDir, node.hash);
    let manifest: NodeManifest | null = null;
    let manifestProblem = 'no manifest';
    try {
      const parsed = parseManifest(readSmallFileSync(join(dir, MANIFEST)).toString('utf8'), node.hash);
      if ('manifest' in parsed) manifest = parsed.manifest;
      else manifestProblem = parsed.reason;
    } catch {
      manifest = null;
    }
    const sizeProblem = manifest ? sizesMismatch(dir, manifest.files) : manifestProblem;
    if (manifest && sizeProblem === null) {
      states[node.id] = { state: 'cached', reason: `finished ${manifest.finishedAt}` };
      continue;
    }
    let ckptEpoch: number | null = null;
    try {
      const latest = JSON.parse(readSmallFileSync(join(cacheDir, 'checkpoints', node.hash, 'latest')).toString('utf8')) as { epoch?: number };
      if (typeof latest.epoch === 'number') ckptEpoch = latest.epoch;
    } catch {
      ckptEpoch = null;
    }
    if (ckptEpoch !== null) {
      const total = totalEpochsOf(node);
      states[node.id] = { state: 'partial', reason: `checkpoint at epoch ${ckptEpoch}${total !== null ? `/${total}` : ''}` };
      continue;
    }
    const rerunning = node.inputs.find((id) => states[id] && states[id].state !== 'cached');
    const exists = existsSync(dir);
    states[node.id] =
      rerunning && !exists
        ? { state: 'to-run', reason: `input ${rerunning} will rerun` }
        : exists
          ? { state: 'to-run', reason: `cache entry ${node.hash.slice(0, 8)}… is corrupt: ${sizeProblem ?? 'unreadable'}` }
          : { state: 'to-run', reason: `no cache entry for hash ${node.hash.slice(0, 8)}…` };
  }
  return states;
}

function sizesMismatch(dir: string, files: readonly FileEntry[]): string | null {
  for (const f of files) {
    try {
      const size = statSync(join(dir, f.path)).size;
      if (size !== f.size) return `file ${f.path} has ${size} bytes, the manifest says ${f.size}`;
    } catch {
      return `file ${f.path} is missing`;
    }
  }
  return null;
}

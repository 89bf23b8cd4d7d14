// #17.2: every cache entry carries a checksum checked on read; a bad entry is rebuilt with a warning.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCachedCase, writeCachedCase } from '../../../runtime/data/cache.js';
import type { Case } from '../../../runtime/data/types.js';
import { cacheStates, nodeDir } from '../../../runtime/executor/cache.js';
import { runFake, tmp, warnings } from './harness.js';

const sample = (): Case => {
  const image = new Float32Array(4 * 4 * 4).map((_, i) => i / 63);
  const mask = new Uint8Array(64).map((_, i) => i % 2);
  return { id: 'c1', shape: [4, 4, 4], channels: 1, spacing: [1, 1, 1], grade: null, image, mask };
};

describe('preprocessed-case cache checksums', () => {
  it('a .case file whose voxels were changed in place (same size) is refused with a reason and rebuilt', async () => {
    const dir = tmp();
    const key = 'ab'.repeat(32);
    await writeCachedCase(dir, key, sample());
    const file = join(dir, 'ab', `${key}.case`);
    const good = await readCachedCase(dir, key);
    expect(good?.image[63]).toBe(1);
    // the hostile edit of the issue: one voxel of a min-max image now holds 5.44e37
    const buf = readFileSync(file);
    const f = Buffer.alloc(4);
    f.writeFloatLE(5.44e37);
    f.copy(buf, buf.length - 64 - 4);
    writeFileSync(file, buf);
    const reasons: string[] = [];
    expect(await readCachedCase(dir, key, (r) => reasons.push(r))).toBeNull();
    expect(reasons[0]).toMatch(/voxel data has sha256 .* the header says/);
    // truncated and garbage entries are reported too
    writeFileSync(file, buf.subarray(0, 40));
    expect(await readCachedCase(dir, key, (r) => reasons.push(r))).toBeNull();
    writeFileSync(file, 'garbage');
    expect(await readCachedCase(dir, key, (r) => reasons.push(r))).toBeNull();
    expect(reasons).toHaveLength(3);
    // rewriting repairs it
    await writeCachedCase(dir, key, sample());
    expect((await readCachedCase(dir, key))?.image[63]).toBe(1);
    expect(readdirSync(join(dir, 'ab'))).toEqual([`${key}.case`]);
  });
});

describe('node.json summaries are covered by a checksum', () => {
  it('an edited summary (dice 123.5) makes the entry corrupt: SSL182 warning and the node recomputes', async () => {
    const dir = tmp();
    const first = await runFake(dir);
    const ev = first.graph.nodes.find((n) => n.kind === 'evaluate')!;
    const file = join(nodeDir(dir, ev.hash), 'node.json');
    const m = JSON.parse(readFileSync(file, 'utf8')) as { summary: Record<string, number> };
    const key = Object.keys(m.summary)[0] ?? 'dice_WT';
    m.summary[key] = 123.5;
    writeFileSync(file, JSON.stringify(m, null, 2) + '\n');
    expect(cacheStates(first.graph, dir)[ev.id]).toMatchObject({ state: 'to-run', reason: expect.stringMatching(/node\.json was modified/) });
    const second = await runFake(dir);
    expect(second.calls).toContain(ev.id);
    expect(warnings(second.events).join('\n')).toMatch(/SSL182 .*node\.json was modified/);
    const end = second.events.find((e) => e.type === 'node-end' && e.node === ev.id);
    expect(end && end.type === 'node-end' ? end.summary[key] : null).not.toBe(123.5);
  });
});

describe('bookkeeping files replaced by pipes and devices (#17)', () => {
  it('node.json as a named pipe, a record as a pipe, runs/latest and the lock as links to /dev/zero: no hang, the entry recomputes', async () => {
    const { execFileSync } = await import('node:child_process');
    const { rmSync, symlinkSync } = await import('node:fs');
    const dir = tmp();
    const first = await runFake(dir);
    const ev = first.graph.nodes.find((n) => n.kind === 'evaluate')!;
    const manifest = join(nodeDir(dir, ev.hash), 'node.json');
    rmSync(manifest);
    execFileSync('mkfifo', [manifest]);
    const runs = join(dir, 'runs');
    const run = readdirSync(runs).find((r) => r !== 'latest')!;
    rmSync(join(runs, run, 'record.json'));
    execFileSync('mkfifo', [join(runs, run, 'record.json')]);
    rmSync(join(runs, 'latest'));
    symlinkSync('/dev/zero', join(runs, 'latest'));
    symlinkSync('/dev/zero', join(dir, 'lock'));
    expect(cacheStates(first.graph, dir)[ev.id]?.state).toBe('to-run');
    // `ssl3d report` lists the runs: the pipe is skipped, not waited on
    const { listRuns } = await import('../../../cli/commands/report.js');
    expect(listRuns(dir).map((r) => r.id)).not.toContain(run);
    const second = await runFake(dir);
    expect(second.result.status).toBe('ok');
    expect(second.calls).toEqual([ev.id]);
    expect(warnings(second.events).join('\n')).toMatch(/SSL182 cache entry .* has no readable node\.json/);
  });
});

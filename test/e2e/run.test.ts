// End to end: the real `ssl3d run` code path (compiler, executor, cache, lock, record, plain
// renderer, JSONL events, report) on a tiny experiment, in spawned processes. The node handlers
// are the executor tests' fakes (fast, deterministic, with real epochs and checkpoints); the
// real handlers are exercised in real.test.ts (cache hits and SIGKILL resume).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/index.js';
import type { RunEvent } from '../../runtime/events.js';
import type { RunRecord } from '../../runtime/record.js';

const script = join(__dirname, 'fixtures', 'run-cli-fake.ts');

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ssl3d-e2e-'));
  copyFileSync(join(__dirname, 'fixtures', 'tiny.ssl'), join(dir, 'tiny.ssl'));
  return dir;
}

function runSync(dir: string, extra: string[] = [], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, join(dir, 'tiny.ssl'), '--ui', 'plain', '--events', join(dir, 'events.jsonl'), ...extra], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, events: readEvents(join(dir, 'events.jsonl')) };
}

function readEvents(file: string): RunEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunEvent);
}

function latestRecord(dir: string): RunRecord {
  const id = readFileSync(join(dir, '.ssl3d', 'runs', 'latest'), 'utf8').trim();
  return JSON.parse(readFileSync(join(dir, '.ssl3d', 'runs', id, 'record.json'), 'utf8')) as RunRecord;
}

const finalMetrics = (r: RunRecord): Record<string, Record<string, number>> =>
  Object.fromEntries(Object.entries(r.artifacts.metrics).map(([id, m]) => [id, m.aggregate]));

describe('ssl3d run (end to end)', () => {
  it('compiles, runs and reports; --set reruns only dependants; corrupt entries are recomputed', () => {
    const dir = workspace();
    const first = runSync(dir);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/run ok in/);
    expect(first.stdout).toMatch(/\| 3D-Rotation \|/); // the report's table
    expect(first.stdout).not.toMatch(/\u001b\[/);
    const record = latestRecord(dir);
    expect(record.status).toBe('ok');
    expect(record.source.text).toBe(readFileSync(join(dir, 'tiny.ssl'), 'utf8'));
    expect(record.versions.tfjs).toMatch(/^4\./);
    expect(record.backend.name).toMatch(/native|cpu|tensorflow/);
    expect(record.cpu.cores).toBeGreaterThan(0);
    expect(Object.keys(record.artifacts.metrics)).toHaveLength(4);
    expect(record.nodes['pretrain:rot3d']!.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    const reports = readdirSync(join(dir, 'reports'));
    expect(readdirSync(join(dir, 'reports', reports[0]!))).toContain('report.md');
    expect(first.events.filter((e) => e.type === 'epoch').length).toBeGreaterThan(0);

    // 1. the same graph saved as JSON (as `ssl3d plan --json` writes it) runs from the same cache
    const compiled = compileFile(join(dir, 'tiny.ssl'));
    writeFileSync(join(dir, 'tiny.graph.json'), JSON.stringify(compiled.graph));
    const fromJson = spawnSync(process.execPath, ['--import', 'tsx', script, join(dir, 'tiny.graph.json'), '--ui', 'json', '--no-report'], { encoding: 'utf8' });
    expect(fromJson.status).toBe(0);
    const jsonEvents = fromJson.stdout.trim().split('\n').map((l) => JSON.parse(l) as RunEvent);
    expect(jsonEvents.filter((e) => e.type === 'node-end').every((e) => e.type === 'node-end' && e.status === 'cached')).toBe(true);

    // 2. one fine-tuning parameter changed from the command line: only fine-tuning and what follows
    const changed = runSync(dir, ['--set', 'seg.train.epochs=3']);
    expect(changed.code).toBe(0);
    const started = changed.events.filter((e) => e.type === 'node-start').map((e) => (e.type === 'node-start' ? e.node : ''));
    expect(started.some((id) => id.startsWith('pretrain') || id.startsWith('data'))).toBe(false);
    expect(started.filter((id) => id.startsWith('finetune'))).toHaveLength(4);

    // 3. a corrupted artifact (same size, other bytes) is detected and only that node recomputed
    const nodes = join(dir, '.ssl3d', 'nodes');
    const victim = readdirSync(nodes).find((h) => readFileSync(join(nodes, h, 'node.json'), 'utf8').includes('"kind": "pretrain"'))!;
    const file = join(nodes, victim, 'encoder.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\d/, (d) => String((Number(d) + 1) % 10)));
    const again = runSync(dir);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/warning pretrain:rot3d: SSL182 cache entry [0-9a-f]{8}… is corrupt: file encoder\.json has sha256/);
    const restarted = again.events.filter((e) => e.type === 'node-start').map((e) => (e.type === 'node-start' ? e.node : ''));
    expect(restarted).toEqual(['pretrain:rot3d']); // its dependants' hashes did not change
  });

  it('usage errors exit 2, bad --set values are located diagnostics, a locked cache is a clear SSL180 error', () => {
    const dir = workspace();
    const usage = runSync(dir, ['--ui', 'fancy']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--ui must be one of tui, plain, json/);
    const bad = runSync(dir, ['--set', 'seg.train.epochs=many']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error SSL\d{3}/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const cache = join(dir, '.ssl3d');
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, 'lock'), JSON.stringify({ pid: holder.pid, host: hostname(), startedAt: 'now', command: 'ssl3d run' }));
    const locked = runSync(dir);
    holder.kill('SIGKILL');
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(/error SSL180: the cache .* is in use by another run \(pid \d+/);
  });
});

// End to end with the real node handlers (phantom data, tfjs training, evaluation, report):
// `node bin/ssl3d.js run` on a tiny experiment, in spawned processes.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../runtime/events.js';
import type { RunRecord } from '../../runtime/record.js';

const bin = join(__dirname, '..', '..', 'bin', 'ssl3d.js');
const env = { ...process.env, SSL3D_FROM_SOURCE: '1', NO_COLOR: '1' };

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ssl3d-real-'));
  copyFileSync(join(__dirname, 'fixtures', 'tiny.ssl'), join(dir, 'tiny.ssl'));
  return dir;
}
const args = (dir: string): string[] => [bin, 'run', join(dir, 'tiny.ssl'), '--ui', 'plain', '--events', join(dir, 'events.jsonl')];
function runSync(dir: string) {
  const r = spawnSync(process.execPath, args(dir), { encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, events: readEvents(join(dir, 'events.jsonl')) };
}
function readEvents(file: string): RunEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunEvent);
}
function latestRecord(dir: string): RunRecord {
  const id = readFileSync(join(dir, '.ssl3d', 'runs', 'latest'), 'utf8').trim();
  return JSON.parse(readFileSync(join(dir, '.ssl3d', 'runs', id, 'record.json'), 'utf8')) as RunRecord;
}
const finalMetrics = (r: RunRecord): Record<string, Record<string, number>> =>
  Object.fromEntries(Object.entries(r.artifacts.metrics).map(([id, m]) => [id, m.aggregate]));

describe('ssl3d run with the real handlers', () => {
  let reference: Record<string, Record<string, number>> | null = null;

  it('trains, evaluates and reports a tiny experiment; a second run trains nothing', () => {
    const dir = workspace();
    const first = runSync(dir);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/run ok in/);
    expect(first.stdout).toMatch(/\| Method \| Dice WT \(%\) \|/);
    const record = latestRecord(dir);
    expect(record.status).toBe('ok');
    expect(Object.keys(record.artifacts.metrics)).toHaveLength(4);
    expect(Object.keys(record.artifacts.histories)).toHaveLength(4);
    for (const m of Object.values(record.artifacts.metrics)) expect(m.aggregate['dice_WT']).toBeGreaterThanOrEqual(0);
    expect(record.nodes['pretrain:rot3d']!.epochs).toHaveLength(2);
    expect(readdirSync(join(dir, 'reports', record.runId))).toContain('report.md');
    reference = finalMetrics(record);

    const second = runSync(dir);
    expect(second.code).toBe(0);
    expect(second.events.filter((e) => e.type === 'step' || e.type === 'epoch' || e.type === 'node-start')).toEqual([]);
    expect(finalMetrics(latestRecord(dir))).toEqual(reference);
  });

  it('SIGKILL after the first checkpoint: the rerun resumes there and ends with the same metrics', async () => {
    const dir = workspace();
    const eventsFile = join(dir, 'events.jsonl');
    const child = spawn(process.execPath, args(dir), { env, stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    const killedAt = await new Promise<RunEvent | null>((resolve) => {
      const timer = setInterval(() => {
        const cp = readEvents(eventsFile).find((e) => e.type === 'checkpoint');
        if (cp) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve(cp);
        }
      }, 5);
      child.on('exit', () => (clearInterval(timer), resolve(null)));
    });
    await exited;
    expect(killedAt?.type).toBe('checkpoint');
    if (killedAt?.type !== 'checkpoint') return;
    const resumed = runSync(dir);
    expect(resumed.code).toBe(0);
    expect(resumed.events.find((e) => e.type === 'node-start' && e.node === killedAt.node)).toMatchObject({ resumeEpoch: killedAt.epoch });
    expect(reference).not.toBeNull();
    expect(finalMetrics(latestRecord(dir))).toEqual(reference);
  });
});

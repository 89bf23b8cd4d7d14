import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { command } from '../../cli/commands/report.js';
import type { RunRecord } from '../../runtime/record.js';
import { fixtureInput, graph } from './fixtures/input.js';

function record(runId: string, status: RunRecord['status'], startedAt: string): RunRecord {
  return {
    runId, experiment: 'fixture-brats', startedAt, endedAt: startedAt, status,
    source: { file: 'exp.ssl', hash: 'abc', text: 'experiment fixture-brats {}\n' }, graph,
    versions: { node: 'v20', tfjs: '4.22.0', ssl3d: '0.1.0' }, backend: { name: 'cpu', reason: 'test' }, cpu: { model: 'x', cores: 2, features: [] }, seed: 1, nodes: {},
    artifacts: {
      metrics: Object.fromEntries(fixtureInput.results.map((r) => [r.node.id, r.metrics])),
      histories: Object.fromEntries(fixtureInput.histories.map((h) => [h.node.id, h.history])),
    },
  };
}

const COMPILING = [
  'experiment fixture-brats { seed = 1 }',
  'dataset brats = phantom3d { anatomy = brain, cases = 12, channels = 4, size = 16x16x16 }',
  'encoder e = unet3d { preset = small }',
  'pretext rpl = rpl { data = brats, encoder = e, jitter = 0 }',
  'finetune seg = segmentation { data = brats, train { epochs = 2 }, warmup = 1 epoch }',
  'evaluate ev { metrics = [dice.WT] }',
  'sweep s { methods = [rpl, scratch], finetune = seg, evaluate = ev }',
  'report r { table fresh { rows = method, columns = fraction }  formats = [csv] }',
].join('\n');

let dir = '';
let out = '';
let err = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ssl3d-report-cli-'));
  writeFileSync(join(dir, 'exp.ssl'), 'experiment fixture-brats {}\n');
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

function putRun(r: RunRecord): void {
  const p = join(dir, '.ssl3d', 'runs', r.runId);
  mkdirSync(p, { recursive: true });
  writeFileSync(join(p, 'record.json'), JSON.stringify(r));
}

describe('ssl3d report', () => {
  it('says clearly when there is no run', async () => {
    expect(await command.run([join(dir, 'exp.ssl')])).toBe(1);
    expect(err).toContain('SSL170');
    expect(err).toContain('ssl3d run');
  });

  it('refuses an unfinished latest run but reports it when named', async () => {
    putRun(record('r-2', 'interrupted', '2026-01-02T00:00:00Z'));
    expect(await command.run([join(dir, 'exp.ssl')])).toBe(1);
    expect(err).toMatch(/no finished run.*r-2.*interrupted/);
    err = '';
    expect(await command.run([join(dir, 'exp.ssl'), '--run', 'r-2', '--quiet'])).toBe(0);
    expect(err).toContain("is 'interrupted'");
  });

  it('reports the newest finished run without retraining', async () => {
    putRun(record('r-1', 'ok', '2026-01-01T00:00:00Z'));
    putRun(record('r-2', 'failed', '2026-01-02T00:00:00Z'));
    const o = join(dir, 'out');
    expect(await command.run([join(dir, 'exp.ssl'), '--out', o])).toBe(0);
    expect(out).toContain('report \'report\' of run r-1');
    expect(out).toContain('| 3D-RPL |');
    expect(readdirSync(o)).toContain('figure-data-efficiency.png');
    expect(readdirSync(o)).toContain('table-by-region.tex');
  });

  it('rebuilds with the file\'s current report blocks (presentation only), or as recorded on request', async () => {
    putRun(record('r-1', 'ok', '2026-01-01T00:00:00Z'));
    writeFileSync(join(dir, 'exp.ssl'), COMPILING);
    const o = join(dir, 'out');
    expect(await command.run([join(dir, 'exp.ssl'), '--out', o, '--quiet'])).toBe(0);
    expect(err).toContain('using its current report blocks');
    expect(readdirSync(o)).toEqual(['table-fresh.csv']);
    err = '';
    const o2 = join(dir, 'out2');
    expect(await command.run([join(dir, 'exp.ssl'), '--out', o2, '--quiet', '--as-recorded'])).toBe(0);
    expect(err).toContain('as it was recorded');
    expect(readdirSync(o2)).not.toContain('table-fresh.csv');
  });

  it('picks the newest run of this file\'s experiment, not another experiment\'s in a shared cache', async () => {
    putRun(record('r-mine', 'ok', '2026-01-01T00:00:00Z'));
    putRun({ ...record('r-other', 'ok', '2026-01-05T00:00:00Z'), experiment: 'someone-else' });
    writeFileSync(join(dir, 'exp.ssl'), COMPILING);
    expect(await command.run([join(dir, 'exp.ssl'), '--out', join(dir, 'o'), '--quiet'])).toBe(0);
    expect(out).toContain('of run r-mine');
    writeFileSync(join(dir, 'exp.ssl'), COMPILING.replace('experiment fixture-brats', 'experiment not-run-yet'));
    expect(await command.run([join(dir, 'exp.ssl'), '--out', join(dir, 'o2'), '--quiet'])).toBe(1);
    expect(err).toMatch(/SSL170: no run of experiment 'not-run-yet'.*fixture-brats, someone-else|SSL170: no run of experiment 'not-run-yet'.*someone-else, fixture-brats/);
  });

  it('rejects bad usage and a malformed record', async () => {
    expect(await command.run([])).toBe(2);
    expect(await command.run([join(dir, 'exp.ssl'), '--bogus'])).toBe(2);
    mkdirSync(join(dir, '.ssl3d', 'runs', 'bad'), { recursive: true });
    writeFileSync(join(dir, '.ssl3d', 'runs', 'bad', 'record.json'), '{not json');
    expect(await command.run([join(dir, 'exp.ssl'), '--run', 'bad'])).toBe(1);
    expect(err).toContain('SSL171');
    // s6 attack: `--run ../../..` read <cache>/runs/../../../record.json, outside the cache
    writeFileSync(join(dir, 'record.json'), '{not json');
    for (const run of ['../..', '..', 'x/../../..', '/etc']) {
      err = '';
      expect(await command.run([join(dir, 'exp.ssl'), '--run', run]), run).toBe(2);
      expect(err).toContain('--run takes a run id');
      expect(err).not.toContain('SSL171');
    }
  });
});

// QA scenario 3: broken datasets through the real CLI (`check --data`, `run`). Every problem must be
// a located error (code + the file), a non-zero exit, no stack trace, and no half-written cache entry.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badExperiment, writeBadData, type BadCase } from './bad-data.js';

const env = { ...process.env, SSL3D_FROM_SOURCE: '1', NO_COLOR: '1', CI: '1' };
const cli = (args: string[]) => spawnSync(process.execPath, ['bin/ssl3d.js', ...args], { encoding: 'utf8', env, timeout: 90_000 });
/** A JS stack frame line ("    at fn (file:1:2)"). */
const STACK = /^\s+at .+(\(|:\d+:\d+)/m;

let dir = '';
let bad: BadCase[] = [];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ssl3d-qa-bad-'));
  bad = await writeBadData(dir);
  writeFileSync(join(dir, 'bad.ssl'), badExperiment(bad));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('QA: bad data inputs', () => {
  it('check --data names every broken file with its code, exits 1, no stack trace', () => {
    const r = cli(['check', '--data', join(dir, 'bad.ssl')]);
    expect(r.status).toBe(1);
    expect(r.stderr + r.stdout).not.toMatch(STACK);
    const lines = r.stderr.split('\n');
    for (const b of bad) {
      const line = lines.find((l) => l.includes(`dataset ${b.name}:`));
      expect(line, `no error line for ${b.name}:\n${r.stderr}`).toBeDefined();
      expect(line).toContain(b.names);
      expect(line).toMatch(new RegExp(`error ${b.code}`));
    }
    // s6 attack: a reader's message that starts with the file made the line name it twice
    for (const l of lines.filter((x) => / error SSL1\d\d: /.test(x))) {
      const file = l.slice(0, l.indexOf(': error'));
      expect(l.includes(`: ${file}: `), l).toBe(false);
    }
  });

  it('a CSV grade outside the classes is located at file:line', () => {
    const r = cli(['check', '--data', join(dir, 'bad.ssl')]);
    expect(r.stderr).toMatch(/train\.csv:4: diagnosis 7 of img0002 is outside the declared classes 0\.\.4/);
  });

  it('run fails every broken data node with its code, writes no node entry and leaves tmp/ empty', () => {
    const cache = join(dir, 'cache');
    const r = cli(['run', join(dir, 'bad.ssl'), '--cache', cache, '--ui', 'plain']);
    expect(r.status).toBe(1);
    const all = r.stdout + r.stderr;
    expect(all).not.toMatch(STACK);
    for (const b of bad) expect(all).toMatch(new RegExp(`error ${b.code}\\d* in data:${b.name}: .*${b.names.replace(/[.*]/g, '\\$&')}`));
    expect(existsSync(join(cache, 'nodes')) ? readdirSync(join(cache, 'nodes')) : []).toEqual([]);
    expect(existsSync(join(cache, 'tmp')) ? readdirSync(join(cache, 'tmp')) : []).toEqual([]);
  });
});

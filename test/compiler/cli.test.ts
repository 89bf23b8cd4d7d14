// `ssl3d check` / `ssl3d plan` exit codes and output, by spawning the CLI from source.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/ssl3d.js', ...args], { encoding: 'utf8', env: { ...process.env, SSL3D_FROM_SOURCE: '1', NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('ssl3d check / plan (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ssl3d-cli-'));

  it('exit 0 on a clean file, 1 with located diagnostics, 2 on usage errors', () => {
    const bad = join(dir, 'bad.ssl');
    writeFileSync(bad, 'experiment x { seed = 1 }\nencoder e = unet3d { prest = small }\n');
    const r = cli('check', 'experiments/quickstart.ssl', bad, '--no-color');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('experiments/quickstart.ssl: ok');
    expect(r.stderr).toContain(`${bad}:2:22: error SSL023: unknown key 'prest'`);
    expect(r.stderr).toContain("did you mean 'preset'?");
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const missing = cli('check', join(dir, 'nope.ssl'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no such file');
    // a loop of symbolic links, and a link to nothing, are named as such (were "no such file")
    symlinkSync('loop-b.ssl', join(dir, 'loop-a.ssl'));
    symlinkSync('loop-a.ssl', join(dir, 'loop-b.ssl'));
    symlinkSync('gone.ssl', join(dir, 'dangling.ssl'));
    const loop = cli('check', join(dir, 'loop-a.ssl'));
    expect(loop.status).toBe(2);
    expect(loop.stderr).toContain('its symbolic links form a loop');
    const dangling = cli('plan', join(dir, 'dangling.ssl'));
    expect(dangling.status).toBe(2);
    expect(dangling.stderr).toContain('it is a symbolic link to gone.ssl, which does not exist');
    expect(cli('check', '--bogus', 'experiments/quickstart.ssl').status).toBe(2);
  }, 60_000);

  it('--json diagnostics and plan --json print machine-readable output', () => {
    const j = cli('check', '--json', 'experiments/quickstart.ssl', '--set', 'rot3d.train.epochs=10%');
    expect(j.status).toBe(1);
    const diags = JSON.parse(j.stdout) as Array<{ code: string; file: string; column: number }>;
    expect(diags.map((d) => [d.code, d.file, d.column])).toEqual([['SSL026', '--set[1]', 20]]);
    const p = cli('plan', '--json', 'experiments/quickstart.ssl');
    expect(p.status).toBe(0);
    const g = JSON.parse(p.stdout) as { nodes: Array<{ id: string }> };
    expect(g.nodes[0]!.id).toBe('data:corpus');
    const t = cli('plan', 'experiments/quickstart.ssl', '--cache', join(dir, 'cache'));
    expect(t.status).toBe(0);
    expect(t.stdout).toMatch(/pretrain:rot3d\s+[0-9a-f]{12}/);
    expect(t.stdout).toMatch(/cache: 0 cached, 0 partial, \d+ to-run/);
    expect(t.stdout).toMatch(/cost: .* params, .* MB act, .* GFLOP\/step, \d+ steps/);
  }, 60_000);
});

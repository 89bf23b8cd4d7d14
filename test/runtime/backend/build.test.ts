// The install-time build never fails the installation: without a compiler it warns once (SSL202)
// and exits 0, leaving any existing addon untouched.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addonPath } from '../../../runtime/backend/addon.js';
import { packageRoot } from '../../../runtime/version.js';

describe('native/build.mjs', () => {
  it('exits 0 with one SSL202 warning when no C++ compiler is available', () => {
    const before = existsSync(addonPath()) ? statSync(addonPath()).mtimeMs : null;
    const r = spawnSync(process.execPath, [join(packageRoot(), 'native', 'build.mjs')], {
      env: { PATH: '/nonexistent-ssl3d-path', CXX: 'ssl3d-no-such-compiler' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('SSL202'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/no C\+\+ compiler/);
    const after = existsSync(addonPath()) ? statSync(addonPath()).mtimeMs : null;
    expect(after).toBe(before);
  });

  it('can be skipped with SSL3D_SKIP_NATIVE_BUILD=1', () => {
    const r = spawnSync(process.execPath, [join(packageRoot(), 'native', 'build.mjs')], {
      env: { ...process.env, SSL3D_SKIP_NATIVE_BUILD: '1' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/skipped/);
  });
});

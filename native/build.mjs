#!/usr/bin/env node
// Builds the ssl3d C++ kernel addon (native/build/ssl3d_native.node) with the system C++ compiler
// and the Node-API headers from the `node-api-headers` package: no node-gyp, no downloads.
// Runs from package.json's "install" script. It NEVER fails the installation: without a compiler,
// or if compilation fails, it prints one warning and exits 0; ssl3d then trains on tfjs `cpu`.
//
// The kernels are compiled three times (AVX-512, AVX2+FMA, baseline) and the addon picks one at
// load time from the CPU's features, so the binary is safe to copy to another x86-64 machine.
// Usage: node native/build.mjs [--quiet] [--debug]

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const src = join(here, 'src');
const out = join(here, 'build');
const quiet = process.argv.includes('--quiet');
const debug = process.argv.includes('--debug');
const log = (m) => { if (!quiet) console.log(`ssl3d native: ${m}`); };
const warn = (m) => console.warn(`ssl3d warning [SSL202]: ${m} — ssl3d will use the slower tfjs 'cpu' backend (see docs/performance.md).`);

function findCompiler() {
  const candidates = [process.env.CXX, 'g++', 'c++', 'clang++'].filter(Boolean);
  for (const c of candidates) {
    const r = spawnSync(c, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return c;
  }
  return null;
}

function findHeaders() {
  const require = createRequire(join(root, 'package.json'));
  try {
    const pkg = require.resolve('node-api-headers/package.json');
    const inc = join(dirname(pkg), 'include');
    if (existsSync(join(inc, 'node_api.h'))) return inc;
  } catch { /* fall through */ }
  // Node's own headers, when installed (e.g. /usr/include/node or <prefix>/include/node).
  const nodeInc = join(dirname(dirname(process.execPath)), 'include', 'node');
  if (existsSync(join(nodeInc, 'node_api.h'))) return nodeInc;
  return null;
}

function run(cmd, args) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.stderr.on('data', (d) => (text += d));
    p.on('error', (e) => resolve({ ok: false, text: String(e) }));
    p.on('close', (code) => resolve({ ok: code === 0, text }));
  });
}

async function main() {
  if (process.env.SSL3D_SKIP_NATIVE_BUILD === '1') {
    log('skipped (SSL3D_SKIP_NATIVE_BUILD=1)');
    return;
  }
  const cxx = findCompiler();
  if (!cxx) return warn('no C++ compiler found (set CXX, or install g++/clang++), so the native kernels were not built');
  const inc = findHeaders();
  if (!inc) return warn('Node-API headers not found (install the node-api-headers package)');
  const x86 = process.arch === 'x64' || process.arch === 'ia32';
  mkdirSync(out, { recursive: true });
  const opt = debug ? ['-O0', '-g'] : ['-O3'];
  const common = ['-std=c++17', '-fPIC', '-fvisibility=hidden', '-ffp-contract=fast', '-fno-math-errno', '-pthread', `-I${inc}`, ...opt];
  const units = [
    { name: 'kernels_avx512', flags: x86 ? ['-DSSL3D_NS=ssl3d_avx512', '-mavx512f', '-mavx512bw', '-mavx512vl', '-mavx512dq', '-mavx2', '-mfma', '-mprefer-vector-width=512'] : ['-DSSL3D_NS=ssl3d_avx512'] },
    { name: 'kernels_avx2', flags: x86 ? ['-DSSL3D_NS=ssl3d_avx2', '-mavx2', '-mfma'] : ['-DSSL3D_NS=ssl3d_avx2'] },
    { name: 'kernels_base', flags: ['-DSSL3D_NS=ssl3d_base'] },
  ];
  const t0 = Date.now();
  const jobs = units.map((u) => run(cxx, [...common, ...u.flags, '-c', join(src, 'kernels.cpp'), '-o', join(out, `${u.name}.o`)]));
  jobs.push(run(cxx, [...common, '-c', join(src, 'addon.cpp'), '-o', join(out, 'addon.o')]));
  const results = await Promise.all(jobs);
  const bad = results.find((r) => !r.ok);
  if (bad) {
    if (!quiet) console.error(bad.text);
    return warn(`compiling the kernels with ${cxx} failed (output above)`);
  }
  const objs = [...units.map((u) => join(out, `${u.name}.o`)), join(out, 'addon.o')];
  const tmp = join(out, 'ssl3d_native.node.tmp');
  const linkFlags = process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : [];
  const link = await run(cxx, ['-shared', '-pthread', ...linkFlags, ...objs, '-o', tmp]);
  if (!link.ok) {
    if (!quiet) console.error(link.text);
    return warn(`linking the addon with ${cxx} failed (output above)`);
  }
  renameSync(tmp, join(out, 'ssl3d_native.node'));
  for (const o of objs) rmSync(o, { force: true });
  // Smoke test: load it and run one tiny kernel, so a broken binary is caught at install time.
  try {
    const require = createRequire(import.meta.url);
    const addon = require(join(out, 'ssl3d_native.node'));
    const y = new Float32Array(1);
    addon.matmul(Float32Array.of(2), Float32Array.of(3), y, Int32Array.of(1, 1, 1, 1, 1, 0, 0));
    if (y[0] !== 6) throw new Error(`self-test gave ${y[0]}, expected 6`);
    log(`built native/build/ssl3d_native.node in ${((Date.now() - t0) / 1000).toFixed(1)} s (${addon.isa()}, ${addon.threads()} threads)`);
  } catch (e) {
    rmSync(join(out, 'ssl3d_native.node'), { force: true });
    return warn(`the built addon failed its self-test (${e.message})`);
  }
}

main().catch((e) => warn(`unexpected build error: ${e.message}`)).finally(() => { process.exitCode = 0; });

// A run of the fake graph (fake handlers, no training) for the hardening tests.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunEvent } from '../../../runtime/events.js';
import { createEventStream } from '../../../runtime/executor/emitter.js';
import { handlersFrom } from '../../../runtime/executor/handlers.js';
import { runSession } from '../../../runtime/executor/session.js';
import { fakeGraph, fakeHandlers, type FakeOptions, type GraphOptions } from '../executor/fixtures/fake.js';

export const tmp = (prefix = 'ssl3d-harden-'): string => mkdtempSync(join(tmpdir(), prefix));

export async function runFake(cacheDir: string, g: GraphOptions = {}, f: FakeOptions = {}, signal?: AbortSignal) {
  const graph = fakeGraph(g);
  const stream = createEventStream();
  const events: RunEvent[] = [];
  stream.subscribe((e) => events.push(e));
  const calls: string[] = [];
  const result = await runSession({
    graph,
    cacheDir,
    baseDir: cacheDir,
    handlers: handlersFrom(fakeHandlers({ ...f, calls })),
    stream,
    signal: signal ?? new AbortController().signal,
    backend: { name: 'cpu', reason: 'test' },
    source: { file: 'fake.ssl', hash: graph.source.hash, text: 'x' },
    versions: { node: process.version, tfjs: 'none', ssl3d: 'test' },
    cpu: { model: 'test', cores: 1, features: [] },
  });
  return { graph, events, calls, result };
}

export const warnings = (events: RunEvent[]): string[] => events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));

/** Bundle a TypeScript entry into one plain .mjs (child processes start far faster than via tsx). */
export async function bundle(entry: string): Promise<string> {
  const { buildSync } = await import('esbuild');
  // Inside node_modules so that the bundle's external packages resolve from the project.
  const root = join(__dirname, '..', '..', '..', 'node_modules', '.cache');
  mkdirSync(root, { recursive: true });
  const out = join(mkdtempSync(join(root, 'ssl3d-test-bundle-')), 'main.mjs');
  buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'silent', packages: 'external' });
  return out;
}

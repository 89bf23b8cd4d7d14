// A run of the fake graph (fake handlers, no training) for the hardening tests.
import { mkdtempSync } from 'node:fs';
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

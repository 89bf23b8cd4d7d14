import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../runtime/events.js';
import type { RunRecord } from '../../../runtime/record.js';
import { cacheStates, cacheStatesDeep, nodeDir } from '../../../runtime/executor/cache.js';
import { checkpointRoot, clearCheckpoints, findCheckpoint, saveCheckpoint } from '../../../runtime/executor/checkpoints.js';
import { createEventStream } from '../../../runtime/executor/emitter.js';
import { handlersFrom } from '../../../runtime/executor/handlers.js';
import { acquireLock } from '../../../runtime/executor/lock.js';
import { runSession } from '../../../runtime/executor/session.js';
import { fakeGraph, fakeHandlers } from './fixtures/fake.js';
import { runFake as run, tmp as harnessTmp } from '../harden/harness.js';

// the fake-graph run shared with the hardening tests
const tmp = (): string => harnessTmp('ssl3d-exec-');

describe('executor', () => {
  it('runs nodes in dependency order and writes manifests, a record and events', async () => {
    const dir = tmp();
    const { graph, events, calls, result } = await run(dir);
    expect(result.status).toBe('ok');
    expect(calls).toEqual(graph.nodes.map((n) => n.id));
    for (const n of graph.nodes) {
      const m = JSON.parse(readFileSync(join(nodeDir(dir, n.hash), 'node.json'), 'utf8'));
      expect(m.id).toBe(n.id);
      expect(m.files.every((f: { sha256: string }) => /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);
    }
    expect(events[0]!.type).toBe('run-start');
    expect(events.at(-1)).toMatchObject({ type: 'run-end', status: 'ok' });
    const record = JSON.parse(readFileSync(join(result.runDir, 'record.json'), 'utf8')) as RunRecord;
    expect(record.status).toBe('ok');
    expect(Object.keys(record.artifacts.metrics).sort()).toEqual(['evaluate:finetune/100%/r0', 'evaluate:scratch/100%/r0']);
    expect(Object.keys(record.artifacts.histories)).toHaveLength(2);
    expect(record.nodes['pretrain:rot']!.epochs).toHaveLength(3);
    const lines = readFileSync(join(result.runDir, 'events.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(events.length);
    expect(readFileSync(join(dir, 'runs', 'latest'), 'utf8').trim()).toBe(result.runId);
    // checkpoints are removed once a node finishes; no lock or temp folders left behind
    expect(existsSync(join(dir, 'checkpoints', graph.nodes[1]!.hash))).toBe(false);
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  });

  it('a second run hits the cache: no handler calls, no step or epoch events', async () => {
    const dir = tmp();
    await run(dir);
    const second = await run(dir);
    expect(second.calls).toEqual([]);
    expect(second.events.filter((e) => e.type === 'step' || e.type === 'epoch' || e.type === 'node-start')).toEqual([]);
    expect(second.events.filter((e) => e.type === 'node-end').every((e) => e.type === 'node-end' && e.status === 'cached')).toBe(true);
    const record = JSON.parse(readFileSync(join(second.result.runDir, 'record.json'), 'utf8')) as RunRecord;
    expect(Object.keys(record.artifacts.metrics)).toHaveLength(2); // copied from cached entries too
    const states = cacheStates(second.graph, dir);
    expect(Object.values(states).every((s) => s.state === 'cached')).toBe(true);
  });

  it('changing one fine-tuning parameter reruns only that arm and what depends on it', async () => {
    const dir = tmp();
    await run(dir);
    const states = cacheStates(fakeGraph({ finetuneLr: 0.05 }), dir);
    expect(states['finetune:finetune/100%/r0']).toMatchObject({ state: 'to-run' });
    expect(states['finetune:finetune/100%/r0']!.reason).toMatch(/no cache entry for hash [0-9a-f]{8}/);
    expect(states['evaluate:finetune/100%/r0']).toMatchObject({ state: 'to-run', reason: 'input finetune:finetune/100%/r0 will rerun' });
    expect(states['pretrain:rot']!.state).toBe('cached');
    const second = await run(dir, { finetuneLr: 0.05 });
    expect(second.calls).toEqual(['finetune:finetune/100%/r0', 'evaluate:finetune/100%/r0', 'report:main']);
  });

  it('a failing handler leaves no cache entry; dependants are skipped and independent nodes continue', async () => {
    const dir = tmp();
    const { graph, events, result } = await run(dir, {}, { failNodes: ['finetune:finetune/100%/r0'] });
    expect(result.status).toBe('failed');
    const ft = graph.nodes.find((n) => n.id === 'finetune:finetune/100%/r0')!;
    expect(existsSync(nodeDir(dir, ft.hash))).toBe(false);
    expect(readdirSync(join(dir, 'tmp')).filter((n) => n !== 'trash')).toEqual([]);
    expect(result.nodes['evaluate:scratch/100%/r0']).toBe('ok');
    expect(result.nodes['evaluate:finetune/100%/r0']).toBe('skipped');
    expect(result.nodes['report:main']).toBe('skipped');
    const err = events.find((e) => e.type === 'error');
    expect(err).toMatchObject({ code: 'SSL131', node: 'finetune:finetune/100%/r0' });
    expect(err && err.type === 'error' ? err.message : '').not.toMatch(/\n\s+at /);
    const crash = await run(tmp(), {}, { crashNodes: ['data:ph'] });
    expect(crash.events.find((e) => e.type === 'error')).toMatchObject({ code: 'SSL184', message: 'internal error in data:ph: boom in data' });
  });

  it('a second run on a locked cache gets SSL180; a stale lock (dead pid) is taken over', async () => {
    const dir = tmp();
    const lock = acquireLock(dir);
    await expect(run(dir)).rejects.toMatchObject({ code: 'SSL180' });
    lock.release();
    writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), startedAt: 'x', command: 'x' }));
    const { result } = await run(dir);
    expect(result.status).toBe('ok');
  });

  it('detects a corrupt cache entry (sha256 mismatch), warns and recomputes it', async () => {
    const dir = tmp();
    const first = await run(dir);
    const pre = first.graph.nodes.find((n) => n.id === 'pretrain:rot')!;
    const file = join(nodeDir(dir, pre.hash), 'encoder.json');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/\d/, (d) => String((Number(d) + 1) % 10))); // same size, other bytes
    expect(cacheStates(first.graph, dir)['pretrain:rot']!.state).toBe('cached'); // sizes only
    expect((await cacheStatesDeep(first.graph, dir))['pretrain:rot']).toMatchObject({ state: 'to-run' });
    const second = await run(dir);
    expect(second.calls).toEqual(['pretrain:rot']);
    const warn = second.events.find((e) => e.type === 'warning');
    expect(warn && warn.type === 'warning' ? warn.message : '').toMatch(/SSL182 .*corrupt: file encoder\.json has sha256/);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('saves, loads and cleans up checkpoints; a damaged newest checkpoint falls back to the previous', async () => {
    const dir = tmp();
    for (const e of [1, 2, 3]) await saveCheckpoint(dir, 'abc', e, async (d) => writeFileSync(join(d, 'w.bin'), `weights-${e}`));
    expect(readdirSync(checkpointRoot(dir, 'abc')).sort()).toEqual(['epoch-2', 'epoch-3', 'latest']);
    expect(await findCheckpoint(dir, 'abc')).toMatchObject({ epoch: 3 });
    writeFileSync(join(checkpointRoot(dir, 'abc'), 'epoch-3', 'w.bin'), 'weights-X');
    const back = await findCheckpoint(dir, 'abc');
    expect(back).toMatchObject({ epoch: 2 });
    expect(back!.rejected[0]).toMatch(/epoch-3: file w\.bin has sha256/);
    clearCheckpoints(dir, 'abc');
    expect(await findCheckpoint(dir, 'abc')).toBeNull();
  });

  it('an interrupted node resumes from its checkpoint and ends with the same numbers', async () => {
    const dir = tmp();
    const controller = new AbortController();
    const stream = createEventStream();
    // abort once the pretrain node has written its second checkpoint
    const graph = fakeGraph();
    const interrupted = await (async () => {
      const events: RunEvent[] = [];
      stream.subscribe((e) => {
        events.push(e);
        if (e.type === 'checkpoint' && e.node === 'pretrain:rot' && e.epoch === 2) controller.abort();
      });
      const result = await runSession({
        graph,
        cacheDir: dir,
        baseDir: dir,
        handlers: handlersFrom(fakeHandlers()),
        stream,
        signal: controller.signal,
        backend: { name: 'cpu', reason: 'test' },
        source: { file: 'fake.ssl', hash: 'h', text: 'x' },
        versions: { node: process.version, tfjs: 'none', ssl3d: 'test' },
        cpu: { model: 'test', cores: 1, features: [] },
      });
      return { result, events };
    })();
    expect(interrupted.result.status).toBe('interrupted');
    expect(cacheStates(graph, dir)['pretrain:rot']).toEqual({ state: 'partial', reason: 'checkpoint at epoch 2/3' });
    const record = JSON.parse(readFileSync(join(interrupted.result.runDir, 'record.json'), 'utf8')) as RunRecord;
    expect(record.status).toBe('interrupted');
    expect(record.nodes['pretrain:rot']!.status).toBe('interrupted');
    const resumed = await run(dir);
    expect(resumed.events.find((e) => e.type === 'node-start' && e.node === 'pretrain:rot')).toMatchObject({ resumeEpoch: 2 });
    expect(resumed.events.filter((e) => e.type === 'epoch' && e.node === 'pretrain:rot').map((e) => (e.type === 'epoch' ? e.epoch : 0))).toEqual([3]);
    const clean = await run(tmp());
    const dice = (r: typeof clean) => r.events.filter((e) => e.type === 'node-end' && e.node.startsWith('evaluate')).map((e) => (e.type === 'node-end' ? e.summary : {}));
    expect(dice(resumed)).toEqual(dice(clean));
  });

  it('SIGINT in a spawned run: checkpoint, interrupted record, exit code 130', async () => {
    const dir = tmp();
    const eventsFile = join(dir, 'events.jsonl');
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'run-fake.ts'), dir, eventsFile, '40'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setInterval(() => {
        if (existsSync(eventsFile) && readFileSync(eventsFile, 'utf8').includes('"type":"checkpoint"')) {
          clearInterval(timer);
          child.kill('SIGINT');
        }
      }, 20);
      child.on('exit', (c) => (clearInterval(timer), resolve(c)));
    });
    expect(stderr).toBe('');
    expect(code).toBe(130);
    const events = readFileSync(eventsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RunEvent);
    expect(events.at(-1)).toMatchObject({ type: 'run-end', status: 'interrupted' });
    const runId = readFileSync(join(dir, 'runs', 'latest'), 'utf8').trim();
    const record = JSON.parse(readFileSync(join(dir, 'runs', runId, 'record.json'), 'utf8')) as RunRecord;
    expect(record.status).toBe('interrupted');
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  });
});

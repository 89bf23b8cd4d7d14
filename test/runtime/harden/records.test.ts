// #17.6: a run killed with SIGKILL leaves a `running` record; the next run marks it `interrupted`
// (SSL189). A report of a partial run says which evaluations are missing.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportInputFromRecord, writeReport, defaultReportSpec } from '../../../report/index.js';
import type { RunRecord } from '../../../runtime/record.js';
import { bundle, runFake, tmp, warnings } from './harness.js';

describe('orphaned run records (#17.6)', () => {
  it('kill -9 mid-run: the next run marks the record interrupted (SSL189) and takes the lock over', async () => {
    const dir = tmp();
    const eventsFile = join(dir, 'child-events.jsonl');
    const script = await bundle(join(__dirname, '..', 'executor', 'fixtures', 'run-fake.ts'));
    const child = spawn(process.execPath, [script, dir, eventsFile, '40'], { stdio: ['ignore', 'ignore', 'pipe'], cwd: join(__dirname, '..', '..', '..') });
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (existsSync(eventsFile) && readFileSync(eventsFile, 'utf8').includes('"type":"checkpoint"')) {
          clearInterval(timer);
          child.kill('SIGKILL');
        }
      }, 20);
      child.on('exit', () => (clearInterval(timer), resolve()));
    });
    const killedId = readFileSync(join(dir, 'runs', 'latest'), 'utf8').trim();
    const recordPath = join(dir, 'runs', killedId, 'record.json');
    expect((JSON.parse(readFileSync(recordPath, 'utf8')) as RunRecord).status).toBe('running');
    expect(existsSync(join(dir, 'lock'))).toBe(true); // left by the dead process
    const next = await runFake(dir, { pretrainEpochs: 4, finetuneEpochs: 3, steps: 4 });
    expect(next.result.status).toBe('ok');
    expect(warnings(next.events).join('\n')).toContain(`SSL189 run ${killedId} was left 'running' by a process that died`);
    const old = JSON.parse(readFileSync(recordPath, 'utf8')) as RunRecord;
    expect(old.status).toBe('interrupted');
    expect(old.interruption?.reason).toBe('process-died');
    // a later run finds nothing more to mark
    const third = await runFake(dir, { pretrainEpochs: 4, finetuneEpochs: 3, steps: 4 });
    expect(warnings(third.events).join('\n')).not.toContain('SSL189');
  }, 60_000);

  it('runs/latest made a folder: the run stops with SSL186 naming it (was Node\'s rename words about a vanished temp file) (s7)', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'runs', 'latest'), { recursive: true });
    const { events, result } = await runFake(dir);
    expect(result.status).toBe('failed');
    const errors = events.flatMap((e) => (e.type === 'error' ? [`${e.code} ${e.message}`] : []));
    expect(errors.join('\n')).toContain(`SSL186 cannot write the run record: ${join(dir, 'runs', 'latest')} is a folder, not a file: remove it`);
    expect(errors.join('\n')).not.toContain('.tmp-');
  });

  it('an edited run record is SSL171 naming the fault, not "internal error: … is not iterable" (s7)', async () => {
    const dir = tmp();
    const { result } = await runFake(dir);
    const good = JSON.parse(readFileSync(join(result.runDir, 'record.json'), 'utf8')) as RunRecord;
    const [ev] = Object.keys(good.artifacts.metrics);
    type Editable = { graph: { nodes: Array<{ kind: string }> } | null; artifacts: { metrics: Record<string, { perCase: unknown; aggregate: unknown }> } };
    const edited = (edit: (r: Editable) => void): RunRecord => {
      const r = JSON.parse(JSON.stringify(good)) as Editable;
      edit(r);
      return r as unknown as RunRecord;
    };
    expect(() => reportInputFromRecord(edited((r) => (r.artifacts.metrics[ev!].perCase = null)))).toThrow(`the metrics of ${ev} is malformed (perCase is not a list of { id, values })`);
    expect(() => reportInputFromRecord(edited((r) => (r.artifacts.metrics[ev!].aggregate = { dice: 'x' })))).toThrow('aggregate is not a table of numbers');
    expect(() => reportInputFromRecord(edited((r) => ((r.graph!.nodes as unknown[])[0] = 'x')))).toThrow('run record is malformed: node 0 of the graph is not { id, kind, inputs, params }');
    const { recordProblem } = await import('../../../report/index.js');
    expect(recordProblem(edited((r) => (r.graph = null)))).toBe('it lacks the graph');
    expect(recordProblem(good)).toBeNull();
    expect(reportInputFromRecord(good).results.length).toBeGreaterThan(0);
  });

  it('a report of a partial run names the evaluations that are missing', async () => {
    const dir = tmp();
    const { result } = await runFake(dir);
    const record = JSON.parse(readFileSync(join(result.runDir, 'record.json'), 'utf8')) as RunRecord;
    const [gone] = Object.keys(record.artifacts.metrics);
    delete record.artifacts.metrics[gone!];
    record.nodes[gone!]!.status = 'interrupted';
    record.status = 'interrupted';
    const input = reportInputFromRecord(record);
    expect(input.missing).toEqual([{ id: gone, status: 'interrupted' }]);
    const out = join(dir, 'report');
    const written = await writeReport(input, { ...defaultReportSpec(input), formats: ['md'] }, out);
    expect(written.warnings.join('\n')).toContain(`1 of 2 evaluations have no result`);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain(`**⚠ Partial results:**`);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain(`${gone} (interrupted)`);
  });
});

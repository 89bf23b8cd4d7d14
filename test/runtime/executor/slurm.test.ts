// The Slurm executor without a Slurm: sbatch lines, resources, settings, the parsers of
// Slurm's output, submission and watching against a fake queue. (The real cluster test is
// test/slurm/cluster.slurm.ts, `npm run test:slurm`.)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../../compiler/index.js';
import type { ExecutionGraph } from '../../../core/graph.js';
import type { RunEvent } from '../../../runtime/events.js';
import { commitEntry, makeWorkDir } from '../../../runtime/executor/cache.js';
import { createEventStream } from '../../../runtime/executor/emitter.js';
import { jobEvents, jobLog, jobName, latestFile, submissionFile } from '../../../runtime/executor/slurm/layout.js';
import { baseState, isTerminal, parseSacct, parseSbatch, parseScontrol, parseSqueue, type JobState, type SlurmClient } from '../../../runtime/executor/slurm/queue.js';
import { estimateMemoryMB, nodeResources } from '../../../runtime/executor/slurm/resources.js';
import { planScript, sbatchArgs, scriptWord, shellQuote, type SbatchContext } from '../../../runtime/executor/slurm/sbatch.js';
import { loadProfile, resolveSettings, type SlurmSettings } from '../../../runtime/executor/slurm/settings.js';
import { readSubmission, submitGraph } from '../../../runtime/executor/slurm/submit.js';
import { logTail, readNewLines, watchJobs } from '../../../runtime/executor/slurm/watch.js';
import { parseRunNodeArgs } from '../../../cli/commands/run-node.js';

const sweep = join(__dirname, '..', '..', 'slurm', 'fixtures', 'sweep.ssl');
const graph = (): ExecutionGraph => compileFile(sweep).graph!;
const settings = (over: Partial<SlurmSettings> = {}): SlurmSettings => ({
  partition: null, account: null, time: null, maxJobs: null, requeue: false, sbatch: [], resources: {}, command: ['node', '/opt/ssl3d/bin/ssl3d.js'], ...over,
});
const ctx = (g: ExecutionGraph, s = settings(), backend = 'auto'): SbatchContext => ({ graph: g, settings: s, cacheDir: '/shared/c', baseDir: '/shared/exp', graphPath: '/shared/c/slurm/runs/R/graph.json', backend });
const tmp = (): string => mkdtempSync(join(tmpdir(), 'ssl3d-slurm-unit-'));

describe('sbatch lines', () => {
  it('one job per node: name from the hash, afterok on the inputs, resources, the run-node command', () => {
    const g = graph();
    const ft = g.nodes.find((n) => n.id === 'finetune:rot3d/finetune/50%/r0')!;
    const args = sbatchArgs({ node: ft, after: ['11', '12'], window: null }, ctx(g, settings({ partition: 'gpu', account: 'lab', time: '4:00:00', requeue: true, sbatch: ['--qos=long'] })));
    expect(args).toContain(`--job-name=${jobName(ft.hash)}`);
    expect(args).toContain('--dependency=afterok:11:12');
    expect(args).toContain('--kill-on-invalid-dep=yes');
    expect(args).toEqual(expect.arrayContaining(['--partition=gpu', '--account=lab', '--time=4:00:00', '--requeue', '--qos=long', '--cpus-per-task=4', '--parsable']));
    expect(args.find((a) => a.startsWith('--output='))).toBe(`--output=/shared/c/slurm/jobs/${ft.hash}/%j.log`);
    expect(args.at(-1)).toBe(`--wrap=node /opt/ssl3d/bin/ssl3d.js run-node --graph /shared/c/slurm/runs/R/graph.json --node finetune:rot3d/finetune/50%/r0 --cache /shared/c --base /shared/exp --backend auto`);
    expect(args.some((a) => a.startsWith('--gres'))).toBe(false);
    const first = sbatchArgs({ node: g.nodes[0]!, after: [], window: '7' }, ctx(g));
    expect(first).toContain('--dependency=afterany:7');
    expect(first).toContain('--no-requeue');
  });

  it('memory from the cost estimate with headroom; per-kind overrides; a GPU for GPU backends', () => {
    const g = graph();
    const pre = g.nodes.find((n) => n.kind === 'pretrain')!;
    const r = nodeResources(pre, g, settings(), 'native');
    expect(r.memoryFrom).toBe('estimate');
    expect(r.memoryMB % 512).toBe(0);
    expect(r.memoryMB).toBeGreaterThanOrEqual(estimateMemoryMB(pre, g) * 1.5);
    expect(r.cpus).toBe(4);
    expect(r.gpus).toBe(0);
    expect(nodeResources(pre, g, settings(), 'webgpu').gpus).toBe(1);
    const set = nodeResources(pre, g, settings({ time: '60', resources: { pretrain: { memoryGB: 16, cpus: 8, gpus: 2, time: '1-00:00:00' } } }), 'native');
    expect(set).toEqual({ memoryMB: 16384, cpus: 8, gpus: 2, time: '1-00:00:00', memoryFrom: 'setting' });
    expect(nodeResources(g.nodes[0]!, g, settings({ time: '60' }), 'native').time).toBe('60');
    const line = sbatchArgs({ node: pre, after: [], window: null }, ctx(g, settings(), 'webgpu'));
    expect(line).toContain('--gres=gpu:1');
  });

  it('the dry run: cached nodes as comments, $J variables for dependencies, the max-jobs window', () => {
    const g = graph();
    const script = planScript(ctx(g, settings({ maxJobs: 2 })), new Set(['data:corpus']), { 'data:corpus': 'finished today' });
    expect(script).toContain('# data:corpus: cached (finished today)');
    expect(script).toMatch(/^J1=\$\(sbatch .*--job-name=ssl3d-[0-9a-f]{16} /m); // pretrain: its input is cached, no dependency
    expect(script.split('\n').find((l) => l.startsWith('J1='))).not.toContain('--dependency');
    expect(script).toMatch(/^J3=\$\(sbatch .*"--dependency=afterok:\$J2:\$J1,afterany:\$J1"/m);
    expect((script.match(/^J\d+=/gm) ?? []).length).toBe(11);
    expect(script).toContain('mkdir -p /shared/c/slurm/jobs/');
    expect(planScript(ctx(g), new Set(g.nodes.map((n) => n.id)))).toContain('nothing to submit');
  });

  it('a % of the cache folder is doubled in --output; a backslash there is refused with SSL197 (#17, s7)', () => {
    const g = graph();
    const n = g.nodes[0]!;
    // Slurm reads `%x` as the job name: a project in `/shared/50%x` must keep its folder name
    const args = sbatchArgs({ node: n, after: [], window: null }, { ...ctx(g), cacheDir: '/shared/50%x/c' });
    expect(args.find((a) => a.startsWith('--output='))).toBe(`--output=/shared/50%%x/c/slurm/jobs/${n.hash}/%j.log`);
    expect(() => sbatchArgs({ node: n, after: [], window: null }, { ...ctx(g), cacheDir: '/shared/a\\b/c' })).toThrow(/holds a backslash/);
  });

  it('quotes words for the shell', () => {
    expect(shellQuote('a/b-c.d')).toBe('a/b-c.d');
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
    expect(shellQuote('')).toBe("''");
  });

  it('writes hostile words of the dry run visibly, and bash reads them back exactly (#17.3)', () => {
    // a partition with a newline, a command substitution, an escape sequence, a quote, a bidi override
    const word = "--partition=gpu\n$(touch /tmp/x)\u001b]0;PWN\u0007\u001b[2J'\\x\u202e\t\u{e0041}";
    const quoted = scriptWord(word);
    expect(quoted).toBe("$'--partition=gpu\\x0a$(touch /tmp/x)\\x1b]0;PWN\\x07\\x1b[2J\\'\\\\x\\xe2\\x80\\xae\\x09\\xf3\\xa0\\x81\\x81'");
    // eslint-disable-next-line no-control-regex
    expect(quoted).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/u);
    // in the C locale too (s7: \u202e was read back as the six characters `\u202E` there)
    for (const LC_ALL of ['C.UTF-8', 'C']) {
      const bash = spawnSync('bash', ['-c', `printf %s ${quoted}`], { encoding: 'utf8', env: { ...process.env, LC_ALL } });
      if (bash.error) return; // no bash here: the form is checked above
      expect(bash.stdout).toBe(word);
    }
    expect(scriptWord('plain/word')).toBe('plain/word');
  });
});

describe('Slurm output parsers', () => {
  it('squeue, sacct, scontrol and sbatch', () => {
    expect(parseSqueue('12|ssl3d-0123456789abcdef|PENDING|Dependency\n13|x|RUNNING|None\n\n')).toEqual([
      { jobId: '12', name: 'ssl3d-0123456789abcdef', state: 'PENDING', reason: 'Dependency', exitCode: null },
      { jobId: '13', name: 'x', state: 'RUNNING', reason: 'None', exitCode: null },
    ]);
    expect(parseSacct('7|ssl3d-a|CANCELLED by 0|0:15\n7.batch|batch|CANCELLED|0:15\n8|b|COMPLETED|0:0\n')).toEqual([
      { jobId: '7', name: 'ssl3d-a', state: 'CANCELLED', reason: '', exitCode: '0:15' },
      { jobId: '8', name: 'b', state: 'COMPLETED', reason: '', exitCode: '0:0' },
    ]);
    expect(parseScontrol('JobId=2 JobName=ssl3d-x UserId=root(0) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=3:0 RunTime=00:00:01')).toEqual({
      jobId: '2', name: 'ssl3d-x', state: 'FAILED', reason: 'NonZeroExitCode', exitCode: '3:0',
    });
    expect(parseScontrol('slurm_load_jobs error: Invalid job id specified')).toBeNull();
    expect(parseSbatch('123\n')).toBe('123');
    expect(parseSbatch('124;cluster2\n')).toBe('124');
    expect(parseSbatch('sbatch: error: Batch job submission failed')).toBeNull();
    expect(baseState('COMPLETED+')).toBe('COMPLETED');
    expect(isTerminal('CANCELLED by 1000')).toBe(true);
    expect(isTerminal('PENDING')).toBe(false);
    expect(isTerminal('REQUEUED')).toBe(false);
  });
});

describe('executor settings', () => {
  it('profile < experiment < command line; sbatch options add up', () => {
    const s = resolveSettings(
      { kind: 'slurm', partition: 'exp', sbatch: ['--b'], resources: { finetune: { cpus: 2 } } },
      { partition: 'site', account: 'lab', time: '60', sbatch: ['--a'], resources: { finetune: { memoryGB: 8 } }, command: 'node /x/ssl3d.js' },
      { requeue: true },
    );
    expect(s).toEqual({ partition: 'exp', account: 'lab', time: '60', maxJobs: null, requeue: true, sbatch: ['--a', '--b'], resources: { finetune: { memoryGB: 8, cpus: 2 } }, command: ['node', '/x/ssl3d.js'] });
    expect(resolveSettings(undefined, null).command[1]).toMatch(/bin[/\\]ssl3d\.js$/);
  });

  it('a broken profile is a located SSL197, a missing one is empty', () => {
    const dir = tmp();
    expect(loadProfile({ SSL3D_PROFILE: join(dir, 'none.json') }).executor).toBeNull();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "executor": { "maxJobs": 0 } }');
    expect(() => loadProfile({ SSL3D_PROFILE: bad })).toThrow(/maxJobs/);
    writeFileSync(bad, '{ "executor": { "partiton": "x" } }');
    expect(() => loadProfile({ SSL3D_PROFILE: bad })).toThrow(/unknown key executor.partiton/);
    writeFileSync(bad, '{ nope');
    try {
      loadProfile({ SSL3D_PROFILE: bad });
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string; file: string }).code).toBe('SSL197');
      expect((err as { file: string }).file).toBe(bad);
    }
    // numbers sbatch cannot take (s7: memoryGB 1e308 became --mem=InfinityM; a 20-digit time)
    for (const r of [{ memoryGB: 1e308 }, { cpus: 5000 }, { gpus: 65 }, { time: '99999999999999999999:0' }]) {
      writeFileSync(bad, JSON.stringify({ executor: { resources: { finetune: r } } }));
      expect(() => loadProfile({ SSL3D_PROFILE: bad })).toThrow(/has a bad value/);
    }
    writeFileSync(bad, JSON.stringify({ executor: { kind: 'slurm', partition: 'p', resources: { evaluate: { memoryGB: 2, time: '30' } } } }));
    expect(loadProfile({ SSL3D_PROFILE: bad }).executor).toEqual({ kind: 'slurm', partition: 'p', resources: { evaluate: { memoryGB: 2, time: '30' } } });
  });

  it('executor numbers beyond what sbatch takes are located errors in the file (s7)', () => {
    const dir = tmp();
    const f = join(dir, 'e.ssl');
    const src = readFileSync(sweep, 'utf8');
    const cases = [
      ['pretrain { cpus = 1 }', 'pretrain { cpus = 1, memory = 1e308 GB }', 'SSL026'],
      ['max-jobs = 6', 'max-jobs = 6, time = 1e20 minutes', 'SSL026'],
      ['max-jobs = 6', 'max-jobs = 6, time = "99999999999999999999:0"', 'SSL029'],
    ] as const;
    for (const [from, to, code] of cases) {
      writeFileSync(f, src.replace(from, to));
      expect(compileFile(f).diagnostics.map((d) => d.code)).toEqual([code]);
    }
    writeFileSync(f, src.replace('pretrain { cpus = 1 }', 'pretrain { cpus = 1, memory = 65536 GB }'));
    expect(compileFile(f).diagnostics).toEqual([]);
  });

  it('run-node arguments', () => {
    expect(parseRunNodeArgs(['--graph', 'g.json', '--node', 'data:x', '--cache', 'c', '--base', 'b'])).toEqual({ graph: 'g.json', node: 'data:x', cache: 'c', base: 'b', backend: null });
    expect(parseRunNodeArgs(['--graph=g.json', '--node', 'n', '--cache', 'c'])).toBe('missing --base');
    expect(parseRunNodeArgs(['--frob'])).toMatch(/unknown argument/);
  });
});

/** A queue in memory: sbatch assigns ids; tests set states. */
function fakeQueue(): SlurmClient & { jobs: Map<string, JobState & { args: string[] }>; cancelled: string[]; failNext: boolean } {
  let next = 100;
  const jobs = new Map<string, JobState & { args: string[] }>();
  const cancelled: string[] = [];
  return {
    jobs,
    cancelled,
    failNext: false,
    async sbatch(args) {
      if (this.failNext) throw Object.assign(new Error('sbatch failed: invalid partition'), { code: 'SSL196' });
      const id = String(next++);
      const name = args.find((a) => a.startsWith('--job-name='))!.slice(11);
      jobs.set(id, { jobId: id, name, state: 'PENDING', reason: 'None', exitCode: null, args });
      return id;
    },
    async queue() {
      return [...jobs.values()].map(({ args: _a, ...j }) => j);
    },
    async history() {
      return [];
    },
    async show(id) {
      const j = jobs.get(id);
      return j ? { jobId: j.jobId, name: j.name, state: j.state, reason: j.reason, exitCode: j.exitCode } : null;
    },
    async cancel(ids) {
      cancelled.push(...ids);
      for (const id of ids) jobs.get(id)!.state = 'CANCELLED';
    },
  };
}

async function cacheNode(cacheDir: string, g: ExecutionGraph, id: string): Promise<void> {
  const node = g.nodes.find((n) => n.id === id)!;
  const dir = makeWorkDir(cacheDir, node);
  writeFileSync(join(dir, 'out.txt'), id);
  await commitEntry(cacheDir, node, dir, { x: 1 }, 5);
}

describe('submission and watching against a fake queue', () => {
  it('submits only uncached nodes, waits on live jobs of the same node, and is all-or-nothing', async () => {
    const g = graph();
    const cacheDir = tmp();
    await cacheNode(cacheDir, g, 'data:corpus');
    const q = fakeQueue();
    const live = g.nodes.find((n) => n.id === 'data:tumours')!;
    q.jobs.set('7', { jobId: '7', name: jobName(live.hash), state: 'RUNNING', reason: 'None', exitCode: null, args: [] });
    const { submission } = await submitGraph({ graph: g, cacheDir, baseDir: '/b', file: sweep, settings: settings({ maxJobs: 6 }), backend: 'auto', client: q, runId: 'r1' });
    expect(submission.cached).toEqual(['data:corpus']);
    expect(submission.jobs['data:tumours']).toEqual({ jobId: '7', hash: live.hash, submitted: false });
    expect(Object.values(submission.jobs).filter((j) => j.submitted)).toHaveLength(10);
    const ft = submission.jobs['finetune:scratch/scratch/50%/r0']!;
    expect(q.jobs.get(ft.jobId)!.args).toContain('--dependency=afterok:7');
    const pre = q.jobs.get(submission.jobs['pretrain:rot3d']!.jobId)!;
    expect(pre.args.some((a) => a.startsWith('--dependency'))).toBe(false);
    // the seventh job of this submission waits (afterany) for its first
    const seventh = [...q.jobs.values()].filter((j) => j.args.length)[6]!;
    expect(seventh.args.find((a) => a.startsWith('--dependency'))).toMatch(/afterany:100$/);

    // a second submitter sees the live jobs by name and submits nothing
    const again = await submitGraph({ graph: g, cacheDir, baseDir: '/b', file: sweep, settings: settings(), backend: 'auto', client: q, runId: 'r2' });
    expect(Object.values(again.submission.jobs).every((j) => !j.submitted)).toBe(true);

    // a failed sbatch cancels what this submission had submitted
    const q2 = fakeQueue();
    let calls = 0;
    const sb = q2.sbatch.bind(q2);
    q2.sbatch = async (args) => {
      if (++calls === 3) throw new Error('sbatch failed');
      return sb(args);
    };
    await expect(submitGraph({ graph: g, cacheDir: tmp(), baseDir: '/b', file: sweep, settings: settings(), backend: 'auto', client: q2, runId: 'r3' })).rejects.toThrow(/sbatch failed/);
    expect(q2.cancelled).toEqual(['100', '101']);
  });

  it('forwards job events; reports failed jobs with their log tail and cancelled dependents as skipped', async () => {
    const g = graph();
    const cacheDir = tmp();
    const q = fakeQueue();
    const { submission } = await submitGraph({ graph: g, cacheDir, baseDir: '/b', file: sweep, settings: settings(), backend: 'auto', client: q, runId: 'r1' });
    const job = (id: string): string => submission.jobs[id]!.jobId;
    const stream = createEventStream();
    const seen: RunEvent[] = [];
    stream.subscribe((e) => seen.push(e));
    const set = (id: string, state: string, reason = 'None', exitCode: string | null = null): void => {
      Object.assign(q.jobs.get(job(id))!, { state, reason, exitCode });
    };
    // every data, pretrain and scratch node succeeds (committed to the cache, events written)
    for (const n of g.nodes) {
      if (n.id.includes('rot3d/finetune') || n.kind === 'report') continue;
      await cacheNode(cacheDir, g, n.id);
      const ev = jobEvents(cacheDir, n.hash, job(n.id));
      mkdirSync(join(ev, '..'), { recursive: true });
      writeFileSync(ev, [{ t: 1, type: 'node-start', node: n.id, kind: n.kind, resumeEpoch: 0, totalEpochs: null, stepsPerEpoch: null }, { t: 2, type: 'node-end', node: n.id, status: 'ok', durationMs: 1, summary: {} }].map((e) => JSON.stringify(e)).join('\n') + '\n');
      set(n.id, 'COMPLETED');
    }
    // one fine-tuning job runs out of memory; the other fine-tuning job was scancelled by hand
    const oom = 'finetune:rot3d/finetune/50%/r0';
    const node = g.nodes.find((n) => n.id === oom)!;
    mkdirSync(join(jobLog(cacheDir, node.hash, job(oom)), '..'), { recursive: true });
    writeFileSync(jobLog(cacheDir, node.hash, job(oom)), 'line 1\nslurmstepd: error: Detected 1 oom_kill event\n');
    set(oom, 'OUT_OF_MEMORY', 'OutOfMemory', '0:125');
    set('finetune:rot3d/finetune/100%/r0', 'CANCELLED', 'Dependency');
    for (const id of ['evaluate:rot3d/finetune/50%/r0', 'evaluate:rot3d/finetune/100%/r0', 'report:summary']) set(id, 'CANCELLED', 'DependencyNeverSatisfied');
    const res = await watchJobs({ submission, graph: g, client: q, emit: stream.emit, signal: new AbortController().signal, pollMs: 1 });
    expect(res.status).toBe('failed');
    expect(res.nodes[oom]).toBe('failed');
    expect(res.nodes['finetune:rot3d/finetune/100%/r0']).toBe('failed');
    expect(res.nodes['evaluate:rot3d/finetune/50%/r0']).toBe('skipped');
    expect(res.nodes['report:summary']).toBe('skipped');
    expect(res.nodes['pretrain:rot3d']).toBe('ok');
    const err = seen.find((e) => e.type === 'error' && e.node === oom);
    expect(err && err.type === 'error' && err.message).toMatch(new RegExp(`^Slurm job ${job(oom)} OUT_OF_MEMORY \\(exit 0:125, OutOfMemory\\); log .*\\n    line 1\\n    slurmstepd: error: Detected 1 oom_kill event$`));
    const skip = seen.find((e) => e.type === 'warning' && e.node === 'evaluate:rot3d/finetune/50%/r0');
    expect(skip && skip.type === 'warning' && skip.message).toBe(`cancelled by Slurm (job ${job('evaluate:rot3d/finetune/50%/r0')}): input ${oom} failed`);
    expect(seen.filter((e) => e.type === 'node-end' && e.status === 'ok')).toHaveLength(7);
  });

  it('a forged or broken job events file: only well-formed events of the job\'s own node pass; a FIFO as job log is skipped (s7)', async () => {
    const g = graph();
    const cacheDir = tmp();
    const q = fakeQueue();
    const { submission } = await submitGraph({ graph: g, cacheDir, baseDir: '/b', file: sweep, settings: settings(), backend: 'auto', client: q, runId: 'r1' });
    const seen: RunEvent[] = [];
    const stream = createEventStream();
    stream.subscribe((e) => seen.push(e));
    const n = g.nodes[0]!;
    const jobId = submission.jobs[n.id]!.jobId;
    const ev = jobEvents(cacheDir, n.hash, jobId);
    mkdirSync(join(ev, '..'), { recursive: true });
    const lines = [
      { t: 1, type: 'node-end', node: '__proto__', status: 'ok', durationMs: 1, summary: {} }, // reached Object.prototype in the record
      { t: 1, type: 'epoch', node: n.id, epoch: 1, totalEpochs: 2, loss: 1, durationMs: 1 }, // no metrics: threw in the renderers
      { t: 1, type: 'node-end', node: g.nodes[1]!.id, status: 'ok', durationMs: 1, summary: {} }, // another node's outcome
      { t: 1, type: 'node-start', node: n.id, kind: 'report', resumeEpoch: 0, totalEpochs: null, stepsPerEpoch: null }, // wrong kind
      { t: 'x', type: 'warning', node: null, message: 'm' },
      [1, 2],
      { t: 2, type: 'warning', node: null, message: 'kept' },
      { t: 3, type: 'node-end', node: n.id, status: 'ok', durationMs: 1, summary: { dice: 0.5, bad: 'x' } },
    ];
    writeFileSync(ev, lines.map((e) => JSON.stringify(e)).join('\n') + '\nnot json\n');
    for (const j of q.jobs.values()) Object.assign(j, { state: 'FAILED', exitCode: '1:0' });
    for (const other of g.nodes.slice(1)) {
      const log = jobLog(cacheDir, other.hash, submission.jobs[other.id]!.jobId);
      mkdirSync(join(log, '..'), { recursive: true });
      if (other === g.nodes[1]) spawnSync('mkfifo', [log]); // blocked the failure report before
    }
    const res = await watchJobs({ submission, graph: g, client: q, emit: stream.emit, signal: new AbortController().signal, pollMs: 1 });
    expect(({} as Record<string, unknown>)['status']).toBeUndefined();
    expect(res.nodes[n.id]).toBe('ok');
    expect(res.nodes[g.nodes[1]!.id]).toBe('failed');
    expect(seen.filter((e) => e.type === 'epoch' || e.type === 'node-start')).toEqual([]);
    expect(seen.filter((e) => e.type === 'warning').map((e) => e.type === 'warning' && e.message)).toContain('kept');
    const end = seen.find((e) => e.type === 'node-end' && e.node === n.id);
    expect(end && end.type === 'node-end' && { ...end.summary }).toEqual({ dice: 0.5 });
  });

  it('readNewLines reads a regular file only, in bounded chunks (s7)', () => {
    const dir = tmp();
    expect(readNewLines(dir, 0)).toEqual({ lines: [], offset: 0 }); // a folder
    const f = join(dir, 'big.jsonl');
    writeFileSync(f, 'x'.repeat(5 << 20) + '\n{"a":1}\n');
    const r1 = readNewLines(f, 0);
    expect(r1).toEqual({ lines: [], offset: 4 << 20 }); // no line end in the first 4 MB: skipped
    expect(readNewLines(f, r1.offset).lines).toEqual(['x'.repeat(1 << 20), '{"a":1}']);
  });

  it('Ctrl-C stops watching and names the unfinished jobs', async () => {
    const g = graph();
    const cacheDir = tmp();
    const q = fakeQueue();
    const { submission } = await submitGraph({ graph: g, cacheDir, baseDir: '/b', file: sweep, settings: settings(), backend: 'auto', client: q, runId: 'r1' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const res = await watchJobs({ submission, graph: g, client: q, emit: createEventStream().emit, signal: controller.signal, pollMs: 5 });
    expect(res.status).toBe('interrupted');
    expect(res.unfinished).toHaveLength(12);
  });

  it('reads only whole new lines; log tails drop colour codes', () => {
    const dir = tmp();
    const f = join(dir, 'e.jsonl');
    writeFileSync(f, '{"a":1}\n{"b":');
    const r1 = readNewLines(f, 0);
    expect(r1.lines).toEqual(['{"a":1}']);
    writeFileSync(f, '{"a":1}\n{"b":2}\n');
    expect(readNewLines(f, r1.offset).lines).toEqual(['{"b":2}']);
    writeFileSync(join(dir, 'l.log'), '\u001b[31mred\u001b[0m\n\n' + Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n'));
    expect(logTail(join(dir, 'l.log'), 3)).toEqual(['l17', 'l18', 'l19']);
    expect(logTail(join(dir, 'l.log'), 30)[0]).toBe('red');
  });
});

describe('reading a submission back (s6 attack)', () => {
  it('a named pipe as slurm/latest is no submission (ssl3d status hung on it); a run id never leaves slurm/runs/', () => {
    const cache = mkdtempSync(join(tmpdir(), 'ssl3d-slurm-read-'));
    mkdirSync(join(latestFile(cache), '..'), { recursive: true });
    const fifo = spawnSync('mkfifo', [latestFile(cache)]);
    if (fifo.status === 0) {
      const t0 = Date.now();
      expect(readSubmission(cache)).toBeNull();
      expect(Date.now() - t0).toBeLessThan(2000);
    }
    // a submission planted outside slurm/runs/ is not read through a crafted id
    const outside = join(cache, 'elsewhere');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'submission.json'), JSON.stringify({ version: 1, jobs: {} }));
    const crafted = join('..', '..', 'elsewhere');
    expect(submissionFile(cache, crafted)).toContain('elsewhere');
    expect(readSubmission(cache, crafted)).toBeNull();
  });

  it('a forged submission.json: job ids and hashes must have their form; its cache and graph are where it was found (s7)', () => {
    const cache = mkdtempSync(join(tmpdir(), 'ssl3d-slurm-forged-'));
    const hash = 'a'.repeat(64);
    const write = (s: unknown): void => {
      mkdirSync(join(submissionFile(cache, 'r1'), '..'), { recursive: true });
      writeFileSync(submissionFile(cache, 'r1'), JSON.stringify(s));
    };
    const base = { version: 1, runId: 'r1', cacheDir: '/elsewhere', graphPath: '/elsewhere/g.json', cached: [], jobs: { 'data:x': { jobId: '12', hash, submitted: true } } };
    write(base);
    expect(readSubmission(cache, 'r1')).toMatchObject({ cacheDir: cache, graphPath: join(cache, 'slurm', 'runs', 'r1', 'graph.json') });
    for (const job of [{ jobId: '12; rm -rf ~', hash }, { jobId: '12', hash: '../../../../var' }, null]) {
      write({ ...base, jobs: { 'data:x': job } });
      expect(readSubmission(cache, 'r1')).toBeNull();
    }
    write({ ...base, cached: null });
    expect(readSubmission(cache, 'r1')).toBeNull();
  });
});

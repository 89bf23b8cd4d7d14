// Issue #16.2: a report shows only the sweep it names; rows of different sweeps never pool.
// The user's file: a 3D and a 2D sweep, each with its own scratch baseline, and one report per
// sweep. Before the fix both reports listed every row and averaged the two scratch baselines
// into one "scratch" row as if they were repetitions.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { command } from '../../cli/commands/report.js';
import type { ExecutionGraph } from '../../core/graph.js';
import { compileSource } from '../../compiler/index.js';
import { buildTable, reportInputFromRecord, reportScopes, writeReport } from '../../report/index.js';
import type { EvalMetrics, RunRecord } from '../../runtime/record.js';
import type { RunEvent } from '../../runtime/events.js';
import { resultTables, viewFrom } from '../../cli/ui/state.js';

const SOURCE = `experiment dims { seed = 3 }
dataset corpus = phantom3d { anatomy = brain, cases = 12, channels = 1, size = 16x16x16, labelled = false }
dataset tumours = phantom3d { anatomy = brain, cases = 20, channels = 1, size = 16x16x16 }
encoder e3 = unet3d { preset = small }
encoder e2 = unet2d { preset = small }
pretext rot3 = rotation { data = corpus, encoder = e3, train { epochs = 1 } }
pretext rot2 = rotation { data = corpus, encoder = e2, slices { axis = axial, per-volume = 4 }, train { epochs = 1 } }
finetune seg = segmentation { data = tumours, encoder = e2, warmup = 1 epochs, slices { axis = axial, per-volume = 4 }, train { epochs = 2 } }
finetune seg3 = segmentation { data = tumours, warmup = 1 epochs, train { epochs = 2 } }
evaluate ev { fractions = [50%, 100%], repetitions = 2, metrics = [dice.WT] }
sweep s3 { methods = [rot3, scratch], finetune = seg3, evaluate = ev }
sweep s2 { methods = [rot2, scratch], finetune = seg, evaluate = ev }
report r3 { sweep = s3  table t { rows = method, columns = fraction }  formats = [md] }
report r2 { sweep = s2  table t { rows = method, columns = fraction }  formats = [md] }
`;

function graphOf(text: string): ExecutionGraph {
  const r = compileSource(text, 'dims.ssl', { readFile: () => { throw new Error('no imports'); } });
  if (!r.graph) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n'));
  return r.graph;
}

/** Invented numbers: the 3D scratch scores 0.80, the 2D scratch 0.40, pretrained 0.70 / 0.30. */
function recordOf(graph: ExecutionGraph): RunRecord {
  const metrics: Record<string, EvalMetrics> = {};
  for (const n of graph.nodes) {
    if (n.kind !== 'evaluate') continue;
    const is3d = n.id.includes('s3.');
    const v = (n.params.arm === 'scratch' ? 0.8 : 0.7) - (is3d ? 0 : 0.4) + n.params.repetition * 0.01;
    metrics[n.id] = { aggregate: { dice_WT: v }, perCase: [], emptyPolicy: 'one', testCases: 5 };
  }
  return {
    runId: 'run-1', experiment: graph.experiment, startedAt: '2026-12-04T00:00:00Z', endedAt: '2026-12-04T00:01:00Z', status: 'ok',
    source: { file: 'dims.ssl', hash: graph.source.hash, text: SOURCE }, graph,
    versions: { node: 'v20', tfjs: '4.22.0', ssl3d: '0.1.0' }, backend: { name: 'cpu', reason: 'test' }, cpu: { model: 'x', cores: 2, features: [] }, seed: 3, nodes: {},
    artifacts: { metrics, histories: {} },
  };
}

describe('#16.2 reports show the sweep they name', () => {
  const graph = graphOf(SOURCE);
  const record = recordOf(graph);

  it('each report reads only its own sweep; the two scratch baselines stay apart', () => {
    const scopes = reportScopes(graph);
    expect(scopes.map((s) => `${s.name}:${s.sweep}`)).toEqual(['r3:s3', 'r2:s2']);
    for (const s of scopes) {
      const input = reportInputFromRecord(record, s.evaluateIds);
      expect(input.results.length).toBe(8); // 2 methods × 2 fractions × 2 repetitions
      const t = buildTable(input, s.spec!.tables[0]!);
      expect(t.rows.map((r) => r.label)).toEqual(['scratch', s.sweep === 's3' ? '3D-Rotation' : '2D-Rotation']);
      const scratch = t.rows[0]!.cells[1]!.summary;
      expect(scratch.n).toBe(2); // two repetitions, not four
      expect(scratch.mean).toBeCloseTo(s.sweep === 's3' ? 0.805 : 0.405, 10);
    }
  });

  it('refuses to pool two sweeps into one table', async () => {
    const all = reportInputFromRecord(record);
    await expect(writeReport(all, reportScopes(graph)[0]!.spec!, join(tmpdir(), 'never-written'))).rejects.toThrow(/different sweeps/);
  });

  it('a multi-sweep graph without report blocks gets one default report per sweep', () => {
    const bare = graphOf(SOURCE.split('\n').filter((l) => !l.startsWith('report')).join('\n'));
    expect(reportScopes(bare).map((s) => `${s.name}:${s.sweep}:${s.evaluateIds.length}`)).toEqual(['report-s3:s3:8', 'report-s2:s2:8']);
  });

  describe('ssl3d report', () => {
    let dir = '';
    let out = '';
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'ssl3d-16-2-'));
      out = '';
      vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
      vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    });
    afterEach(() => {
      vi.restoreAllMocks();
      rmSync(dir, { recursive: true, force: true });
    });
    it('writes r3 with the 3D rows only and r2 with the 2D rows only', async () => {
      writeFileSync(join(dir, 'dims.ssl'), SOURCE);
      mkdirSync(join(dir, '.ssl3d', 'runs', 'run-1'), { recursive: true });
      writeFileSync(join(dir, '.ssl3d', 'runs', 'run-1', 'record.json'), JSON.stringify(record));
      expect(await command.run([join(dir, 'dims.ssl'), '--out', join(dir, 'out'), '--quiet'])).toBe(0);
      const r3 = readFileSync(join(dir, 'out', 'r3', 'table-t.md'), 'utf8');
      const r2 = readFileSync(join(dir, 'out', 'r2', 'table-t.md'), 'utf8');
      expect(r3).toContain('| 3D-Rotation |');
      expect(r3).not.toContain('2D-Rotation');
      expect(r3).toContain('| scratch | **80.50 ± 0.71** | **80.50 ± 0.71** |');
      expect(r2).toContain('| 2D-Rotation |');
      expect(r2).not.toContain('3D-Rotation');
      expect(r2).toContain('| scratch | **40.50 ± 0.71** | **40.50 ± 0.71** |');
      expect(out).toContain("report 'r3' (sweep s3)");
    });

    it('takes the run record that ssl3d run printed as FILE: that run of the experiment beside the cache', async () => {
      writeFileSync(join(dir, 'dims.ssl'), SOURCE);
      mkdirSync(join(dir, '.ssl3d', 'runs', 'run-1'), { recursive: true });
      writeFileSync(join(dir, '.ssl3d', 'runs', 'run-1', 'record.json'), JSON.stringify(record));
      expect(await command.run([join(dir, '.ssl3d', 'runs', 'run-1', 'record.json'), '--out', join(dir, 'out'), '--quiet'])).toBe(0);
      expect(readFileSync(join(dir, 'out', 'r3', 'table-t.md'), 'utf8')).toContain('| 3D-Rotation |');
      expect(out).toContain("report 'r3' (sweep s3) of run run-1");
    });

    it('a run record whose experiment file is gone: a coded error naming what to give instead', async () => {
      mkdirSync(join(dir, 'c', 'runs', 'run-1'), { recursive: true });
      writeFileSync(join(dir, 'c', 'runs', 'run-1', 'record.json'), JSON.stringify(record));
      let err = '';
      vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
      expect(await command.run([join(dir, 'c', 'runs', 'run-1', 'record.json')])).toBe(1);
      expect(err).toContain('error SSL170: ssl3d report reads the experiment file, not a run record');
      expect(err).toContain('--run run-1 --cache');
    });
  });

  it('the TUI and plain result tables keep the two scratch baselines apart', () => {
    const evals = graph.nodes.filter((n) => n.kind === 'evaluate');
    const events: RunEvent[] = [
      { t: 0, type: 'run-start', experiment: 'dims', runId: 'run-1', backend: { name: 'cpu', reason: 'test' }, nodes: evals.map((n) => ({ id: n.id, kind: n.kind, hash: n.hash, state: 'to-run' as const, method: n.params.method, fraction: n.params.fraction, repetition: n.params.repetition })) },
      ...evals.map((n, i): RunEvent => ({ t: i + 1, type: 'node-end', node: n.id, status: 'ok', durationMs: 1, summary: { testCases: 5, ...record.artifacts.metrics[n.id]!.aggregate } })),
    ];
    const [t] = resultTables(viewFrom(events));
    expect(t!.methods).toEqual(['s3: 3D-Rotation', 's3: scratch', 's2: 2D-Rotation', 's2: scratch']);
    expect(t!.cells['s3: scratch']!['1']).toMatchObject({ mean: 0.805, n: 2 });
    expect(t!.cells['s2: scratch']!['1']!.mean).toBeCloseTo(0.405, 10);
  });
});

// One rendering per report per run: `ssl3d run` (in process, the executor tests' fake handlers for
// data, training and evaluation, the real report node) copies the files the report node rendered
// into its cache entry to reports/<runId>/ instead of rendering the report again. A cached rerun
// renders nothing and still gets the files; a run whose report node could not run (a failed
// evaluation) renders the report once, from the record, and says which cells are missing.
import { mkdtempSync, copyFileSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NodeHandler } from '../../runtime/contract.js';
import type { RunRecord } from '../../runtime/record.js';

const renders: string[] = [];
vi.mock('../../report/index.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../report/index.js')>();
  return {
    ...real,
    writeReport: async (...a: Parameters<typeof real.writeReport>) => {
      renders.push(a[2]);
      return real.writeReport(...a);
    },
  };
});

const { runCli } = await import('../../cli/commands/run.js');
const { handlersFrom } = await import('../../runtime/executor/handlers.js');
const { reportHandler } = await import('../../report/node.js');
const { fakeHandlers } = await import('../runtime/executor/fixtures/fake.js');
const { PRINTOUT } = await import('../../report/deliver.js');

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ssl3d-report-road-'));
  copyFileSync(join(__dirname, 'fixtures', 'tiny.ssl'), join(dir, 'tiny.ssl'));
  return dir;
}

async function run(dir: string, failNodes: string[] = []): Promise<{ code: number; out: string; err: string; record: RunRecord }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  let code: number;
  try {
    const handlers = handlersFrom({ ...fakeHandlers({ failNodes }), report: reportHandler as unknown as NodeHandler });
    code = await runCli([join(dir, 'tiny.ssl'), '--ui', 'plain'], { handlers });
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const id = readFileSync(join(dir, '.ssl3d', 'runs', 'latest'), 'utf8').trim();
  return { code, out, err, record: JSON.parse(readFileSync(join(dir, '.ssl3d', 'runs', id, 'record.json'), 'utf8')) as RunRecord };
}

const filesOf = (dir: string): Record<string, string> => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));

describe('one report road: the report node renders, ssl3d run delivers', () => {
  afterEach(() => void (renders.length = 0));

  it('renders each report once per run, and the files users get are the node’s', async () => {
    const dir = workspace();
    const first = await run(dir);
    expect(first.code).toBe(0);
    // one rendering, by the report node, into the cache (its work folder), never into reports/
    expect(renders).toHaveLength(1);
    expect(renders[0]).toContain(join(dir, '.ssl3d'));
    const reportNode = first.record.graph.nodes.find((n) => n.kind === 'report')!;
    const entry = join(dir, '.ssl3d', 'nodes', reportNode.hash);
    const delivered = join(dir, 'reports', first.record.runId);
    const users = filesOf(delivered);
    expect(Object.keys(users)).toEqual(['report.md', 'table-regions.csv', 'table-regions.md']);
    const cached = filesOf(entry);
    for (const [f, text] of Object.entries(users)) expect(text).toBe(cached[f]);
    expect(Object.keys(users)).not.toContain(PRINTOUT);
    // the printout is the node's: its table and its file list
    expect(first.out).toContain(cached['table-regions.md']!);
    expect(first.out).toMatch(/report 'summary' → .*\/ \(table-regions\.md, table-regions\.csv, report\.md\)/);

    // a rerun finds every node cached: nothing renders, the report still lands in the new run's folder
    const second = await run(dir);
    expect(second.code).toBe(0);
    expect(second.record.nodes[reportNode.id]!.status).toBe('cached');
    expect(renders).toHaveLength(1);
    expect(filesOf(join(dir, 'reports', second.record.runId))).toEqual(users);
    expect(second.out).toContain(cached['table-regions.md']!);
  });

  it('a report whose node did not run is rendered once from the record, and says which cells are missing', async () => {
    const dir = workspace();
    const failed = 'evaluate:rot3d/finetune/50%/r0';
    const r = await run(dir, [failed]);
    expect(r.code).toBe(1);
    expect(r.record.nodes['report:summary']!.status).toBe('skipped');
    expect(renders).toEqual([join(dir, 'reports', r.record.runId)]);
    expect(r.err).toContain(`ssl3d run: report warning: partial results: 1 of 4 evaluations have no result`);
    expect(readFileSync(join(dir, 'reports', r.record.runId, 'report.md'), 'utf8')).toContain(`${failed} (failed)`);
  });
});

// The experiment's `executor` setting: parsed, checked, carried in the graph, never hashed.
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/index.js';
import { loadGraph } from '../../core/graph-schema.js';

const base = `dataset d = phantom3d { anatomy = brain, cases = 8, channels = 1, size = 16x16x16, labelled = false }
encoder m = unet3d { levels = 2, filters = [4, 8] }
pretext r = rotation { data = d, encoder = m, train { epochs = 1, batch = 2 } }
`;
const withExecutor = (executor: string): string => `experiment e {\n  seed = 1\n${executor}\n}\n${base}`;

describe('experiment executor setting', () => {
  it('lowers a slurm block into graph.executor and keeps node hashes unchanged', () => {
    const plain = compileSource(withExecutor(''), 'e.ssl');
    const slurm = compileSource(
      withExecutor(`  executor = slurm {
    partition = "gpu"
    account = "lab"
    time = "1-00:00:00"
    max-jobs = 3
    requeue = true
    sbatch = ["--qos=long"]
    finetune { memory = 16 GB, cpus = 4, gpus = 1, time = 90 min }
  }`),
      'e.ssl',
    );
    expect(slurm.diagnostics).toEqual([]);
    expect(slurm.graph!.executor).toEqual({
      kind: 'slurm',
      partition: 'gpu',
      account: 'lab',
      time: '1-00:00:00',
      maxJobs: 3,
      requeue: true,
      sbatch: ['--qos=long'],
      resources: { finetune: { memoryGB: 16, cpus: 4, gpus: 1, time: '90' } },
    });
    expect(plain.graph!.executor).toBeUndefined();
    expect(slurm.graph!.nodes.map((n) => n.hash)).toEqual(plain.graph!.nodes.map((n) => n.hash));
    // a saved graph with the setting still validates
    expect(loadGraph(JSON.parse(JSON.stringify(slurm.graph))).executor?.kind).toBe('slurm');
    expect(compileSource(withExecutor('  executor = slurm'), 'e.ssl').graph!.executor).toEqual({ kind: 'slurm' });
  });

  it('reports bad values as located diagnostics', () => {
    const r = compileSource(withExecutor('  executor = slurm { max-jobs = 0, time = "soon", data { cpus = 0 } }'), 'e.ssl');
    const codes = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}:${d.span.startLine}`);
    expect(codes.length).toBeGreaterThanOrEqual(3);
    expect(r.diagnostics.every((d) => d.span.file === 'e.ssl')).toBe(true);
  });
});

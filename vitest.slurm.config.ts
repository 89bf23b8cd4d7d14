import { defineConfig } from 'vitest/config';

// `npm run test:slurm`: the tests that start a real Slurm (root, Debian's slurmctld/slurmd/munge).
export default defineConfig({
  test: {
    include: ['test/slurm/**/*.slurm.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});

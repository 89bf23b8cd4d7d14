import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // `ssl3d plan` would otherwise measure the backend (~1 s) and cache it in ~/.cache; tests
    // of the estimate use a fake probe (test/cli/plan-estimate.test.ts)
    env: { SSL3D_NO_PROBE: '1' },
  },
});

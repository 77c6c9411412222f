import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Tests run the TypeScript sources of every @cell package (the `source` export condition), never a stale build.
  resolve: { conditions: ['cell-source'] },
  ssr: { resolve: { conditions: ['cell-source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Every tree a test starts serves its metrics and dashboard on free ports, never on the defaults 9464 and 9465.
    env: { CELL_METRICS: '127.0.0.1:0', CELL_DASHBOARD: '127.0.0.1:0' },
  },
});

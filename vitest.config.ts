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
  },
});

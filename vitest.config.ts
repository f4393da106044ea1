import { defineConfig } from 'vitest/config';

// Projects: fast unit tests; integration tests over real HTTP and a real Redis; the workerd project
// lives in test/workers/vitest.config.ts (it needs the Workers pool) and is run by scripts/test.mjs.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'adapters/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});

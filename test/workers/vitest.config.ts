import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { writeDocsAssets } from '../../scripts/docs-assets.mjs';
import { buildIoredisBundle } from './build-ioredis-bundle.mjs';

/**
 * The workers project: tests that run inside workerd (`@cloudflare/vitest-pool-workers`), with the
 * bindings of wrangler.toml. `npm test` runs it after the Node projects (scripts/test.mjs).
 *
 * - `main` is test/workers/support/test-worker.ts: the production `createWorker` behind a shell the
 *   tests steer (fresh gateway, clock, background tasks); `SELF.fetch` reaches it.
 * - `ioredis` is aliased to a pre-bundled copy (built here, before any test file loads): the pool's
 *   module shim cannot load the package itself (TOOLCHAIN.md).
 * - `TEST_REDIS_URL` is the Redis `npm test` found; only the Redis tests hand it to the gateway.
 */
const ioredisBundle = await buildIoredisBundle();
// wrangler.toml's `[assets]` directory must exist before the pool reads the config.
await writeDocsAssets();

export default defineConfig({
  plugins: [
    cloudflareTest({
      main: './test/workers/support/test-worker.ts',
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: { TEST_REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
      },
    }),
  ],
  resolve: { alias: { ioredis: ioredisBundle } },
  test: {
    name: 'workers',
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/workers/**/*.test.ts'],
    // Generous: other suites share this 2-core machine, and workerd requests are slower under load.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});

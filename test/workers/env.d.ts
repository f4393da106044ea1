/// <reference types="@cloudflare/vitest-pool-workers/types" />

// The bindings of the workers project: wrangler.toml's [vars] plus what test/workers/vitest.config.ts adds.
declare namespace Cloudflare {
  interface Env {
    LOG_LEVEL: string;
    CACHE_TTL_SECONDS: string;
    CACHE_STALE_SECONDS: string;
    CHARGEBEE_REQUESTS_PER_MINUTE: string;
    /** The Redis the Redis tests point the gateway at (REDIS_URL of `npm test`). */
    TEST_REDIS_URL: string;
  }
}

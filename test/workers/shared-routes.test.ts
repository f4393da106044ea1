import { SELF } from 'cloudflare:test';
import { describeSharedRouteSuites, sharedRouteEnv } from '../shared';
import { backgroundSettled, restartGateway } from './support/test-worker';

/**
 * The shared route suites inside workerd: every request goes through `SELF.fetch` into the Worker's
 * `fetch` handler (the production `createWorker`), each in its own request context, with the vars of
 * wrangler.toml. Memory tier only: test/workers/redis.test.ts covers Redis.
 */
describeSharedRouteSuites({
  runtime: 'workerd',
  async open(options = {}) {
    await backgroundSettled();
    restartGateway({
      env: { ...sharedRouteEnv, ...options.env, REDIS_URL: undefined },
      unreachable: options.unreachable,
    });
    return {
      call: (path, init) => SELF.fetch(new URL(path, 'http://gateway.test').toString(), init),
      close: () => backgroundSettled(),
    };
  },
});

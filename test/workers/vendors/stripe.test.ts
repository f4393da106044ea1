import { SELF } from 'cloudflare:test';
import {
  describeStripeSandboxSuite,
  stripeSuiteEnv,
} from '../../integration/vendors/stripe/stripe-sandbox-suite';
import { backgroundSettled, restartGateway } from '../support/test-worker';

/**
 * Stripe's sandbox route suite inside workerd: every request goes through `SELF.fetch` into the
 * production Worker, Web Crypto verifying the Stripe signatures. Memory tier only.
 */
describeStripeSandboxSuite({
  runtime: 'workerd',
  async open() {
    await backgroundSettled();
    restartGateway({ env: { ...stripeSuiteEnv, REDIS_URL: undefined } });
    return {
      call: (path, init) => SELF.fetch(new URL(path, 'http://gateway.test').toString(), init),
      close: () => backgroundSettled(),
    };
  },
});

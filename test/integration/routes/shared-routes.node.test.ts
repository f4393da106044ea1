import { describeSharedRouteSuites, sharedRouteEnv } from '../../shared';
import { openNodeSandboxGateway } from '../../support/node-sandbox-gateway';

/**
 * The shared route suites on Node: `createApp` in sandbox mode, wired like `src/node.ts`, memory
 * tier only. test/workers/shared-routes.test.ts runs the very same suites inside workerd.
 */
describeSharedRouteSuites({
  runtime: 'node',
  open: (options = {}) => openNodeSandboxGateway({ ...sharedRouteEnv, ...options.env }, options),
});

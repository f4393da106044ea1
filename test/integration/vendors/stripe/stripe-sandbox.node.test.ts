import { openNodeSandboxGateway } from '../../../support/node-sandbox-gateway';
import { describeStripeSandboxSuite, stripeSuiteEnv } from './stripe-sandbox-suite';

/** Stripe's sandbox route suite on Node; test/workers/vendors/stripe.test.ts runs it inside workerd. */
describeStripeSandboxSuite({
  runtime: 'node',
  open: () => openNodeSandboxGateway({ ...stripeSuiteEnv }),
});

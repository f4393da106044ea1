import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fault } from '../../../../adapters/simulator-kit';
import { EntitlementListSchema } from '../../../../schemas/page';
import type { ErrorCode } from '../../../../src/errors/codes';
import { expectProblem } from '../../../shared/route-suite-target';
import { TEST_KEY } from '../../../support/gateway';
import { startGatewayStack } from '../../../support/gateway-stack';
import { silenceSimulatedFaults } from '../../../support/resilience-stack';
import { expectDocumentedListRequest, listRequests, stripeSeed, stripeSuiteEnv } from './stripe-support';

/**
 * Stripe misbehaving, through the gateway: every fault is answered with the gateway's problem for it,
 * never a 500, and a passing fault (one bad answer) is retried into a normal answer. The stack runs on
 * virtual time, so a timeout is a held request, never a slow machine.
 */

const env = {
  ...stripeSuiteEnv,
  UPSTREAM_ATTEMPT_TIMEOUT_MS: '1000',
  UPSTREAM_DEADLINE_MS: '3000',
  UPSTREAM_MAX_ATTEMPTS: '2',
};
const rowsPath = '/v1/entitlements/active_entitlements';
const listPath = '/v1/customers/cus_demoAcme/entitlements?vendor=stripe';

/** A Stripe gateway stack on virtual time with the suite's deadlines (and `extra` variables). */
const startStack = (extra: Record<string, string> = {}) =>
  startGatewayStack({
    simulators: { stripe: stripeSeed },
    apiKey: TEST_KEY,
    env: { ...env, ...extra },
    virtualTime: true,
  });

const stripeError = (type: string, code?: string) =>
  JSON.stringify({ error: { type, ...(code === undefined ? {} : { code }), message: 'simulated' } });

const cases: ReadonlyArray<{ name: string; fault: Fault; status: number; code: ErrorCode }> = [
  {
    name: '429 rate_limit',
    fault: { kind: 'status', status: 429, body: stripeError('invalid_request_error', 'rate_limit') },
    status: 503,
    code: 'vendor_rate_limited',
  },
  {
    name: '500 api_error',
    fault: { kind: 'status', status: 500, body: stripeError('api_error') },
    status: 503,
    code: 'vendor_unavailable',
  },
  {
    name: '503 with an HTML body',
    fault: { kind: 'status', status: 503, body: '<html>maintenance</html>' },
    status: 503,
    code: 'vendor_unavailable',
  },
  { name: 'a garbage 200 body', fault: { kind: 'malformed-json' }, status: 502, code: 'vendor_bad_response' },
  {
    name: 'a 200 that is not the list envelope',
    fault: { kind: 'status', status: 200, body: '{"object":"list"}' },
    status: 502,
    code: 'vendor_bad_response',
  },
  {
    name: 'a body cut off mid-way',
    fault: { kind: 'truncated-body' },
    status: 502,
    code: 'vendor_bad_response',
  },
  { name: 'a timeout', fault: { kind: 'delay', ms: 5_000 }, status: 504, code: 'vendor_timeout' },
  {
    name: 'a dropped connection',
    fault: { kind: 'connection-reset' },
    status: 503,
    code: 'vendor_unavailable',
  },
  {
    name: '401 (a revoked key)',
    fault: { kind: 'status', status: 401, body: stripeError('invalid_request_error') },
    status: 502,
    code: 'vendor_auth_failed',
  },
  {
    name: '403 (a restricted key without the permission)',
    fault: { kind: 'status', status: 403, body: stripeError('invalid_request_error') },
    status: 502,
    code: 'vendor_auth_failed',
  },
];

describe('Stripe faults through the gateway', () => {
  let restoreConsole: () => void = () => undefined;
  beforeAll(() => {
    restoreConsole = silenceSimulatedFaults();
  });
  afterAll(() => restoreConsole());

  it.each(cases)('persistent $name → $status $code, no 500', async ({ fault, status, code }) => {
    const stack = await startStack();
    try {
      stack.simulators.stripe.kit.inject({ fault, path: rowsPath, times: Number.POSITIVE_INFINITY });
      const problem = await expectProblem(await stack.call(listPath), status, code);
      expect(problem.detail).not.toContain('simulated');
      const check = await stack.call('/v1/customers/cus_demoAcme/entitlements/sso?vendor=stripe');
      expect(check.status).not.toBe(500);
      expect(listRequests(stack.simulators.stripe).length).toBeGreaterThan(0);
      expectDocumentedListRequest(listRequests(stack.simulators.stripe)[0], 'cus_demoAcme');
    } finally {
      await stack.close();
    }
  });

  it.each(cases.filter((faultCase) => faultCase.status >= 503))(
    'one $name is retried into a normal answer',
    async ({ fault }) => {
      const stack = await startStack();
      try {
        stack.simulators.stripe.kit.inject({ fault, path: rowsPath, times: 1 });
        const response = await stack.call(listPath);
        expect(response.status).toBe(200);
        const page = EntitlementListSchema.parse(await response.json());
        expect(page.data.map((entitlement) => entitlement.featureKey)).toEqual([
          'api_access',
          'audit_log',
          'legacy_reports',
          'sso',
        ]);
        expect(listRequests(stack.simulators.stripe)).toHaveLength(2);
      } finally {
        await stack.close();
      }
    },
  );

  it.each(cases)(
    'persistent $name with a stale entry cached: 200 from the stale entry, flagged stale-if-error',
    async ({ fault }) => {
      const stack = await startStack({
        CACHE_TTL_SECONDS: '60',
        STRIPE_CACHE_TTL_SECONDS: '60',
        CACHE_STALE_SECONDS: '600',
      });
      try {
        const first = await stack.call(listPath);
        expect(first.status).toBe(200);
        const fresh = EntitlementListSchema.parse(await first.json());
        stack.clock.advance(120_000);
        stack.simulators.stripe.kit.inject({ fault, path: rowsPath, times: Number.POSITIVE_INFINITY });
        const forced = await stack.call(listPath, { headers: { 'cache-control': 'no-cache' } });
        expect(forced.status).toBe(200);
        expect(EntitlementListSchema.parse(await forced.json()).data).toEqual(fresh.data);
        expect(forced.headers.get('cache-status')).toMatch(/detail=stale-if-error$/);
      } finally {
        await stack.close();
      }
    },
  );

  it('a rate-limited Stripe asking to wait passes Retry-After on', async () => {
    const stack = await startStack();
    try {
      stack.simulators.stripe.kit.inject({
        fault: {
          kind: 'status',
          status: 429,
          body: stripeError('invalid_request_error', 'rate_limit'),
          headers: { 'retry-after': '30' },
        },
        path: rowsPath,
        times: Number.POSITIVE_INFINITY,
      });
      const response = await stack.call(listPath);
      await expectProblem(response, 503, 'vendor_rate_limited');
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await stack.close();
    }
  });
});

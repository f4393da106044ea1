import { afterAll, beforeAll, describe, it } from 'vitest';
import { generateChargebeeCustomer, mergeChargebeeDatasets } from '../../../adapters/chargebee/fixtures';
import type { VendorId } from '../../../schemas/entitlement';
import { ProblemSchema } from '../../../schemas/problem';
import { createTestClock } from '../../support/gateway';
import {
  callGateway,
  type GatewayReply,
  listPath,
  OutputAudit,
  parsedLogs,
  type ResilienceStack,
  requestLogLine,
  rowsRequests,
  silenceSimulatedFaults,
  startResilienceStack,
  vendorRequests,
  vendorTargets,
} from '../../support/resilience-stack';

/**
 * The gateway's own limits seen from its callers: the request budget absorbs a burst before the
 * vendor sees it, and the circuit breaker opens, answers without calling the vendor, probes, and
 * closes, all through the HTTP routes and visible in `/readyz`.
 */

const audit = new OutputAudit();
let restoreConsole: () => void = () => undefined;
beforeAll(() => {
  restoreConsole = silenceSimulatedFaults();
});
afterAll(() => restoreConsole());

async function readiness(stack: ResilienceStack, vendor: VendorId): Promise<string> {
  const reply = await callGateway(stack, audit, 'readyz', '/readyz');
  if (reply.status !== 200) throw new Error(`/readyz answered ${reply.status}`);
  const checks = (reply.body as { checks: Record<string, string> }).checks;
  return checks[`upstream:${vendor}`] ?? 'missing';
}

describe('request budget (Chargebee, CHARGEBEE_REQUESTS_PER_MINUTE=12)', () => {
  /** The gateway's configured budget, and the limit the simulated Chargebee enforces with its documented 429. */
  const VENDOR_LIMIT_PER_MINUTE = 12;
  const BURST_CALLERS = 30;
  const customerIds = Array.from({ length: BURST_CALLERS + 1 }, (_, index) => `burst-${index}`);

  it('holds a burst of 30 callers under the per-minute rate: callers get 200 or the gateway’s own 503 with Retry-After, the vendor never more than its limit', async ({
    expect,
  }) => {
    // A clock that only moves when told: the budget refills exactly as much as the test says.
    const clock = createTestClock();
    const stack = await startResilienceStack(audit, {
      clock,
      // No Redis: the in-process budget, on the test's clock. (With the stack's unreachable Redis the
      // budget would be the conservative fallback share; the shared budget and its fallback have their
      // own suites: test/integration/http/shared-rate-budget.redis.test.ts, scale-out/.)
      env: { CHARGEBEE_REQUESTS_PER_MINUTE: String(VENDOR_LIMIT_PER_MINUTE), REDIS_URL: '' },
      chargebee: {
        // One small catalogue page and one rows page per customer: every load costs a known number of calls.
        dataset: mergeChargebeeDatasets(
          ...customerIds.map((id) =>
            generateChargebeeCustomer(id, 3, { featurePrefix: 'burst-feature', subscriptionCount: 1 }),
          ),
        ),
      },
    });
    try {
      const kit = stack.simulators.chargebee.kit;
      // The simulator enforces Chargebee's own limit: past it, every request is a 429. The whole test
      // runs within one real minute, so this is what a real site with this limit would do.
      kit.inject({ fault: { kind: 'delay', ms: 0 }, times: VENDOR_LIMIT_PER_MINUTE });
      kit.inject({
        fault: {
          kind: 'status',
          status: 429,
          body: JSON.stringify({ message: 'limit', api_error_code: 'api_request_limit_exceeded' }),
        },
        times: Infinity,
      });

      // Warm the feature catalogue (cached for an hour) so every later load costs one call.
      const [firstCustomer, ...burstCustomers] = customerIds as [string, ...string[]];
      const warm = await callGateway(stack, audit, 'budget warm-up', listPath('chargebee', firstCustomer));
      expect(warm.status).toBe(200);
      // A quiet minute: the bucket is full again.
      clock.advance(60_000);

      const before = vendorRequests(stack, 'chargebee');
      const replies = await Promise.all(
        burstCustomers.map(async (id) => ({
          id,
          reply: await callGateway(stack, audit, 'budget burst', listPath('chargebee', id)),
        })),
      );
      const sentInBurst = vendorRequests(stack, 'chargebee') - before;
      const served = replies.filter(({ reply }) => reply.status === 200);
      const refused = replies.filter(({ reply }) => reply.status !== 200);

      // Some callers were served, the rest were refused by the gateway itself.
      expect(served.length).toBeGreaterThan(0);
      expect(refused.length).toBeGreaterThan(0);
      // Each served caller cost exactly one vendor call; the refused ones cost none.
      expect(sentInBurst).toBe(served.length);
      for (const { reply } of refused) {
        expect(reply.status).toBe(503);
        expect(ProblemSchema.parse(reply.body)).toMatchObject({
          code: 'vendor_rate_limited',
          vendor: 'chargebee',
        });
        expect(reply.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
        expect(requestLogLine(stack.logs, reply.requestId).upstream?.attempts).toBe(0);
      }
      const [firstRefused, secondRefused] = refused as [(typeof refused)[number], (typeof refused)[number]];
      const retryAfter = Number(firstRefused.reply.headers.get('retry-after'));

      // Retry-After is honest: after waiting that long, a refused caller is served...
      clock.advance(retryAfter * 1_000);
      const retried = await callGateway(stack, audit, 'budget retry', listPath('chargebee', firstRefused.id));
      expect(retried.status).toBe(200);
      // ...and the budget holds again right after.
      const again = await callGateway(
        stack,
        audit,
        'budget after retry',
        listPath('chargebee', secondRefused.id),
      );
      expect(again.status).toBe(503);
      expect(ProblemSchema.parse(again.body)).toMatchObject({ code: 'vendor_rate_limited' });

      // No 429 ever reached a caller, and the vendor never saw more than its per-minute limit (so its
      // 429 rule above never fired).
      expect(audit.exchanges.some((exchange) => exchange.status === 429)).toBe(false);
      expect(vendorRequests(stack, 'chargebee')).toBeLessThanOrEqual(VENDOR_LIMIT_PER_MINUTE);
      expect(parsedLogs(stack.logs).some((line) => line['event'] === 'upstream_budget_exhausted')).toBe(true);
    } finally {
      await stack.close();
    }
  });
});

describe.concurrent('circuit breaker through the routes', () => {
  for (const target of vendorTargets) {
    it(`${target.vendor}: opens after repeated failures, answers 503 + Retry-After without calling the vendor, probes when half-open, closes`, async ({
      expect,
    }) => {
      const stack = await startResilienceStack(audit);
      const clock = stack.clock;
      const kit = stack.simulators[target.vendor].kit;
      const probePath = listPath(target.vendor, target.otherCustomerId);
      const expectVendorProblem = (reply: GatewayReply) => {
        expect(reply.status).toBe(503);
        expect(ProblemSchema.parse(reply.body)).toMatchObject({
          code: 'vendor_unavailable',
          vendor: target.vendor,
        });
      };
      try {
        // A cached customer (and, for Chargebee, the catalogue) from before the outage.
        const warm = await callGateway(
          stack,
          audit,
          'breaker warm-up',
          listPath(target.vendor, target.customerId),
        );
        expect(warm.status).toBe(200);
        expect(await readiness(stack, target.vendor)).toBe('closed');

        const rowsBefore = rowsRequests(stack, target);
        kit.inject({
          fault: { kind: 'status', status: 503, body: target.errorBody(503) },
          path: target.rowsPath,
          times: Infinity,
        });
        // Failing calls until the circuit opens; it stays closed while failures are below the threshold.
        let failures = 0;
        while ((await readiness(stack, target.vendor)) === 'closed') {
          expect(failures).toBeLessThan(10);
          expectVendorProblem(await callGateway(stack, audit, 'breaker failing', probePath));
          failures += 1;
        }
        expect(await readiness(stack, target.vendor)).toBe('open');
        // The default threshold: five consecutive failed attempts (two calls of two, one of one).
        expect(rowsRequests(stack, target) - rowsBefore).toBe(5);
        expect(parsedLogs(stack.logs).some((line) => line['event'] === 'upstream_circuit_opened')).toBe(true);

        // Open: an immediate 503 with Retry-After, and the vendor is not called.
        const sentBefore = vendorRequests(stack, target.vendor);
        const fastFail = await callGateway(stack, audit, 'breaker open', probePath);
        expectVendorProblem(fastFail);
        const retryAfter = Number(fastFail.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(30);
        expect(requestLogLine(stack.logs, fastFail.requestId).upstream?.attempts).toBe(0);
        // A caller insisting on fresh data for a cached customer gets the cached copy, flagged.
        const cached = await callGateway(
          stack,
          audit,
          'breaker open, cached',
          listPath(target.vendor, target.customerId),
          {
            'cache-control': 'no-cache',
          },
        );
        expect(cached.status).toBe(200);
        expect(cached.headers.get('cache-status')).toMatch(/detail=stale-if-error$/);
        expect(vendorRequests(stack, target.vendor)).toBe(sentBefore);

        // Half-open after the advertised wait: exactly one probe goes out; it fails, the circuit reopens.
        clock.advance(retryAfter * 1_000);
        expect(await readiness(stack, target.vendor)).toBe('half-open');
        expectVendorProblem(await callGateway(stack, audit, 'breaker probe fails', probePath));
        expect(vendorRequests(stack, target.vendor)).toBe(sentBefore + 1);
        expect(await readiness(stack, target.vendor)).toBe('open');

        // The vendor recovers; after the next open period one probe goes out (the vendor's latency keeps
        // it in flight while two more callers arrive, who are refused), succeeds, and closes the circuit.
        kit.reset();
        kit.setLatency(500);
        clock.advance(retryAfter * 1_000);
        expect(await readiness(stack, target.vendor)).toBe('half-open');
        const racing = await Promise.all(
          [target.otherCustomerId, ...target.unknownCustomerIds].map((id) =>
            callGateway(stack, audit, 'breaker half-open', listPath(target.vendor, id)),
          ),
        );
        expect(kit.recorded).toHaveLength(1);
        // The probe's answer: the customer's page, or 404 for an unknown customer (the vendor is up either way).
        expect(racing.filter((reply) => reply.status === 200 || reply.status === 404)).toHaveLength(1);
        const busy = racing.filter((reply) => reply.status === 503);
        expect(busy).toHaveLength(2);
        for (const reply of busy) {
          expectVendorProblem(reply);
          expect(Number(reply.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        }
        kit.setLatency(0);
        expect(await readiness(stack, target.vendor)).toBe('closed');
        expect(parsedLogs(stack.logs).some((line) => line['event'] === 'upstream_circuit_closed')).toBe(true);
        // Closed: calls flow again.
        const after = await callGateway(stack, audit, 'breaker closed', probePath, {
          'cache-control': 'no-cache',
        });
        expect(after.status).toBe(200);
        expect(kit.recorded).toHaveLength(2);

        const health = await callGateway(stack, audit, 'breaker healthz', '/healthz');
        expect(health.status).toBe(200);
      } finally {
        await stack.close();
      }
    });
  }
});

describe('output of this file', () => {
  it('holds no API key or secret in any log line or response', ({ expect }) => {
    expect(audit.exchanges.length).toBeGreaterThan(0);
    expect(audit.leaks()).toEqual([]);
  });
});

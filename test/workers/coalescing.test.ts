import { SELF } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ProblemSchema } from '../../schemas/problem';
import { SANDBOX_API_KEY } from '../../src/config';
import { sandboxExamples } from '../../src/sandbox/sandbox';
import { budgetTokens, deleteTenantKeys, drainBudget } from './support/redis-inspector';
import { backgroundSettled, gatewayLogs, restartGateway, vendorLatency } from './support/test-worker';

/**
 * Scale-out inside workerd: every request through `SELF.fetch` runs in its own request context, as
 * concurrent requests to one isolate do in production.
 *
 * - Concurrent cold requests to one isolate share one vendor load, without Redis (the isolate's
 *   shared loads: a promise of plain data, settled by the leading request) and with it.
 * - The Worker's request budget is the shared Redis bucket, reached through the loading request's
 *   own Redis client.
 */

const redisUrl = env.TEST_REDIS_URL;
const customerId = sandboxExamples.chargebee.customerId;
const tenants: string[] = [];
let tenant = '';

function freshGateway(extraEnv: Record<string, string | undefined> = {}): void {
  tenant = `workers-scale-${crypto.randomUUID()}`;
  tenants.push(tenant);
  restartGateway({ tenantId: tenant, env: extraEnv });
}

const listUrl = new URL(`/v1/customers/${customerId}/entitlements?vendor=chargebee`, 'http://gateway.test');

async function getList(): Promise<Response> {
  return SELF.fetch(listUrl, { headers: { authorization: `Bearer ${SANDBOX_API_KEY}` } });
}

interface RequestLog {
  event: string;
  requestId: string;
  upstream?: { calls: number };
}

/** Vendor calls charged to the given responses (only the request that ran a load is charged). */
function vendorCallsOf(responses: Response[]): number {
  const lines = gatewayLogs.map((line) => JSON.parse(line) as RequestLog);
  let calls = 0;
  for (const response of responses) {
    const requestId = response.headers.get('x-request-id');
    const line = lines.find(
      (candidate) => candidate.event === 'request' && candidate.requestId === requestId,
    );
    if (line === undefined) throw new Error(`no access log line for ${requestId}`);
    calls += line.upstream?.calls ?? 0;
  }
  return calls;
}

/** The vendor calls of one cold load of the customer, measured on a gateway of its own. */
async function oneLoadsCalls(extraEnv: Record<string, string | undefined>): Promise<number> {
  freshGateway(extraEnv);
  const response = await getList();
  expect(response.status).toBe(200);
  await response.text();
  const calls = vendorCallsOf([response]);
  expect(calls).toBeGreaterThan(0);
  await backgroundSettled();
  return calls;
}

async function thirtyConcurrentColdRequests(): Promise<Response[]> {
  // Each vendor request takes 50 ms, as over a network: the 30 requests all arrive while the first
  // load is still running (the in-process sandbox would otherwise finish it before the second).
  vendorLatency.ms = 50;
  const responses = await Promise.all(Array.from({ length: 30 }, () => getList())).finally(() => {
    vendorLatency.ms = 0;
  });
  const bodies = await Promise.all(responses.map((response) => response.text()));
  expect(responses.map((response) => response.status)).toEqual(Array(30).fill(200));
  expect(new Set(bodies.map((body) => JSON.stringify(JSON.parse(body).data))).size).toBe(1);
  return responses;
}

describe('one Worker isolate', () => {
  beforeEach(async () => {
    await backgroundSettled();
  });
  afterAll(async () => {
    await backgroundSettled();
    for (const used of tenants) await deleteTenantKeys(redisUrl, used);
  });

  it('without Redis: 30 concurrent cold requests make one load’s worth of vendor calls', async () => {
    const single = await oneLoadsCalls({ REDIS_URL: undefined });
    freshGateway({ REDIS_URL: undefined });
    const responses = await thirtyConcurrentColdRequests();
    expect(vendorCallsOf(responses)).toBe(single);
  });

  it('with Redis: 30 concurrent cold requests make one load’s worth of vendor calls', async () => {
    const single = await oneLoadsCalls({ REDIS_URL: redisUrl });
    freshGateway({ REDIS_URL: redisUrl });
    const responses = await thirtyConcurrentColdRequests();
    expect(vendorCallsOf(responses)).toBe(single);
  });

  it('takes its vendor budget from the shared Redis bucket', async () => {
    // 30/min: a burst of 5 (one cold load of the sandbox customer), then a token every 2.4 s.
    const budgetEnv = {
      REDIS_URL: redisUrl,
      CHARGEBEE_REQUESTS_PER_MINUTE: '30',
      UPSTREAM_DEADLINE_MS: '1000',
    };
    freshGateway(budgetEnv);
    const first = await getList();
    expect(first.status).toBe(200);
    await first.text();
    // The load's vendor calls came out of the tenant's bucket in Redis: 5 tokens minus the calls,
    // plus the little refilled meanwhile (25/min: under half a token in a second).
    const calls = vendorCallsOf([first]);
    const tokens = await budgetTokens(redisUrl, { tenant, vendor: 'chargebee' });
    expect(tokens).toBeGreaterThanOrEqual(5 - calls);
    expect(tokens).toBeLessThan(5 - calls + 0.5);

    // Another tenant's bucket, emptied by "other instances": this isolate's own (full) budget would
    // let the call through; the shared one makes it wait past its deadline.
    freshGateway(budgetEnv);
    await drainBudget(redisUrl, { tenant, vendor: 'chargebee' });
    const refused = await getList();
    const problem = ProblemSchema.parse(JSON.parse(await refused.text()));
    expect(refused.status).toBe(503);
    expect(problem).toMatchObject({ code: 'vendor_rate_limited', vendor: 'chargebee' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(1);
  });

  it('/readyz says which budget and invalidation path are in force', async () => {
    freshGateway({ REDIS_URL: redisUrl });
    const shared = (await (await SELF.fetch('http://gateway.test/readyz')).json()) as {
      checks: Record<string, string>;
    };
    expect(shared.checks).toMatchObject({ budget: 'shared', invalidation: 'recheck-window' });
    freshGateway({ REDIS_URL: undefined });
    const local = (await (await SELF.fetch('http://gateway.test/readyz')).json()) as {
      checks: Record<string, string>;
    };
    expect(local.checks).toMatchObject({ budget: 'local', invalidation: 'local' });
  });
});

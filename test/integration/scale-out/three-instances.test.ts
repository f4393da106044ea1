import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chargebeeSandboxCredentials,
  generateChargebeeCustomer,
  mergeChargebeeDatasets,
} from '../../../adapters/chargebee/fixtures';
import { type ChargebeeSimulator, createChargebeeSimulator } from '../../../adapters/chargebee/simulator';
import { busiestWindow } from '../../../adapters/simulator-kit';
import { ProblemSchema } from '../../../schemas/problem';
import { sha256Hex } from '../../../src/config';
import { type RunningServer, startHttpServer } from '../../support/http-server';
import { REDIS_URL } from '../../support/route-cache-fixture';
import { bundleNodeEntry, type GatewayProcess, startGatewayProcess } from './gateway-processes';

/**
 * Scale-out, proven with three real gateway processes (`node <bundle of src/node.ts>`) on one Redis:
 *
 * - one vendor budget across the instances: a burst of cold loads through all three never exceeds
 *   the vendor's limit in any window (the simulator enforces it and records every arrival), no
 *   vendor 429 reaches a caller, and callers over budget get 503 `vendor_rate_limited` + Retry-After;
 * - a webhook answered by instance 1 has dropped the customer from the memory tiers of instances 2
 *   and 3 by the time they are asked again 50 ms later: the Redis pub/sub message did it, since the
 *   memory re-check window is set to ten minutes;
 * - 200 concurrent cold requests for one customer spread over the three instances: one vendor load.
 *
 * Two tenants, each with its own Chargebee site (simulator): the burst drains one tenant's budget,
 * the other tenant's tests start from a full one. Tenant ids are unique per run (shared Redis).
 */

/** Chargebee's 150 calls per rolling minute, scaled down to test time. */
const VENDOR_LIMIT = { limit: 20, windowMs: 2000 };
/**
 * The gateway's budget: 90/min split into a burst of 15 and 75/min, so at most 15 + 2.5 = 17.5
 * requests in any 2 s: within the vendor's 20 with room for scheduling jitter. Per process, three
 * instances would send 45 at once.
 */
const REQUESTS_PER_MINUTE = '90';
const BURST_CUSTOMERS = 45;
const RATE_LIMITED_BODY = JSON.stringify({
  message: 'Sorry, access has been blocked temporarily due to request count exceeding acceptable limits.',
  type: 'operation_failed',
  api_error_code: 'api_request_limit_exceeded',
});

/** Webhook credentials per tenant: the gateway finds the tenant of a webhook by them. */
const hooks = {
  burst: { username: 'scale-burst-hooks', password: 'scale-burst-hooks-password-1' },
  steady: { username: 'scale-steady-hooks', password: 'scale-steady-hooks-password-2' },
};
const keys = { burst: `scale-burst-key-${randomUUID()}`, steady: `scale-steady-key-${randomUUID()}` };
const customers = Array.from({ length: BURST_CUSTOMERS }, (_, index) => `scale-cust-${index + 1}`);

interface Site {
  simulator: ChargebeeSimulator;
  server: RunningServer;
}

let burstSite: Site;
let steadySite: Site;
let bundle: { path: string; remove(): Promise<void> };
let instances: GatewayProcess[] = [];

async function startSite(): Promise<Site> {
  // Generated customers sharing three features: a load is one catalogue page and one rows page.
  const dataset = mergeChargebeeDatasets(
    ...customers.map((id) =>
      generateChargebeeCustomer(id, 3, { featurePrefix: 'scale', subscriptionCount: 1 }),
    ),
  );
  const simulator = createChargebeeSimulator({ dataset });
  return { simulator, server: await startHttpServer(simulator.app) };
}

async function tenantJson(
  id: string,
  key: string,
  site: Site,
  webhook: { username: string; password: string },
) {
  return {
    id,
    apiKeyHashes: [await sha256Hex(key)],
    vendors: {
      chargebee: {
        site: chargebeeSandboxCredentials.site,
        apiKey: chargebeeSandboxCredentials.apiKey,
        baseUrl: `${site.server.url}/api/v2`,
      },
    },
    webhooks: { chargebee: webhook },
  };
}

function instance(index: number): GatewayProcess {
  const found = instances[index];
  if (found === undefined) throw new Error(`no instance ${index}`);
  return found;
}

async function list(target: GatewayProcess, key: string, customerId: string) {
  const response = await fetch(`${target.url}/v1/customers/${customerId}/entitlements?vendor=chargebee`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const text = await response.text();
  return { response, status: response.status, body: JSON.parse(text) as Record<string, unknown> };
}

function entitlementRequests(site: Site, customerId: string) {
  return site.simulator.kit.recorded.filter(
    (request) => request.path === `/api/v2/customers/${customerId}/customer_entitlements`,
  );
}

beforeAll(async () => {
  [burstSite, steadySite, bundle] = await Promise.all([startSite(), startSite(), bundleNodeEntry()]);
  burstSite.simulator.kit.setRateLimit({ ...VENDOR_LIMIT, body: RATE_LIMITED_BODY, retryAfter: false });
  steadySite.simulator.kit.setRateLimit({ ...VENDOR_LIMIT, body: RATE_LIMITED_BODY, retryAfter: false });
  const run = randomUUID().slice(0, 8);
  const config = JSON.stringify({
    tenants: await Promise.all([
      tenantJson(`scale-burst-${run}`, keys.burst, burstSite, hooks.burst),
      tenantJson(`scale-steady-${run}`, keys.steady, steadySite, hooks.steady),
    ]),
  });
  const env = {
    GATEWAY_CONFIG: config,
    CURSOR_SECRET: `scale-out-cursor-secret-${randomUUID()}`,
    REDIS_URL,
    CHARGEBEE_REQUESTS_PER_MINUTE: REQUESTS_PER_MINUTE,
    VENDOR_MAX_CONCURRENCY: '64',
    // A caller waits at most ~1.5 s for budget, then gets 503 vendor_rate_limited.
    UPSTREAM_DEADLINE_MS: '1500',
    // Ten minutes: without the pub/sub message, memory would be trusted that long.
    CACHE_MEMORY_RECHECK_MS: '600000',
    EXPECTED_INSTANCES: '3',
    // Three gateways, the simulators and the test share a busy 2-core machine: a cache command that
    // waits 150 ms for CPU would open the Redis breaker and switch the cross-instance lock off.
    REDIS_COMMAND_TIMEOUT_MS: '1000',
    LOG_LEVEL: 'info',
  };
  instances = await Promise.all([0, 1, 2].map(() => startGatewayProcess(bundle.path, env)));
}, 90_000);

afterAll(async () => {
  await Promise.all(instances.map((each) => each.stop()));
  await bundle?.remove();
  await Promise.all([burstSite?.server.close(), steadySite?.server.close()]);
}, 30_000);

describe('three gateway processes on one Redis', () => {
  it('report the shared budget and pub/sub invalidation in /readyz', async () => {
    for (const each of instances) {
      const readiness = (await (await fetch(`${each.url}/readyz`)).json()) as {
        checks: Record<string, string>;
      };
      expect(readiness.checks).toMatchObject({ redis: 'up', budget: 'shared', invalidation: 'pubsub' });
    }
  });

  it('a webhook answered by instance 1 makes instances 2 and 3 reload the customer on their next request', async () => {
    const customerId = 'scale-cust-7';
    // Warm every instance: instance 1 loads, 2 and 3 take it from Redis into memory.
    expect((await list(instance(0), keys.steady, customerId)).status).toBe(200);
    const before = await Promise.all([1, 2].map((index) => list(instance(index), keys.steady, customerId)));
    const again = await Promise.all([1, 2].map((index) => list(instance(index), keys.steady, customerId)));
    for (const answer of again) {
      // Served from memory, without asking Redis (the re-check window is ten minutes).
      expect(answer.response.headers.get('cache-status')).toMatch(/; hit; .*detail=memory$/);
    }
    // The customer's plan changes at the vendor, which sends the webhook to instance 1 only.
    const row = steadySite.simulator.store.subscriptionEntitlements.find(
      (entry) => entry.subscription_id === `${customerId}-sub-1`,
    );
    if (row === undefined) throw new Error('no entitlement row');
    row.value = row.value === '42' ? '43' : '42';
    const loadsBefore = entitlementRequests(steadySite, customerId).length;

    const webhook = await fetch(`${instance(0).url}/v1/webhooks/chargebee`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${btoa(`${hooks.steady.username}:${hooks.steady.password}`)}`,
      },
      body: JSON.stringify({
        id: `ev_${randomUUID()}`,
        event_type: 'customer_changed',
        content: { customer: { id: customerId } },
      }),
    });
    expect(webhook.status).toBe(200);
    await webhook.text();
    // Asked 50 ms after the webhook's answer: well inside 100 ms, and nine minutes before the
    // re-check window would have let them look at Redis.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = await Promise.all([1, 2].map((index) => list(instance(index), keys.steady, customerId)));
    for (const [index, answer] of after.entries()) {
      expect(answer.status).toBe(200);
      expect(answer.response.headers.get('cache-status')).not.toMatch(/detail=memory/);
      expect(JSON.stringify(answer.body.data)).not.toBe(JSON.stringify(before[index]?.body.data));
    }
    expect(JSON.stringify(after[0]?.body.data)).toBe(JSON.stringify(after[1]?.body.data));
    // The two instances shared one reload.
    expect(entitlementRequests(steadySite, customerId).length - loadsBefore).toBe(1);
  });

  it('200 concurrent cold requests for one customer over the three instances make one vendor load', async () => {
    const customerId = 'scale-cust-11';
    const before = entitlementRequests(steadySite, customerId).length;
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, index) => list(instance(index % 3), keys.steady, customerId)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(200).fill(200));
    const bodies = new Set(answers.map((answer) => JSON.stringify(answer.body.data)));
    expect(bodies.size).toBe(1);
    expect(entitlementRequests(steadySite, customerId).length - before).toBe(1);
  });

  // Last: the burst loads the machine and leaves the burst tenant's budget empty.
  it('keep a burst of cold loads within the vendor limit: no vendor 429 reaches a caller, the rest get 503 + Retry-After', async () => {
    // Warm the feature catalogue (cached for an hour) so every cold load of the burst costs one
    // call; else the burst's row calls may take every token and the catalogue call starve.
    const [warmCustomer, ...burstCustomers] = customers as [string, ...string[]];
    expect((await list(instance(0), keys.burst, warmCustomer)).status).toBe(200);
    burstSite.simulator.kit.recorded.length = 0;
    const answers = await Promise.all(
      burstCustomers.map((customerId, index) => list(instance(index % 3), keys.burst, customerId)),
    );
    const recorded = burstSite.simulator.kit.recorded;
    // The vendor never had to refuse anyone, and never saw more than its limit in any window.
    expect(recorded.filter((request) => request.rateLimited)).toEqual([]);
    expect(
      busiestWindow(
        recorded.map((request) => request.startedAt),
        VENDOR_LIMIT.windowMs,
      ),
    ).toBeLessThanOrEqual(VENDOR_LIMIT.limit);
    const served = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status !== 200);
    // The budget let most of its burst through (two of 15 tokens went to the warm-up); three
    // per-process budgets would have sent 44 at once.
    expect(served.length).toBeGreaterThanOrEqual(10);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      expect(answer.status).toBe(503);
      expect(ProblemSchema.parse(answer.body)).toMatchObject({
        code: 'vendor_rate_limited',
        vendor: 'chargebee',
      });
      expect(answer.response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    }
  });
});

import { SELF } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ReadinessSchema } from '../../schemas/health';
import { EntitlementListSchema } from '../../schemas/page';
import { RefreshResultSchema } from '../../schemas/refresh';
import { WebhookReceiptSchema } from '../../schemas/webhook';
import { SANDBOX_API_KEY } from '../../src/config';
import { sandboxExamples } from '../../src/sandbox/sandbox';
import { deleteTenantKeys, readSnapshotEntry } from './support/redis-inspector';
import {
  backgroundSettled,
  gatewayLogs,
  restartGateway,
  testClock,
  waitUntilCount,
} from './support/test-worker';

/**
 * Redis inside workerd: the Worker's per-request ioredis client (nodejs_compat TCP) against the real
 * local Redis. Every request goes through `SELF.fetch`, so each runs in its own request context,
 * where an I/O object shared across requests fails ("code had hung"). Each test uses its own tenant
 * id, so parallel runs sharing the Redis never see each other's keys.
 */

const redisUrl = env.TEST_REDIS_URL;
const customerId = sandboxExamples.chargebee.customerId;
const feature = sandboxExamples.chargebee.featureKey;
const webhookCredentials = { username: 'workerd-redis-tests', password: 'workerd-redis-webhook-password' };
const tenants: string[] = [];
let tenant = '';

/** A fresh gateway with Redis, as a new isolate would build it, under a new tenant id. */
function freshGatewayOnNewTenant(): void {
  tenant = `workers-redis-${crypto.randomUUID()}`;
  tenants.push(tenant);
  startGatewayOnSameTenant();
}

/** A fresh gateway (empty memory tier) on the current tenant: what another isolate would see. */
function startGatewayOnSameTenant(): void {
  restartGateway({
    tenantId: tenant,
    env: {
      REDIS_URL: redisUrl,
      CHARGEBEE_WEBHOOK_USERNAME: webhookCredentials.username,
      CHARGEBEE_WEBHOOK_PASSWORD: webhookCredentials.password,
    },
  });
}

const gatewayUrl = (path: string) => new URL(path, 'http://gateway.test').toString();
const authorization = { authorization: `Bearer ${SANDBOX_API_KEY}` };
const listUrl = gatewayUrl(`/v1/customers/${customerId}/entitlements?vendor=chargebee`);

async function getList(headers: Record<string, string> = {}) {
  const response = await SELF.fetch(listUrl, { headers: { ...authorization, ...headers } });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return { response, body: EntitlementListSchema.parse(JSON.parse(text)) };
}

function postWebhook(eventId: string): Promise<Response> {
  return SELF.fetch(gatewayUrl('/v1/webhooks/chargebee'), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${btoa(`${webhookCredentials.username}:${webhookCredentials.password}`)}`,
    },
    body: JSON.stringify({
      id: eventId,
      event_type: 'customer_changed',
      content: { customer: { id: customerId } },
    }),
  });
}

interface RequestLog {
  level: string;
  event: string;
  requestId: string;
  cache?: string;
  upstream?: { calls: number };
}

function logLines(): RequestLog[] {
  return gatewayLogs.map((line) => JSON.parse(line) as RequestLog);
}

/** The access-log line of one response. */
function requestLogOf(response: Response): RequestLog | undefined {
  const requestId = response.headers.get('x-request-id');
  return logLines().find((line) => line.event === 'request' && line.requestId === requestId);
}

describe('Redis inside workerd', () => {
  beforeEach(async () => {
    await backgroundSettled();
    freshGatewayOnNewTenant();
  });
  afterAll(async () => {
    await backgroundSettled();
    for (const used of tenants) await deleteTenantKeys(redisUrl, used);
  });

  it('a gateway with an empty memory tier (another isolate) answers from Redis without a vendor call', async () => {
    const first = await getList();
    expect(first.response.headers.get('cache-status')).toBe('entitlements-gateway; fwd=miss; stored');
    expect(requestLogOf(first.response)?.upstream?.calls).toBeGreaterThan(0);
    await backgroundSettled();
    // The entry really is in Redis, under this tenant's key.
    const stored = await readSnapshotEntry(redisUrl, { tenant, vendor: 'chargebee', customerId });
    expect(stored?.freshUntil).toBeGreaterThan(testClock.now());

    startGatewayOnSameTenant();
    const fromRedis = await getList();
    expect(fromRedis.response.headers.get('cache-status')).toMatch(
      /^entitlements-gateway; hit; ttl=\d+; detail=redis$/,
    );
    expect(requestLogOf(fromRedis.response)?.upstream).toBeUndefined();
    expect(fromRedis.body).toEqual(first.body);
    // The Redis hit was copied into memory.
    const fromMemory = await getList();
    expect(fromMemory.response.headers.get('cache-status')).toMatch(/; hit; ttl=\d+; detail=memory$/);
  });

  it('a stale entry is answered at once and refreshed in the background through waitUntil', async () => {
    await getList();
    await backgroundSettled();
    const before = await readSnapshotEntry(redisUrl, { tenant, vendor: 'chargebee', customerId });
    expect(before).not.toBeNull();
    // What a fresh hit hands to waitUntil (the release of the request's Redis client).
    let calls = waitUntilCount();
    expect((await getList()).response.headers.get('cache-status')).toMatch(/; hit; /);
    const freshHitTasks = waitUntilCount() - calls;
    expect(freshHitTasks).toBeGreaterThan(0);

    const ttlMs = Number(env.CACHE_TTL_SECONDS) * 1000;
    testClock.advance(ttlMs + 5000);
    calls = waitUntilCount();
    const stale = await getList();
    expect(stale.response.headers.get('cache-status')).toMatch(
      /^entitlements-gateway; hit; ttl=-\d+; detail=stale-while-revalidate$/,
    );
    expect(Number(stale.response.headers.get('age'))).toBeGreaterThanOrEqual(ttlMs / 1000);
    // The stale answer did not wait for the vendor: the reload is the one extra waitUntil task.
    expect(requestLogOf(stale.response)?.upstream).toBeUndefined();
    expect(waitUntilCount() - calls).toBe(freshHitTasks + 1);

    await backgroundSettled();
    const after = await readSnapshotEntry(redisUrl, { tenant, vendor: 'chargebee', customerId });
    expect(after?.storedAt).toBeGreaterThan(before?.storedAt ?? Number.POSITIVE_INFINITY);
    expect(after?.freshUntil).toBeGreaterThan(testClock.now());

    const refreshed = await getList();
    expect(refreshed.response.headers.get('cache-status')).toMatch(/^entitlements-gateway; hit; ttl=\d+; /);
    expect(refreshed.response.headers.get('age')).toBe('0');
    expect(logLines().filter((line) => line.level === 'warn' || line.level === 'error')).toEqual([]);
  });

  it('a verified webhook invalidates the customer in memory and in Redis; its replay is a duplicate', async () => {
    await getList();
    expect((await getList()).response.headers.get('cache-status')).toMatch(/; hit; /);
    await backgroundSettled();
    expect(await readSnapshotEntry(redisUrl, { tenant, vendor: 'chargebee', customerId })).not.toBeNull();

    const eventId = `ev_${crypto.randomUUID()}`;
    const delivery = await postWebhook(eventId);
    expect(delivery.status, await delivery.clone().text()).toBe(200);
    expect(WebhookReceiptSchema.parse(await delivery.json())).toMatchObject({
      eventId,
      duplicate: false,
      invalidatedCustomers: 1,
    });
    expect(await readSnapshotEntry(redisUrl, { tenant, vendor: 'chargebee', customerId })).toBeNull();
    expect((await getList()).response.headers.get('cache-status')).toBe(
      'entitlements-gateway; fwd=miss; stored',
    );

    // The event id is remembered in Redis, so a gateway with an empty memory still knows it.
    await backgroundSettled();
    startGatewayOnSameTenant();
    const replay = await postWebhook(eventId);
    expect(replay.status).toBe(200);
    expect(WebhookReceiptSchema.parse(await replay.json())).toMatchObject({
      duplicate: true,
      invalidatedCustomers: 0,
    });
    expect((await getList()).response.headers.get('cache-status')).toMatch(/; hit; ttl=\d+; detail=redis$/);
  });

  it('50 sequential requests, each with its own Redis client, all answer without a hung request', async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < 10; round++) {
      // 1. Readiness pings Redis with this request's client.
      const ready = await SELF.fetch(gatewayUrl('/readyz'));
      expect(ReadinessSchema.parse(await ready.json()).checks['redis'], `round ${round}`).toBe('up');
      // 2. A forced reload: Redis lock, vendor load, Redis write.
      const refresh = await SELF.fetch(
        gatewayUrl(`/v1/customers/${customerId}/entitlements/refresh?vendor=chargebee`),
        {
          method: 'POST',
          headers: authorization,
        },
      );
      expect(refresh.status, `round ${round}`).toBe(200);
      RefreshResultSchema.parse(await refresh.json());
      // 3. Past the memory tier's trust window, a check re-reads Redis before answering.
      testClock.advance(2500);
      const check = await SELF.fetch(
        gatewayUrl(`/v1/customers/${customerId}/entitlements/${feature}?vendor=chargebee`),
        {
          headers: authorization,
        },
      );
      expect(check.status, `round ${round}`).toBe(200);
      outcomes.push(check.headers.get('cache-status') ?? 'none');
      await check.text();
      // 4. A webhook: event claim (Redis SET NX) and invalidation (Redis DEL); a 503 if Redis failed.
      const delivery = await postWebhook(`ev_${round}_${crypto.randomUUID()}`);
      expect(delivery.status, `round ${round}: ${await delivery.clone().text()}`).toBe(200);
      await delivery.text();
      // 5. The invalidated customer loads again and is stored.
      outcomes.push((await getList()).response.headers.get('cache-status') ?? 'none');
    }
    await backgroundSettled();
    expect(outcomes.filter((_, index) => index % 2 === 0).every((status) => /; hit; /.test(status))).toBe(
      true,
    );
    expect(outcomes.filter((_, index) => index % 2 === 1)).toEqual(
      Array.from({ length: 10 }, () => 'entitlements-gateway; fwd=miss; stored'),
    );
    // Any Redis trouble (a failed command, the breaker opening, an incomplete invalidation) is logged as a warning.
    expect(logLines().filter((line) => line.level === 'warn' || line.level === 'error')).toEqual([]);
    expect(logLines().filter((line) => line.event === 'request')).toHaveLength(50);
  });
});

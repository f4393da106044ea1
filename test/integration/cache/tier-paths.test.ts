import { describe, expect, it } from 'vitest';
import { ProblemSchema } from '../../../schemas/problem';
import {
  closedPortUrl,
  parseCacheStatus,
  requestsTo,
  startRedisProxy,
  useRouteCacheScope,
} from '../../support/route-cache-fixture';

/**
 * Every tier path of the cache, seen through `GET /v1/customers/{id}/entitlements` against the HTTP
 * simulators and the real local Redis: what the vendor is asked, what the response says
 * (`Cache-Status`, `Age`, body) and what Redis holds.
 */

const TTL_SECONDS = 60;
const STALE_SECONDS = 300;
const NEGATIVE_SECONDS = 15;
const ENV = {
  CACHE_TTL_SECONDS: String(TTL_SECONDS),
  CACHE_STALE_SECONDS: String(STALE_SECONDS),
  CACHE_NEGATIVE_TTL_SECONDS: String(NEGATIVE_SECONDS),
  // One attempt per vendor call, so a failing vendor is asked a countable number of times.
  UPSTREAM_MAX_ATTEMPTS: '1',
};
const CUSTOMER = 'c1';
const LIST = `/v1/customers/${CUSTOMER}/entitlements?vendor=chargebee`;
const ROWS_PATH = `/api/v2/customers/${CUSTOMER}/customer_entitlements`;

const scope = useRouteCacheScope('tier-paths', { env: ENV });

/** Every request the Chargebee simulator received since the last reset. */
const chargebeeCalls = () => scope.simulators.simulators.chargebee.kit.recorded.length;

/** The `user-licenses` limit of c1 in a list body (3 + 10 in the demo data). */
function userLicenses(body: { data?: Array<Record<string, unknown>> }): unknown {
  return body.data?.find((entitlement) => entitlement['featureKey'] === 'user-licenses')?.['limit'];
}

/** Raises c1's first subscription's `user-licenses` from 3 to 30 at the vendor. */
function changeVendorData(): void {
  const row = scope.simulators.simulators.chargebee.store.subscriptionEntitlements.find(
    (candidate) => candidate.subscription_id === 's1' && candidate.feature_id === 'user-licenses',
  );
  if (!row) throw new Error('demo data changed: s1/user-licenses missing');
  row.value = '30';
}

describe('cache tiers at the route level (chargebee, real Redis)', () => {
  it('both tiers miss: the vendor is asked, the answer is stored in memory and in Redis with its TTL at staleUntil', async () => {
    const a = await scope.gateway();
    const first = await a.get(LIST);

    expect(first.status).toBe(200);
    expect(parseCacheStatus(first.response.headers.get('cache-status'))).toMatchObject({
      fwd: 'miss',
      stored: true,
    });
    expect(first.response.headers.get('age')).toBe('0');
    expect(userLicenses(first.body)).toBe(13);
    expect(requestsTo(scope.simulators.simulators.chargebee.kit, ROWS_PATH)).toHaveLength(1);
    // Two cache loads: the snapshot and the feature catalogue it is built with (its own namespace).
    expect(a.metrics).toMatchObject({ misses: 2, loads: 2 });
    expect(await scope.redis.entry('chargebee', 'catalog', 'features')).toBeDefined();

    const stored = await scope.redis.entry('chargebee', 'snapshot', CUSTOMER);
    expect(stored).toMatchObject({
      storedAt: scope.clock.now(),
      freshUntil: scope.clock.now() + TTL_SECONDS * 1000,
      staleUntil: scope.clock.now() + (TTL_SECONDS + STALE_SECONDS) * 1000,
    });
    const pttl = await scope.redis.admin.pttl(scope.redis.keyOf('chargebee', 'snapshot', CUSTOMER));
    // Redis keeps the entry until staleUntil (less the real time since it was written).
    expect(pttl).toBeGreaterThan((TTL_SECONDS + STALE_SECONDS - 30) * 1000);
    expect(pttl).toBeLessThanOrEqual((TTL_SECONDS + STALE_SECONDS) * 1000);
  });

  it('L1 hit: the second request is served from memory with zero vendor calls', async () => {
    const a = await scope.gateway();
    await a.get(LIST);
    const before = chargebeeCalls();

    const second = await a.get(LIST);

    expect(second.status).toBe(200);
    expect(chargebeeCalls()).toBe(before);
    expect(parseCacheStatus(second.response.headers.get('cache-status'))).toMatchObject({
      hit: true,
      ttl: String(TTL_SECONDS),
      detail: 'memory',
    });
    expect(userLicenses(second.body)).toBe(13);
    expect(a.metrics).toMatchObject({ memoryHits: 1, loads: 2 });
  });

  it('L1 miss + L2 hit: a second instance is served from Redis, backfills its memory, and the third request is a memory hit', async () => {
    const a = await scope.gateway();
    await a.get(LIST);
    const before = chargebeeCalls();
    const b = await scope.gateway();

    const fromRedis = await b.get(LIST);
    expect(fromRedis.status).toBe(200);
    expect(parseCacheStatus(fromRedis.response.headers.get('cache-status'))).toMatchObject({
      hit: true,
      detail: 'redis',
    });
    expect(userLicenses(fromRedis.body)).toBe(13);
    expect(b.metrics).toMatchObject({ redisHits: 1, memoryHits: 0, loads: 0 });

    const fromMemory = await b.get(LIST);
    expect(parseCacheStatus(fromMemory.response.headers.get('cache-status'))).toMatchObject({
      hit: true,
      detail: 'memory',
    });
    expect(b.metrics).toMatchObject({ redisHits: 1, memoryHits: 1, loads: 0 });
    expect(chargebeeCalls()).toBe(before);
  });

  it('stale: served at once while exactly one background refresh runs, then the refreshed data is a hit', async () => {
    const a = await scope.gateway();
    await a.get(LIST);
    changeVendorData();
    scope.clock.advance((TTL_SECONDS + 1) * 1000);
    scope.simulators.simulators.chargebee.kit.reset();
    // Slow vendor: every stale request below arrives while the one refresh is still running.
    scope.simulators.simulators.chargebee.kit.setLatency(500);

    const stale = await Promise.all(Array.from({ length: 20 }, () => a.get(LIST)));

    for (const response of stale) {
      expect(response.status).toBe(200);
      expect(parseCacheStatus(response.response.headers.get('cache-status'))).toMatchObject({
        hit: true,
        ttl: '-1',
        detail: 'stale-while-revalidate',
      });
      expect(response.response.headers.get('age')).toBe(String(TTL_SECONDS + 1));
      expect(userLicenses(response.body)).toBe(13);
    }
    await a.background.drain();
    // One refresh: the rows once (the feature catalogue is still fresh in its own namespace).
    expect(requestsTo(scope.simulators.simulators.chargebee.kit, ROWS_PATH)).toHaveLength(1);
    expect(chargebeeCalls()).toBe(1);
    expect(a.metrics).toMatchObject({ backgroundRefreshes: 1, loads: 3 });

    const refreshed = await a.get(LIST);
    expect(parseCacheStatus(refreshed.response.headers.get('cache-status'))).toMatchObject({ hit: true });
    expect(refreshed.response.headers.get('age')).toBe('0');
    expect(userLicenses(refreshed.body)).toBe(40);
    expect((await scope.redis.entry('chargebee', 'snapshot', CUSTOMER))?.storedAt).toBe(scope.clock.now());
  });

  it('vendor failing while stale: the stale entry is served (stale-if-error once a refresh has failed); past staleUntil the vendor error surfaces', async () => {
    const a = await scope.gateway();
    const loaded = await a.get(LIST);
    expect(loaded.status).toBe(200);
    scope.clock.advance((TTL_SECONDS + 1) * 1000);
    const kit = scope.simulators.simulators.chargebee.kit;
    kit.reset();
    kit.inject({
      fault: { kind: 'status', status: 503, body: '{"message":"down","api_error_code":"internal_error"}' },
      times: Number.POSITIVE_INFINITY,
    });

    // First stale request: served while its refresh runs (and fails).
    const first = await a.get(LIST);
    expect(first.status).toBe(200);
    expect(parseCacheStatus(first.response.headers.get('cache-status'))).toMatchObject({
      hit: true,
      detail: 'stale-while-revalidate',
    });
    await a.background.drain();
    expect(a.metrics.backgroundRefreshErrors).toBe(1);
    expect(requestsTo(kit, ROWS_PATH)).toHaveLength(1);

    // The refresh failed: the stale entry is now served because the vendor fails.
    const second = await a.get(LIST);
    expect(second.status).toBe(200);
    expect(parseCacheStatus(second.response.headers.get('cache-status'))).toMatchObject({
      fwd: 'stale',
      ttl: '-1',
      detail: 'stale-if-error',
    });
    expect(userLicenses(second.body)).toBe(13);
    await a.background.drain();

    // A forced reload that fails falls back to the stale entry too.
    const forced = await a.get(LIST, { 'cache-control': 'no-cache' });
    expect(forced.status).toBe(200);
    expect(parseCacheStatus(forced.response.headers.get('cache-status'))).toMatchObject({
      fwd: 'stale',
      detail: 'stale-if-error',
    });
    expect(a.metrics.staleIfError).toBe(2);
    // The failure was never stored: Redis still holds the original load.
    expect((await scope.redis.entry('chargebee', 'snapshot', CUSTOMER))?.storedAt).toBe(
      scope.clock.now() - (TTL_SECONDS + 1) * 1000,
    );

    scope.clock.advance(STALE_SECONDS * 1000);
    const expired = await a.get(LIST);
    expect(expired.status).toBe(503);
    expect(expired.response.headers.get('content-type')).toBe('application/problem+json');
    expect(ProblemSchema.parse(expired.body)).toMatchObject({
      code: 'vendor_unavailable',
      vendor: 'chargebee',
    });
    expect(expired.response.headers.get('cache-status')).toBeNull();

    // The vendor recovers: the next request loads again (the failure was not cached).
    kit.reset();
    const recovered = await a.get(LIST);
    expect(recovered.status).toBe(200);
    expect(parseCacheStatus(recovered.response.headers.get('cache-status'))).toMatchObject({ fwd: 'miss' });
    expect(requestsTo(kit, ROWS_PATH)).toHaveLength(1);
  });

  it('negative entry: an unknown customer is cached briefly (no vendor call), then expires', async () => {
    const a = await scope.gateway();
    const b = await scope.gateway();
    const unknown = '/v1/customers/cust_not_yet/entitlements?vendor=chargebee';
    const rowsPath = '/api/v2/customers/cust_not_yet/customer_entitlements';
    const kit = scope.simulators.simulators.chargebee.kit;
    // The feature catalogue is loaded (and cached) first: a load that fails on the customer's rows
    // would otherwise leave the catalogue pages loading after the response.
    expect((await a.get(LIST)).status).toBe(200);
    kit.reset();

    const first = await a.get(unknown);
    expect(first.status).toBe(404);
    expect(ProblemSchema.parse(first.body)).toMatchObject({
      code: 'customer_not_found',
      vendor: 'chargebee',
    });
    expect(parseCacheStatus(first.response.headers.get('cache-status'))).toMatchObject({ fwd: 'miss' });
    expect(requestsTo(kit, rowsPath)).toHaveLength(1);
    expect(kit.recorded).toHaveLength(1);
    expect(await scope.redis.entry('chargebee', 'snapshot', 'cust_not_yet')).toMatchObject({
      value: null,
      freshUntil: scope.clock.now() + NEGATIVE_SECONDS * 1000,
      staleUntil: scope.clock.now() + NEGATIVE_SECONDS * 1000,
    });

    // The customer is created at the vendor: within the negative TTL both instances still say 404
    // without asking (the other instance through Redis).
    const store = scope.simulators.simulators.chargebee.store;
    store.customers.push({ id: 'cust_not_yet', created_at: 1_700_000_000 });
    store.subscriptions.push({
      id: 'sub_not_yet',
      customer_id: 'cust_not_yet',
      status: 'active',
      created_at: 1_700_000_000,
    });
    store.subscriptionEntitlements.push({
      subscription_id: 'sub_not_yet',
      feature_id: 'sso',
      value: 'true',
      is_enabled: true,
      is_overridden: false,
    });
    kit.reset();
    scope.clock.advance((NEGATIVE_SECONDS - 1) * 1000);
    const cachedHere = await a.get(unknown);
    const cachedThere = await b.get(unknown);
    expect(cachedHere.status).toBe(404);
    expect(cachedThere.status).toBe(404);
    expect(parseCacheStatus(cachedHere.response.headers.get('cache-status'))).toMatchObject({ hit: true });
    expect(parseCacheStatus(cachedThere.response.headers.get('cache-status'))).toMatchObject({
      hit: true,
      detail: 'redis',
    });
    expect(cachedThere.response.headers.get('age')).toBe(String(NEGATIVE_SECONDS - 1));
    expect(kit.recorded).toHaveLength(0);

    // Past the negative TTL (never served stale) the vendor is asked again and the customer exists.
    scope.clock.advance(2000);
    const found = await a.get(unknown);
    expect(found.status).toBe(200);
    expect(found.body.data?.map((entitlement) => entitlement['featureKey'])).toEqual(['sso']);
    expect(requestsTo(kit, rowsPath)).toHaveLength(1);
  });

  it('Redis down mid-test: requests are still answered (memory, then the vendor), Redis errors are counted, /readyz says down but stays 200', async () => {
    const proxy = await startRedisProxy();
    const a = await scope.gateway({ redisUrl: proxy.url });
    const warm = await a.get(LIST);
    expect(warm.status).toBe(200);
    expect(await scope.redis.entry('chargebee', 'snapshot', CUSTOMER)).toBeDefined();
    const ready = await a.app.request('/readyz');
    expect(((await ready.json()) as { checks: Record<string, string> }).checks['redis']).toBe('up');
    expect(a.metrics.redisErrors + a.metrics.redisTimeouts).toBe(0);

    await proxy.cut();
    // Past memoryTrustMs the memory entry would be checked against Redis, which is now gone.
    scope.clock.advance(5000);
    const kit = scope.simulators.simulators.chargebee.kit;
    kit.reset();

    const cached = await a.get(LIST);
    expect(cached.status).toBe(200);
    expect(parseCacheStatus(cached.response.headers.get('cache-status'))).toMatchObject({
      hit: true,
      detail: 'memory',
    });
    expect(kit.recorded).toHaveLength(0);

    const cold = await a.get('/v1/customers/cust_acme/entitlements?vendor=chargebee');
    expect(cold.status).toBe(200);
    expect(parseCacheStatus(cold.response.headers.get('cache-status'))).toMatchObject({ fwd: 'miss' });
    expect(requestsTo(kit, '/api/v2/customers/cust_acme/customer_entitlements')).toHaveLength(1);
    // Served again from memory: the load was kept even though Redis could not store it.
    const again = await a.get('/v1/customers/cust_acme/entitlements?vendor=chargebee');
    expect(parseCacheStatus(again.response.headers.get('cache-status'))).toMatchObject({ hit: true });
    expect(requestsTo(kit, '/api/v2/customers/cust_acme/customer_entitlements')).toHaveLength(1);

    expect(a.metrics.redisErrors + a.metrics.redisTimeouts).toBeGreaterThan(0);
    const readiness = await a.app.request('/readyz');
    expect(readiness.status).toBe(200);
    expect(await readiness.json()).toMatchObject({ status: 'ready', checks: { redis: 'down' } });
  });

  it('Redis unreachable from the start: every request is answered and counted as a Redis error; /readyz 200 with redis down', async () => {
    const a = await scope.gateway({ redisUrl: await closedPortUrl(), awaitRedis: false });

    const first = await a.get(LIST);
    const second = await a.get(LIST);

    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(parseCacheStatus(second.response.headers.get('cache-status'))).toMatchObject({
      hit: true,
      detail: 'memory',
    });
    expect(requestsTo(scope.simulators.simulators.chargebee.kit, ROWS_PATH)).toHaveLength(1);
    expect(a.metrics.redisErrors).toBeGreaterThan(0);
    const readiness = await a.app.request('/readyz');
    expect(readiness.status).toBe(200);
    expect(await readiness.json()).toMatchObject({ status: 'ready', checks: { redis: 'down' } });
  });
});

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapterFactories } from '../../../adapters/registry';
import { ProblemSchema } from '../../../schemas/problem';
import { createUndiciTransport } from '../../../src/http/undici-transport';
import { bearer, createTestGateway } from '../../support/gateway';
import { startVendorStack } from '../../support/vendor-stack';

/**
 * Issue 17, caller rate limits through the whole gateway: a key over its limit gets a 429 problem
 * with `Retry-After` and the IETF `RateLimit`/`RateLimit-Policy` headers while another key of the
 * same tenant goes on; the bucket is one across two gateway instances sharing a Redis; a batch costs
 * one per item; open routes and rejected keys are never limited or charged.
 */

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Fresh keys per run: their hashes name the Redis buckets, shared with every other run on this Redis. */
const freshKey = (name: string) => `${name}-${randomBytes(12).toString('hex')}`;
const keys = {
  busy: freshKey('busy'),
  calm: freshKey('calm'),
  shared: freshKey('shared'),
  batch: freshKey('batch'),
};
/** Three requests, then one token per 1000 s: nothing refills while the suite runs. */
const BURST = 3;
const RATE = '0.001';

type Stack = Awaited<ReturnType<typeof startVendorStack>>;
let stack: Stack;
let second: Awaited<ReturnType<typeof createTestGateway>>;
const secondTransport = createUndiciTransport();

beforeAll(async () => {
  stack = await startVendorStack({
    env: {
      GATEWAY_API_KEYS: Object.values(keys).join(','),
      REDIS_URL,
      RATE_LIMIT_PER_KEY_RPS: RATE,
      RATE_LIMIT_PER_KEY_BURST: String(BURST),
      LOG_LEVEL: 'error',
    },
  });
  // A second instance: its own runtime, limiter, Redis client and memory; only Redis is shared.
  second = await createTestGateway({ env: stack.env, adapterFactories, transport: secondTransport });
  expect(await stack.platform.redisReady(3000)).toBe(true);
  expect(await second.platform.redisReady(3000)).toBe(true);
});

afterAll(async () => {
  await second?.background.drain();
  await second?.close();
  await secondTransport.close();
  await stack?.close();
});

const CHECK = '/v1/customers/c1/entitlements/user-licenses?vendor=chargebee';

function rateLimitOf(response: Response) {
  return { policy: response.headers.get('ratelimit-policy'), state: response.headers.get('ratelimit') };
}

describe('per-key rate limits', () => {
  it('answers a key over its limit 429 with Retry-After and RateLimit headers, while another key of the tenant is unaffected', async () => {
    const remaining: Array<string | null> = [];
    for (let index = 0; index < BURST; index++) {
      const response = await stack.app.request(CHECK, { headers: bearer(keys.busy) });
      expect(response.status).toBe(200);
      const headers = rateLimitOf(response);
      expect(headers.policy).toBe(`"key";q=${BURST};w=3000`);
      remaining.push(headers.state);
    }
    expect(remaining.map((state) => state?.match(/r=(\d+)/)?.[1])).toEqual(['2', '1', '0']);

    const refused = await stack.app.request(CHECK, { headers: bearer(keys.busy) });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    const problem = ProblemSchema.parse(await refused.json());
    expect(problem).toMatchObject({ code: 'rate_limited', status: 429 });
    expect(problem.detail).toContain("API key's limit of 3 per 3000 s");
    // One token per 1000 s: the next one is between 999 and 1000 s away (Redis' clock, in ms).
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(999);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(1000);
    expect(rateLimitOf(refused).policy).toBe(`"key";q=${BURST};w=3000`);
    expect(rateLimitOf(refused).state).toMatch(/^"key";r=0;t=\d+$/);

    const other = await stack.app.request(CHECK, { headers: bearer(keys.calm) });
    expect(other.status).toBe(200);
    expect(rateLimitOf(other).state).toMatch(/^"key";r=2;t=\d+$/);
  });

  it('holds one limit across two gateway instances sharing a Redis', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 6; index++) {
      const instance = index % 2 === 0 ? stack.app : second.app;
      statuses.push((await instance.request(CHECK, { headers: bearer(keys.shared) })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
  });

  it('charges a batch check one unit per item, and refuses a batch larger than what is left', async () => {
    const batch = (count: number) =>
      stack.app.request('/v1/check', {
        method: 'POST',
        headers: { ...bearer(keys.batch), 'content-type': 'application/json' },
        body: JSON.stringify({
          checks: Array.from({ length: count }, () => ({
            customerId: 'c1',
            vendor: 'chargebee',
            featureKey: 'user-licenses',
          })),
        }),
      });
    const two = await batch(2);
    expect(two.status).toBe(200);
    expect(rateLimitOf(two).state).toMatch(/^"key";r=1;t=\d+$/);
    expect((await batch(2)).status).toBe(429);
    expect((await batch(1)).status).toBe(200);
  });

  it('never limits or charges open routes and rejected keys', async () => {
    for (let index = 0; index < BURST + 2; index++) {
      const health = await stack.app.request('/healthz');
      expect(health.status).toBe(200);
      expect(health.headers.get('ratelimit')).toBeNull();
      const rejected = await stack.app.request(CHECK, { headers: bearer('not-a-key-of-anyone') });
      expect(rejected.status).toBe(401);
      expect(rejected.headers.get('ratelimit')).toBeNull();
    }
  });
});

import { SELF } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CheckResultSchema } from '../../schemas/check';
import { ProblemSchema } from '../../schemas/problem';
import { sandboxExamples } from '../../src/sandbox/sandbox';
import { restartGateway } from './support/test-worker';

/**
 * Issue 17 inside workerd: caller rate limits through the Worker's per-request Redis client, one
 * limit across two isolates (a restarted gateway on the same tenant), and the fallback policies on a
 * cold customer whose vendor is unreachable. Stale-if-error beating the policy is the cache's and the
 * service's shared code, shown on Node (test/integration/fallback/).
 */

const gatewayUrl = (path: string) => new URL(path, 'http://gateway.test').toString();
const { customerId, featureKey } = sandboxExamples.chargebee;
const checkUrl = gatewayUrl(`/v1/customers/${customerId}/entitlements/${featureKey}?vendor=chargebee`);

describe('rate limits in workerd', () => {
  it('refuses a key over its limit with 429, Retry-After and RateLimit headers, across two isolates on one Redis, while another key goes on', async () => {
    const tenantId = `workers-ratelimit-${crypto.randomUUID()}`;
    const busy = `busy-${crypto.randomUUID()}`;
    const calm = `calm-${crypto.randomUUID()}`;
    const gatewayEnv = {
      REDIS_URL: env.TEST_REDIS_URL,
      GATEWAY_API_KEYS: `${busy},${calm}`,
      // Two requests, then one per 1000 s: nothing refills during the test.
      RATE_LIMIT_PER_KEY_RPS: '0.001',
      RATE_LIMIT_PER_KEY_BURST: '2',
    };
    const ask = (key: string) => SELF.fetch(checkUrl, { headers: { authorization: `Bearer ${key}` } });

    restartGateway({ tenantId, env: gatewayEnv });
    const first = await ask(busy);
    expect(first.status, await first.clone().text()).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"key";q=2;w=2000');
    expect(first.headers.get('ratelimit')).toMatch(/^"key";r=1;t=\d+$/);

    // Another isolate: its own memory, the same Redis bucket.
    restartGateway({ tenantId, env: gatewayEnv });
    expect((await ask(busy)).status).toBe(200);
    const refused = await ask(busy);
    expect(refused.status).toBe(429);
    expect(ProblemSchema.parse(await refused.json())).toMatchObject({ code: 'rate_limited' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(999);
    expect(refused.headers.get('ratelimit')).toMatch(/^"key";r=0;t=\d+$/);

    const other = await ask(calm);
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit')).toMatch(/^"key";r=1;t=\d+$/);
  });
});

describe('fallback policies in workerd', () => {
  it('answers deny (default), allow and a static value, flagged, for a cold customer whose vendor is unreachable', async () => {
    const key = `fallback-${crypto.randomUUID()}`;
    restartGateway({
      tenantId: `workers-fallback-${crypto.randomUUID()}`,
      env: {
        GATEWAY_API_KEYS: key,
        CHARGEBEE_API_KEY: 'workers-fallback-chargebee-key',
        // Nothing listens there: every vendor call fails to connect.
        CHARGEBEE_BASE_URL: 'http://127.0.0.1:9/api/v2',
        UPSTREAM_MAX_ATTEMPTS: '1',
        FALLBACK_FEATURES: JSON.stringify({
          'xero-integration': 'allow',
          'user-licenses': { hasAccess: true, limit: 5 },
        }),
      },
    });
    const check = async (feature: string, query = '') => {
      const response = await SELF.fetch(
        gatewayUrl(`/v1/customers/cold-customer/entitlements/${feature}${query}`),
        { headers: { authorization: `Bearer ${key}` } },
      );
      const text = await response.text();
      expect(response.status, text).toBe(200);
      return CheckResultSchema.parse(JSON.parse(text));
    };
    const flagged = {
      fallback: true,
      vendorStatus: { vendor: 'chargebee', status: 'unavailable', error: { code: 'vendor_unavailable' } },
    };
    expect(await check('some-feature')).toMatchObject({ ...flagged, hasAccess: false });
    expect(await check('xero-integration')).toMatchObject({ ...flagged, hasAccess: true });
    expect(await check('user-licenses', '?requestedUsage=6')).toMatchObject({
      ...flagged,
      hasAccess: false,
      reason: 'limit_exceeded',
      limit: 5,
    });
  });
});

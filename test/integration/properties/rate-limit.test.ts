import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vendorIds } from '../../../schemas/entitlement';
import type { RawResponse } from '../../support/raw-http';
import { assemble, extraHeaders, knownVendorCustomer } from './arbitraries';
import {
  knownCustomers,
  knownFeatureKeys,
  type PropertyWorld,
  propertyParameters,
  startPropertyWorld,
  type TenantName,
} from './property-fixture';
import { assertRouteProperty, type GeneratedRequest } from './route-property';

/**
 * The caller rate limits as a property: tenant A has a per-key bucket (5 requests) and a tenant
 * bucket (150) kept in the real Redis, refilling so slowly (one token per 1000 s) that nothing
 * refills during the run; tenant B is not limited. Whatever the route, key, batch size or headers:
 * never a 500 (the shared oracle), every over-limit answer is a 429 `rate_limited` with a whole
 * `Retry-After` of at least a second and the `RateLimit`/`RateLimit-Policy` fields (one of them
 * at `r=0`), every answer of the limited tenant carries both fields, the unlimited tenant's never,
 * and no key and no tenant gets more requests through than its bucket holds. `FC_RUNS` cases
 * (default 1000), seeded by `FC_SEED`.
 */

const PROPERTY_TIMEOUT_MS = 300_000;
const PER_KEY = { requestsPerSecond: 0.001, burst: 5 };
const PER_TENANT = { requestsPerSecond: 0.001, burst: 150 };
let world: PropertyWorld;

beforeAll(async () => {
  world = await startPropertyWorld({ rateLimit: { perKey: PER_KEY, perTenant: PER_TENANT, keys: 40 } });
}, 60_000);

afterAll(async () => {
  await world?.close();
});

const runs = () => propertyParameters().numRuns;

/** A key of A (mostly one of its extra keys, each with a full bucket), B's key, or no valid key. */
function caller(): fc.Arbitrary<{ header: string | null; as: TenantName | null }> {
  const a = world.tenants.a;
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .constantFrom(a.apiKey, ...a.extraKeys)
        .map((key) => ({ header: `Bearer ${key}`, as: 'a' as const })),
    },
    { weight: 2, arbitrary: fc.constant({ header: `Bearer ${world.tenants.b.apiKey}`, as: 'b' as const }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        { header: null, as: null },
        { header: 'Bearer not-a-configured-gateway-key', as: null },
      ),
    },
  );
}

const batchItem = fc.record({
  customerId: fc.constantFrom(...vendorIds.flatMap((vendor) => knownCustomers[vendor])),
  vendor: fc.constantFrom(...vendorIds),
  featureKey: fc.constantFrom(...knownFeatureKeys),
});

/** Every keyed route, well-formed or not: lists, checks, batches of 1 to 120 items, balances, links, refresh. */
function requests(): fc.Arbitrary<GeneratedRequest> {
  const route = fc.oneof(
    knownVendorCustomer.map(({ vendor, id }) => ({
      method: 'GET',
      target: `/v1/customers/${id}/entitlements?vendor=${vendor}&limit=2`,
    })),
    fc.tuple(knownVendorCustomer, fc.constantFrom(...knownFeatureKeys)).map(([{ vendor, id }, feature]) => ({
      method: 'GET',
      target: `/v1/customers/${id}/entitlements/${feature}?vendor=${vendor}`,
    })),
    fc
      .oneof(
        { weight: 3, arbitrary: fc.array(batchItem, { minLength: 1, maxLength: 8 }) },
        { weight: 1, arbitrary: fc.array(batchItem, { minLength: 90, maxLength: 120 }) },
      )
      .map((checks) => ({ method: 'POST', target: '/v1/check', body: JSON.stringify({ checks }) })),
    fc.constant({ method: 'POST', target: '/v1/check', body: '{"checks":' }),
    fc
      .constantFrom(...vendorIds)
      .map((vendor) => ({ method: 'GET', target: `/v1/balances?vendor=${vendor}` })),
    fc.constant({ method: 'GET', target: '/v1/customers/nobody-linked/links' }),
    knownVendorCustomer.map(({ vendor, id }) => ({
      method: 'POST',
      target: `/v1/customers/${id}/entitlements/refresh?vendor=${vendor}`,
    })),
    fc.constant({ method: 'GET', target: '/v1/customers/c1/entitlements?limit=0' }),
    fc.constant({ method: 'GET', target: '/healthz' }),
  );
  return fc.record({ route, auth: caller(), extra: extraHeaders }).map(({ route, auth, extra }) => ({
    ...assemble({
      method: route.method,
      target: route.target,
      auth,
      extra,
      ...('body' in route ? { body: route.body, contentType: 'application/json' } : {}),
    }),
    cursors: [],
  }));
}

const keyedRoute = (request: GeneratedRequest) => request.target.startsWith('/v1/');
const fieldsPattern = {
  policy: /^"key";q=5;w=5000, "tenant";q=150;w=150000$/,
  limit: /^"key";r=(\d+);t=(\d+), "tenant";r=(\d+);t=(\d+)$/,
};

/** Requests each key of A got through (any answer but a 429), and A's total. */
const admitted = new Map<string, number>();
let admittedForTenant = 0;
const reached = { refusedByKey: 0, refusedByTenant: 0 };

function rateLimitViolations(request: GeneratedRequest, response: RawResponse): string[] {
  const policy = response.headers['ratelimit-policy'];
  const limit = response.headers['ratelimit'];
  const retryAfter = response.headers['retry-after'];
  const limited = request.as === 'a' && keyedRoute(request);
  if (!limited) {
    // B is not limited; a request without a valid key is refused before the limiter; open routes are never limited.
    if (response.status === 429) return ['a 429 for a request no bucket applies to'];
    return policy === undefined && limit === undefined
      ? []
      : ['rate limit fields on an answer no bucket applies to'];
  }
  const problems: string[] = [];
  if (policy === undefined || !fieldsPattern.policy.test(policy))
    problems.push(`RateLimit-Policy missing or malformed: ${policy}`);
  const fields = limit === undefined ? null : fieldsPattern.limit.exec(limit);
  if (fields === null) problems.push(`RateLimit missing or malformed: ${limit}`);
  const [keyLeft, tenantLeft] = [Number(fields?.[1]), Number(fields?.[3])];
  if (response.status === 429) {
    if (retryAfter === undefined || !/^[1-9]\d*$/.test(retryAfter))
      problems.push(`429 without a whole Retry-After of at least 1 s: ${retryAfter}`);
    if (keyLeft === 0) reached.refusedByKey += 1;
    if (tenantLeft === 0) reached.refusedByTenant += 1;
    return problems;
  }
  if (retryAfter !== undefined) problems.push('Retry-After on an admitted request');
  const key = request.headers.find(([name]) => name === 'authorization')?.[1] ?? '';
  admitted.set(key, (admitted.get(key) ?? 0) + 1);
  admittedForTenant += 1;
  if ((admitted.get(key) ?? 0) > PER_KEY.burst)
    problems.push(`a key got ${admitted.get(key)} requests through a bucket of ${PER_KEY.burst}`);
  if (admittedForTenant > PER_TENANT.burst)
    problems.push(`the tenant got ${admittedForTenant} requests through a bucket of ${PER_TENANT.burst}`);
  return problems;
}

describe(`rate limits: a property (seed ${propertyParameters().seed}, ${runs()} runs)`, () => {
  it(
    'never a 500; over the limit always 429 with Retry-After and RateLimit fields; no bucket lets more through than it holds',
    async () => {
      const statuses = await assertRouteProperty(world, requests(), propertyParameters(), {
        extra: rateLimitViolations,
      });
      if (runs() < 1000) return;
      // Both buckets refused, and admitted requests were answered too.
      expect(statuses.get(429) ?? 0).toBeGreaterThan(runs() / 10);
      expect(statuses.get(200) ?? 0).toBeGreaterThan(runs() / 10);
      expect(reached.refusedByKey).toBeGreaterThan(0);
      expect(reached.refusedByTenant).toBeGreaterThan(0);
    },
    PROPERTY_TIMEOUT_MS,
  );
});

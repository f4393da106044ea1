import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assemble,
  authorization,
  batchBody,
  bodyContentType,
  extraHeaders,
  featureSegment,
  hostileCheckRequests,
  hostileListRequests,
  knownVendorCustomer,
  malformedBody,
  method,
  nextPage,
  pathSegment,
  plausibleQuery,
  queryString,
} from './arbitraries';
import {
  knownFeatureKeys,
  type PropertyWorld,
  propertyParameters,
  startPropertyWorld,
} from './property-fixture';
import { assertRouteProperty, type GeneratedRequest, tenantViolations } from './route-property';

/**
 * Properties of the entitlement routes (list, check, refresh, batch) for two tenants with the same
 * customer ids: whatever the ids, feature keys, query strings, cursors, headers and bodies, every
 * answer is a well-formed success or problem, never a 5xx or a hang, never a secret (in the answer
 * or a log line), never the other tenant's data, and a cursor issued to the other tenant is never
 * accepted. `FC_RUNS` cases per route (default 1000), seeded by `FC_SEED`.
 */

const PROPERTY_TIMEOUT_MS = 300_000;
let world: PropertyWorld;

beforeAll(async () => {
  world = await startPropertyWorld();
}, 60_000);

afterAll(async () => {
  await world?.close();
});

const parameters = () => propertyParameters();
const runs = () => propertyParameters().numRuns;
/**
 * Whether the generators' reach is asserted: at the default 1000 runs per route they must hit the
 * outcomes that matter (or the properties prove little); a short replay (`FC_RUNS=50`) only checks
 * the promises.
 */
const assertReach = () => runs() >= 1000;

/** Half well-formed requests of a tenant (they reach the vendor code), half hostile ones. */
function wellFormedOrHostile(
  wellFormed: fc.Arbitrary<GeneratedRequest>,
  hostile: fc.Arbitrary<GeneratedRequest>,
): fc.Arbitrary<GeneratedRequest> {
  return fc.oneof(wellFormed, hostile);
}

const tenantKey = () =>
  fc
    .constantFrom('a' as const, 'b' as const)
    .map((as) => ({ header: `Bearer ${world.tenants[as].apiKey}`, as }));

function listRequests(): fc.Arbitrary<GeneratedRequest> {
  const firstPage = fc
    .record({ customer: knownVendorCustomer, auth: tenantKey() })
    .chain(({ customer, auth }) =>
      plausibleQuery(customer.vendor, ['limit', 'featureKey', 'type', 'hasAccess', 'include']).map(
        (query) => ({
          ...assemble({
            method: 'GET',
            target: `/v1/customers/${customer.id}/entitlements${query}`,
            auth,
            extra: [],
          }),
          cursors: [],
        }),
      ),
    );
  const secondPage = nextPage(world).map(({ target, issuedTo, as }) => ({
    ...assemble({
      method: 'GET',
      target,
      auth: { header: `Bearer ${world.tenants[as].apiKey}`, as },
      extra: [],
    }),
    cursors: [issuedTo],
  }));
  const wellFormed = fc.oneof(firstPage, secondPage);
  return wellFormedOrHostile(wellFormed, hostileListRequests(world, pathSegment));
}

function checkRequests(): fc.Arbitrary<GeneratedRequest> {
  const wellFormed = fc
    .record({
      customer: knownVendorCustomer,
      feature: fc.constantFrom(...knownFeatureKeys),
      auth: tenantKey(),
    })
    .chain(({ customer, feature, auth }) =>
      plausibleQuery(customer.vendor, ['requestedUsage']).map((query) => ({
        ...assemble({
          method: 'GET',
          target: `/v1/customers/${customer.id}/entitlements/${feature}${query}`,
          auth,
          extra: [],
        }),
        cursors: [],
      })),
    );
  return wellFormedOrHostile(wellFormed, hostileCheckRequests(world, pathSegment, featureSegment));
}

function refreshRequests(): fc.Arbitrary<GeneratedRequest> {
  const wellFormed = fc
    .record({ customer: knownVendorCustomer, auth: tenantKey() })
    .map(({ customer, auth }) => ({
      ...assemble({
        method: 'POST',
        target: `/v1/customers/${customer.id}/entitlements/refresh?vendor=${customer.vendor}`,
        auth,
        extra: [],
      }),
      cursors: [],
    }));
  const hostile = fc
    .record({
      method: method('POST'),
      id: pathSegment,
      query: queryString(world, [], { vendor: true }),
      auth: authorization(world),
      extra: extraHeaders,
      body: fc.option(malformedBody(), { freq: 4 }),
    })
    .map(({ method, id, query, auth, extra, body }) => ({
      ...assemble({
        method,
        target: `/v1/customers/${id}/entitlements/refresh${query.query}`,
        auth,
        extra,
        ...(body === null ? {} : { body }),
      }),
      cursors: query.cursors,
    }));
  return wellFormedOrHostile(wellFormed, hostile);
}

function batchRequests(): fc.Arbitrary<GeneratedRequest> {
  return fc
    .record({
      method: method('POST'),
      query: queryString(world, [], { vendor: true }),
      auth: authorization(world),
      extra: extraHeaders,
      body: batchBody,
      contentType: bodyContentType,
    })
    .map(({ method, query, auth, extra, body, contentType }) => ({
      ...assemble({ method, target: `/v1/check${query.query}`, auth, extra, body, contentType }),
      cursors: query.cursors,
    }));
}

describe(`entitlement routes: properties (seed ${propertyParameters().seed}, ${propertyParameters().numRuns} runs per route)`, () => {
  it(
    'GET /v1/customers/{id}/entitlements keeps every promise',
    async () => {
      const statuses = await assertRouteProperty(world, listRequests(), parameters());
      if (!assertReach()) return;
      // The generators reach real pages, validation, auth and other tenants' cursors.
      expect(statuses.get(200) ?? 0).toBeGreaterThan(runs() / 10);
      for (const status of [400, 401, 404])
        expect(statuses.get(status) ?? 0, `HTTP ${status}`).toBeGreaterThan(0);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'GET /v1/customers/{id}/entitlements/{featureKey} keeps every promise',
    async () => {
      const statuses = await assertRouteProperty(world, checkRequests(), parameters());
      if (!assertReach()) return;
      expect(statuses.get(200) ?? 0).toBeGreaterThan(runs() / 10);
      for (const status of [400, 401, 404])
        expect(statuses.get(status) ?? 0, `HTTP ${status}`).toBeGreaterThan(0);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'POST /v1/customers/{id}/entitlements/refresh keeps every promise',
    async () => {
      const statuses = await assertRouteProperty(world, refreshRequests(), parameters());
      if (!assertReach()) return;
      expect(statuses.get(200) ?? 0).toBeGreaterThan(runs() / 10);
      for (const status of [400, 401, 404])
        expect(statuses.get(status) ?? 0, `HTTP ${status}`).toBeGreaterThan(0);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'POST /v1/check keeps every promise',
    async () => {
      const statuses = await assertRouteProperty(world, batchRequests(), parameters());
      if (!assertReach()) return;
      expect(statuses.get(200) ?? 0).toBeGreaterThan(runs() / 10);
      for (const status of [400, 401, 413, 415])
        expect(statuses.get(status) ?? 0, `HTTP ${status}`).toBeGreaterThan(0);
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe('the tenant oracle', () => {
  it('flags the other tenant’s data, tenant data without a key and an accepted foreign cursor', () => {
    const request = (as: 'a' | 'b' | null, cursors: Array<'a' | 'b' | null> = []) => ({
      method: 'GET',
      target: '/v1/customers/c1/entitlements',
      headers: [],
      as,
      cursors,
    });
    expect(tenantViolations(request('a'), 200, '{"featureName":"tenantaonly Seats"}')).toEqual([]);
    expect(tenantViolations(request('a'), 200, '{"featureName":"tenantbonly Seats"}')).not.toEqual([]);
    expect(tenantViolations(request('b'), 200, '{"featureKey":"tenantaonly-api_calls"}')).not.toEqual([]);
    expect(tenantViolations(request(null), 401, '{"detail":"tenantaonly"}')).not.toEqual([]);
    expect(tenantViolations(request('a', ['b']), 400, '{}')).toEqual([]);
    expect(tenantViolations(request('a', ['b']), 200, '{}')).not.toEqual([]);
    expect(tenantViolations(request('a', ['a', null]), 200, '{}')).toEqual([]);
  });
});

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vendorIds } from '../../../schemas/entitlement';
import type { RawResponse } from '../../support/raw-http';
import {
  assemble,
  authorization,
  bodyContentType,
  extraHeaders,
  hostileCheckRequests,
  hostileListRequests,
  malformedBody,
  method,
  pathSegment,
  queryString,
} from './arbitraries';
import {
  appFeatureKeys,
  knownCustomers,
  knownFeatureKeys,
  markerOf,
  type PropertyWorld,
  propertyParameters,
  startPropertyWorld,
  staticAppCustomers,
  type TenantName,
} from './property-fixture';
import { vendorOutageCodes } from './response-oracle';
import { assertRouteProperty, type GeneratedRequest } from './route-property';

/**
 * Properties of the multi-vendor routes for two tenants with the same app customer ids, linked to
 * the same demo accounts (each tenant's simulators mark their data): the customer-links routes
 * (`PUT`/`GET`/`DELETE /v1/customers/{id}/links`) and the merged list, check and batch. Each tenant
 * has a feature catalogue with fallback policies, and some links lead to a vendor that is down
 * (every request answered 503), so merged answers are partial and checks take the fallback path.
 * Same oracle as the other property suites (never a 500, a hang, a secret or the other tenant's
 * data), plus: the vendor ids a tenant writes into its dynamic links carry its marker (the other
 * tenant seeing one is a leak), a links answer holds only the tenant's static links and its own
 * dynamic ones, and a check is never a vendor outage problem (the fallback policies answer).
 * `FC_RUNS` cases per route (default 1000), seeded by `FC_SEED`.
 */

const PROPERTY_TIMEOUT_MS = 300_000;
let world: PropertyWorld;

beforeAll(async () => {
  world = await startPropertyWorld({ multiVendor: true });
}, 60_000);

afterAll(async () => {
  await world?.close();
});

const runs = () => propertyParameters().numRuns;
/** At the default 1000 runs the generators must reach the outcomes that matter; a short replay only checks the promises. */
const assertReach = () => runs() >= 1000;

/** App customer ids: the static ones, a few only dynamic links name, and hostile path segments. */
const appIds = [...Object.keys(staticAppCustomers), 'linked-1', 'linked-2', 'linked-3'];
const appIdSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...appIds) },
  { weight: 2, arbitrary: pathSegment },
);

/**
 * The vendor ids a tenant links in its dynamic links: each carries the tenant's marker where the
 * vendor's id format allows it (a Zenskar id is a UUID: a demo one, shared).
 */
function linkIdsOf(tenant: TenantName): Record<(typeof vendorIds)[number], readonly string[]> {
  const marker = markerOf(tenant);
  return {
    chargebee: [`${marker}-link-1`, `${marker}-link-2`],
    paygentic: [`cus_${marker}1`, `cus_${marker}2`],
    stripe: [`cus_${marker}1`],
    zenskar: [knownCustomers.zenskar[1] as string],
  };
}

/** A `PUT …/links` body the tenant `as` might send: valid links to its own ids, invalid ones, garbage. */
function linksBody(as: TenantName | null): fc.Arbitrary<string> {
  const ids = linkIdsOf(as ?? 'a');
  const valid = fc
    .uniqueArray(fc.constantFrom(...vendorIds), { minLength: 1, maxLength: vendorIds.length })
    .chain((vendors) =>
      fc.tuple(...vendors.map((vendor) => fc.constantFrom(...ids[vendor]))).map((chosen) => ({
        links: Object.fromEntries(vendors.map((vendor, index) => [vendor, chosen[index]])),
      })),
    );
  const invalid = fc.constantFrom<unknown>(
    { links: {} },
    { links: { recurly: 'x1' } },
    { links: { paygentic: 'not-a-paygentic-id' } },
    { links: { zenskar: 'not-a-uuid' } },
    { links: { chargebee: '' } },
    { links: { chargebee: 'x'.repeat(300) } },
    { links: { chargebee: 42 } },
    { links: ['chargebee'] },
    { links: null },
    { links: { chargebee: ids.chargebee[0] }, extra: true },
    { link: { chargebee: ids.chargebee[0] } },
    {},
  );
  return fc.oneof(
    { weight: 5, arbitrary: valid.map((body) => JSON.stringify(body)) },
    { weight: 2, arbitrary: invalid.map((body) => JSON.stringify(body)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{"links":{"__proto__":{"chargebee":"x"}}}',
        '{"links":{"constructor":"x"}}',
        `{"links":{"chargebee":"${ids.chargebee[0]}"},"links":{}}`,
      ),
    },
    { weight: 1, arbitrary: malformedBody() },
  );
}

function linksRequests(own: 'PUT' | 'GET' | 'DELETE'): fc.Arbitrary<GeneratedRequest> {
  return fc
    .record({
      method: method(own),
      id: appIdSegment,
      auth: authorization(world),
      extra: extraHeaders,
      contentType: bodyContentType,
      query: queryString(world, []),
    })
    .chain((parts) =>
      (parts.method === 'PUT' || parts.method === 'POST'
        ? linksBody(parts.auth.as)
        : fc.constant(undefined)
      ).map((body) => ({
        ...assemble({
          method: parts.method,
          target: `/v1/customers/${parts.id}/links${parts.query.query}`,
          auth: parts.auth,
          extra: parts.extra,
          ...(body === undefined ? {} : { body, contentType: parts.contentType }),
        }),
        cursors: [],
      })),
    );
}

/**
 * A links answer holds the tenant's static links (exactly as configured) and dynamic links to ids
 * the tenant itself writes; nothing else.
 */
/** The JSON body of a 200 answer (a HEAD has none), else null. */
function okBody(response: RawResponse): Record<string, unknown> | null {
  return response.status === 200 && response.body !== ''
    ? (JSON.parse(response.body) as Record<string, unknown>)
    : null;
}

function linksViolations(request: GeneratedRequest, response: RawResponse): string[] {
  const answer = okBody(response);
  if (answer === null || request.as === null) return [];
  const body = answer as {
    object?: string;
    customerId: string;
    links: Record<string, string>;
    origins: Record<string, string>;
  };
  if (body.object !== 'customer_links') return [];
  const own = linkIdsOf(request.as) as Record<string, readonly string[]>;
  const configured = (staticAppCustomers as Record<string, Record<string, string>>)[body.customerId];
  return Object.entries(body.links).flatMap(([vendor, id]) => {
    const origin = body.origins[vendor];
    if (origin === 'static' && configured?.[vendor] !== id)
      return [`a static link of ${vendor} that is not in the configuration: ${id}`];
    if (origin === 'dynamic' && !own[vendor]?.includes(id))
      return [`a dynamic link of ${vendor} the tenant never wrote: ${id}`];
    return origin === 'static' || origin === 'dynamic' ? [] : [`link of ${vendor} without an origin`];
  });
}

/** A tenant's own key, for the well-formed half of the merged requests. */
const tenantKey = () =>
  fc
    .constantFrom('a' as const, 'b' as const)
    .map((as) => ({ header: `Bearer ${world.tenants[as].apiKey}`, as }));

/** Feature keys a merged check asks about: the catalogues' app keys, the demo keys, hostile text. */
const mergedFeature: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...appFeatureKeys) },
  { weight: 2, arbitrary: fc.constantFrom(...knownFeatureKeys) },
  { weight: 1, arbitrary: pathSegment },
);

function mergedListRequests(): fc.Arbitrary<GeneratedRequest> {
  const nextPage = fc
    .tuple(fc.constantFrom('a' as const, 'b' as const), fc.constantFrom('a' as const, 'b' as const))
    .chain(([issuedTo, as]) =>
      fc.constantFrom(...world.tenants[issuedTo].mergedCursors).map(({ cursor, customerId }) => ({
        ...assemble({
          method: 'GET',
          target: `/v1/customers/${customerId}/entitlements?limit=1&cursor=${encodeURIComponent(cursor)}`,
          auth: { header: `Bearer ${world.tenants[as].apiKey}`, as },
          extra: [],
        }),
        cursors: [issuedTo],
      })),
    );
  const firstPage = fc
    .record({
      id: fc.constantFrom(...appIds),
      auth: tenantKey(),
      limit: fc.constantFrom('1', '2', '7', '50', '100'),
      featureKey: fc.option(fc.constantFrom(...appFeatureKeys)),
    })
    .map(({ id, auth, limit, featureKey }) => ({
      ...assemble({
        method: 'GET',
        target: `/v1/customers/${id}/entitlements?limit=${limit}${featureKey === null ? '' : `&featureKey=${featureKey}`}`,
        auth,
        extra: [],
      }),
      cursors: [],
    }));
  return fc.oneof(firstPage, nextPage, hostileListRequests(world, appIdSegment));
}

function mergedCheckRequests(): fc.Arbitrary<GeneratedRequest> {
  const wellFormed = fc
    .record({
      id: fc.constantFrom(...appIds),
      feature: mergedFeature,
      auth: tenantKey(),
      usage: fc.option(fc.constantFrom('0', '5', '60', '1000000')),
    })
    .map(({ id, feature, auth, usage }) => ({
      ...assemble({
        method: 'GET',
        target: `/v1/customers/${id}/entitlements/${feature}${usage === null ? '' : `?requestedUsage=${usage}`}`,
        auth,
        extra: [],
      }),
      cursors: [],
    }));
  return fc.oneof(wellFormed, hostileCheckRequests(world, appIdSegment, mergedFeature));
}

/** Batch items over the app customers: merged (no vendor) mostly, some through one linked vendor, some garbage. */
const mergedBatchItem: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        customerId: fc.constantFrom(...appIds),
        vendor: fc.constantFrom(...vendorIds),
        featureKey: fc.oneof(fc.constantFrom(...appFeatureKeys), fc.constantFrom(...knownFeatureKeys)),
        requestedUsage: fc.oneof(fc.nat(100), fc.constant(1e9)),
      },
      { requiredKeys: ['customerId', 'featureKey'] },
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

function mergedBatchRequests(): fc.Arbitrary<GeneratedRequest> {
  return fc
    .record({
      method: method('POST'),
      auth: authorization(world),
      extra: extraHeaders,
      body: fc.oneof(
        {
          weight: 7,
          arbitrary: fc
            .array(mergedBatchItem, { minLength: 1, maxLength: 12 })
            .map((checks) => JSON.stringify({ checks })),
        },
        { weight: 1, arbitrary: malformedBody() },
      ),
      contentType: bodyContentType,
    })
    .map(({ method, auth, extra, body, contentType }) => ({
      ...assemble({ method, target: '/v1/check', auth, extra, body, contentType }),
      cursors: [],
    }));
}

/** Counts of the outcomes the merged properties must reach. */
const reached = { fallbackAnswers: 0 };

/**
 * Whether a check asks for a quantity: beyond a Paygentic metered balance that makes the gateway ask
 * the vendor whether the limit is soft, and that lookup failing is the vendor's problem (the snapshot
 * exists, so no fallback policy stands in: docs/abuse-and-outage.md, "When it is used, and when not").
 */
const asksQuantity = (item: unknown) => typeof item === 'object' && item !== null && 'requestedUsage' in item;

/**
 * A check answer (or batch item): never a vendor outage problem (every tenant here has a fallback
 * policy) unless it asks for a quantity, and `fallback` consistent with the vendor statuses of a
 * merged answer.
 */
function checkViolations(result: Record<string, unknown>, quantityAsked: boolean): string[] {
  if (result['object'] === 'entitlement_check_error') {
    const code = (result['error'] as { code?: string } | undefined)?.code ?? '';
    return vendorOutageCodes.has(code) && !quantityAsked
      ? [`a batch item answered the outage ${code} despite a fallback policy`]
      : [];
  }
  if (result['object'] !== 'entitlement_check') return [];
  const vendors = result['vendors'] as Array<{ fallback?: boolean; error?: unknown }> | undefined;
  if (result['fallback'] === true) reached.fallbackAnswers += 1;
  if (vendors === undefined) return [];
  const stoodIn = vendors.filter((status) => status.fallback === true);
  if (result['fallback'] === true && (stoodIn.length === 0 || result['partial'] !== true))
    return ['a merged fallback answer names no vendor stood in for, or is not partial'];
  if (result['fallback'] !== true && stoodIn.length > 0) return ['a vendor stood in for without `fallback`'];
  if (stoodIn.some((status) => status.error === undefined))
    return ['a vendor stood in for without its error'];
  return [];
}

function checkAnswerViolations(request: GeneratedRequest, response: RawResponse): string[] {
  const body = okBody(response);
  if (body === null) return [];
  if (body['object'] === 'batch_check') {
    const sent = JSON.parse((request.body ?? '').replace(/^\ufeff/, '')) as { checks: unknown[] };
    return (body['results'] as Array<Record<string, unknown>>).flatMap((result, index) =>
      checkViolations(result, asksQuantity(sent.checks[index])),
    );
  }
  return request.method === 'GET' ? checkViolations(body, false) : [];
}

/** A single check asking for a quantity may meet a failing soft-limit lookup (see {@link asksQuantity}). */
const checkAllowances = (request: GeneratedRequest) => ({
  vendorOutages: /[?&]requestedUsage=/.test(request.target),
});

describe(`customer links and merged routes: properties (seed ${propertyParameters().seed}, ${runs()} runs per route)`, () => {
  // Each method of the links route, and the statuses its generator must reach.
  for (const [own, expected, mostly] of [
    ['PUT', [400, 401], 200],
    ['GET', [401, 404], 200],
    ['DELETE', [401], 204],
  ] as const)
    it(
      `${own} /v1/customers/{id}/links keeps every promise`,
      async () => {
        const statuses = await assertRouteProperty(world, linksRequests(own), propertyParameters(), {
          extra: linksViolations,
        });
        if (!assertReach()) return;
        expect(statuses.get(mostly) ?? 0).toBeGreaterThan(runs() / 10);
        for (const status of expected) expect(statuses.get(status) ?? 0, `HTTP ${status}`).toBeGreaterThan(0);
      },
      PROPERTY_TIMEOUT_MS,
    );

  it(
    'GET /v1/customers/{appCustomer}/entitlements (merged) keeps every promise',
    async () => {
      const statuses = await assertRouteProperty(world, mergedListRequests(), propertyParameters(), {
        // A list has no feature to apply a fallback policy to: a linked account down with nothing
        // cached makes it partial, every one down (or its open breaker) the documented 503.
        allowances: () => ({ vendorOutages: true }),
      });
      if (!assertReach()) return;
      expect(statuses.get(200) ?? 0).toBeGreaterThan(runs() / 10);
      for (const status of [400, 401, 503])
        expect(statuses.get(status) ?? 0, `HTTP ${status}`).toBeGreaterThan(0);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'GET /v1/customers/{appCustomer}/entitlements/{featureKey} (merged) keeps every promise, and never answers an outage',
    async () => {
      reached.fallbackAnswers = 0;
      const statuses = await assertRouteProperty(world, mergedCheckRequests(), propertyParameters(), {
        allowances: checkAllowances,
        extra: checkAnswerViolations,
      });
      if (!assertReach()) return;
      expect(statuses.get(200) ?? 0).toBeGreaterThan(runs() / 10);
      for (const status of [400, 401]) expect(statuses.get(status) ?? 0, `HTTP ${status}`).toBeGreaterThan(0);
      expect(reached.fallbackAnswers).toBeGreaterThan(runs() / 50);
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'POST /v1/check (merged items) keeps every promise, and no item answers an outage',
    async () => {
      reached.fallbackAnswers = 0;
      const statuses = await assertRouteProperty(world, mergedBatchRequests(), propertyParameters(), {
        extra: checkAnswerViolations,
      });
      if (!assertReach()) return;
      expect(statuses.get(200) ?? 0).toBeGreaterThan(runs() / 10);
      expect(statuses.get(401) ?? 0).toBeGreaterThan(0);
      expect(reached.fallbackAnswers).toBeGreaterThan(runs() / 50);
    },
    PROPERTY_TIMEOUT_MS,
  );
});

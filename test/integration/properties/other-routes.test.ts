import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vendorIds } from '../../../schemas/entitlement';
import {
  assemble,
  authorization,
  bodyContentType,
  extraHeaders,
  malformedBody,
  method,
  plausibleQuery,
  queryString,
} from './arbitraries';
import {
  knownCustomers,
  type PropertyWorld,
  propertyParameters,
  startPropertyWorld,
} from './property-fixture';
import { assertRouteProperty, type GeneratedRequest } from './route-property';

/**
 * Properties of the balances, webhook (one per vendor of the registry) and system routes
 * (/healthz, /readyz, /openapi.json, /docs): the same promises as the entitlement routes, for
 * `FC_RUNS` (default 1000) seeded cases per route.
 */

const PROPERTY_TIMEOUT_MS = 300_000;
let world: PropertyWorld;

beforeAll(async () => {
  world = await startPropertyWorld();
}, 60_000);

afterAll(async () => {
  await world?.close();
});

const runs = () => propertyParameters().numRuns;
/**
 * Whether the generators' reach is asserted: at the default 1000 runs per route they must hit the
 * outcomes that matter (or the properties prove little); a short replay (`FC_RUNS=50`) only checks
 * the promises.
 */
const assertReach = () => runs() >= 1000;
const balanceParameters = [
  'customerId',
  'featureId',
  'contractId',
  'quantity[gte]',
  'usage[lt]',
  'remaining[eq]',
  'createdAt[gt]',
  'expiresAt[lte]',
  'search',
  'sort',
  'order',
  'populate',
  'limit',
  'include',
];

function balanceRequests(): fc.Arbitrary<GeneratedRequest> {
  const wellFormed = fc
    .record({ vendor: fc.constantFrom(...vendorIds), as: fc.constantFrom('a' as const, 'b' as const) })
    .chain(({ vendor, as }) =>
      plausibleQuery(vendor, balanceParameters).map((query) => ({
        ...assemble({
          method: 'GET',
          target: `/v1/balances${query}`,
          auth: { header: `Bearer ${world.tenants[as].apiKey}`, as },
          extra: [],
        }),
        cursors: [],
      })),
    );
  const hostile = fc
    .record({
      method: method('GET'),
      query: queryString(world, balanceParameters, { cursor: true, vendor: true }),
      auth: authorization(world),
      extra: extraHeaders,
    })
    .map(({ method, query, auth, extra }) => ({
      ...assemble({ method, target: `/v1/balances${query.query}`, auth, extra }),
      cursors: query.cursors,
    }));
  return fc.oneof(wellFormed, hostile);
}

/** Event bodies shaped like each vendor's (ids from the demo data or not), or garbage. */
const webhookBody: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.nat(), fc.constantFrom('c1', 'cus_demoAcme', '__proto__', 'nobody', ...knownCustomers.stripe))
      .chain(([id, customer]) =>
        fc.constantFrom(
          { id: `ev_${id}`, event_type: 'customer_changed', content: { customer: { id: customer } } },
          { id: `ev_${id}`, event_type: 'feature_updated', content: {} },
          { eventId: `evt_${id}`, eventType: 'subscription.updated.v0', data: { customerId: customer } },
          { id: `z_${id}`, event: 'customer.updated', data: { customer_id: customer } },
          { id: `z_${id}`, event: 'entitlement.created', data: {} },
          {
            id: `evt_${id}`,
            object: 'event',
            type: 'entitlements.active_entitlement_summary.updated',
            data: { object: { object: 'entitlements.active_entitlement_summary', customer } },
          },
        ),
      )
      .map((event) => JSON.stringify(event)),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: malformedBody() },
);

function webhookRequests(vendor: (typeof vendorIds)[number]): fc.Arbitrary<GeneratedRequest> {
  return fc
    .record({
      pathVendor: fc.oneof(
        { weight: 8, arbitrary: fc.constant(vendor) },
        { weight: 1, arbitrary: fc.constantFrom('stripe', vendor.toUpperCase(), '__proto__', '', '%2e%2e') },
      ),
      method: method('POST'),
      body: webhookBody,
      contentType: bodyContentType,
      // Signed by A or B with that tenant's secret (the real cross-tenant case), or not at all.
      signer: fc.constantFrom('a' as const, 'b' as const, null),
      tenantParameter: fc.constantFrom(null, 'a', 'b', 'unknown', ''),
      tamper: fc.boolean(),
      // Auth headers of the API are irrelevant here: a gateway key must not authenticate a delivery.
      auth: fc.oneof(fc.constant({ header: null, as: null }), authorization(world)),
      extra: extraHeaders,
      eventId: fc.nat(),
    })
    .map(
      ({ pathVendor, method, body, contentType, signer, tenantParameter, tamper, auth, extra, eventId }) => {
        const now = Math.floor(Date.now() / 1000);
        const signature = signer === null ? {} : world.sign(vendor, signer, body, now, `msg_${eventId}`);
        const sentBody = tamper && signer !== null ? `${body} ` : body;
        const tenantId =
          tenantParameter === 'a' || tenantParameter === 'b'
            ? world.tenants[tenantParameter].id
            : tenantParameter;
        const request = assemble({
          method,
          target: `/v1/webhooks/${pathVendor}${tenantId === null ? '' : `?tenant=${encodeURIComponent(tenantId)}`}`,
          auth,
          extra: [...extra, ...Object.entries(signature)],
          body: sentBody,
          contentType,
        });
        // A webhook answer names no tenant's data whoever signed it.
        return { ...request, as: null, cursors: [] };
      },
    );
}

const systemPaths = ['/healthz', '/readyz', '/openapi.json', '/docs'] as const;

function systemRequests(path: (typeof systemPaths)[number]): fc.Arbitrary<GeneratedRequest> {
  return fc
    .record({
      method: method('GET'),
      query: queryString(world, []),
      auth: fc.oneof(fc.constant({ header: null, as: null }), authorization(world)),
      extra: extraHeaders,
      body: fc.option(malformedBody(), { freq: 2 }),
      suffix: fc.constantFrom('', '', '', '/', '%2F', '/..', '.json', '//'),
    })
    .map(({ method, query, auth, extra, body, suffix }) => ({
      ...assemble({
        method,
        target: `${path}${suffix}${query.query}`,
        auth,
        extra,
        ...(body === null ? {} : { body }),
      }),
      // System routes carry no tenant data at all, whatever key is sent.
      as: null,
      cursors: [],
    }));
}

describe(`balances, webhooks and system routes: properties (seed ${propertyParameters().seed}, ${runs()} runs per route)`, () => {
  it(
    'GET /v1/balances keeps every promise',
    async () => {
      const statuses = await assertRouteProperty(world, balanceRequests(), propertyParameters());
      if (!assertReach()) return;
      expect(statuses.get(200) ?? 0).toBeGreaterThan(runs() / 20);
      for (const status of [400, 401]) expect(statuses.get(status) ?? 0, `HTTP ${status}`).toBeGreaterThan(0);
    },
    PROPERTY_TIMEOUT_MS,
  );

  for (const vendor of vendorIds)
    it(
      `POST /v1/webhooks/${vendor} keeps every promise`,
      async () => {
        const statuses = await assertRouteProperty(world, webhookRequests(vendor), propertyParameters());
        if (!assertReach()) return;
        // Verified deliveries are processed; unsigned, tampered or foreign-tenant ones are refused.
        expect(statuses.get(200) ?? 0).toBeGreaterThan(runs() / 500);
        expect(statuses.get(401) ?? 0).toBeGreaterThan(runs() / 20);
      },
      PROPERTY_TIMEOUT_MS,
    );

  for (const path of systemPaths)
    it(
      `GET ${path} keeps every promise`,
      async () => {
        const statuses = await assertRouteProperty(world, systemRequests(path), propertyParameters());
        if (!assertReach()) return;
        expect(statuses.get(200) ?? 0).toBeGreaterThan(runs() / 10);
      },
      PROPERTY_TIMEOUT_MS,
    );
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../../adapters/simulator-kit';
import { type VendorId, vendorIds } from '../../../schemas/entitlement';
import { ReadinessSchema } from '../../../schemas/health';
import { EntitlementListSchema } from '../../../schemas/page';
import { ProblemSchema } from '../../../schemas/problem';
import { WebhookReceiptSchema } from '../../../schemas/webhook';
import {
  type JsonResult,
  type RobustGateway,
  requestJson,
  startRobustGateway,
  startVendorAccount,
  type TestTenant,
  type VendorAccount,
  webhookSecretsOf,
} from '../../support/robustness-support';
import { openTenantRedis, parseCacheStatus, uniqueTenantId } from '../../support/route-cache-fixture';
import { vendorTestKit } from '../../support/vendor-test-kits';

/**
 * Two tenants configured through `GATEWAY_CONFIG` with the SAME customer ids at two accounts of every
 * registry vendor (separate simulators with their own credentials and different data), behind
 * gateways sharing the real Redis. A tenant must only ever see its own account's data: in answers, in
 * the Redis entries under its key prefix (and a second instance reading them), through cursors,
 * webhook invalidations and refreshes.
 *
 * Each account's simulators mark every feature name (or key, where features have no name) with their
 * tenant's marker, so the other tenant's marker in an answer is a leak; and B's account does not know
 * one of the customers A's knows, so B's "not found" must never become A's answer (nor the reverse).
 */

const KEY_A = 'robust-tenant-a-key-51c0de';
const KEY_B = 'robust-tenant-b-key-8e77aa';
const MARKER = { a: 'tenantaonly', b: 'tenantbonly' } as const;

let accountA: VendorAccount;
let accountB: VendorAccount;
let tenantA: TestTenant;
let tenantB: TestTenant;
let gateway: RobustGateway;
let redisA: Awaited<ReturnType<typeof openTenantRedis>>;
let redisB: Awaited<ReturnType<typeof openTenantRedis>>;
let counter = 0;
const unique = (prefix: string) => `${prefix}_${tenantA.id.replace(/[^A-Za-z0-9]/g, '')}_${++counter}`;

/** The customer both accounts know (its data differs by marker). */
const sharedCustomer = (vendor: VendorId) => vendorTestKit(vendor).data.customerId;
/** The customer A's account knows and B's has forgotten. */
const forgottenByB = (vendor: VendorId) => vendorTestKit(vendor).data.otherCustomerId;

beforeAll(async () => {
  accountA = await startVendorAccount({ label: 'tenant-a' });
  accountB = await startVendorAccount({ label: 'tenant-b' });
  for (const vendor of vendorIds) {
    const kit = vendorTestKit(vendor);
    kit.markFeatures(accountA.simulators[vendor], MARKER.a);
    kit.markFeatures(accountB.simulators[vendor], MARKER.b);
    kit.forgetCustomer(accountB.simulators[vendor], forgottenByB(vendor));
  }
  tenantA = {
    id: uniqueTenantId('robust-tenant-a'),
    apiKeys: [KEY_A],
    account: accountA,
    webhooks: webhookSecretsOf('tenant-a'),
  };
  tenantB = {
    id: uniqueTenantId('robust-tenant-b'),
    apiKeys: [KEY_B],
    account: accountB,
    webhooks: webhookSecretsOf('tenant-b'),
  };
  redisA = await openTenantRedis(tenantA.id);
  redisB = await openTenantRedis(tenantB.id);
  gateway = await startRobustGateway({ tenants: [tenantA, tenantB] });
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([accountA?.close(), accountB?.close()]);
  await Promise.all([redisA?.cleanup(), redisB?.cleanup()]);
});

beforeEach(() => {
  accountA.resetRecordings();
  accountB.resetRecordings();
});

const get = (instance: RobustGateway, key: string, path: string, headers: Record<string, string> = {}) =>
  requestJson(instance.app, path, { headers: { authorization: `Bearer ${key}`, ...headers } });

const listPath = (vendor: VendorId, customerId: string, query = '') =>
  `/v1/customers/${encodeURIComponent(customerId)}/entitlements?vendor=${vendor}${query}`;

/** Every request the simulators of an account received. */
const recordedBy = (account: VendorAccount): RecordedRequest[] =>
  vendorIds.flatMap((vendor) => account.simulators[vendor].kit.recorded);

/** What a tenant is told about one vendor's two customers, reduced to what tells the accounts apart. */
async function observe(instance: RobustGateway, key: string, vendor: VendorId) {
  const shared = await get(instance, key, listPath(vendor, sharedCustomer(vendor)));
  const forgotten = await get(instance, key, listPath(vendor, forgottenByB(vendor)));
  const features = (result: JsonResult) =>
    result.status === 200
      ? EntitlementListSchema.parse(result.body).data.map(
          (entitlement) => `${entitlement.featureKey} ${entitlement.featureName ?? ''}`,
        )
      : ProblemSchema.parse(result.body).code;
  return {
    shared: features(shared),
    forgotten: features(forgotten),
    cacheStatuses: [shared, forgotten].map((result) => result.headers.get('cache-status')),
  };
}

/** Asserts every feature of an observation carries `marker` and none the other tenant's. */
function expectMarked(features: string[] | string, marker: string, other: string, label: string) {
  expect(Array.isArray(features), `${label}: ${JSON.stringify(features)}`).toBe(true);
  expect(features.length, label).toBeGreaterThan(0);
  for (const feature of features) {
    expect(feature, label).toContain(marker);
    expect(feature, label).not.toContain(other);
  }
}

async function warmBoth(): Promise<void> {
  for (const vendor of vendorIds)
    for (const key of [KEY_A, KEY_B])
      for (const customerId of [sharedCustomer(vendor), forgottenByB(vendor)])
        expect([200, 404]).toContain((await get(gateway, key, listPath(vendor, customerId))).status);
  await gateway.background.drain();
}

const cached = (redis: typeof redisA, vendor: string, id: string) =>
  redis.admin.get(redis.keyOf(vendor, 'snapshot', id));

describe('tenant isolation', () => {
  it.each(vendorIds)(
    '%s: the same customer ids answer each tenant from its own account, in memory and through Redis',
    async (vendor) => {
      const kit = vendorTestKit(vendor);
      // B first: its "does not exist" must not become A's answer (nor the reverse).
      const b = await observe(gateway, KEY_B, vendor);
      const a = await observe(gateway, KEY_A, vendor);
      expectMarked(a.shared, MARKER.a, MARKER.b, `${vendor}: A's shared customer`);
      expectMarked(a.forgotten, MARKER.a, MARKER.b, `${vendor}: A's customer unknown to B`);
      expectMarked(b.shared, MARKER.b, MARKER.a, `${vendor}: B's shared customer`);
      // An unknown customer is a 404, or an empty list from a vendor that cannot tell (Paygentic).
      expect(b.forgotten).toEqual(kit.data.unknownCustomer === 'not_found' ? 'customer_not_found' : []);

      // Each account was asked only with its own credentials.
      for (const [account, label] of [
        [accountA, 'A'],
        [accountB, 'B'],
      ] as const) {
        const { header, value } = kit.authorization(account.connections[vendor]);
        const recorded = account.simulators[vendor].kit.recorded;
        expect(recorded.length, `${vendor}: account ${label} asked`).toBeGreaterThan(0);
        expect(new Set(recorded.map((request) => request.headers[header])), `${label}`).toEqual(
          new Set([value]),
        );
      }

      // Redis holds each tenant's own snapshot under its own prefix; B's of the customer it does not
      // know is "not found" (or empty), A's is data.
      await gateway.background.drain();
      expect(await cached(redisA, vendor, forgottenByB(vendor))).not.toBeNull();
      if (kit.data.unknownCustomer === 'not_found')
        expect((await redisB.entry(vendor, 'snapshot', forgottenByB(vendor)))?.value).toBeNull();

      // A second instance with an empty memory tier answers both tenants from Redis, unchanged.
      const second = await startRobustGateway({ tenants: [tenantA, tenantB] });
      try {
        accountA.resetRecordings();
        accountB.resetRecordings();
        const fromRedisA = await observe(second, KEY_A, vendor);
        const fromRedisB = await observe(second, KEY_B, vendor);
        expect({ ...fromRedisA, cacheStatuses: [] }).toEqual({ ...a, cacheStatuses: [] });
        expect({ ...fromRedisB, cacheStatuses: [] }).toEqual({ ...b, cacheStatuses: [] });
        for (const status of [...fromRedisA.cacheStatuses, ...fromRedisB.cacheStatuses])
          expect(parseCacheStatus(status)).toMatchObject({ hit: true });
        expect([...recordedBy(accountA), ...recordedBy(accountB)]).toEqual([]);
      } finally {
        await second.close();
      }
    },
  );

  it.each(vendorIds)(
    "%s: a cursor issued to one tenant is refused for the other's identical query, before any vendor call",
    async (vendor) => {
      const path = listPath(vendor, sharedCustomer(vendor), '&limit=1');
      const pageA = await get(gateway, KEY_A, path);
      const cursor = EntitlementListSchema.parse(pageA.body).nextCursor;
      expect(cursor).not.toBeNull();
      accountB.resetRecordings();
      const stolen = await get(gateway, KEY_B, `${path}&cursor=${cursor}`);
      expect(stolen.status).toBe(400);
      expect(ProblemSchema.parse(stolen.body).code).toBe('invalid_cursor');
      expect(recordedBy(accountB)).toEqual([]);
      // The same cursor still works for its own tenant.
      expect((await get(gateway, KEY_A, `${path}&cursor=${cursor}`)).status).toBe(200);
    },
  );

  it("a balances cursor issued to one tenant is refused for the other's, at every vendor that lists balances", async () => {
    let listing = 0;
    for (const vendor of vendorIds) {
      const balancesA = await get(gateway, KEY_A, `/v1/balances?vendor=${vendor}&limit=1`);
      if (balancesA.status === 501) {
        expect(ProblemSchema.parse(balancesA.body).code).toBe('not_supported_by_vendor');
        continue;
      }
      listing += 1;
      const balanceCursor = (balancesA.body as { nextCursor?: string | null }).nextCursor;
      expect(typeof balanceCursor, vendor).toBe('string');
      accountB.resetRecordings();
      const stolen = await get(
        gateway,
        KEY_B,
        `/v1/balances?vendor=${vendor}&limit=1&cursor=${balanceCursor}`,
      );
      expect(stolen.status, vendor).toBe(400);
      expect(ProblemSchema.parse(stolen.body).code).toBe('invalid_cursor');
      expect(recordedBy(accountB)).toEqual([]);
    }
    expect(listing).toBeGreaterThan(0);
  });

  describe('webhooks', () => {
    const deliver = (
      vendor: VendorId,
      tenant: TestTenant,
      eventId: string,
      query = '',
    ): Promise<JsonResult> => {
      const kit = vendorTestKit(vendor);
      const nowSeconds = Math.floor(Date.now() / 1000);
      const body = kit.webhook.customerChanged(sharedCustomer(vendor), eventId, nowSeconds);
      const secrets = tenant.webhooks[vendor];
      if (secrets === undefined) throw new Error(`tenant ${tenant.id} has no ${vendor} webhook secrets`);
      return requestJson(gateway.app, `/v1/webhooks/${vendor}${query}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...kit.webhook.sign(body, secrets, { nowSeconds, id: `msg_${eventId}` }),
        },
        body,
      });
    };

    it.each(vendorIds)(
      "%s: a delivery signed with tenant A's secret invalidates A only; the same event id is new to B",
      async (vendor) => {
        await warmBoth();
        const customerId = sharedCustomer(vendor);
        expect(await cached(redisA, vendor, customerId)).not.toBeNull();
        expect(await cached(redisB, vendor, customerId)).not.toBeNull();
        const eventId = unique(`evt${vendor}`);

        const forA = await deliver(vendor, tenantA, eventId);
        expect(WebhookReceiptSchema.parse(forA.body)).toMatchObject({
          duplicate: false,
          invalidatedCustomers: 1,
        });
        expect(await cached(redisA, vendor, customerId), 'A invalidated').toBeNull();
        expect(await cached(redisB, vendor, customerId), 'B untouched').not.toBeNull();
        // B's "not found" (or empty) entry of the customer it does not know survives A's event too.
        expect(await redisB.entry(vendor, 'snapshot', forgottenByB(vendor))).toBeDefined();

        const forB = await deliver(vendor, tenantB, eventId);
        expect(WebhookReceiptSchema.parse(forB.body), 'not a duplicate for B').toMatchObject({
          duplicate: false,
          invalidatedCustomers: 1,
        });
        expect(await cached(redisB, vendor, customerId), 'B invalidated by its own event').toBeNull();
      },
    );

    it.each(vendorIds)(
      "%s: a delivery signed with A's secret but addressed to tenant B is refused and drops nothing",
      async (vendor) => {
        await warmBoth();
        const refused = await deliver(vendor, tenantA, unique(`evt${vendor}`), `?tenant=${tenantB.id}`);
        expect(refused.status).toBe(401);
        expect(ProblemSchema.parse(refused.body).code).toBe('webhook_verification_failed');
        expect(await cached(redisA, vendor, sharedCustomer(vendor)), 'A untouched').not.toBeNull();
        expect(await cached(redisB, vendor, sharedCustomer(vendor)), 'B untouched').not.toBeNull();
      },
    );
  });

  it.each(vendorIds)(
    "%s: refresh and Cache-Control: no-cache reload only the caller's tenant",
    async (vendor) => {
      await warmBoth();
      const before = await cached(redisB, vendor, sharedCustomer(vendor));
      accountA.resetRecordings();
      accountB.resetRecordings();

      const refreshed = await requestJson(
        gateway.app,
        `/v1/customers/${encodeURIComponent(sharedCustomer(vendor))}/entitlements/refresh?vendor=${vendor}`,
        { method: 'POST', headers: { authorization: `Bearer ${KEY_A}` } },
      );
      expect(refreshed.status).toBe(200);
      const forced = await get(gateway, KEY_A, listPath(vendor, sharedCustomer(vendor)), {
        'cache-control': 'no-cache',
      });
      expect(forced.status).toBe(200);
      await gateway.background.drain();

      expect(accountA.simulators[vendor].kit.recorded.length).toBeGreaterThan(0);
      expect(recordedBy(accountB)).toEqual([]);
      expect(await cached(redisB, vendor, sharedCustomer(vendor))).toBe(before);
      expectMarked(
        EntitlementListSchema.parse(forced.body).data.map(
          (entitlement) => `${entitlement.featureKey} ${entitlement.featureName ?? ''}`,
        ),
        MARKER.a,
        MARKER.b,
        `${vendor}: A's reloaded answer`,
      );
    },
  );

  // Regression (was a low finding): /readyz is unauthenticated (probes call it without a key) and lists one check per
  // tenant connection, `upstream:<tenant id>:<vendor>` (src/services/readiness.ts): anyone
  // can enumerate every tenant id, the vendors each uses and their breaker state. Expected: a
  // per-vendor summary (or per-connection detail only for an authenticated caller).
  it('the unauthenticated readiness answer names no tenant', async () => {
    const readiness = await requestJson(gateway.app, '/readyz');
    expect(readiness.status).toBe(200);
    ReadinessSchema.parse(readiness.body);
    expect(readiness.text).not.toContain(tenantA.id);
    expect(readiness.text).not.toContain(tenantB.id);
  });
});

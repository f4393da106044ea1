import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChargebeeSimulatorStore } from '../../../adapters/chargebee/simulator';
import type { PaygenticSimulatorStore } from '../../../adapters/paygentic/simulator';
import type { RecordedRequest } from '../../../adapters/simulator-kit';
import { zenskarDemoCustomerIds } from '../../../adapters/zenskar/fixtures';
import { BalanceListSchema } from '../../../schemas/balance';
import { ReadinessSchema } from '../../../schemas/health';
import { EntitlementListSchema } from '../../../schemas/page';
import { ProblemSchema } from '../../../schemas/problem';
import { WebhookReceiptSchema } from '../../../schemas/webhook';
import {
  basicAuthorization,
  type JsonResult,
  type RobustGateway,
  requestJson,
  sharedSecretDigest,
  startRobustGateway,
  startVendorAccount,
  svixSecret,
  svixSignature,
  type TestTenant,
  type VendorAccount,
} from '../../support/robustness-support';
import { openTenantRedis, parseCacheStatus, uniqueTenantId } from '../../support/route-cache-fixture';

/**
 * Two tenants configured through `GATEWAY_CONFIG` with the SAME customer ids at two vendor accounts
 * (separate simulators with their own API keys and different data), behind gateways sharing the real
 * Redis. A tenant must only ever see its own account's data: in answers, in the Redis entries under
 * its key prefix (and a second instance reading them), through cursors, webhook invalidations and
 * refreshes. The answers expected for each tenant are computed from that tenant's simulator store.
 */

const ZENSKAR_ACME = zenskarDemoCustomerIds.acme;
const KEY_A = 'robust-tenant-a-key-51c0de';
const KEY_B = 'robust-tenant-b-key-8e77aa';

let accountA: VendorAccount;
let accountB: VendorAccount;
let tenantA: TestTenant;
let tenantB: TestTenant;
let gateway: RobustGateway;
let redisA: Awaited<ReturnType<typeof openTenantRedis>>;
let redisB: Awaited<ReturnType<typeof openTenantRedis>>;
let counter = 0;
const unique = (prefix: string) => `${prefix}_${tenantA.id.replace(/[^A-Za-z0-9]/g, '')}_${++counter}`;

beforeAll(async () => {
  accountA = await startVendorAccount();
  accountB = await startVendorAccount({
    credentials: {
      chargebee: { site: 'tenant-b-test', apiKey: 'cb_tenant_b_api_key_5d1f' },
      paygentic: { apiKey: 'sk_test_tenantBpaygenticKey77' },
      zenskar: { apiKey: 'zenskar-tenant-b-api-key', organisation: '9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d' },
    },
  });
  // Same customer ids, different data: B's c1 has 300 user licences on s1 (A: 3), B's Acme seats
  // product grants 999 users (A: 25), and B's Zenskar account does not know Acme at all.
  const licence = accountB.simulators.chargebee.store.subscriptionEntitlements.find(
    (row) => row.subscription_id === 's1' && row.feature_id === 'user-licenses',
  );
  if (licence === undefined) throw new Error('the Chargebee demo data changed: no s1 user-licenses row');
  licence.value = '300';
  const seats = accountB.simulators.paygentic.store.findEntitlement('ent_acmeSeats');
  if (seats === undefined) throw new Error('the Paygentic demo data changed: no ent_acmeSeats');
  seats.config = { limit: 999 };
  accountB.simulators.zenskar.store.deleteCustomer(ZENSKAR_ACME);

  tenantA = {
    id: uniqueTenantId('robust-tenant-a'),
    apiKeys: [KEY_A],
    account: accountA,
    webhooks: {
      chargebee: { username: 'hooks-a', password: 'tenant-a-basic-password' },
      paygentic: { secret: svixSecret('tenant-a') },
      zenskar: { secret: 'tenant-a-zenskar-secret', header: 'x-zenskar-signature' },
    },
  };
  tenantB = {
    id: uniqueTenantId('robust-tenant-b'),
    apiKeys: [KEY_B],
    account: accountB,
    webhooks: {
      chargebee: { username: 'hooks-b', password: 'tenant-b-basic-password' },
      paygentic: { secret: svixSecret('tenant-b') },
      zenskar: { secret: 'tenant-b-zenskar-secret', header: 'x-zenskar-signature' },
    },
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

/** Every request the three simulators of an account received. */
const recordedBy = (account: VendorAccount): RecordedRequest[] => [
  ...account.simulators.chargebee.kit.recorded,
  ...account.simulators.paygentic.kit.recorded,
  ...account.simulators.zenskar.kit.recorded,
];

/** c1's user licences as the account's Chargebee computes them: the sum over c1's subscriptions. */
function chargebeeLicences(store: ChargebeeSimulatorStore): number {
  const subscriptions = new Set(
    store.subscriptions.filter((row) => row.customer_id === 'c1').map((row) => row.id),
  );
  return store.subscriptionEntitlements
    .filter((row) => subscriptions.has(row.subscription_id) && row.feature_id === 'user-licenses')
    .reduce((sum, row) => sum + Number(row.value), 0);
}

/** The limit the account's Paygentic stores on Acme's seats entitlement. */
function paygenticSeats(store: PaygenticSimulatorStore): unknown {
  return store.findEntitlement('ent_acmeSeats')?.config?.['limit'];
}

const lists = {
  chargebee: '/v1/customers/c1/entitlements?vendor=chargebee&featureKey=user-licenses',
  paygentic: '/v1/customers/cus_demoAcme/entitlements?vendor=paygentic&featureKey=max_users',
  zenskar: `/v1/customers/${ZENSKAR_ACME}/entitlements?vendor=zenskar`,
};

/** What a tenant sees for the three customers it shares ids with the other tenant. */
async function observe(instance: RobustGateway, key: string) {
  const chargebee = await get(instance, key, lists.chargebee);
  const paygentic = await get(instance, key, lists.paygentic);
  const zenskar = await get(instance, key, lists.zenskar);
  const seats = EntitlementListSchema.parse(paygentic.body).data[0]?.grants.find(
    (grant) => grant.vendorId === 'ent_acmeSeats',
  );
  return {
    licences: EntitlementListSchema.parse(chargebee.body).data[0]?.limit,
    seats: seats?.limit,
    zenskarStatus: zenskar.status,
    zenskarCode: zenskar.status === 200 ? null : ProblemSchema.parse(zenskar.body).code,
    cacheStatuses: [chargebee, paygentic, zenskar].map((result) => result.headers.get('cache-status')),
  };
}

async function warmBoth(): Promise<void> {
  for (const [key, path] of [
    [KEY_A, lists.chargebee],
    [KEY_A, lists.paygentic],
    [KEY_A, lists.zenskar],
    [KEY_B, lists.chargebee],
    [KEY_B, lists.paygentic],
  ] as const)
    expect((await get(gateway, key, path)).status).toBe(200);
  await gateway.background.drain();
}

const cached = (redis: typeof redisA, vendor: string, id: string) =>
  redis.admin.get(redis.keyOf(vendor, 'snapshot', id));

describe('tenant isolation', () => {
  it('the same customer ids answer each tenant from its own vendor account, in memory and through Redis', async () => {
    // B first: its "Acme does not exist" must not become A's answer (nor the reverse).
    const b = await observe(gateway, KEY_B);
    const a = await observe(gateway, KEY_A);
    expect({ licences: a.licences, seats: a.seats, zenskar: a.zenskarStatus }).toEqual({
      licences: chargebeeLicences(accountA.simulators.chargebee.store),
      seats: paygenticSeats(accountA.simulators.paygentic.store),
      zenskar: 200,
    });
    expect({ licences: b.licences, seats: b.seats, zenskar: b.zenskarCode }).toEqual({
      licences: chargebeeLicences(accountB.simulators.chargebee.store),
      seats: paygenticSeats(accountB.simulators.paygentic.store),
      zenskar: 'customer_not_found',
    });
    expect(a.licences).not.toEqual(b.licences);

    // Each account was asked only with its own credentials.
    const authorizationsOf = (account: VendorAccount) =>
      new Set(
        recordedBy(account).map(
          (request) => request.headers['authorization'] ?? request.headers['x-api-key'],
        ),
      );
    expect(authorizationsOf(accountA)).toEqual(
      new Set([
        basicAuthorization(accountA.credentials.chargebee.apiKey, ''),
        `Bearer ${accountA.credentials.paygentic.apiKey}`,
        accountA.credentials.zenskar.apiKey,
      ]),
    );
    expect(authorizationsOf(accountB)).toEqual(
      new Set([
        basicAuthorization(accountB.credentials.chargebee.apiKey, ''),
        `Bearer ${accountB.credentials.paygentic.apiKey}`,
        accountB.credentials.zenskar.apiKey,
      ]),
    );

    // Redis holds each tenant's own snapshot under its own prefix (B's Zenskar entry is "not found").
    await gateway.background.drain();
    const [chargebeeA, chargebeeB] = [
      await cached(redisA, 'chargebee', 'c1'),
      await cached(redisB, 'chargebee', 'c1'),
    ];
    expect(chargebeeA).toContain('"value":"3"');
    expect(chargebeeA).not.toContain('"value":"300"');
    expect(chargebeeB).toContain('"value":"300"');
    expect((await redisA.entry('zenskar', 'snapshot', ZENSKAR_ACME))?.value).not.toBeNull();
    expect((await redisB.entry('zenskar', 'snapshot', ZENSKAR_ACME))?.value).toBeNull();

    // A second instance with an empty memory tier answers both tenants from Redis, unchanged.
    const second = await startRobustGateway({ tenants: [tenantA, tenantB] });
    try {
      accountA.resetRecordings();
      accountB.resetRecordings();
      const fromRedisA = await observe(second, KEY_A);
      const fromRedisB = await observe(second, KEY_B);
      expect({ ...fromRedisA, cacheStatuses: [] }).toEqual({ ...a, cacheStatuses: [] });
      expect({ ...fromRedisB, cacheStatuses: [] }).toEqual({ ...b, cacheStatuses: [] });
      for (const status of [...fromRedisA.cacheStatuses, ...fromRedisB.cacheStatuses])
        expect(parseCacheStatus(status)).toMatchObject({ hit: true });
      expect([...recordedBy(accountA), ...recordedBy(accountB)]).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it("a cursor issued to one tenant is refused for the other's identical query, before any vendor call", async () => {
    const pageA = await get(gateway, KEY_A, '/v1/customers/c1/entitlements?vendor=chargebee&limit=1');
    const cursor = EntitlementListSchema.parse(pageA.body).nextCursor;
    expect(cursor).not.toBeNull();
    accountB.resetRecordings();
    const stolen = await get(
      gateway,
      KEY_B,
      `/v1/customers/c1/entitlements?vendor=chargebee&limit=1&cursor=${cursor}`,
    );
    expect(stolen.status).toBe(400);
    expect(ProblemSchema.parse(stolen.body).code).toBe('invalid_cursor');
    expect(recordedBy(accountB)).toEqual([]);
    // The same cursor still works for its own tenant.
    expect(
      (await get(gateway, KEY_A, `/v1/customers/c1/entitlements?vendor=chargebee&limit=1&cursor=${cursor}`))
        .status,
    ).toBe(200);

    const balancesA = await get(gateway, KEY_A, '/v1/balances?vendor=zenskar&limit=1');
    const balanceCursor = BalanceListSchema.parse(balancesA.body).nextCursor;
    expect(balanceCursor).not.toBeNull();
    accountB.resetRecordings();
    const stolenBalances = await get(
      gateway,
      KEY_B,
      `/v1/balances?vendor=zenskar&limit=1&cursor=${balanceCursor}`,
    );
    expect(stolenBalances.status).toBe(400);
    expect(ProblemSchema.parse(stolenBalances.body).code).toBe('invalid_cursor');
    expect(recordedBy(accountB)).toEqual([]);
  });

  describe('webhooks', () => {
    const deliveries = {
      chargebee: (tenant: TestTenant, eventId: string) => {
        const body = JSON.stringify({
          id: eventId,
          event_type: 'customer_changed',
          content: { customer: { id: 'c1' } },
        });
        const { username, password } = tenant.webhooks.chargebee;
        return { body, headers: { authorization: basicAuthorization(username, password) } };
      },
      paygentic: (tenant: TestTenant, eventId: string) => {
        const body = JSON.stringify({
          eventType: 'subscription.updated.v0',
          eventId,
          timestamp: new Date().toISOString(),
          data: { customerId: 'cus_demoAcme' },
        });
        const id = `msg_${eventId}`;
        const timestamp = String(Math.floor(Date.now() / 1000));
        return {
          body,
          headers: {
            'svix-id': id,
            'svix-timestamp': timestamp,
            'svix-signature': svixSignature(id, timestamp, body, tenant.webhooks.paygentic.secret),
          },
        };
      },
      zenskar: (tenant: TestTenant, eventId: string) => {
        const body = JSON.stringify({
          id: eventId,
          event: 'customer.updated',
          data: { customer_id: ZENSKAR_ACME },
        });
        return {
          body,
          headers: {
            [tenant.webhooks.zenskar.header]: sharedSecretDigest(
              body,
              tenant.webhooks.zenskar.secret,
            ).toString('hex'),
          },
        };
      },
    };
    const customerOf = { chargebee: 'c1', paygentic: 'cus_demoAcme', zenskar: ZENSKAR_ACME } as const;
    const vendors = ['chargebee', 'paygentic', 'zenskar'] as const;

    const deliver = (
      vendor: (typeof vendors)[number],
      tenant: TestTenant,
      eventId: string,
      query = '',
    ): Promise<JsonResult> => {
      const { body, headers } = deliveries[vendor](tenant, eventId);
      return requestJson(gateway.app, `/v1/webhooks/${vendor}${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    };

    it("a delivery signed with tenant A's secret invalidates A only; the same event id is new to B", async () => {
      for (const vendor of vendors) {
        await warmBoth();
        // B's Zenskar "not found" entry is what B has cached for Acme; it must survive A's event too.
        await get(gateway, KEY_B, lists.zenskar);
        await gateway.background.drain();
        expect(await cached(redisB, vendor, customerOf[vendor])).not.toBeNull();
        const eventId = unique(`evt${vendor}`);

        const forA = await deliver(vendor, tenantA, eventId);
        expect(WebhookReceiptSchema.parse(forA.body)).toMatchObject({
          duplicate: false,
          invalidatedCustomers: 1,
        });
        expect(await cached(redisA, vendor, customerOf[vendor]), `${vendor}: A invalidated`).toBeNull();
        expect(await cached(redisB, vendor, customerOf[vendor]), `${vendor}: B untouched`).not.toBeNull();

        const forB = await deliver(vendor, tenantB, eventId);
        expect(WebhookReceiptSchema.parse(forB.body), `${vendor}: not a duplicate for B`).toMatchObject({
          duplicate: false,
          invalidatedCustomers: 1,
        });
        expect(
          await cached(redisB, vendor, customerOf[vendor]),
          `${vendor}: B invalidated by its own event`,
        ).toBeNull();
      }
    });

    it("a delivery signed with A's secret but addressed to tenant B is refused and drops nothing", async () => {
      for (const vendor of vendors) {
        await warmBoth();
        await get(gateway, KEY_B, lists.zenskar);
        await gateway.background.drain();
        const refused = await deliver(vendor, tenantA, unique(`evt${vendor}`), `?tenant=${tenantB.id}`);
        expect(refused.status, vendor).toBe(401);
        expect(ProblemSchema.parse(refused.body).code).toBe('webhook_verification_failed');
        expect(await cached(redisA, vendor, customerOf[vendor]), `${vendor}: A untouched`).not.toBeNull();
        expect(await cached(redisB, vendor, customerOf[vendor]), `${vendor}: B untouched`).not.toBeNull();
      }
    });
  });

  it("refresh and Cache-Control: no-cache reload only the caller's tenant", async () => {
    await warmBoth();
    const before = await cached(redisB, 'chargebee', 'c1');
    accountA.resetRecordings();
    accountB.resetRecordings();

    const refreshed = await requestJson(
      gateway.app,
      '/v1/customers/c1/entitlements/refresh?vendor=chargebee',
      {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY_A}` },
      },
    );
    expect(refreshed.status).toBe(200);
    const forced = await get(gateway, KEY_A, lists.chargebee, { 'cache-control': 'no-cache' });
    expect(forced.status).toBe(200);
    await gateway.background.drain();

    expect(accountA.simulators.chargebee.kit.recorded.length).toBeGreaterThan(0);
    expect(recordedBy(accountB)).toEqual([]);
    expect(await cached(redisB, 'chargebee', 'c1')).toBe(before);
    expect(EntitlementListSchema.parse(forced.body).data[0]?.limit).toBe(
      chargebeeLicences(accountA.simulators.chargebee.store),
    );
  });

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

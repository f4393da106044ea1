import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { basicAuthorization } from '../../../adapters/chargebee/test-kit';
import { svixSecret, svixSignature } from '../../../adapters/paygentic/test-kit';
import { zenskarDemoCustomerIds } from '../../../adapters/zenskar/fixtures';
import { sharedSecretDigest } from '../../../adapters/zenskar/test-kit';
import { EntitlementListSchema } from '../../../schemas/page';
import { ConfigError, parseConfig } from '../../../src/config';
import {
  gatewayConfigJson,
  type JsonResult,
  type RobustGateway,
  requestJson,
  startRobustGateway,
  startVendorAccount,
  type TestTenant,
  type VendorAccount,
} from '../../support/robustness-support';
import { openTenantRedis, REDIS_URL, uniqueTenantId } from '../../support/route-cache-fixture';

/**
 * No configured secret ever reaches a log line, a response header or a response body: gateway keys,
 * vendor API keys, the cursor secret, webhook secrets and the Redis password of a
 * `redis://user:pass@…` URL, in their raw and derived forms (Basic tokens, the Svix key bytes,
 * percent-encoding). The workload goes through every route, success and failure paths, vendor
 * errors whose bodies echo the credentials back, webhook refusals, a Redis that refuses the
 * password (the real local Redis has none, so AUTH fails), and configuration errors.
 */

const REDIS_HOST = new URL(REDIS_URL).host;
const secret = {
  gatewayKey: 'SECRETgatewayKey-a1b2c3d4e5f6',
  cursor: 'SECRETcursorSecret-0f1e2d3c4b5a69788796a5b4',
  chargebeeKey: 'cb_SECRETchargebeeKey_91ab',
  paygenticKey: 'sk_test_SECRETpaygenticKey42',
  zenskarKey: 'zk-SECRET-zenskar-api-key-13',
  stripeKey: 'sk_test_SECRETstripeKey77',
  stripeHook: 'whsec_SECRETstripeHook88',
  hookPassword: 'SECRET-cb-hook-pass:with:colons',
  svix: svixSecret('SECRET-svix'),
  zenskarHook: 'SECRET-zenskar-hmac-secret',
  redisPassword: 'SECRET-redis/pass@word:1',
  redisPasswordOnly: 'SECRET-redis-password-only-2',
};
const HOOK_USER = 'hooks-user';

/** Every secret in every form it could take on the way out. */
const forbidden: Record<string, string> = {
  ...secret,
  chargebeeBasicToken: Buffer.from(`${secret.chargebeeKey}:`).toString('base64'),
  hookBasicToken: Buffer.from(`${HOOK_USER}:${secret.hookPassword}`).toString('base64'),
  svixKeyBytes: Buffer.from(secret.svix.replace(/^whsec_/, ''), 'base64').toString('latin1'),
  redisPasswordEncoded: encodeURIComponent(secret.redisPassword),
};

let account: VendorAccount;
let tenant: TestTenant;
let gateway: RobustGateway;
let redis: Awaited<ReturnType<typeof openTenantRedis>>;
const answers: string[] = [];
const consoleOutput: string[] = [];

beforeAll(async () => {
  account = await startVendorAccount({
    simulators: {
      chargebee: { apiKey: secret.chargebeeKey },
      paygentic: { apiKey: secret.paygenticKey },
      zenskar: {
        credentials: { apiKey: secret.zenskarKey, organisation: '3f2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d' },
      },
      stripe: { apiKey: secret.stripeKey },
    },
  });
  tenant = {
    id: uniqueTenantId('robust-secrets'),
    apiKeys: [secret.gatewayKey],
    account,
    webhooks: {
      chargebee: { username: HOOK_USER, password: secret.hookPassword },
      paygentic: { secret: secret.svix },
      zenskar: { secret: secret.zenskarHook, header: 'x-zenskar-signature' },
      stripe: { secret: secret.stripeHook },
    },
  };
  redis = await openTenantRedis(tenant.id);
  // Anything a dependency prints (ioredis warns on console) is part of what must stay clean.
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const)
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      consoleOutput.push(
        args.map((arg) => (arg instanceof Error ? `${arg.message} ${arg.stack}` : String(arg))).join(' '),
      );
    });
  gateway = await startRobustGateway({
    tenants: [tenant],
    // Password-only AUTH against a server without a password: ioredis carries on, Redis works.
    redisUrl: `redis://:${encodeURIComponent(secret.redisPasswordOnly)}@${REDIS_HOST}`,
    env: { CURSOR_SECRET: secret.cursor, UPSTREAM_MAX_ATTEMPTS: '1' },
  });
});

afterEach(() => {
  account.resetRecordings();
});

afterAll(async () => {
  await gateway?.close();
  await account?.close();
  await redis?.cleanup();
  vi.restoreAllMocks();
});

/** Records a response's headers and body for the final scan. */
function keep(result: JsonResult): JsonResult {
  const headers: string[] = [];
  result.headers.forEach((value, name) => {
    headers.push(`${name}: ${value}`);
  });
  answers.push(`${result.status}\n${headers.join('\n')}\n\n${result.text}`);
  return result;
}

const call = async (
  instance: RobustGateway,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; key?: string | null } = {},
) => {
  const key = init.key === undefined ? secret.gatewayKey : init.key;
  return keep(
    await requestJson(instance.app, path, {
      method: init.method ?? 'GET',
      headers: { ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body }),
    }),
  );
};

/** Which forbidden values occur in `text`, by name. */
function leaksIn(text: string): string[] {
  return Object.entries(forbidden)
    .filter(([, value]) => text.includes(value))
    .map(([name]) => name);
}

describe('secrets in logs and answers', () => {
  it('a workload over every route, its failures and vendor errors echoing credentials, leaks nothing', async () => {
    const zenskarAcme = zenskarDemoCustomerIds.acme;
    // Successes, pages and a cursor round trip, a batch, balances, refresh, docs, health.
    const first = await call(gateway, '/v1/customers/c1/entitlements?vendor=chargebee&limit=1');
    expect(first.status).toBe(200);
    const cursor = EntitlementListSchema.parse(first.body).nextCursor;
    expect(
      (await call(gateway, `/v1/customers/c1/entitlements?vendor=chargebee&limit=1&cursor=${cursor}`)).status,
    ).toBe(200);
    for (const path of [
      '/v1/customers/cus_demoAcme/entitlements?vendor=paygentic&include=raw',
      `/v1/customers/${zenskarAcme}/entitlements?vendor=zenskar&include=raw`,
      '/v1/customers/c1/entitlements/user-licenses?vendor=chargebee&requestedUsage=50',
      '/v1/balances?vendor=zenskar&limit=2&include=raw',
      '/readyz',
      '/openapi.json',
    ])
      expect((await call(gateway, path)).status, path).toBe(200);
    const batch = JSON.stringify({
      checks: [
        { customerId: 'c1', vendor: 'chargebee', featureKey: 'user-licenses' },
        { customerId: 'nobody', vendor: 'chargebee', featureKey: 'x' },
        { customerId: 'not-a-paygentic-id', vendor: 'paygentic', featureKey: 'x' },
      ],
    });
    expect(
      (
        await call(gateway, '/v1/check', {
          method: 'POST',
          body: batch,
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(200);
    expect(
      (await call(gateway, '/v1/customers/c1/entitlements/refresh?vendor=chargebee', { method: 'POST' }))
        .status,
    ).toBe(200);

    // Client errors, including secrets presented where they do not belong.
    for (const key of [secret.chargebeeKey, secret.hookPassword, secret.cursor, secret.paygenticKey])
      expect((await call(gateway, '/v1/customers/c1/entitlements?vendor=chargebee', { key })).status).toBe(
        401,
      );
    expect(
      (await call(gateway, `/v1/customers/c1/entitlements?vendor=chargebee&cursor=${cursor}x`)).status,
    ).toBe(400);
    expect((await call(gateway, '/v1/customers/nobody/entitlements?vendor=chargebee')).status).toBe(404);
    expect((await call(gateway, '/v1/balances?vendor=zenskar&limit=500')).status).toBe(400);

    // Webhooks: accepted, refused with wrong secrets, and a signature header that is the secret itself.
    const chargebeeEvent = JSON.stringify({
      id: `ev_${tenant.id}`,
      event_type: 'customer_changed',
      content: { customer: { id: 'c1' } },
    });
    const hook = (vendor: string, body: string, headers: Record<string, string>) =>
      call(gateway, `/v1/webhooks/${vendor}`, {
        method: 'POST',
        key: null,
        body,
        headers: { 'content-type': 'application/json', ...headers },
      });
    expect(
      (
        await hook('chargebee', chargebeeEvent, {
          authorization: basicAuthorization(HOOK_USER, secret.hookPassword),
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await hook('chargebee', chargebeeEvent, {
          authorization: basicAuthorization(HOOK_USER, `${secret.hookPassword}x`),
        })
      ).status,
    ).toBe(401);
    const zenskarEvent = JSON.stringify({
      id: `z_${tenant.id}`,
      event: 'customer.updated',
      data: { customer_id: zenskarAcme },
    });
    expect(
      (
        await hook('zenskar', zenskarEvent, {
          'x-zenskar-signature': sharedSecretDigest(zenskarEvent, secret.zenskarHook).toString('hex'),
        })
      ).status,
    ).toBe(200);
    expect((await hook('zenskar', zenskarEvent, { 'x-zenskar-signature': secret.zenskarHook })).status).toBe(
      401,
    );
    const paygenticEvent = JSON.stringify({
      eventType: 'subscription.updated.v0',
      eventId: `p_${tenant.id}`,
      timestamp: new Date().toISOString(),
      data: { customerId: 'cus_demoAcme' },
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const svixHeaders = (signature: string) => ({
      'svix-id': 'msg_1',
      'svix-timestamp': timestamp,
      'svix-signature': signature,
    });
    expect(
      (
        await hook(
          'paygentic',
          paygenticEvent,
          svixHeaders(svixSignature('msg_1', timestamp, paygenticEvent, secret.svix)),
        )
      ).status,
    ).toBe(200);
    expect((await hook('paygentic', paygenticEvent, svixHeaders(`v1,${secret.svix}`))).status).toBe(401);

    // Vendors that echo the credentials back in their error bodies (proxies and debug pages do).
    const { chargebee, paygentic, zenskar } = account.simulators;
    const chargebeeToken = forbidden['chargebeeBasicToken'] as string;
    chargebee.kit.inject({
      fault: {
        kind: 'status',
        status: 401,
        body: JSON.stringify({
          message: `key ${secret.chargebeeKey} (Basic ${chargebeeToken}) is not valid`,
          api_error_code: 'api_authentication_failed',
        }),
      },
      times: Number.POSITIVE_INFINITY,
    });
    paygentic.kit.inject({
      fault: {
        kind: 'status',
        status: 500,
        body: `upstream said: Authorization: Bearer ${secret.paygenticKey}`,
      },
      times: Number.POSITIVE_INFINITY,
    });
    zenskar.kit.inject({
      fault: {
        kind: 'status',
        status: 403,
        body: JSON.stringify({ Message: `x-api-key ${secret.zenskarKey} is not authorized` }),
      },
      times: Number.POSITIVE_INFINITY,
    });
    for (const [path, status] of [
      ['/v1/customers/c2-unknown/entitlements?vendor=chargebee', 502],
      ['/v1/customers/cus_demoLapsed/entitlements?vendor=paygentic', 503],
      [`/v1/customers/${zenskarDemoCustomerIds.globex}/entitlements?vendor=zenskar`, 502],
      ['/v1/balances?vendor=zenskar&limit=3', 502],
    ] as const)
      expect((await call(gateway, path, { headers: { 'cache-control': 'no-cache' } })).status, path).toBe(
        status,
      );
    await gateway.background.drain();

    // The failures were logged (so the scan below had something to look at) ...
    const events = gateway.logs.map((line) => (JSON.parse(line) as { event: string }).event);
    expect(events).toEqual(
      expect.arrayContaining(['upstream_attempt_failed', 'request_failed', 'webhook_rejected']),
    );
    // ... and nothing anywhere carries a secret.
    expect(leaksIn(gateway.logs.join('\n'))).toEqual([]);
    expect(leaksIn(answers.join('\n'))).toEqual([]);
    expect(leaksIn(consoleOutput.join('\n'))).toEqual([]);
  });

  // Regression (was a low bug): the vendor's error message travels in UpstreamError.failure.vendorMessage
  // (src/http/upstream-client.ts errorForFailure) without the per-request credential scrubbing that
  // the `upstream_attempt_failed` line gets (credentialValues: the Basic token and its decoded parts).
  // app.ts then logs it in `request_failed`, where only config.secrets and "Basic <token>" shapes are
  // redacted: a bare Basic token echoed by the vendor (`dGVzd…Og==`) is written to the log.
  it('a vendor echoing the bare Basic token of the gateway credentials does not get it logged', async () => {
    // Its own instance: the first test's vendor failures may have opened this connection's breaker.
    const fresh = await startRobustGateway({
      tenants: [tenant],
      redisUrl: null,
      env: { UPSTREAM_MAX_ATTEMPTS: '1' },
    });
    const token = forbidden['chargebeeBasicToken'] as string;
    account.simulators.chargebee.kit.inject({
      fault: {
        kind: 'status',
        status: 401,
        body: JSON.stringify({
          message: `credentials ${token} rejected`,
          api_error_code: 'api_authentication_failed',
        }),
      },
      times: Number.POSITIVE_INFINITY,
    });
    try {
      const failed = await call(fresh, '/v1/customers/c3-unknown/entitlements?vendor=chargebee');
      expect(failed.status).toBe(502);
      expect(fresh.logs.filter((line) => line.includes('"request_failed"')).length).toBeGreaterThan(0);
      expect(leaksIn(fresh.logs.join('\n'))).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it('a Redis that refuses the URL password is logged as an error without the password, and the gateway serves on', async () => {
    const refused = await startRobustGateway({
      tenants: [tenant],
      redisUrl: `redis://robust-user:${encodeURIComponent(secret.redisPassword)}@${REDIS_HOST}`,
      awaitRedis: false,
      env: { CURSOR_SECRET: secret.cursor },
    });
    try {
      expect((await call(refused, '/v1/customers/c1/entitlements?vendor=chargebee')).status).toBe(200);
      const readiness = await call(refused, '/readyz');
      expect(readiness.body['checks']).toMatchObject({
        redis: expect.stringMatching(/down|unavailable|open/),
      });
      // The AUTH failure must have happened (and been logged) for this test to mean anything.
      await vi.waitFor(
        () => expect(refused.logs.some((line) => line.includes('redis_connection_error'))).toBe(true),
        { timeout: 20_000, interval: 50 },
      );
      expect(refused.logs.find((line) => line.includes('redis_connection_error'))).toMatch(/WRONGPASS|AUTH/);
      expect(leaksIn(refused.logs.join('\n'))).toEqual([]);
      expect(leaksIn(answers.join('\n'))).toEqual([]);
      expect(leaksIn(consoleOutput.join('\n'))).toEqual([]);
    } finally {
      await refused.close();
    }
  });

  it('configuration errors and warnings name variables, never secret values', async () => {
    const tenantJson = JSON.parse(await gatewayConfigJson([tenant])) as {
      tenants: Array<Record<string, unknown>>;
    };
    const valid = tenantJson.tenants[0] as Record<string, unknown>;
    const broken: Array<Record<string, string>> = [
      { GATEWAY_CONFIG: JSON.stringify({ tenants: [{ ...valid, id: 'bad id!' }] }) },
      { GATEWAY_CONFIG: JSON.stringify({ tenants: [{ ...valid, extra: secret.chargebeeKey }] }) },
      { GATEWAY_CONFIG: JSON.stringify({ tenants: [{ ...valid, apiKeyHashes: [secret.gatewayKey] }] }) },
      {
        GATEWAY_CONFIG: JSON.stringify({
          tenants: [
            { ...valid, vendors: { chargebee: { site: 'no spaces allowed', apiKey: secret.chargebeeKey } } },
          ],
        }),
      },
      {
        GATEWAY_CONFIG: JSON.stringify({
          tenants: [
            {
              ...valid,
              webhooks: { chargebee: { username: HOOK_USER, password: secret.hookPassword, x: 1 } },
            },
          ],
        }),
      },
      { GATEWAY_CONFIG: `{"tenants": [${secret.paygenticKey}` },
      { REDIS_URL: `http://user:${encodeURIComponent(secret.redisPassword)}@localhost:6379` },
      { REDIS_URL: `redis://user:${secret.redisPassword}@[bad-host` },
      { CHARGEBEE_API_KEY: secret.chargebeeKey, CHARGEBEE_SITE: 'not a site!' },
      { PAYGENTIC_API_KEY: secret.paygenticKey },
      { ZENSKAR_API_KEY: secret.zenskarKey, ZENSKAR_BASE_URL: `ftp://${secret.zenskarKey}@example.com` },
      {
        CHARGEBEE_WEBHOOK_PASSWORD: secret.hookPassword,
        GATEWAY_API_KEYS: secret.gatewayKey,
        PAYGENTIC_API_KEY: secret.paygenticKey,
      },
    ];
    for (const env of broken) {
      const error = await parseConfig(env).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error, JSON.stringify(Object.keys(env))).toBeInstanceOf(ConfigError);
      expect(leaksIn(String((error as Error).message)), (error as Error).message).toEqual([]);
    }
    // Warnings (weak settings) are logged at start: they too must name, not show.
    const weak = await parseConfig({
      GATEWAY_API_KEYS: 'short-key',
      CURSOR_SECRET: 'SECRETshort',
      PAYGENTIC_API_KEY: secret.paygenticKey,
    });
    expect(weak.warnings.length).toBeGreaterThan(0);
    expect(weak.warnings.join('\n')).not.toContain('short-key');
    expect(weak.warnings.join('\n')).not.toContain('SECRETshort');
    expect(weak.secrets).toEqual(expect.arrayContaining(['short-key', 'SECRETshort', secret.paygenticKey]));
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { svixSecret } from '../../../adapters/paygentic/test-kit';
import { EntitlementListSchema } from '../../../schemas/page';
import { ProblemSchema } from '../../../schemas/problem';
import { environmentWithoutConfiguration } from '../../support/child-environment';
import { type RawRequest, rawRequest } from '../../support/raw-http';
import {
  gatewayConfigJson,
  startVendorAccount,
  type TestTenant,
  type VendorAccount,
} from '../../support/robustness-support';
import { REDIS_URL, uniqueTenantId } from '../../support/route-cache-fixture';

/**
 * The real Node entry (`tsx src/node.ts`, as `npm start` runs it), configured through the environment
 * with a `redis://user:password@…` URL that the local Redis (which has no password) refuses: the
 * process must start, serve from memory and the vendors, log the AUTH failure, and never print a
 * secret on stdout or stderr (where ioredis's own warnings would also go). Also what Node's HTTP
 * parser answers, before the app, to requests it cannot read.
 */

const root = fileURLToPath(new URL('../../..', import.meta.url));
const START_TIMEOUT_MS = 60_000;
const KEY = 'SECRETentryGatewayKey-77aa01bc';
const secret = {
  key: KEY,
  cursor: 'SECRETentryCursorSecret-5566778899aabbccddeeff',
  redisPassword: 'SECRETentryRedisPassword-31',
  hookPassword: 'SECRETentryHookPassword-12',
  svix: svixSecret('SECRETentry'),
  zenskarHook: 'SECRETentryZenskarHook-9',
  chargebeeKey: 'cb_SECRETentryChargebee_4',
  paygenticKey: 'sk_test_SECRETentryPaygentic5',
  zenskarKey: 'zk-SECRETentryZenskar-6',
  stripeKey: 'sk_test_SECRETentryStripe7',
  stripeHook: 'whsec_SECRETentryStripeHook8',
};
const REDIS = new URL(REDIS_URL);

let account: VendorAccount;
let child: ChildProcess;
let exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
let stdout = '';
let stderr = '';
let baseUrl = '';

beforeAll(async () => {
  account = await startVendorAccount({
    simulators: {
      chargebee: { apiKey: secret.chargebeeKey },
      paygentic: { apiKey: secret.paygenticKey },
      zenskar: {
        credentials: { apiKey: secret.zenskarKey, organisation: '1d2e3f40-5a6b-4c7d-8e9f-0a1b2c3d4e5f' },
      },
      stripe: { apiKey: secret.stripeKey },
    },
  });
  const tenant: TestTenant = {
    id: uniqueTenantId('robust-entry'),
    apiKeys: [KEY],
    account,
    webhooks: {
      chargebee: { username: 'entry-hooks', password: secret.hookPassword },
      paygentic: { secret: secret.svix },
      zenskar: { secret: secret.zenskarHook, header: 'x-zenskar-signature' },
      stripe: { secret: secret.stripeHook },
    },
  };
  const env: NodeJS.ProcessEnv = environmentWithoutConfiguration();
  Object.assign(env, {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    GATEWAY_CONFIG: await gatewayConfigJson([tenant]),
    CURSOR_SECRET: secret.cursor,
    REDIS_URL: `redis://robust-user:${secret.redisPassword}@${REDIS.host}`,
  });
  child = spawn(`${root}node_modules/.bin/tsx`, ['src/node.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`not listening within ${START_TIMEOUT_MS} ms.\nstdout:\n${stdout}\nstderr:\n${stderr}`),
        ),
      START_TIMEOUT_MS,
    );
    child.stdout?.on('data', (chunk: string) => {
      stdout += chunk;
      const listening = /"event":"listening"[^\n]*"port":(\d+)/.exec(stdout);
      if (listening && baseUrl === '') {
        baseUrl = `http://127.0.0.1:${listening[1]}`;
        clearTimeout(timer);
        resolve();
      }
    });
    void exit.then(({ code }) => {
      clearTimeout(timer);
      reject(
        new Error(`the gateway exited (${code}) before listening.\nstdout:\n${stdout}\nstderr:\n${stderr}`),
      );
    });
  });
}, START_TIMEOUT_MS + 5_000);

afterAll(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exit;
  }
  await account?.close();
});

const authorized: Array<[string, string]> = [['Authorization', `Bearer ${KEY}`]];

describe("requests Node's HTTP parser refuses", () => {
  // Regression (was a low finding): a header section over 16 KiB, a malformed request line or a bad header is answered
  // by Node's parser itself (431/400, empty body, no request id) because src/node.ts installs no
  // `clientError` handler; every other 4xx of the gateway is an RFC 9457 problem. Expected: the
  // entry writes a minimal `application/problem+json` answer from `server.on('clientError')`.
  it('are still answered with a problem', async () => {
    const cases: RawRequest[] = [
      {
        method: 'GET',
        target: '/v1/customers/c1/entitlements',
        headers: [['Authorization', `Bearer ${'k'.repeat(20_000)}`]],
      },
      { method: 'GET', target: '/v1/customers/a b/entitlements', headers: authorized },
      { method: 'GET', target: '/healthz', headers: [['Bad Header', 'x']] },
    ];
    for (const request of cases) {
      const answer = await rawRequest(baseUrl, request);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(answer.headers['content-type'] ?? '(none)').toMatch(/^application\/problem\+json/);
      expect(ProblemSchema.parse(JSON.parse(answer.body)).code).toEqual(expect.any(String));
    }
  });

  // Guards the finding above: it must fail on the answers, not on a process that is gone.
  it('leave the process serving', async () => {
    for (const target of ['/v1/customers/a b/entitlements', '/v1/customers/\u0000/entitlements'])
      expect([400, 431]).toContain(
        (await rawRequest(baseUrl, { method: 'GET', target, headers: authorized })).status,
      );
    expect((await rawRequest(baseUrl, { method: 'GET', target: '/healthz' })).status).toBe(200);
  });
});

describe('the Node entry with a Redis that refuses its password', () => {
  it('serves, logs the AUTH failure, stops cleanly, and prints no secret on stdout or stderr', async () => {
    const list = await rawRequest(baseUrl, {
      method: 'GET',
      target: '/v1/customers/c1/entitlements?vendor=chargebee',
      headers: authorized,
    });
    expect(list.status).toBe(200);
    expect(EntitlementListSchema.parse(JSON.parse(list.body)).data.length).toBeGreaterThan(0);
    const missing = await rawRequest(baseUrl, {
      method: 'GET',
      target: '/v1/customers/nobody/entitlements?vendor=chargebee',
      headers: authorized,
    });
    expect(missing.status).toBe(404);
    const readiness = await rawRequest(baseUrl, { method: 'GET', target: '/readyz' });
    expect(JSON.parse(readiness.body)).toMatchObject({ status: 'ready', checks: { redis: 'down' } });

    child.kill('SIGTERM');
    expect(await exit).toEqual({ code: 0, signal: null });
    const output = `${stdout}\n${stderr}`;
    // The failure this test is about did happen and was reported.
    expect(stdout).toMatch(/"event":"redis_connection_error"[^\n]*(WRONGPASS|AUTH)/);
    const leaked = Object.entries(secret)
      .filter(([, value]) => output.includes(value) || output.includes(encodeURIComponent(value)))
      .map(([name]) => name);
    expect(leaked).toEqual([]);
    expect(output).not.toContain(Buffer.from(`${secret.chargebeeKey}:`).toString('base64'));
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../scripts/free-port.mjs';
import { SANDBOX_API_KEY } from '../../../src/config';
import {
  buildClientModule,
  type RunningProcess,
  root,
  startNodeGateway,
  startProcess,
} from '../api/processes';
import { openOfflineBrowser } from '../browser/chromium';

/**
 * The examples as their READMEs run them: separate processes importing `entitlements-gateway/client`
 * (the package's export, built into dist/client), against the sandbox gateway's Node entry.
 */

const tsx = `${root}node_modules/.bin/tsx`;
let gateway: RunningProcess;
let browserPage: RunningProcess;
let seats: RunningProcess;
let pagePort = 0;

const urlPrinted = (pattern: RegExp) => (output: string) => pattern.exec(output)?.[1] ?? null;

beforeAll(async () => {
  await buildClientModule();
  pagePort = await freePort();
  gateway = await startNodeGateway({ CORS_ORIGINS: `http://127.0.0.1:${pagePort}` });
  [seats, browserPage] = await Promise.all([
    startProcess(
      tsx,
      ['examples/hono-gate/server.ts'],
      { GATEWAY_URL: gateway.baseUrl, GATEWAY_API_KEY: SANDBOX_API_KEY, PORT: '0' },
      urlPrinted(/listening on (http:\/\/127\.0\.0\.1:\d+)/),
    ),
    startProcess(
      tsx,
      ['examples/browser/serve.ts'],
      { PORT: String(pagePort) },
      urlPrinted(/browser example on (http:\/\/127\.0\.0\.1:\d+)/),
    ),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([seats?.stop(), browserPage?.stop()]);
  await gateway?.stop();
}, 30_000);

async function gatewayCheck(customerId: string, requestedUsage: number) {
  const response = await fetch(
    `${gateway.baseUrl}/v1/customers/${customerId}/entitlements/user-licenses?vendor=chargebee&requestedUsage=${requestedUsage}`,
    { headers: { authorization: `Bearer ${SANDBOX_API_KEY}` } },
  );
  return (await response.json()) as { hasAccess: boolean; remaining: number | null; reason: string | null };
}

describe('examples/hono-gate: a route gated on user-licenses', () => {
  it('adds seats within the entitlement and refuses past it, as the gateway decides', async () => {
    const add = (count: number, customer = 'c1') =>
      fetch(`${seats.baseUrl}/seats?count=${count}`, {
        method: 'POST',
        headers: { 'x-customer-id': customer },
      });
    const within = await gatewayCheck('c1', 5);
    expect(within.hasAccess).toBe(true);
    const granted = await add(5);
    expect(granted.status).toBe(201);
    expect(await granted.json()).toEqual({ added: 5, remainingAfter: (within.remaining ?? 0) - 5 });

    const beyond = await gatewayCheck('c1', 500);
    expect(beyond).toMatchObject({ hasAccess: false, reason: 'limit_exceeded' });
    const refused = await add(500);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ reason: 'limit_exceeded' });

    expect((await add(1, 'no-such-customer')).status).toBe(404);
  });
});

describe('examples/browser: a page listing a customer’s entitlements', () => {
  it('lists every entitlement of the customer across pages, through CORS', async () => {
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const url = `${gateway.baseUrl}/v1/customers/c1/entitlements?vendor=chargebee&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = (await (
        await fetch(url, { headers: { authorization: `Bearer ${SANDBOX_API_KEY}` } })
      ).json()) as {
        data: Array<{ featureKey: string }>;
        nextCursor: string | null;
      };
      all.push(...page.data.map((entitlement) => entitlement.featureKey));
      cursor = page.nextCursor;
    } while (cursor !== null);
    // The page asks 2 per request: this customer needs several pages.
    expect(all.length).toBeGreaterThan(2);

    const browser = await openOfflineBrowser([gateway.baseUrl, browserPage.baseUrl]);
    try {
      const page = await browser.context.newPage();
      const query = new URLSearchParams({
        gateway: gateway.baseUrl,
        key: SANDBOX_API_KEY,
        customer: 'c1',
        vendor: 'chargebee',
        limit: '2',
      });
      await page.goto(`${browserPage.baseUrl}/?${query}`);
      await page.locator('#status', { hasText: /^(Loaded|Failed)/ }).waitFor({ timeout: 20_000 });
      expect(await page.locator('#status').innerText()).toBe(`Loaded ${all.length} entitlements.`);
      const shown = await page
        .locator('#entitlements tr')
        .evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.featureKey));
      expect(shown).toEqual(all);
      expect(browser.blocked).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});

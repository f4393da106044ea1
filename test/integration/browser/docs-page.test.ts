import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_API_KEY } from '../../../src/config';
import { type RunningProcess, startNodeGateway, startWranglerDev } from '../api/processes';
import { openOfflineBrowser } from './chromium';

/**
 * The docs page as a user meets it, offline: headless chromium whose network reaches only the
 * gateway loads /docs, sees every v1 operation, authorizes with the sandbox key and runs one request
 * that answers 200. Against the Node entry and against `wrangler dev` (assets from [assets]).
 */

interface DocumentedOperation {
  tag: string;
  operationId: string;
}

async function v1Operations(baseUrl: string): Promise<DocumentedOperation[]> {
  const document = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { operationId: string; tags: string[] }>>;
  };
  return Object.entries(document.paths)
    .filter(([path]) => path.startsWith('/v1/'))
    .flatMap(([, operations]) =>
      Object.values(operations).map((operation) => ({
        tag: operation.tags[0] as string,
        operationId: operation.operationId,
      })),
    );
}

function describeDocsPage(runtime: string, start: () => Promise<RunningProcess>): void {
  describe(`/docs offline on ${runtime}`, () => {
    let gateway: RunningProcess;

    beforeAll(async () => {
      gateway = await start();
    }, 120_000);

    afterAll(async () => {
      await gateway?.stop();
    }, 30_000);

    it('lists every v1 operation, authorizes with the sandbox key and executes a check', async () => {
      const operations = await v1Operations(gateway.baseUrl);
      expect(operations.length).toBeGreaterThanOrEqual(6);
      const browser = await openOfflineBrowser([gateway.baseUrl]);
      try {
        const page = await browser.context.newPage();
        await page.goto(`${gateway.baseUrl}/docs`);
        for (const { tag, operationId } of operations)
          await page.locator(`#operations-${tag}-${operationId}`).waitFor({ timeout: 20_000 });

        await page.locator('.auth-wrapper .authorize').click();
        await page.locator('.modal-ux input').first().fill(SANDBOX_API_KEY);
        await page.locator('.modal-ux .auth-btn-wrapper .authorize').click();
        await page.locator('.modal-ux .btn-done').click();

        const check = page.locator('#operations-Entitlements-checkEntitlement');
        await check.locator('.opblock-summary').click();
        await check.locator('.try-out__btn').click();
        // Nothing optional is pre-filled: an `at` or `requestedUsage` would change the answer unseen.
        expect(await check.locator('tr[data-param-name="at"] input').inputValue()).toBe('');
        expect(await check.locator('tr[data-param-name="requestedUsage"] input').inputValue()).toBe('');
        expect(await check.locator('tr[data-param-name="vendor"] select').inputValue()).toBe('');
        await check.locator('tr[data-param-name="customerId"] input').fill('c1');
        await check.locator('tr[data-param-name="featureKey"] input').fill('user-licenses');
        await check.locator('tr[data-param-name="vendor"] select').selectOption('chargebee');
        await check.locator('.execute').click();
        const status = check.locator('.live-responses-table tr.response .response-col_status').first();
        await status.waitFor({ timeout: 20_000 });
        expect((await status.innerText()).trim()).toBe('200');
        expect(await check.locator('.live-responses-table .microlight').first().innerText()).toContain(
          '"object": "entitlement_check"',
        );
        // Nothing outside the gateway was even attempted.
        expect(browser.blocked).toEqual([]);
      } finally {
        await browser.close();
      }
    }, 90_000);
  });
}

describeDocsPage('the Node entry', () => startNodeGateway());
describeDocsPage('wrangler dev', () => startWranglerDev());

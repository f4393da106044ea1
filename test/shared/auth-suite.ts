import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vendorIds } from '../../schemas/entitlement';
import { HealthSchema, ReadinessSchema } from '../../schemas/health';
import { SANDBOX_API_KEY } from '../../src/config';
import { sandboxExamples } from '../../src/sandbox/sandbox';
import { vendorTestKit } from '../support/vendor-test-kits';
import {
  expectJson,
  expectProblem,
  listPath,
  type SharedGateway,
  type SharedSuiteTarget,
  sharedWebhookSecrets,
} from './route-suite-target';

const chargebeeCustomer = sandboxExamples.chargebee.customerId;
const chargebeeFeature = sandboxExamples.chargebee.featureKey;

/** Every route that needs a gateway key, with a request that succeeds when the key is right. */
const protectedRequests: ReadonlyArray<{ name: string; path: string; init: RequestInit }> = [
  { name: 'GET list', path: listPath(chargebeeCustomer, { vendor: 'chargebee' }), init: {} },
  {
    name: 'GET check',
    path: `/v1/customers/${chargebeeCustomer}/entitlements/${chargebeeFeature}?vendor=chargebee`,
    init: {},
  },
  {
    name: 'POST /v1/check',
    path: '/v1/check',
    init: {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        checks: [{ customerId: chargebeeCustomer, vendor: 'chargebee', featureKey: chargebeeFeature }],
      }),
    },
  },
  {
    name: 'POST refresh',
    path: `/v1/customers/${chargebeeCustomer}/entitlements/refresh?vendor=chargebee`,
    init: { method: 'POST' },
  },
];

/** Authorization headers that must all be refused. */
const refusedAuthorizations: ReadonlyArray<{ name: string; header: string | null }> = [
  { name: 'no key', header: null },
  { name: 'a wrong key', header: 'Bearer eg_not_the_sandbox_key_0000' },
  { name: 'the right key under another scheme (Basic)', header: `Basic ${btoa(`${SANDBOX_API_KEY}:`)}` },
  { name: 'the right key with no scheme', header: SANDBOX_API_KEY },
];

function withAuthorization(init: RequestInit, header: string | null): RequestInit {
  const headers = new Headers(init.headers);
  if (header !== null) headers.set('authorization', header);
  return { ...init, headers };
}

/** Auth: 401 problems for every missing/wrong/foreign credential, open system routes, signed webhooks. */
export function describeAuthSuite(target: SharedSuiteTarget): void {
  describe(`auth [${target.runtime}]`, () => {
    let gateway: SharedGateway;
    beforeAll(async () => {
      gateway = await target.open();
    });
    afterAll(async () => {
      await gateway.close();
    });

    for (const request of protectedRequests) {
      it(`${request.name}: 401 problem without a key, with a wrong key and with another scheme; 200 with the key`, async () => {
        for (const refused of refusedAuthorizations) {
          const response = await gateway.call(request.path, withAuthorization(request.init, refused.header));
          const problem = await expectProblem(response, 401, 'unauthorized');
          expect(problem.detail, refused.name).not.toContain(SANDBOX_API_KEY);
          expect(response.headers.get('www-authenticate'), refused.name).toMatch(/^Bearer realm=/);
        }
        const accepted = await gateway.call(
          request.path,
          withAuthorization(request.init, `Bearer ${SANDBOX_API_KEY}`),
        );
        await expectJson(accepted, 200);
      });
    }

    it('a refused request reaches no vendor: the first accepted one still loads (cache miss)', async () => {
      const path = listPath('cust_acme', { vendor: 'chargebee' });
      for (const refused of refusedAuthorizations)
        await expectProblem(
          await gateway.call(path, withAuthorization({}, refused.header)),
          401,
          'unauthorized',
        );
      const accepted = await gateway.call(path, withAuthorization({}, `Bearer ${SANDBOX_API_KEY}`));
      await expectJson(accepted);
      expect(accepted.headers.get('cache-status')).toMatch(/; fwd=miss; stored/);
    });

    it('health, readiness, the OpenAPI document and the docs page need no key', async () => {
      HealthSchema.parse(await expectJson(await gateway.call('/healthz')));
      ReadinessSchema.parse(await expectJson(await gateway.call('/readyz')));
      const spec = (await expectJson(await gateway.call('/openapi.json'))) as { openapi: string };
      expect(spec.openapi).toMatch(/^3\./);
      const docs = await gateway.call('/docs');
      expect(docs.status).toBe(200);
      expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
    });

    it.each(vendorIds)(
      '%s webhooks are authenticated by the vendor credentials, never by a gateway key',
      async (vendor) => {
        const kit = vendorTestKit(vendor);
        const nowSeconds = Math.floor(Date.now() / 1000);
        const body = kit.webhook.customerChanged(
          sandboxExamples[vendor].customerId,
          `evt_shared_auth_${vendor}`,
          nowSeconds,
        );
        const post = (headers: Record<string, string>) =>
          gateway.call(`/v1/webhooks/${vendor}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body,
          });
        const signedWith = (secrets: unknown) =>
          kit.webhook.sign(body, secrets, { nowSeconds, id: `msg_shared_auth_${vendor}` });
        await expectProblem(
          await post({ authorization: `Bearer ${SANDBOX_API_KEY}` }),
          401,
          'webhook_verification_failed',
        );
        await expectProblem(
          await post(signedWith(kit.webhook.secrets('not-the-suite'))),
          401,
          'webhook_verification_failed',
        );
        const accepted = await post(signedWith(sharedWebhookSecrets[vendor]));
        expect(await expectJson(accepted)).toMatchObject({ object: 'webhook_receipt', vendor });
      },
    );
  });
}

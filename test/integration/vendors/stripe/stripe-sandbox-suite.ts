import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  stripeBigcoFeatureCount,
  stripeDemoCatalogue,
  stripeDemoCustomers,
} from '../../../../adapters/stripe/fixtures';
import { BatchCheckResponseSchema, CheckResultSchema } from '../../../../schemas/check';
import { EntitlementListSchema } from '../../../../schemas/page';
import { ProblemSchema } from '../../../../schemas/problem';
import { WebhookReceiptSchema } from '../../../../schemas/webhook';
import { SANDBOX_API_KEY } from '../../../../src/config';

/**
 * Stripe's routes in sandbox mode, runtime-agnostic: the very same assertions run on Node
 * (`stripe-sandbox.node.test.ts`) and inside workerd (`test/workers/vendors/stripe.test.ts`). Only
 * HTTP goes in and out; expected feature sets come from the demo fixtures, never from the gateway.
 */

/** The endpoint secret both runtimes configure with `STRIPE_WEBHOOK_SECRET`. */
export const stripeSuiteWebhookSecret = 'whsec_stripeSandboxSuiteSecret0123456789';

/** What the suite adds to sandbox mode. */
export const stripeSuiteEnv: Readonly<Record<string, string>> = {
  STRIPE_WEBHOOK_SECRET: stripeSuiteWebhookSecret,
  CACHE_TTL_SECONDS: '300',
};

/** A gateway the suite can call; fresh (empty cache, its own simulators) on every open. */
export interface StripeSuiteGateway {
  call(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** A runtime the suite runs on. */
export interface StripeSuiteTarget {
  runtime: string;
  /** A sandbox-mode gateway with {@link stripeSuiteEnv} applied. */
  open(): Promise<StripeSuiteGateway>;
}

const auth = { authorization: `Bearer ${SANDBOX_API_KEY}` };
const encoder = new TextEncoder();

/** Stripe's `v1`: hex HMAC-SHA256 of `"<t>.<body>"` with the secret as-is (Web Crypto: both runtimes). */
async function stripeSignature(
  body: string,
  timestamp: number,
  secret = stripeSuiteWebhookSecret,
): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(`${timestamp}.${body}`)));
  return `t=${timestamp},v1=${[...mac].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

/** The lookup keys a demo customer holds, sorted in code-unit order, from the fixtures. */
function fixtureKeys(customerId: string): string[] {
  const customer = stripeDemoCustomers.find((candidate) => candidate.customerId === customerId);
  const keys = (customer?.entitlements ?? []).map(
    (entitlement) =>
      stripeDemoCatalogue.find((feature) => feature.id === entitlement.featureId)?.lookupKey ?? '',
  );
  return [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Registers the suite for one runtime. */
export function describeStripeSandboxSuite(target: StripeSuiteTarget): void {
  describe(`stripe routes [${target.runtime}]`, () => {
    let gateway: StripeSuiteGateway;
    beforeAll(async () => {
      gateway = await target.open();
    });
    afterAll(async () => {
      await gateway.close();
    });

    const get = (path: string) => gateway.call(path, { headers: auth });

    async function crawl(customerId: string, limit: number): Promise<string[]> {
      const keys: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query = new URLSearchParams({ vendor: 'stripe', limit: String(limit) });
        if (cursor !== null) query.set('cursor', cursor);
        const response = await get(`/v1/customers/${customerId}/entitlements?${query}`);
        const text = await response.text();
        expect(response.status, text).toBe(200);
        const page = EntitlementListSchema.parse(JSON.parse(text));
        if (page.nextCursor !== null) expect(page.data).toHaveLength(limit);
        keys.push(...page.data.map((entitlement) => entitlement.featureKey));
        cursor = page.nextCursor;
        pages += 1;
        expect(pages).toBeLessThanOrEqual(stripeBigcoFeatureCount + 1);
      } while (cursor !== null);
      return keys;
    }

    it('the sandbox seeds several Stripe customers, one spanning several Stripe pages and one holding nothing', () => {
      expect(stripeDemoCustomers.length).toBeGreaterThan(2);
      expect(fixtureKeys('cus_demoBigco').length).toBeGreaterThan(100);
      expect(fixtureKeys('cus_demoNone')).toEqual([]);
    });

    it.each([1, 7, 50, 100])(
      'cus_demoBigco crawled at limit %i returns every feature exactly once, in order',
      async (limit) => {
        expect(await crawl('cus_demoBigco', limit)).toEqual(fixtureKeys('cus_demoBigco'));
      },
    );

    it.each(stripeDemoCustomers.map((customer) => customer.customerId))(
      '%s lists the features its fixture holds',
      async (customerId) => {
        expect(await crawl(customerId, 100)).toEqual(fixtureKeys(customerId));
      },
    );

    it('checks: every listed feature of the demo customer has access; a feature it does not hold is not_entitled', async () => {
      for (const featureKey of fixtureKeys('cus_demoAcme')) {
        const response = await get(`/v1/customers/cus_demoAcme/entitlements/${featureKey}?vendor=stripe`);
        expect(CheckResultSchema.parse(await response.json())).toMatchObject({
          vendor: 'stripe',
          featureKey,
          hasAccess: true,
          reason: null,
        });
      }
      const missing = await get('/v1/customers/cus_demoStarter/entitlements/sso?vendor=stripe');
      expect(CheckResultSchema.parse(await missing.json())).toMatchObject({
        hasAccess: false,
        reason: 'not_entitled',
      });
    });

    it('batch: items answered on their own, an unknown customer failing alone', async () => {
      const response = await gateway.call('/v1/check', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          checks: [
            { customerId: 'cus_demoAcme', vendor: 'stripe', featureKey: 'legacy_reports' },
            { customerId: 'cus_demoBigco', vendor: 'stripe', featureKey: 'feature-0239' },
            { customerId: 'cus_demoNone', vendor: 'stripe', featureKey: 'sso' },
            { customerId: 'cus_unknownBatch', vendor: 'stripe', featureKey: 'sso' },
          ],
        }),
      });
      expect(response.status).toBe(200);
      const { results } = BatchCheckResponseSchema.parse(await response.json());
      expect(
        results.map((result) =>
          result.object === 'entitlement_check' ? result.hasAccess : result.error.code,
        ),
      ).toEqual([true, true, false, 'customer_not_found']);
    });

    it.each(['cus_unknownSandbox', 'not-a-stripe-id'])(
      '%s is a 404 customer_not_found problem naming Stripe',
      async (customerId) => {
        const response = await get(`/v1/customers/${customerId}/entitlements?vendor=stripe`);
        expect(response.status).toBe(404);
        expect(response.headers.get('content-type')).toBe('application/problem+json');
        expect(ProblemSchema.parse(await response.json())).toMatchObject({
          code: 'customer_not_found',
          vendor: 'stripe',
        });
      },
    );

    describe('webhook signature through the route', () => {
      const deliver = async (body: string, header: string) =>
        gateway.call('/v1/webhooks/stripe', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'stripe-signature': header },
          body,
        });
      const event = (id: string) =>
        JSON.stringify({
          id,
          object: 'event',
          type: 'entitlements.active_entitlement_summary.updated',
          created: 1_780_000_000,
          data: { object: { object: 'entitlements.active_entitlement_summary', customer: 'cus_demoAcme' } },
        });
      // Inside workerd a test's clock only moves with I/O, so it can trail the gateway's by the
      // seconds the suite has run: one request first brings it up to date.
      const now = async () => {
        await gateway.call('/healthz');
        return Math.floor(Date.now() / 1000);
      };

      it('valid: 200, the customer invalidated; replayed (same event id): 200 duplicate, nothing invalidated', async () => {
        const body = event(`evt_sandbox${target.runtime}`);
        const first = await deliver(body, await stripeSignature(body, await now()));
        expect(first.status).toBe(200);
        expect(WebhookReceiptSchema.parse(await first.json())).toMatchObject({
          vendor: 'stripe',
          duplicate: false,
          invalidatedCustomers: 1,
        });
        const replay = await deliver(body, await stripeSignature(body, await now()));
        expect(replay.status).toBe(200);
        expect(WebhookReceiptSchema.parse(await replay.json())).toMatchObject({
          duplicate: true,
          invalidatedCustomers: 0,
        });
      });

      it.each([
        ['wrong', async (body: string) => stripeSignature(body, await now(), 'whsec_notTheSandboxSecret')],
        ['stale (301 s old)', async (body: string) => stripeSignature(body, (await now()) - 301)],
        // 302: `now` is whole seconds and the gateway reads its clock a moment later.
        [
          'from the future (over 300 s ahead)',
          async (body: string) => stripeSignature(body, (await now()) + 302),
        ],
      ])('%s signature: 401 webhook_verification_failed', async (_label, sign) => {
        const body = event('evt_refusedSandbox');
        const response = await deliver(body, await sign(body));
        expect(response.status).toBe(401);
        expect(ProblemSchema.parse(await response.json())).toMatchObject({
          code: 'webhook_verification_failed',
        });
      });
    });
  });
}

import { describe, expect, it } from 'vitest';
import { createUpstreamClient } from '../../src/http/upstream-client';
import type { ParsedEnv, Transport } from '../kit';
import { stripeSandboxCredentials } from './fixtures';
import { stripeModule } from './index';
import { signStripePayload } from './webhook-signature';

// The Stripe module's own parts: configuration from env and tenant JSON, secrets, webhook scheme,
// sandbox wiring and defaults. The gateway-level behaviour is in test/integration/vendors/stripe/.

/** Parses env values with the module's own variable parsers, as the gateway's config does. */
function parsedEnv(values: Record<string, string>): ParsedEnv {
  const parsed: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(stripeModule.config.env)) {
    parsed[name] = schema.parse(values[name]);
  }
  return parsed;
}

describe('stripe module: configuration from the environment', () => {
  it('declares STRIPE_API_KEY, STRIPE_BASE_URL, STRIPE_API_VERSION and STRIPE_WEBHOOK_SECRET under the STRIPE prefix', () => {
    expect(Object.keys(stripeModule.config.env).sort()).toEqual([
      'STRIPE_API_KEY',
      'STRIPE_API_VERSION',
      'STRIPE_BASE_URL',
      'STRIPE_WEBHOOK_SECRET',
    ]);
    expect(stripeModule.config.envPrefix).toBe('STRIPE');
    expect(stripeModule.config.credentialVariables).toEqual(['STRIPE_API_KEY']);
  });

  it('a key alone connects to https://api.stripe.com with no pinned version', () => {
    const problems: string[] = [];
    expect(
      stripeModule.config.connectionFromEnv(parsedEnv({ STRIPE_API_KEY: 'sk_test_abc' }), problems),
    ).toEqual({
      apiKey: 'sk_test_abc',
      baseUrl: 'https://api.stripe.com',
    });
    expect(problems).toEqual([]);
  });

  it('STRIPE_BASE_URL (trailing slash dropped) and STRIPE_API_VERSION are used when set', () => {
    const env = parsedEnv({
      STRIPE_API_KEY: 'rk_live_abc',
      STRIPE_BASE_URL: 'http://127.0.0.1:12111/',
      STRIPE_API_VERSION: '2024-09-30.acacia',
    });
    expect(stripeModule.config.connectionFromEnv(env, [])).toEqual({
      apiKey: 'rk_live_abc',
      baseUrl: 'http://127.0.0.1:12111',
      apiVersion: '2024-09-30.acacia',
    });
  });

  it('without STRIPE_API_KEY Stripe is not configured, whatever else is set', () => {
    expect(stripeModule.config.connectionFromEnv(parsedEnv({}), [])).toBeUndefined();
    const problems: string[] = [];
    // Only the key decides whether Stripe is configured; the base URL alone is not a connection.
    expect(
      stripeModule.config.connectionFromEnv(
        parsedEnv({ STRIPE_BASE_URL: 'https://proxy.example' }),
        problems,
      ),
    ).toBeUndefined();
    expect(problems).toEqual([]);
  });

  it('refuses a STRIPE_API_VERSION that is not a Stripe version and a STRIPE_BASE_URL that is not http(s)', () => {
    expect(() => parsedEnv({ STRIPE_API_VERSION: 'latest' })).toThrow();
    expect(() => parsedEnv({ STRIPE_BASE_URL: 'ftp://api.stripe.com' })).toThrow();
  });

  it('STRIPE_WEBHOOK_SECRET is the webhook secret; its value and the key are secrets', () => {
    const env = parsedEnv({ STRIPE_API_KEY: 'sk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' });
    const secrets = stripeModule.config.webhookFromEnv(env, []);
    expect(secrets).toEqual({ secret: 'whsec_abc' });
    expect(stripeModule.config.webhookFromEnv(parsedEnv({}), [])).toBeUndefined();
    expect(stripeModule.config.webhookSecrets({ secret: 'whsec_abc' })).toEqual(['whsec_abc']);
    expect(
      stripeModule.config.connectionSecrets({ apiKey: 'sk_test_abc', baseUrl: 'https://api.stripe.com' }),
    ).toEqual(['sk_test_abc']);
  });
});

describe('stripe module: tenant JSON', () => {
  it('vendors.stripe {apiKey, baseUrl?, apiVersion?}: defaults applied, trailing slash dropped', () => {
    expect(stripeModule.config.tenantConnection.parse({ apiKey: 'sk_live_abc' })).toEqual({
      apiKey: 'sk_live_abc',
      baseUrl: 'https://api.stripe.com',
    });
    expect(
      stripeModule.config.tenantConnection.parse({
        apiKey: 'sk_live_abc',
        baseUrl: 'https://proxy.example/stripe/',
        apiVersion: '2024-09-30.acacia',
      }),
    ).toEqual({
      apiKey: 'sk_live_abc',
      baseUrl: 'https://proxy.example/stripe',
      apiVersion: '2024-09-30.acacia',
    });
  });

  it('is strict: unknown keys, an empty key and a bad version are refused', () => {
    expect(stripeModule.config.tenantConnection.safeParse({ apiKey: 'sk', secretKey: 'x' }).success).toBe(
      false,
    );
    expect(stripeModule.config.tenantConnection.safeParse({ apiKey: '' }).success).toBe(false);
    expect(stripeModule.config.tenantConnection.safeParse({ apiKey: 'sk', apiVersion: 'v1' }).success).toBe(
      false,
    );
  });

  it('webhooks.stripe {secret} is strict', () => {
    expect(stripeModule.config.tenantWebhook.parse({ secret: 'whsec_abc' })).toEqual({ secret: 'whsec_abc' });
    expect(stripeModule.config.tenantWebhook.safeParse({ secret: 'whsec_abc', header: 'x' }).success).toBe(
      false,
    );
    expect(stripeModule.config.tenantWebhook.safeParse({}).success).toBe(false);
  });
});

describe('stripe module: webhook, sandbox and defaults', () => {
  it('verify() accepts a Stripe-signed delivery and refuses another secret', async () => {
    const rawBody = '{"id":"evt_1","type":"entitlements.active_entitlement_summary.updated"}';
    const now = Date.parse('2026-06-01T12:00:00Z');
    const signature = await signStripePayload(rawBody, 'whsec_right', now / 1000);
    const delivery = {
      header: (name: string) => (name.toLowerCase() === 'stripe-signature' ? signature : undefined),
      rawBody,
      now,
    };
    expect(await stripeModule.webhook.verify(delivery, { secret: 'whsec_right' })).toEqual({
      verified: true,
    });
    expect(await stripeModule.webhook.verify(delivery, { secret: 'whsec_wrong' })).toMatchObject({
      verified: false,
    });
  });

  it('the sandbox connection reaches the sandbox simulator, which serves the demo customer', async () => {
    const simulator = stripeModule.sandbox.createSimulator().app;
    const origin = stripeModule.sandbox.origin;
    const transport: Transport = (url, init) => Promise.resolve(simulator.fetch(new Request(url, init)));
    const adapter = stripeModule.createAdapter({
      connection: stripeModule.sandbox.connection(origin),
      upstream: createUpstreamClient({
        transport,
        limitsFor: () => ({ requestsPerMinute: 6_000, burst: 100, maxConcurrent: 8 }),
      }),
      connectionKey: 'sandbox:stripe',
      clock: { now: () => Date.now() },
    });
    const { demo } = stripeModule.sandbox;
    const snapshot = await adapter.loadCustomer(demo.customerId, { remember: (_n, _k, load) => load() });
    const keys = adapter
      .normalize(snapshot, new Date())
      .entitlements.map((entitlement) => entitlement.featureKey);
    expect(keys).toContain(demo.featureKey);
    expect(stripeModule.sandbox.connection(origin).apiKey).toBe(stripeSandboxCredentials.apiKey);
  });

  it('the banner shows a Stripe curl line for the demo customer', () => {
    const lines = stripeModule.sandbox.bannerLines({
      baseUrl: 'http://127.0.0.1:3000',
      auth: "-H 'Authorization: Bearer k'",
    });
    expect(lines).toEqual([
      "curl -s -H 'Authorization: Bearer k' 'http://127.0.0.1:3000/v1/customers/cus_demoAcme/entitlements?vendor=stripe'",
    ]);
  });

  it('defaults to 1,500 requests a minute (25/s: the test-mode limit and the live per-endpoint default)', () => {
    expect(stripeModule.defaults.requestsPerMinute).toBe(25 * 60);
  });
});

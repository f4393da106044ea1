import { describe, expect, it } from 'vitest';
import { CheckResultSchema } from '../../../schemas/check';
import { ConfigError, parseConfig, sha256Hex } from '../../../src/config';
import { GatewayError } from '../../../src/errors/gateway-error';
import {
  fallbackCheckResult,
  fallbackPolicyFor,
  vendorOutageOf,
} from '../../../src/services/fallback-policy';
import { parseFeatureCatalog } from '../../../src/services/feature-catalog';

const outage = new GatewayError('vendor_timeout', 'chargebee did not answer within 3000 ms.', {
  vendor: 'chargebee',
});
const answer = (
  policy: Parameters<typeof fallbackCheckResult>[0]['policy'],
  requestedUsage: number | null = null,
) =>
  fallbackCheckResult({
    policy,
    vendor: 'chargebee',
    customerId: 'cold',
    featureKey: 'seats',
    requestedUsage,
    error: outage,
  });

describe('fallback policy resolution', () => {
  it('uses the feature’s own policy, else the tenant default, else deny', () => {
    const policies = { default: 'allow' as const, features: { seats: { hasAccess: true, limit: 3 } } };
    expect(fallbackPolicyFor(policies, 'seats')).toEqual({ hasAccess: true, limit: 3 });
    expect(fallbackPolicyFor(policies, 'export')).toBe('allow');
    expect(fallbackPolicyFor(undefined, 'export')).toBe('deny');
    // Not an inherited property of the features map.
    expect(fallbackPolicyFor({ default: 'deny', features: {} }, 'constructor')).toBe('deny');
  });

  it('takes a catalogue entry’s own policy over the tenant default, for that app key only', () => {
    const { catalog } = parseFeatureCatalog(
      {
        seats: { sources: { chargebee: 'user-licenses' }, fallback: { hasAccess: true, limit: 5 } },
        plan: { sources: { chargebee: 'plan' } },
      },
      { variable: 'FEATURE_CATALOG' },
    );
    if (catalog === null) throw new Error('catalogue');
    const policies = { default: 'deny' as const, features: { export: 'allow' as const } };
    expect(fallbackPolicyFor(policies, 'seats', catalog)).toEqual({ hasAccess: true, limit: 5 });
    // An entry without `fallback`, a vendor key behind an entry, a key outside the catalogue: the default.
    expect(fallbackPolicyFor(policies, 'plan', catalog)).toBe('deny');
    expect(fallbackPolicyFor(policies, 'user-licenses', catalog)).toBe('deny');
    expect(fallbackPolicyFor(policies, 'export', catalog)).toBe('allow');
    // Both declared (refused at start-up; see below): the configuration's map is read first.
    expect(fallbackPolicyFor({ default: 'deny', features: { seats: 'problem' } }, 'seats', catalog)).toBe(
      'problem',
    );
  });

  it('stands in only for outages: down, slow, out of budget; never for 502s or an unknown customer', () => {
    for (const code of ['vendor_unavailable', 'vendor_timeout', 'vendor_rate_limited'] as const)
      expect(vendorOutageOf(new GatewayError(code, 'x'))?.code).toBe(code);
    for (const code of [
      'vendor_auth_failed',
      'vendor_bad_response',
      'customer_not_found',
      'internal_error',
    ] as const)
      expect(vendorOutageOf(new GatewayError(code, 'x'))).toBeUndefined();
    expect(vendorOutageOf(new TypeError('boom'))).toBeUndefined();
  });
});

describe('fallback answers', () => {
  it('flags every answer with the vendor status, and each parses as a CheckResult', () => {
    for (const policy of ['deny', 'allow', { hasAccess: true, limit: 5 }] as const) {
      const result = answer(policy);
      expect(CheckResultSchema.parse(result)).toMatchObject({
        fallback: true,
        entitlement: null,
        vendorStatus: {
          vendor: 'chargebee',
          status: 'unavailable',
          error: { status: 504, code: 'vendor_timeout', title: 'Vendor timed out' },
        },
      });
    }
    expect(answer('deny')).toMatchObject({ hasAccess: false, reason: null, type: null });
    expect(answer('allow')).toMatchObject({ hasAccess: true, reason: null, type: null });
    expect(answer('problem')).toBeNull();
  });

  it('checks requestedUsage against a static limit, and types the static value', () => {
    expect(answer({ hasAccess: true, limit: 5 }, 5)).toMatchObject({
      hasAccess: true,
      remaining: 5,
      type: 'numeric',
    });
    expect(answer({ hasAccess: true, limit: 5 }, 6)).toMatchObject({
      hasAccess: false,
      reason: 'limit_exceeded',
    });
    expect(answer({ hasAccess: true, unlimited: true }, 1e9)).toMatchObject({
      hasAccess: true,
      remaining: null,
    });
    expect(answer({ hasAccess: true, value: 'pro' })).toMatchObject({ type: 'config', value: 'pro' });
    expect(answer({ hasAccess: false })).toMatchObject({ hasAccess: false, reason: null, type: 'boolean' });
  });
});

/** `GATEWAY_CONFIG` with one Chargebee tenant `t1` and `extra` settings. */
async function oneTenant(extra: Record<string, unknown>): Promise<{ GATEWAY_CONFIG: string }> {
  const tenant = {
    id: 't1',
    apiKeyHashes: [await sha256Hex('tenant-one-key-000000')],
    vendors: { chargebee: { site: 'acme', apiKey: 'k' } },
    ...extra,
  };
  return { GATEWAY_CONFIG: JSON.stringify({ tenants: [tenant] }) };
}

describe('fallback and rate limit configuration', () => {
  const single = {
    GATEWAY_API_KEYS: 'a-long-enough-gateway-key',
    CHARGEBEE_SITE: 'acme',
    CHARGEBEE_API_KEY: 'k',
  };

  it('reads the single tenant’s policies and limits from the environment', async () => {
    const config = await parseConfig({
      ...single,
      FALLBACK_POLICY: 'allow',
      FALLBACK_FEATURES: '{"seats":{"hasAccess":true,"limit":3},"export":"problem"}',
      RATE_LIMIT_PER_KEY_RPS: '2.5',
      RATE_LIMIT_PER_TENANT_RPS: '10',
      RATE_LIMIT_PER_TENANT_BURST: '40',
    });
    expect(config.tenants[0]).toMatchObject({
      fallback: { default: 'allow', features: { seats: { hasAccess: true, limit: 3 }, export: 'problem' } },
      rateLimit: {
        perKey: { requestsPerSecond: 2.5, burst: 3 },
        perTenant: { requestsPerSecond: 10, burst: 40 },
      },
    });
    const plain = await parseConfig(single);
    expect(plain.tenants[0]?.fallback).toEqual({ default: 'deny', features: {} });
    expect(plain.tenants[0]?.rateLimit).toBeUndefined();
  });

  it('reads them per tenant from GATEWAY_CONFIG', async () => {
    const config = await parseConfig(
      await oneTenant({
        rateLimit: { perKey: { requestsPerSecond: 1, burst: 5 } },
        fallback: { features: { seats: 'allow' } },
      }),
    );
    expect(config.tenants[0]).toMatchObject({
      rateLimit: { perKey: { requestsPerSecond: 1, burst: 5 } },
      fallback: { default: 'deny', features: { seats: 'allow' } },
    });
  });

  it('takes per-feature policies from the catalogue, FEATURE_CATALOG and a tenant’s features alike', async () => {
    const catalogue = { seats: { sources: { chargebee: 'user-licenses' }, fallback: 'allow' } };
    const fromEnv = await parseConfig({ ...single, FEATURE_CATALOG: JSON.stringify(catalogue) });
    expect(fromEnv.tenants[0]?.features?.entries.get('seats')?.fallback).toBe('allow');
    const multi = await parseConfig(await oneTenant({ features: catalogue }));
    expect(multi.tenants[0]?.features?.entries.get('seats')?.fallback).toBe('allow');
  });

  it('refuses a feature whose fallback is declared both in the catalogue and in the per-feature map', async () => {
    const catalogue = { seats: { sources: { chargebee: 'user-licenses' }, fallback: 'allow' } };
    await expect(
      parseConfig({
        ...single,
        FEATURE_CATALOG: JSON.stringify(catalogue),
        FALLBACK_FEATURES: '{"seats":"deny","export":"allow"}',
      }),
    ).rejects.toMatchObject({
      problems: [
        'FALLBACK_FEATURES.seats: the catalogue entry FEATURE_CATALOG.seats declares a fallback too; declare it in one place',
      ],
    });
    await expect(
      parseConfig(
        await oneTenant({ features: catalogue, fallback: { features: { seats: { hasAccess: true } } } }),
      ),
    ).rejects.toMatchObject({
      problems: [
        'GATEWAY_CONFIG.tenants.0.fallback.features.seats: the catalogue entry GATEWAY_CONFIG.tenants.0.features.seats declares a fallback too; declare it in one place',
      ],
    });
  });

  it('names the variable of a bad value, never the value', async () => {
    const failure = (env: Record<string, string>) =>
      parseConfig({ ...single, ...env }).then(
        () => null,
        (error: unknown) => (error instanceof ConfigError ? error.problems.join('\n') : String(error)),
      );
    expect(await failure({ FALLBACK_POLICY: 'maybe' })).toContain('FALLBACK_POLICY');
    expect(await failure({ FALLBACK_FEATURES: '{not json' })).toContain(
      'FALLBACK_FEATURES: is not valid JSON',
    );
    expect(await failure({ FALLBACK_FEATURES: '{"seats":"sometimes"}' })).toContain(
      'FALLBACK_FEATURES.seats',
    );
    expect(await failure({ RATE_LIMIT_PER_KEY_RPS: '0' })).toContain('RATE_LIMIT_PER_KEY_RPS');
    expect(await failure({ RATE_LIMIT_PER_KEY_BURST: '5' })).toContain(
      'RATE_LIMIT_PER_KEY_BURST: needs RATE_LIMIT_PER_KEY_RPS',
    );
  });
});

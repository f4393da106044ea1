import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, sha256Hex } from '../../../src/config';

const secret = 'sk_live_SUPERSECRETVALUE123456';
const vendorEnv = {
  GATEWAY_API_KEYS: 'key-one-aaaaaaaaaaaaaa',
  CURSOR_SECRET: 'c'.repeat(32),
  CHARGEBEE_SITE: 'acme-test',
  CHARGEBEE_API_KEY: secret,
  PAYGENTIC_API_KEY: secret,
};

async function problemsOf(env: Record<string, string>): Promise<string[]> {
  try {
    await parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      expect(error.message).not.toContain(secret);
      return error.problems;
    }
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('multi-vendor configuration', () => {
  it('FEATURE_CATALOG and CUSTOMER_LINKS configure the single env tenant', async () => {
    const config = await parseConfig({
      ...vendorEnv,
      FEATURE_CATALOG: JSON.stringify({
        seats: { sources: { chargebee: 'user-licenses', paygentic: 'max_users' } },
      }),
      CUSTOMER_LINKS: JSON.stringify({ acme: { chargebee: 'cust_acme', paygentic: 'cus_demoAcme' } }),
    });
    const [tenant] = config.tenants;
    expect(tenant?.features?.appKeyOf('paygentic', 'max_users')).toBe('seats');
    expect(tenant?.customers?.get('acme')).toEqual({ paygentic: 'cus_demoAcme', chargebee: 'cust_acme' });
  });

  it('a catalogue entry naming a vendor the tenant is not connected to, or a feature mapped twice, fails start-up naming the entry', async () => {
    expect(
      await problemsOf({
        ...vendorEnv,
        FEATURE_CATALOG: JSON.stringify({
          seats: { sources: { zenskar: 'z', chargebee: 'user-licenses' } },
          users: { sources: { chargebee: 'user-licenses' } },
        }),
      }),
    ).toEqual([
      'FEATURE_CATALOG.seats.sources.zenskar: this tenant has no zenskar connection (connected: paygentic, chargebee)',
      'FEATURE_CATALOG.users.sources.chargebee: the chargebee feature "user-licenses" is already mapped by "seats"; a vendor feature belongs to one app feature',
    ]);
  });

  it('a static link to a malformed vendor id fails start-up naming the customer and vendor', async () => {
    expect(
      await problemsOf({
        ...vendorEnv,
        CUSTOMER_LINKS: JSON.stringify({ acme: { paygentic: 'acme-at-paygentic' } }),
      }),
    ).toEqual([expect.stringMatching(/^CUSTOMER_LINKS\.acme\.paygentic: A Paygentic customer id is `cus_`/)]);
  });

  it('tenant features and customers of GATEWAY_CONFIG are validated with the tenant path', async () => {
    const tenant = {
      id: 'acme',
      apiKeyHashes: [await sha256Hex('tenant-key-aaaaaaaaaaaa')],
      vendors: { chargebee: { site: 'acme', apiKey: secret } },
      features: { seats: { sources: { recurly: 'seats' } } },
      customers: { acme: { chargebee: '' } },
    };
    const problems = await problemsOf({
      GATEWAY_CONFIG: JSON.stringify({ tenants: [tenant] }),
      CURSOR_SECRET: 'c'.repeat(32),
    });
    expect(problems).toEqual([
      expect.stringMatching(/^GATEWAY_CONFIG\.tenants\.0\.features\.seats\.sources\.recurly: unknown vendor/),
      expect.stringMatching(/^GATEWAY_CONFIG\.tenants\.0\.customers\.acme\.chargebee: /),
    ]);
  });

  it('FEATURE_CATALOG without the env tenant (GATEWAY_CONFIG only) is refused', async () => {
    const tenant = {
      id: 'acme',
      apiKeyHashes: [await sha256Hex('tenant-key-aaaaaaaaaaaa')],
      vendors: { chargebee: { site: 'acme', apiKey: secret } },
    };
    expect(
      await problemsOf({
        GATEWAY_CONFIG: JSON.stringify({ tenants: [tenant] }),
        FEATURE_CATALOG: '{}',
        CURSOR_SECRET: 'c'.repeat(32),
      }),
    ).toEqual([expect.stringMatching(/^FEATURE_CATALOG, CUSTOMER_LINKS: apply to the single tenant/)]);
  });

  it('FEATURE_CATALOG that is not JSON is named without being echoed', async () => {
    expect(await problemsOf({ ...vendorEnv, FEATURE_CATALOG: `{"seats": ${secret}` })).toEqual([
      'FEATURE_CATALOG: is not valid JSON',
    ]);
  });

  it('in sandbox mode the catalogue may name every vendor (the sandbox connects all three)', async () => {
    const config = await parseConfig({
      FEATURE_CATALOG: JSON.stringify({
        seats: { sources: { zenskar: 'z', paygentic: 'p', chargebee: 'c' } },
      }),
    });
    expect(config.mode).toBe('sandbox');
    expect(config.tenants[0]?.features?.entries.get('seats')?.sources).toHaveLength(3);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, SANDBOX_API_KEY, sha256Hex } from '../../../src/config';

const secret = 'sk_live_SUPERSECRETVALUE123456';

async function configError(env: Record<string, string>): Promise<ConfigError> {
  try {
    await parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('runs in sandbox mode with no vendor configured', async () => {
    const config = await parseConfig({});
    expect(config.mode).toBe('sandbox');
    expect(config.tenants[0]?.apiKeyHashes).toEqual([await sha256Hex(SANDBOX_API_KEY)]);
  });

  it('applies defaults and coercions', async () => {
    const config = await parseConfig({
      GATEWAY_API_KEYS: 'key-one-aaaaaaaaaaaaaa, key-two-bbbbbbbbbbbbbb',
      CURSOR_SECRET: 'c'.repeat(32),
      CHARGEBEE_SITE: 'acme-test',
      CHARGEBEE_API_KEY: secret,
      CACHE_TTL_SECONDS: '30',
      PORT: '8080',
    });
    expect(config.mode).toBe('configured');
    expect(config.port).toBe(8080);
    expect(config.cache.defaults).toEqual({ ttlSeconds: 30, staleSeconds: 600 });
    expect(config.tenants[0]?.apiKeyHashes).toHaveLength(2);
    expect(config.tenants[0]?.vendors.chargebee).toMatchObject({
      site: 'acme-test',
      baseUrl: 'https://acme-test.chargebee.com/api/v2',
      entitlementSource: 'auto',
    });
    expect(config.limits.chargebee.requestsPerMinute).toBe(150);
  });

  it('names the bad variable and never prints the secret value', async () => {
    const error = await configError({
      GATEWAY_API_KEYS: 'key-one-aaaaaaaaaaaaaa',
      CURSOR_SECRET: 'c'.repeat(32),
      PAYGENTIC_API_KEY: secret,
      PAYGENTIC_BASE_URL: `not a url ${secret}`,
      CACHE_TTL_SECONDS: `-5${secret}`,
    });
    expect(error.message).toContain('PAYGENTIC_BASE_URL');
    expect(error.message).toContain('CACHE_TTL_SECONDS');
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain('SUPERSECRET');
  });

  it('requires the variables that go together, naming them', async () => {
    const error = await configError({
      ZENSKAR_API_KEY: secret,
      GATEWAY_API_KEYS: 'key-one-aaaaaaaaaaaaaa',
      CURSOR_SECRET: 'c'.repeat(32),
    });
    expect(error.message).toContain('ZENSKAR_ORGANISATION');
    expect(error.message).not.toContain(secret);
    const missingKeys = await configError({ CHARGEBEE_SITE: 'acme', CHARGEBEE_API_KEY: secret });
    expect(missingKeys.message).toContain('GATEWAY_API_KEYS');
    expect(missingKeys.message).not.toContain(secret);
  });

  it('warns, naming the variable, about weak or missing cursor secrets and short keys, and still starts', async () => {
    const env = { GATEWAY_API_KEYS: 'short-key', CHARGEBEE_SITE: 'acme', CHARGEBEE_API_KEY: secret };
    const first = await parseConfig(env);
    const second = await parseConfig(env);
    expect(first.warnings.join('\n')).toContain('CURSOR_SECRET');
    expect(first.warnings.join('\n')).toContain('GATEWAY_API_KEYS');
    expect(first.warnings.join('\n')).not.toContain('short-key');
    // A random secret per process: unguessable, and different each time.
    expect(Buffer.from(first.cursorSecret, 'hex')).toHaveLength(32); // 256 bits, hex
    expect(first.cursorSecret).not.toBe(second.cursorSecret);
    const weak = await parseConfig({ ...env, CURSOR_SECRET: 'tiny-secret' });
    expect(weak.cursorSecret).toBe('tiny-secret');
    expect(weak.warnings.join('\n')).toContain('CURSOR_SECRET');
    expect(weak.warnings.join('\n')).not.toContain('tiny-secret');
  });

  it('validates GATEWAY_CONFIG and names the bad path without echoing it', async () => {
    const notJson = await configError({ GATEWAY_CONFIG: `{"tenants": [${secret}` });
    expect(notJson.message).toContain('GATEWAY_CONFIG');
    expect(notJson.message).not.toContain(secret);
    const badTenant = await configError({
      CURSOR_SECRET: 'c'.repeat(32),
      GATEWAY_CONFIG: JSON.stringify({
        tenants: [{ id: 'acme', apiKeyHashes: [secret], vendors: { paygentic: { apiKey: secret } } }],
      }),
    });
    expect(badTenant.message).toContain('GATEWAY_CONFIG.tenants.0.apiKeyHashes.0');
    expect(badTenant.message).not.toContain(secret);
  });

  it('needs no Chargebee site when a base URL points elsewhere', async () => {
    const config = await parseConfig({
      GATEWAY_API_KEYS: 'key-one-aaaaaaaaaaaaaa',
      CHARGEBEE_API_KEY: secret,
      CHARGEBEE_BASE_URL: 'http://127.0.0.1:9999/api/v2/',
    });
    expect(config.tenants[0]?.vendors.chargebee).toMatchObject({
      baseUrl: 'http://127.0.0.1:9999/api/v2',
      site: '127.0.0.1',
    });
    const error = await configError({
      GATEWAY_API_KEYS: 'key-one-aaaaaaaaaaaaaa',
      CHARGEBEE_API_KEY: secret,
    });
    expect(error.message).toContain('CHARGEBEE_SITE');
  });

  it('refuses a tenant id or key used twice, across GATEWAY_CONFIG and the single-tenant variables', async () => {
    const hash = await sha256Hex('key-one-aaaaaaaaaaaaaa');
    const tenant = (id: string) => ({ id, apiKeyHashes: [hash], vendors: { paygentic: { apiKey: secret } } });
    const sameId = await configError({
      GATEWAY_CONFIG: JSON.stringify({
        tenants: [{ ...tenant('default'), apiKeyHashes: [await sha256Hex('other-key-bbbbbbbbbbbb')] }],
      }),
      GATEWAY_API_KEYS: 'key-one-aaaaaaaaaaaaaa',
      PAYGENTIC_API_KEY: 'sk_test_another',
    });
    expect(sameId.message).toContain('"default" is used twice');
    const sameKey = await configError({
      GATEWAY_CONFIG: JSON.stringify({ tenants: [tenant('acme'), tenant('globex')] }),
    });
    expect(sameKey.message).toContain('belongs to another tenant too');
    expect(sameKey.message).not.toContain(hash);
    expect(sameKey.message).not.toContain(secret);
  });

  it('collects every secret for log redaction', async () => {
    const config = await parseConfig({
      GATEWAY_API_KEYS: 'key-one-aaaaaaaaaaaaaa',
      CURSOR_SECRET: 'c'.repeat(32),
      PAYGENTIC_API_KEY: secret,
      PAYGENTIC_WEBHOOK_SECRET: 'whsec_abcdefgh',
    });
    expect(config.secrets).toEqual(
      expect.arrayContaining([secret, 'key-one-aaaaaaaaaaaaaa', 'c'.repeat(32), 'whsec_abcdefgh']),
    );
  });
});

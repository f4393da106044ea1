import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/config';
import { openNodeSandboxGateway } from '../../support/node-sandbox-gateway';

/**
 * Issue 15, item 8: what an operator reads names the variable and the fix, never a secret value.
 */

const BASE = { GATEWAY_API_KEYS: 'ops-messages-key-0123456789abcdef', CURSOR_SECRET: 'c'.repeat(40) };

async function configError(env: Record<string, string>): Promise<string> {
  try {
    await parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

describe('configuration messages', () => {
  it('REDIS_URL with the wrong scheme names the variable and the redis:// / rediss:// form, not the value', async () => {
    const message = await configError({ REDIS_URL: 'http://operator:s3cretpass@cache.internal:6379' });
    expect(message).toContain('REDIS_URL');
    expect(message).toContain('redis://');
    expect(message).toContain('rediss://');
    expect(message).not.toContain('s3cretpass');
    expect(message).not.toContain('cache.internal');
  });

  it('a Chargebee key without a site says that CHARGEBEE_BASE_URL is the alternative', async () => {
    const message = await configError({ ...BASE, CHARGEBEE_API_KEY: 'cb_test_secret_key_0123' });
    expect(message).toMatch(/CHARGEBEE_SITE/);
    expect(message).toMatch(/CHARGEBEE_BASE_URL/);
    expect(message).not.toContain('cb_test_secret_key_0123');
  });

  it('a Paygentic key that is not an sk_live_/sk_test_ key is a warning naming the variable', async () => {
    const config = await parseConfig({ ...BASE, PAYGENTIC_API_KEY: 'not_a_key' });
    const warning = config.warnings.find((text) => text.startsWith('PAYGENTIC_API_KEY'));
    expect(warning).toMatch(/sk_live_/);
    expect(warning).toMatch(/sk_test_/);
    expect(warning).not.toContain('not_a_key');
  });

  it('a live key against the sandbox host, or a test key against the live host, is a warning naming the fix', async () => {
    const live = await parseConfig({
      ...BASE,
      PAYGENTIC_API_KEY: 'sk_live_0123456789abcdef',
      PAYGENTIC_BASE_URL: 'https://api.sandbox.paygentic.io',
    });
    const liveWarning = live.warnings.find((text) => text.startsWith('PAYGENTIC_API_KEY'));
    expect(liveWarning).toMatch(/sk_live_/);
    expect(liveWarning).toMatch(/PAYGENTIC_BASE_URL/);
    expect(liveWarning).toContain('https://api.paygentic.io');
    expect(liveWarning).not.toContain('0123456789abcdef');

    const test = await parseConfig({ ...BASE, PAYGENTIC_API_KEY: 'sk_test_0123456789abcdef' });
    const testWarning = test.warnings.find((text) => text.startsWith('PAYGENTIC_API_KEY'));
    expect(testWarning).toMatch(/sk_test_/);
    expect(testWarning).toContain('https://api.sandbox.paygentic.io');

    const matching = await parseConfig({
      ...BASE,
      PAYGENTIC_API_KEY: 'sk_test_0123456789abcdef',
      PAYGENTIC_BASE_URL: 'https://api.sandbox.paygentic.io',
    });
    expect(matching.warnings.filter((text) => text.startsWith('PAYGENTIC_API_KEY'))).toEqual([]);
  });
});

describe('request messages', () => {
  it('a 415 says which content type to send', async () => {
    const gateway = await openNodeSandboxGateway({});
    try {
      const response = await gateway.call('/v1/check', {
        method: 'POST',
        headers: { authorization: 'Bearer eg_sandbox_demo_key', 'content-type': 'text/plain' },
        body: '{"checks":[]}',
      });
      expect(response.status).toBe(415);
      expect(((await response.json()) as { detail: string }).detail).toContain(
        'Content-Type: application/json',
      );
    } finally {
      await gateway.close();
    }
  });
});

import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { sha256Hex, type TenantConfig } from '../../../src/config';
import { asGatewayError } from '../../../src/errors/gateway-error';
import { authenticate, VerifiedKeys } from '../../../src/routes/middleware/authenticate';
import type { GatewayEnv } from '../../../src/routes/openapi-app';
import { requestWithScope } from '../../support/request-scope';

const KEY_A = 'tenant-a-key-0123456789abcdef';
const KEY_B = 'tenant-b-key-0123456789abcdef';

async function tenant(id: string, ...keys: string[]): Promise<TenantConfig> {
  return { id, apiKeyHashes: await Promise.all(keys.map(sha256Hex)), vendors: {}, webhooks: {} };
}

/** An app answering the authenticated tenant's id, or the error code with its status. */
function appWith(tenants: TenantConfig[], verified?: VerifiedKeys) {
  const app = new Hono<GatewayEnv>();
  app.use('*', authenticate(tenants, verified));
  app.get('/', (c) => c.text(c.env.tenant.id));
  app.onError((error, c) => {
    const known = asGatewayError(error);
    return c.text(known ? known.code : 'other', known ? 401 : 500);
  });
  return app;
}

const call = async (app: Hono<GatewayEnv>, key: string) => {
  const response = await requestWithScope(app, '/', { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, body: await response.text() };
};

describe('authenticate: the verified-key map', () => {
  it('answers each repeated key with its own tenant, never a recently verified other one', async () => {
    const verified = new VerifiedKeys(8);
    const app = appWith([await tenant('a', KEY_A), await tenant('b', KEY_B)], verified);
    for (let round = 0; round < 3; round++) {
      expect(await call(app, KEY_A)).toEqual({ status: 200, body: 'a' });
      expect(await call(app, KEY_B)).toEqual({ status: 200, body: 'b' });
    }
    expect(verified.size).toBe(2);
  });

  it('refuses keys close to a verified one (one character changed, a prefix, an extension)', async () => {
    const app = appWith([await tenant('a', KEY_A)]);
    expect((await call(app, KEY_A)).status).toBe(200);
    for (const near of [`${KEY_A.slice(0, -1)}0`, KEY_A.slice(0, -1), `${KEY_A}0`, KEY_A.toUpperCase()]) {
      expect(await call(app, near), near).toEqual({ status: 401, body: 'unauthorized' });
    }
    // And still accepts the right one afterwards.
    expect(await call(app, KEY_A)).toEqual({ status: 200, body: 'a' });
  });

  it('does not grow with wrong keys', async () => {
    const verified = new VerifiedKeys(8);
    const app = appWith([await tenant('a', KEY_A)], verified);
    for (let index = 0; index < 200; index++) {
      expect((await call(app, `wrong-key-${index.toString().padStart(20, '0')}`)).status).toBe(401);
    }
    expect(verified.size).toBe(0);
  });

  it('is bounded by its size even if more keys verify than it holds', async () => {
    const keys = Array.from({ length: 5 }, (_, index) => `key-${index}-0123456789abcdef`);
    const verified = new VerifiedKeys(2);
    const app = appWith([await tenant('a', ...keys)], verified);
    for (const key of keys) expect(await call(app, key)).toEqual({ status: 200, body: 'a' });
    expect(verified.size).toBeLessThanOrEqual(2);
    for (const key of keys) expect(await call(app, key)).toEqual({ status: 200, body: 'a' });
  });

  it('a key removed from the configuration is refused by the gateway built from it, though an older one verified it', async () => {
    const before = appWith([await tenant('a', KEY_A, KEY_B)]);
    expect(await call(before, KEY_B)).toEqual({ status: 200, body: 'a' });
    const after = appWith([await tenant('a', KEY_A)]);
    expect(await call(after, KEY_B)).toEqual({ status: 401, body: 'unauthorized' });
    expect(await call(after, KEY_A)).toEqual({ status: 200, body: 'a' });
  });

  it('the map answers only the exact key it stored', async () => {
    const verified = new VerifiedKeys(4);
    const a = await tenant('a', KEY_A);
    verified.remember(KEY_A, a, 'a'.repeat(64));
    expect(verified.get(KEY_A)).toBe(a);
    expect(verified.get(`${KEY_A} `)).toBeUndefined();
    expect(verified.get(KEY_B)).toBeUndefined();
  });
});

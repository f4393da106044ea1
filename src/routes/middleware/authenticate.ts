import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { TenantConfig } from '../../config';
import type { GatewayEnv } from '../../context';
import { GatewayError } from '../../errors/gateway-error';

interface KeyEntry {
  digest: Uint8Array;
  tenant: TenantConfig;
}

function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let index = 0; index < bytes.length; index++)
    bytes[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  return bytes;
}

/** Compares two digests without an early exit, so timing says nothing about how much matched. */
function digestsEqual(left: Uint8Array, right: Uint8Array): boolean {
  let difference = left.length ^ right.length;
  for (let index = 0; index < left.length; index++) difference |= (left[index] ?? 0) ^ (right[index] ?? 0);
  return difference === 0;
}

/**
 * `Authorization: Bearer <key>`: the key's SHA-256 is compared with every configured key hash in
 * constant time (every hash is compared, match or not). The tenant is then on the context.
 */
export function authenticate(tenants: readonly TenantConfig[]): MiddlewareHandler<GatewayEnv> {
  const entries: KeyEntry[] = tenants.flatMap((tenant) =>
    tenant.apiKeyHashes.map((hash) => ({ digest: hexToBytes(hash), tenant })),
  );
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(header);
    if (!match?.[1]) {
      throw new GatewayError('unauthorized', 'Send your gateway API key as `Authorization: Bearer <key>`.', {
        headers: { 'www-authenticate': 'Bearer realm="entitlements-gateway"' },
      });
    }
    // Synchronous node:crypto (Node, and workerd with nodejs_compat): WebCrypto's async digest costs
    // a promise and a buffer transfer on every request of the hot path.
    const digest = createHash('sha256').update(match[1], 'utf8').digest();
    let found: TenantConfig | null = null;
    for (const entry of entries)
      if (digestsEqual(entry.digest, digest) && found === null) found = entry.tenant;
    if (found === null) {
      throw new GatewayError('unauthorized', 'The API key is not valid.', {
        headers: { 'www-authenticate': 'Bearer realm="entitlements-gateway", error="invalid_token"' },
      });
    }
    c.set('tenant', found);
    await next();
  };
}

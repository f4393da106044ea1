import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { TenantConfig } from '../../config';
import { GatewayError } from '../../errors/gateway-error';
import type { GatewayEnv } from '../openapi-app';

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
 * Presented keys already verified against a configured hash, and their tenant, so a repeat caller
 * costs a map lookup instead of a SHA-256. Only keys that matched a configured hash are ever stored,
 * so random or wrong keys never grow it; its size is bounded by the number of configured keys (a
 * second string with a configured key's digest would be a SHA-256 collision), and an overflow —
 * impossible by that argument, checked anyway — empties it. It belongs to one `authenticate`
 * instance, i.e. to one parsed configuration: a key removed from the configuration is not in the
 * new instance's map.
 *
 * The lookup is a hash-map lookup: a wrong key lands in another bucket (or fails the engine's hash
 * comparison) without its characters being compared with a stored key's, so its timing does not
 * tell how much of a key was right. A found entry's key is the presented key (the map compared them
 * whole), so there is nothing left to compare.
 */
export class VerifiedKeys {
  private readonly keys = new Map<string, { tenant: TenantConfig; keyHash: string }>();

  constructor(readonly maxEntries: number) {}

  /** Keys remembered. */
  get size(): number {
    return this.keys.size;
  }

  /** The tenant of a key verified before, or undefined. */
  get(presented: string): TenantConfig | undefined {
    return this.lookup(presented)?.tenant;
  }

  /** The tenant and the key's SHA-256 (hex) of a key verified before, or undefined. */
  lookup(presented: string): { tenant: TenantConfig; keyHash: string } | undefined {
    return this.keys.get(presented);
  }

  /** Remembers a key that has just matched a configured hash (`keyHash`: its hex SHA-256). */
  remember(presented: string, tenant: TenantConfig, keyHash: string): void {
    if (this.keys.size >= this.maxEntries) this.keys.clear();
    this.keys.set(presented, { tenant, keyHash });
  }
}

/**
 * `Authorization: Bearer <key>`: the key's SHA-256 is compared with every configured key hash in
 * constant time (every hash is compared, match or not); a key that matched is remembered
 * ({@link VerifiedKeys}), so its next requests skip the hash. The tenant is then on the context.
 */
export function authenticate(
  tenants: readonly TenantConfig[],
  verified?: VerifiedKeys,
): MiddlewareHandler<GatewayEnv> {
  const entries: KeyEntry[] = tenants.flatMap((tenant) =>
    tenant.apiKeyHashes.map((hash) => ({ digest: hexToBytes(hash), tenant })),
  );
  const known = verified ?? new VerifiedKeys(Math.max(1, entries.length));
  return (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(header);
    const presented = match?.[1];
    if (!presented) {
      throw new GatewayError('unauthorized', 'Send your gateway API key as `Authorization: Bearer <key>`.', {
        headers: { 'www-authenticate': 'Bearer realm="entitlements-gateway"' },
      });
    }
    const remembered = known.lookup(presented);
    let found = remembered?.tenant ?? null;
    let keyHash = remembered?.keyHash ?? '';
    if (found === null) {
      // Synchronous node:crypto (Node, and workerd with nodejs_compat): WebCrypto's async digest costs
      // a promise and a buffer transfer on every request of the hot path.
      const digest = createHash('sha256').update(presented, 'utf8').digest();
      for (const entry of entries)
        if (digestsEqual(entry.digest, digest) && found === null) found = entry.tenant;
      if (found === null) {
        throw new GatewayError('unauthorized', 'The API key is not valid.', {
          headers: { 'www-authenticate': 'Bearer realm="entitlements-gateway", error="invalid_token"' },
        });
      }
      keyHash = digest.toString('hex');
      known.remember(presented, found, keyHash);
    }
    // The key's hash names its rate limit bucket: the key itself is never stored or sent to Redis.
    c.env.bindTenant(found, keyHash);
    return next();
  };
}

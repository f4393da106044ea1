import type { Redis } from 'ioredis';
import { type VendorId, vendorIds } from '../../schemas/entitlement';
import { GatewayError } from '../errors/gateway-error';
import type { VendorLinks } from './customer-links';

/**
 * Where dynamic customer links live. Links are data the gateway cannot reload from a vendor, so the
 * store is not a cache: nothing expires, and every failure is reported (a cache would carry on).
 */
export interface CustomerLinkStore {
  /** The app customer's dynamic links, or null when it has none. */
  get(tenant: string, appCustomerId: string): Promise<VendorLinks | null>;
  /** Replaces the app customer's dynamic links with `links` (PUT semantics). */
  put(tenant: string, appCustomerId: string, links: VendorLinks): Promise<void>;
  /** Removes the app customer's dynamic links; false when it had none. */
  delete(tenant: string, appCustomerId: string): Promise<boolean>;
}

/** Version segment of link keys: bump it when the stored shape changes. */
export const LINK_KEY_VERSION = 'v1';

/**
 * `eg:links:v1:<tenant>:<appCustomerId>`, a Redis hash `vendor → vendorCustomerId`, no TTL. Its own
 * namespace: the cache's keys are `eg:<version>:…`, and `links` is never a cache key version. Each
 * segment is percent-encoded (as in cache keys), so a `:` in a customer id cannot make two tenants or
 * two customers share a key.
 */
export function linkKey(tenant: string, appCustomerId: string, version: string = LINK_KEY_VERSION): string {
  return ['eg', 'links', version, tenant, appCustomerId].map(encodeURIComponent).join(':');
}

function unavailable(cause: unknown): GatewayError {
  return new GatewayError(
    'links_store_unavailable',
    'The customer links store (Redis) is unreachable; retry shortly.',
    { retryable: true, headers: { 'retry-after': '5' }, cause },
  );
}

/** The Redis commands the store needs (ioredis's `Redis`; tests may pass a narrower fake). */
export type LinkStoreRedis = Pick<Redis, 'hgetall' | 'del' | 'multi'>;

/** Options of {@link createRedisLinkStore}. */
export interface RedisLinkStoreOptions {
  /** Key version; tests pass a unique one to keep runs apart on a shared Redis. */
  version?: string;
}

/**
 * The Redis store. `PUT` is one `MULTI` (`DEL` + `HSET`), so a reader sees the old links or the new
 * ones, never a mix. Fields naming no known vendor (a vendor removed from the gateway) are ignored
 * on read.
 */
export function createRedisLinkStore(
  redis: LinkStoreRedis,
  options: RedisLinkStoreOptions = {},
): CustomerLinkStore {
  const keyOf = (tenant: string, id: string) => linkKey(tenant, id, options.version);
  return {
    async get(tenant, appCustomerId) {
      let fields: Record<string, string>;
      try {
        fields = await redis.hgetall(keyOf(tenant, appCustomerId));
      } catch (error) {
        throw unavailable(error);
      }
      const links: VendorLinks = {};
      for (const vendor of vendorIds) {
        const id = fields[vendor];
        if (typeof id === 'string' && id !== '') links[vendor] = id;
      }
      return Object.keys(links).length === 0 ? null : links;
    },
    async put(tenant, appCustomerId, links) {
      const key = keyOf(tenant, appCustomerId);
      const fields = Object.entries(links).filter(
        (entry): entry is [VendorId, string] => typeof entry[1] === 'string',
      );
      if (fields.length === 0) throw new RangeError('put needs at least one link');
      let results: Array<[Error | null, unknown]> | null;
      try {
        results = await redis.multi().del(key).hset(key, Object.fromEntries(fields)).exec();
      } catch (error) {
        throw unavailable(error);
      }
      const failed = results?.find(([error]) => error !== null);
      if (results === null || failed !== undefined) throw unavailable(failed?.[0]);
    },
    async delete(tenant, appCustomerId) {
      try {
        return (await redis.del(keyOf(tenant, appCustomerId))) > 0;
      } catch (error) {
        throw unavailable(error);
      }
    },
  };
}

/** An in-process store (tests; a gateway without Redis never stores dynamic links). */
export function createMemoryLinkStore(): CustomerLinkStore & { size(): number } {
  const entries = new Map<string, VendorLinks>();
  return {
    async get(tenant, appCustomerId) {
      const links = entries.get(linkKey(tenant, appCustomerId));
      return links === undefined ? null : { ...links };
    },
    async put(tenant, appCustomerId, links) {
      entries.set(linkKey(tenant, appCustomerId), { ...links });
    },
    async delete(tenant, appCustomerId) {
      return entries.delete(linkKey(tenant, appCustomerId));
    },
    size: () => entries.size,
  };
}

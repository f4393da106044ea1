import { Redis } from 'ioredis';
import type { CacheEntry } from '../../../src/cache/cache-entry';
import { cacheKey } from '../../../src/cache/cache-key';

/**
 * Looks at the gateway's Redis from the test's side (inside workerd too, through the same
 * pre-bundled ioredis), to prove what the gateway wrote or deleted independently of its headers.
 * One short-lived client per call: an I/O object must not outlive the request context it was
 * made in, and a test's hooks and body may run in different ones.
 */
async function withClient<T>(url: string, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

/** The stored snapshot entry of a customer, or null when Redis has none. */
export function readSnapshotEntry(
  url: string,
  parts: { tenant: string; vendor: string; customerId: string },
): Promise<CacheEntry<unknown> | null> {
  const key = cacheKey({
    tenant: parts.tenant,
    vendor: parts.vendor,
    namespace: 'snapshot',
    id: parts.customerId,
  });
  return withClient(url, async (client) => {
    const json = await client.get(key);
    return json === null ? null : (JSON.parse(json) as CacheEntry<unknown>);
  });
}

/** Deletes every key of a test tenant (they would expire on their own; this keeps Redis tidy). */
export function deleteTenantKeys(url: string, tenant: string): Promise<number> {
  return withClient(url, async (client) => {
    let cursor = '0';
    let deleted = 0;
    // The tenant is the third key segment: eg:<version>:<tenant>:… (see src/cache/cache-key.ts).
    const pattern = `eg:*:${encodeURIComponent(tenant)}:*`;
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await client.del(...keys);
    } while (cursor !== '0');
    return deleted;
  });
}

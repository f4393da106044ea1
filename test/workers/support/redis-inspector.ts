import { Redis } from 'ioredis';
import type { CacheEntry } from '../../../src/cache/cache-entry';
import { budgetKey, cacheKey } from '../../../src/cache/cache-key';

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

/** Sets a connection's shared request budget to empty, as if other instances had just used it up. */
export function drainBudget(url: string, parts: { tenant: string; vendor: string }): Promise<void> {
  return withClient(url, async (client) => {
    const [seconds, micros] = await client.time();
    const nowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const key = budgetKey({ tenant: parts.tenant, vendor: parts.vendor });
    await client.hset(key, 'tokens', '0', 'at', String(nowMs));
    await client.pexpire(key, 60_000);
  });
}

/** The tokens left in a connection's shared request budget, or null when Redis has no bucket. */
export function budgetTokens(url: string, parts: { tenant: string; vendor: string }): Promise<number | null> {
  return withClient(url, async (client) => {
    const tokens = await client.hget(budgetKey({ tenant: parts.tenant, vendor: parts.vendor }), 'tokens');
    return tokens === null ? null : Number(tokens);
  });
}

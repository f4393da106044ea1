import { type CacheEntry, parseStoredEntry } from './cache-entry';
import { scopeKeyOf } from './cache-key';
import type { RedisTier } from './redis-tier';
import type { ScopeGenerations } from './scope-generations';

/**
 * The cross-instance load lock: one instance loads a key from the vendor while the others wait for
 * its result in Redis instead of calling the vendor too. The lock is a Redis key with a token and a
 * TTL (a crashed loader's lock expires by itself); waiters poll the value and the lock together.
 */

/** How a wait for another instance's load ended. */
export type PeerWait =
  /** The other instance stored a usable entry. */
  | { kind: 'peer'; entry: CacheEntry<unknown> }
  /** The other load ended without a usable entry and this instance took the lock. */
  | { kind: 'locked' }
  /** The other instance is still loading after `lockWaitMs`. */
  | { kind: 'timeout' }
  /** Redis failed: the caller loads without the lock. */
  | { kind: 'unavailable' };

/** What a wait needs from the cache engine. */
export interface LoadLockContext {
  redis: RedisTier | null;
  lockWaitMs: number;
  lockTtlMs: number;
  now(): number;
  generations: ScopeGenerations;
  /** Stores an entry found in Redis in the memory tier. */
  remember(key: string, entry: CacheEntry<unknown>, bytes: number, now: number): void;
}

/** A random token identifying this load's lock (Web Crypto: present on Node 20 and in workerd). */
export function lockToken(): string {
  return crypto.randomUUID();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls Redis (value and lock in one `MGET`) while another instance holds the lock. Accepts a fresh
 * entry; for a forced refresh only one that differs from the entry seen at the first poll. When the
 * lock disappears without a usable value (the other load failed), tries to take the lock.
 */
export async function waitForPeer(
  context: LoadLockContext,
  wait: { key: string; lockKey: string; token: string; refresh: boolean },
): Promise<PeerWait> {
  const { redis, generations } = context;
  const { key, lockKey, token, refresh } = wait;
  if (redis === null) return { kind: 'unavailable' };
  const deadline = Date.now() + context.lockWaitMs;
  let delayMs = 5;
  let baseline: number | null | undefined;
  const scopeKey = scopeKeyOf(key);
  for (;;) {
    const read = await redis.mget([key, lockKey, scopeKey]);
    if (!read.ok) {
      // One slow answer (a busy event loop, a Redis hiccup) is no reason to give up the wait and
      // load a second time: poll again until the deadline. Errors, and a breaker opened by
      // repeated timeouts, end the wait at once.
      if (read.reason !== 'timeout' || Date.now() >= deadline) return { kind: 'unavailable' };
      await sleep(Math.min(delayMs, Math.max(0, deadline - Date.now())));
      continue;
    }
    const [json = null, lock = null, generation = null] = read.value;
    const locked = lock !== null;
    generations.learn(scopeKey, generation);
    const entry = json === null ? undefined : parseStoredEntry(json);
    const now = context.now();
    if (refresh && baseline === undefined) {
      baseline = entry?.storedAt ?? null;
    } else if (json !== null && entry !== undefined && generations.isCurrent(key, entry, now)) {
      if (!refresh || entry.storedAt !== baseline) {
        context.remember(key, entry, json.length, now);
        return { kind: 'peer', entry };
      }
    }
    if (!locked) {
      const claim = await redis.setIfAbsent(lockKey, token, context.lockTtlMs);
      if (claim === 'set') return { kind: 'locked' };
      if (claim === 'unavailable') return { kind: 'unavailable' };
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { kind: 'timeout' };
    await sleep(Math.min(delayMs, remaining));
    delayMs = Math.min(delayMs * 2, 100);
  }
}

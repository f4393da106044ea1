import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import { CACHE_KEY_VERSION, type CacheKeyParts, cacheKey } from './cache-key';
import type { CacheState } from './cache-state';
import { RedisTier } from './redis-tier';

/** The namespace of webhook event markers in the key space. */
export const WEBHOOK_EVENT_NAMESPACE = 'webhook-event';

/** Options of {@link createEventDeduplicator}. */
export interface EventDeduplicatorOptions {
  /** The process's (isolate's) cache state: its breaker, metrics and in-memory fallback are reused. */
  state: CacheState;
  /** The Redis client, or null to remember in memory only (per process). */
  redis: Redis | null;
  logger?: Logger;
  /** Key version; defaults to {@link CACHE_KEY_VERSION}. */
  keyVersion?: string;
  /** Budget of one Redis command. Default 150 ms. */
  redisCommandTimeoutMs?: number;
  /** Budget of a Redis command sent while the client is still connecting. Default 1000 ms. */
  redisConnectTimeoutMs?: number;
}

/** Drops duplicate deliveries of vendor webhook events. */
export interface EventDeduplicator {
  /** The Redis key of an event marker (`eg:<version>:<tenant>:<vendor>:webhook-event:<id>`). */
  key(event: CacheKeyParts): string;
  /**
   * True the first time an event (tenant, vendor, vendor event id) is seen within `ttlMs`, false for
   * a duplicate. Redis (`SET NX PX`) makes it hold across instances; when Redis is unavailable it
   * falls back to this process's memory, so a duplicate reaching another instance during a Redis
   * outage is processed again (invalidating twice is harmless).
   */
  rememberOnce(event: CacheKeyParts, ttlMs: number): Promise<boolean>;
  /**
   * Forgets an event, so a redelivery is processed: call it when handling the event failed after
   * `rememberOnce` returned true.
   */
  forget(event: CacheKeyParts): Promise<void>;
}

/** Creates the webhook de-duplication helper. Cheap: create it per request on Workers. */
export function createEventDeduplicator(options: EventDeduplicatorOptions): EventDeduplicator {
  const { state } = options;
  const version = options.keyVersion ?? CACHE_KEY_VERSION;
  const redis =
    options.redis === null
      ? null
      : new RedisTier({
          client: options.redis,
          breaker: state.breaker,
          metrics: state.metrics,
          logger: options.logger ?? state.logger,
          commandTimeoutMs: options.redisCommandTimeoutMs,
          connectTimeoutMs: options.redisConnectTimeoutMs,
        });
  const keyOf = (event: CacheKeyParts) =>
    cacheKey({
      version,
      tenant: event.tenant,
      vendor: event.vendor,
      namespace: WEBHOOK_EVENT_NAMESPACE,
      id: event.id,
    });

  return {
    key: keyOf,
    async rememberOnce(event, ttlMs) {
      if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be > 0, got ${ttlMs}`);
      const key = keyOf(event);
      const now = state.clock.now();
      const seenUntil = state.rememberedEvents.get(key);
      const seenLocally = seenUntil !== undefined && seenUntil > now;
      // Remembered locally as well, so a Redis outage right after does not let a duplicate through here.
      if (!seenLocally) state.rememberedEvents.set(key, now + ttlMs, 16);
      if (redis !== null) {
        const claim = await redis.setIfAbsent(key, String(now), ttlMs);
        if (claim !== 'unavailable') return claim === 'set' && !seenLocally;
      }
      return !seenLocally;
    },
    async forget(event) {
      const key = keyOf(event);
      state.rememberedEvents.delete(key);
      if (redis !== null) await redis.del([key]);
    },
  };
}

import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import type { CacheMetrics } from './cache-metrics';
import { LogThrottle } from './log-throttle';
import type { RedisBreaker } from './redis-breaker';

/** Default budget of one Redis command on a ready connection. */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 150;
/**
 * Default budget of a command sent while the client is still connecting. A per-request Worker client
 * connects on its first command (TCP + TLS + AUTH), which does not fit in 150 ms on a remote Redis.
 */
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 1000;

/** Options of {@link RedisTier}. */
export interface RedisTierOptions {
  client: Redis;
  breaker: RedisBreaker;
  metrics: CacheMetrics;
  logger: Logger;
  /** Budget of one command on a ready connection. Default 150 ms. */
  commandTimeoutMs?: number | undefined;
  /** Budget of a command sent before the connection is ready. Default 1000 ms. */
  connectTimeoutMs?: number | undefined;
}

/** Why a Redis command gave no answer. */
export type RedisUnavailableReason = 'skipped' | 'error' | 'timeout';

/** The answer of a command, or why there was none. Callers carry on without Redis on `ok: false`. */
export type RedisOutcome<T> = { ok: true; value: T } | { ok: false; reason: RedisUnavailableReason };

/** Result of a `SET … NX`. */
export type SetIfAbsentResult = 'set' | 'exists' | 'unavailable';

// Deletes the lock only if it still holds our token: a load that outlived its lock TTL must not
// delete the lock another instance has taken since.
const RELEASE_LOCK_SCRIPT =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

class RedisTimeoutError extends Error {
  constructor(operation: string, timeoutMs: number) {
    super(`redis ${operation} did not answer within ${timeoutMs} ms`);
    this.name = 'RedisTimeoutError';
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The Redis side of the cache: every command bounded by a tight timeout (ioredis's own
 * `commandTimeout` does not cover a command waiting in the offline queue for a connection), sent
 * only when the breaker allows, and every failure logged (throttled), counted and turned into an
 * `ok: false` outcome so the request carries on from memory and the loader. Nothing here throws.
 *
 * Cheap to create: on Workers one is created per request around the per-request client, sharing
 * the isolate's breaker and metrics.
 */
export class RedisTier {
  private readonly client: Redis;
  private readonly breaker: RedisBreaker;
  private readonly metrics: CacheMetrics;
  private readonly logger: Logger;
  private readonly commandTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly throttle = new LogThrottle(1000);

  constructor(options: RedisTierOptions) {
    this.client = options.client;
    this.breaker = options.breaker;
    this.metrics = options.metrics;
    this.logger = options.logger;
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS;
  }

  /** `MGET keys…`: the stored strings, null for absent keys, in the order asked. */
  mget(keys: readonly string[]): Promise<RedisOutcome<Array<string | null>>> {
    return this.run('mget', () => this.client.mget(...keys));
  }

  /** `SET key value PX ttlMs`. */
  async set(key: string, value: string, ttlMs: number): Promise<RedisOutcome<void>> {
    const outcome = await this.run('set', () =>
      this.client.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs))),
    );
    return outcome.ok ? { ok: true, value: undefined } : outcome;
  }

  /** `SET key value NX PX ttlMs`: a lock or a first-time marker (`ttlMs` null: no expiry). */
  async setIfAbsent(key: string, value: string, ttlMs: number | null): Promise<SetIfAbsentResult> {
    const outcome = await this.run('set_nx', () =>
      ttlMs === null
        ? this.client.set(key, value, 'NX')
        : this.client.set(key, value, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'),
    );
    if (!outcome.ok) return 'unavailable';
    return outcome.value === 'OK' ? 'set' : 'exists';
  }

  /** Releases a lock taken with {@link setIfAbsent} if it still holds `token`. */
  async releaseLock(lockKey: string, token: string): Promise<RedisOutcome<boolean>> {
    const outcome = await this.run('release_lock', () =>
      this.client.eval(RELEASE_LOCK_SCRIPT, 1, lockKey, token),
    );
    return outcome.ok ? { ok: true, value: outcome.value === 1 } : outcome;
  }

  /** `DEL keys…`: how many existed. */
  del(keys: readonly string[]): Promise<RedisOutcome<number>> {
    return this.run('del', () => this.client.del(...keys));
  }

  /** `PING`, with its round-trip time. */
  async ping(): Promise<RedisOutcome<{ latencyMs: number }>> {
    const startedAt = Date.now();
    const outcome = await this.run('ping', () => this.client.ping());
    return outcome.ok ? { ok: true, value: { latencyMs: Date.now() - startedAt } } : outcome;
  }

  private async run<T>(operation: string, command: () => Promise<T>): Promise<RedisOutcome<T>> {
    if (!this.breaker.allow()) {
      this.metrics.redisSkipped += 1;
      return { ok: false, reason: 'skipped' };
    }
    const timeoutMs = this.client.status === 'ready' ? this.commandTimeoutMs : this.connectTimeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisTimeoutError(operation, timeoutMs)), timeoutMs);
    });
    let pending: Promise<T> | undefined;
    try {
      pending = command();
      const value = await Promise.race([pending, deadline]);
      this.breaker.recordSuccess();
      return { ok: true, value };
    } catch (error) {
      // The abandoned command may still settle later; swallow that so it is not an unhandled rejection.
      pending?.catch(() => undefined);
      this.breaker.recordFailure();
      const timedOut = error instanceof RedisTimeoutError;
      if (timedOut) this.metrics.redisTimeouts += 1;
      else this.metrics.redisErrors += 1;
      const event = timedOut ? 'cache_redis_timeout' : 'cache_redis_error';
      const heldBack = this.throttle.admit(event, Date.now());
      if (heldBack !== null) {
        this.logger.warn(event, {
          operation,
          timeoutMs: timedOut ? timeoutMs : undefined,
          error: errorMessage(error),
          suppressedSinceLast: heldBack,
          breaker: this.breaker.state,
        });
      }
      return { ok: false, reason: timedOut ? 'timeout' : 'error' };
    } finally {
      clearTimeout(timer);
    }
  }
}

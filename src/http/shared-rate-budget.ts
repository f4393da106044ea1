import type { Redis } from 'ioredis';
import { createRedisScript, type RedisScriptTiming, type ScriptCache } from '../cache/redis-script';
import type { Logger } from '../logger';
import {
  type RateBudgetSettings,
  type RequestBudget,
  TokenBucket,
  type TokenReservation,
} from './rate-budget';

/**
 * One request budget per vendor connection across every gateway instance: a token bucket kept in
 * Redis and updated by one Lua script, so refill and take are one atomic step however many Node
 * processes or Worker isolates share the connection.
 *
 * - Time comes from Redis (`TIME` inside the script): instances whose clocks disagree still agree on
 *   the bucket, and no instance can mint tokens by running fast.
 * - Same reservation semantics as the in-process {@link TokenBucket}: a caller that must wait takes
 *   its token now (the balance goes negative) and is told how long to wait, so waiters on all
 *   instances queue in order; a wait longer than the caller allows takes nothing and says when a
 *   token would be (the upstream client's 503 `vendor_rate_limited` with `Retry-After`).
 * - One round trip per vendor attempt: `EVALSHA` of the script loaded once per process/isolate
 *   (`SCRIPT LOAD`); a Redis that lost its script cache (restart, failover) answers `NOSCRIPT` and the
 *   script is loaded again and the call retried once.
 * - Redis failing or slow (each call bounded by a timeout): the connection falls back to an
 *   in-process bucket refilling at `fallbackShare` of the rate (the instance's fair share when
 *   `1 / fallbackShare` instances run), logs it (throttled), and tries Redis again after
 *   `retryRedisAfterMs`. The fallback bucket starts empty each time it takes over: the shared
 *   bucket may have just handed out its burst, so the instances together add only their shares of
 *   the rate, never a second burst. A call never waits on Redis longer than its timeout.
 */

/**
 * KEYS[1]: the bucket (a hash: `tokens`, `at` = Redis ms of the last update).
 * ARGV: tokens per ms, burst, longest acceptable wait in ms, `take` or `refund`.
 * Returns `{granted (1/0), waitMs}`: integers, since Redis truncates Lua numbers in replies.
 */
export const SHARED_BUDGET_SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local maxWait = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate)
  at = now
end
local granted = 1
local wait = 0
if ARGV[4] == 'refund' then
  tokens = math.min(burst, tokens + 1)
elseif tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) / rate)
  if wait > maxWait then
    granted = 0
  else
    tokens = tokens - 1
  end
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1000)
return {granted, wait}
`;

/** Which budget is in force for the vendor connections of this process or isolate. */
export type BudgetScope =
  /** Redis is configured and answering: one budget across all instances. */
  | 'shared'
  /** No Redis configured: one budget per process (Node) or isolate (Workers). */
  | 'local'
  /** Redis is configured but failing: each instance uses its conservative fallback share. */
  | 'degraded';

/**
 * Options of {@link createSharedBudgets}. The script timing: 500 ms per call (1 s while connecting);
 * after a Redis failure the fallback share holds for 5 s.
 */
export interface SharedBudgetsOptions extends RedisScriptTiming {
  /**
   * The Redis client to use for the current call: the process's shared client on Node; on Workers
   * the current request's client (an I/O object must not cross requests). Null when there is none
   * although Redis is configured: the call then uses the fallback share.
   */
  redisFor: () => Redis | null;
  /** Whether a Redis URL is configured at all (`/readyz` reports `local` when not). */
  redisConfigured: boolean;
  /** Builds the Redis key of a connection's bucket (`eg:v1:<tenant>:<vendor>:budget`). */
  keyFor: (connectionKey: string) => string;
  /** Local time: only for the fallback buckets and the Redis retry pause, never for the shared bucket. */
  clock: { now(): number };
  logger: Logger;
  /**
   * Share of a connection's limit (rate and burst) an instance allows itself while Redis is failing.
   * Default 0.25: safe for up to four instances. Set it to 1 / the number of instances.
   */
  fallbackShare?: number;
}

/** The shared budgets of one process or isolate. */
export interface SharedBudgets {
  /** The budget of one connection (created on first use, kept for the process/isolate's life). */
  budgetFor(connectionKey: string, settings: RateBudgetSettings): RequestBudget;
  /** Which budget is in force right now (for `/readyz`). */
  scope(): BudgetScope;
}

/** The settings of the in-process fallback: a share of the shared limit, never less than one request. */
export function fallbackSettings(settings: RateBudgetSettings, share: number): RateBudgetSettings {
  return {
    requestsPerMinute: settings.requestsPerMinute * share,
    burst: Math.max(1, Math.floor(settings.burst * share)),
  };
}

/**
 * Creates the shared budgets of one process (Node) or isolate (Workers). Without Redis configured
 * every connection uses the in-process bucket at its full limit, exactly as without this module.
 */
export function createSharedBudgets(
  options: SharedBudgetsOptions,
  script: ScriptCache = { sha: null },
): SharedBudgets {
  const share = options.fallbackShare ?? 0.25;
  if (!(share > 0 && share <= 1)) throw new RangeError(`fallbackShare must be in (0, 1], got ${share}`);
  const { clock } = options;
  const budgets = new Map<string, RequestBudget>();
  const shared = createRedisScript({
    source: SHARED_BUDGET_SCRIPT,
    name: 'the shared budget script',
    clock,
    logger: options.logger,
    events: { unavailable: 'rate_budget_redis_unavailable', restored: 'rate_budget_redis_restored' },
    fallbackFields: { fallbackShare: share },
    timing: options,
    cache: script,
  });

  function createBudget(connectionKey: string, settings: RateBudgetSettings): RequestBudget {
    const key = options.keyFor(connectionKey);
    const ratePerMs = settings.requestsPerMinute / 60_000;
    // Validates the settings the same way the in-process bucket does.
    const local = new TokenBucket(settings, clock.now());
    const fallbackLimits = fallbackSettings(settings, share);
    let fallback = new TokenBucket(fallbackLimits, clock.now(), 0);
    /** Which bucket the last reservation came from, so a refund goes back to the same one. */
    let lastFrom: 'redis' | 'local' | 'fallback' = 'local';

    /** The fallback bucket, emptied when it takes over from Redis (see the module comment). */
    function fallbackBucket(): TokenBucket {
      if (lastFrom !== 'fallback') fallback = new TokenBucket(fallbackLimits, clock.now(), 0);
      lastFrom = 'fallback';
      return fallback;
    }

    return {
      reserve(maxWaitMs) {
        if (!options.redisConfigured) {
          lastFrom = 'local';
          return local.reserve(clock.now(), maxWaitMs);
        }
        const client = options.redisFor();
        // No client for this call (a Worker call outside a request's load), or Redis resting after
        // a failure: the conservative share, never the full limit other instances also use.
        if (client === null || !shared.available()) {
          return fallbackBucket().reserve(clock.now(), maxWaitMs);
        }
        return shared.run(
          client,
          [key],
          [ratePerMs, settings.burst, Math.max(0, Math.floor(maxWaitMs)), 'take'],
          (reply): TokenReservation => {
            const [granted, waitMs] = reply as [number, number];
            lastFrom = 'redis';
            return granted === 1 ? { granted: true, waitMs } : { granted: false, retryAfterMs: waitMs };
          },
          () => fallbackBucket().reserve(clock.now(), maxWaitMs),
        );
      },
      refund() {
        if (lastFrom === 'local') return local.refund(clock.now());
        if (lastFrom === 'fallback') return fallback.refund(clock.now());
        const client = options.redisFor();
        if (client === null) return;
        // Best effort: a refund lost to a Redis hiccup only makes the budget a little stricter.
        shared.runQuietly(client, [key], [ratePerMs, settings.burst, 0, 'refund']);
      },
    };
  }

  return {
    budgetFor(connectionKey, settings) {
      let budget = budgets.get(connectionKey);
      if (budget === undefined) {
        budget = createBudget(connectionKey, settings);
        budgets.set(connectionKey, budget);
      }
      return budget;
    },
    scope() {
      if (!options.redisConfigured) return 'local';
      return shared.degraded() ? 'degraded' : 'shared';
    },
  };
}

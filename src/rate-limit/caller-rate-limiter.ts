import type { Redis } from 'ioredis';
import { LogThrottle } from '../cache/log-throttle';
import type { Logger } from '../logger';

/**
 * Rate limits on the gateway's own callers: a token bucket per API key (named by the key's SHA-256,
 * never the key) and one per tenant. A request takes its cost from every bucket that applies, or
 * from none: the buckets are checked and debited together, so a request refused by the tenant's
 * bucket costs the key nothing (and the other way round).
 *
 * - With Redis configured the buckets live in Redis and one Lua script refills, checks and debits
 *   all of a request's buckets atomically, on Redis' clock (`TIME`): every Node process and Worker
 *   isolate sharing the Redis enforces one limit. The script is sent once per process/isolate
 *   (`SCRIPT LOAD`) and then called by its SHA (`EVALSHA`), reloaded after a `NOSCRIPT` (a
 *   restarted or failed-over Redis).
 * - Without Redis, or while it fails (each call bounded by a timeout), the same buckets are kept in
 *   process: the limit then holds per process or isolate. A Redis failure is logged (throttled) and
 *   Redis is tried again after a pause; callers are never failed because Redis is.
 *
 * Why not the vendor budget's script (`shared-rate-budget.ts` on the scale-out work)? It takes one
 * token per call and answers only "granted / wait": a caller limit needs a cost (a batch check
 * costs per item), the remaining tokens (the `RateLimit` header) and two buckets debited together.
 */

/** One bucket's settings: it refills at `requestsPerSecond` and holds at most `burst` tokens. */
export interface RateLimitSettings {
  requestsPerSecond: number;
  burst: number;
}

/** A bucket one request draws from. */
export interface BucketRequest {
  /** The policy name in the `RateLimit` headers (`key`, `tenant`). */
  policy: string;
  /** The bucket's identity (`<tenant>:key:<sha256>`, `<tenant>:tenant`): never a secret. */
  id: string;
  settings: RateLimitSettings;
}

/** One bucket's state after a request. */
export interface BucketOutcome {
  policy: string;
  settings: RateLimitSettings;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Milliseconds until this bucket holds the request's cost again (0 when it does now). */
  waitMs: number;
  /** Milliseconds until the bucket is full again (the quota's reset, for `RateLimit`'s `t`). */
  fullInMs: number;
}

/** The answer to "may this request go ahead?". */
export interface RateLimitDecision {
  allowed: boolean;
  buckets: BucketOutcome[];
  /** Where the decision was made: the shared Redis buckets, or this process's buckets. */
  scope: 'shared' | 'local';
}

/**
 * KEYS: the buckets (hashes: `tokens`, `at` = Redis ms of the last update).
 * ARGV[1]: the request's cost; then per bucket: tokens per ms, burst.
 * Returns `{allowed (1/0), then per bucket: remaining (whole tokens), waitMs, fullInMs}`: integers,
 * since Redis truncates Lua numbers in replies. A cost above a bucket's burst is charged as the
 * whole burst (a batch larger than the burst needs a full bucket, never an impossible one).
 */
export const CALLER_RATE_LIMIT_SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local cost = tonumber(ARGV[1])
local tokens = {}
local allowed = 1
for i = 1, #KEYS do
  local rate = tonumber(ARGV[2 * i])
  local burst = tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local t = tonumber(state[1])
  local at = tonumber(state[2])
  if t == nil or at == nil then
    t = burst
    at = now
  end
  if now > at then t = math.min(burst, t + (now - at) * rate) end
  tokens[i] = t
  if t < math.min(cost, burst) then allowed = 0 end
end
local reply = {allowed}
for i = 1, #KEYS do
  local rate = tonumber(ARGV[2 * i])
  local burst = tonumber(ARGV[2 * i + 1])
  local need = math.min(cost, burst)
  local t = tokens[i]
  if allowed == 1 then t = t - need end
  redis.call('HSET', KEYS[i], 'tokens', tostring(t), 'at', tostring(now))
  redis.call('PEXPIRE', KEYS[i], math.ceil((burst - t) / rate) + 1000)
  local wait = 0
  if t < need then wait = math.ceil((need - t) / rate) end
  reply[#reply + 1] = math.floor(t)
  reply[#reply + 1] = wait
  reply[#reply + 1] = math.ceil((burst - t) / rate)
end
return reply
`;

/** Options of {@link createCallerRateLimiter}. */
export interface CallerRateLimiterOptions {
  /** Whether Redis is configured: without it every decision is local, with no warning. */
  redisConfigured: boolean;
  /** Local time, for the in-process buckets and the Redis retry pause (never for the shared buckets). */
  clock: { now(): number };
  logger: Logger;
  /** Prefix of the Redis keys. Default `eg:ratelimit:v1`. */
  keyPrefix?: string;
  /** Budget of one script call. Default 500 ms. */
  commandTimeoutMs?: number;
  /** Budget of a call sent while the client is still connecting (a Worker's first command). Default 1000 ms. */
  connectTimeoutMs?: number;
  /** How long the local buckets stay in force after a Redis failure. Default 5000 ms. */
  retryRedisAfterMs?: number;
}

/** The caller rate limiter of one process (Node) or isolate (Workers). */
export interface CallerRateLimiter {
  /**
   * Takes `cost` tokens from every bucket, or none. `redis` is the client to use for this call
   * (the process's shared client on Node, the request's own on Workers), null for none.
   */
  take(input: { buckets: BucketRequest[]; cost: number; redis: Redis | null }): Promise<RateLimitDecision>;
}

interface LocalBucket {
  tokens: number;
  at: number;
}

class RateLimitTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`the rate limit script did not answer within ${timeoutMs} ms`);
    this.name = 'RateLimitTimeoutError';
  }
}

function validate(settings: RateLimitSettings): void {
  if (!(settings.requestsPerSecond > 0) || !Number.isFinite(settings.requestsPerSecond))
    throw new RangeError(`requestsPerSecond must be a positive number, got ${settings.requestsPerSecond}`);
  if (!(settings.burst >= 1) || !Number.isInteger(settings.burst))
    throw new RangeError(`burst must be a whole number of at least 1, got ${settings.burst}`);
}

/**
 * The in-process twin of {@link CALLER_RATE_LIMIT_SCRIPT}: the same refill, all-or-nothing debit
 * and cost clamp, on the injected clock.
 */
export function takeLocal(
  store: Map<string, LocalBucket>,
  buckets: BucketRequest[],
  cost: number,
  nowMs: number,
): RateLimitDecision {
  const levels = buckets.map(({ id, settings }) => {
    const ratePerMs = settings.requestsPerSecond / 1000;
    const state = store.get(id) ?? { tokens: settings.burst, at: nowMs };
    // A clock that steps backwards (NTP) must not mint tokens.
    const elapsed = Math.max(0, nowMs - state.at);
    return { tokens: Math.min(settings.burst, state.tokens + elapsed * ratePerMs), ratePerMs };
  });
  const allowed = buckets.every(
    (bucket, index) => (levels[index]?.tokens ?? 0) >= Math.min(cost, bucket.settings.burst),
  );
  const outcomes = buckets.map((bucket, index): BucketOutcome => {
    const { ratePerMs } = levels[index] as { ratePerMs: number };
    const need = Math.min(cost, bucket.settings.burst);
    let tokens = (levels[index] as { tokens: number }).tokens;
    if (allowed) tokens -= need;
    store.set(bucket.id, { tokens, at: nowMs });
    return {
      policy: bucket.policy,
      settings: bucket.settings,
      remaining: Math.floor(tokens),
      waitMs: tokens < need ? Math.ceil((need - tokens) / ratePerMs) : 0,
      fullInMs: Math.ceil((bucket.settings.burst - tokens) / ratePerMs),
    };
  });
  return { allowed, buckets: outcomes, scope: 'local' };
}

/** The SHA of the loaded script: plain data, shared by every request of a process or isolate. */
export interface ScriptCache {
  sha: string | null;
}
const processScript: ScriptCache = { sha: null };

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/**
 * Creates the caller rate limiter of one process or isolate. `script` holds the loaded script's SHA
 * (shared by default; tests pass their own to see a `NOSCRIPT` reload).
 */
export function createCallerRateLimiter(
  options: CallerRateLimiterOptions,
  script: ScriptCache = processScript,
): CallerRateLimiter {
  const prefix = options.keyPrefix ?? 'eg:ratelimit:v1';
  const commandTimeoutMs = options.commandTimeoutMs ?? 500;
  const connectTimeoutMs = options.connectTimeoutMs ?? 1000;
  const retryRedisAfterMs = options.retryRedisAfterMs ?? 5000;
  const { clock, logger } = options;
  const local = new Map<string, LocalBucket>();
  const throttle = new LogThrottle(30_000);
  let redisSkippedUntil = 0;
  let degraded = false;

  async function withTimeout<T>(client: Redis, command: () => Promise<T>): Promise<T> {
    const timeoutMs = client.status === 'ready' ? commandTimeoutMs : connectTimeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const pending = command();
    try {
      return await Promise.race([
        pending,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new RateLimitTimeoutError(timeoutMs)), timeoutMs);
        }),
      ]);
    } catch (error) {
      // The abandoned command may still settle later: not an unhandled rejection.
      pending.catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async function runScript(client: Redis, keys: string[], args: Array<string | number>): Promise<unknown> {
    const load = async () => {
      script.sha = String(await client.script('LOAD', CALLER_RATE_LIMIT_SCRIPT));
      return script.sha;
    };
    const sha = script.sha ?? (await load());
    try {
      return await client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return client.evalsha(await load(), keys.length, ...keys, ...args);
    }
  }

  async function takeShared(
    client: Redis,
    buckets: BucketRequest[],
    cost: number,
  ): Promise<RateLimitDecision> {
    const keys = buckets.map((bucket) => `${prefix}:${bucket.id}`);
    const args: Array<string | number> = [cost];
    for (const bucket of buckets) args.push(bucket.settings.requestsPerSecond / 1000, bucket.settings.burst);
    const reply = (await withTimeout(client, () => runScript(client, keys, args))) as number[];
    return {
      allowed: reply[0] === 1,
      buckets: buckets.map((bucket, index) => ({
        policy: bucket.policy,
        settings: bucket.settings,
        remaining: Number(reply[1 + index * 3]),
        waitMs: Number(reply[2 + index * 3]),
        fullInMs: Number(reply[3 + index * 3]),
      })),
      scope: 'shared',
    };
  }

  return {
    async take({ buckets, cost, redis }) {
      for (const bucket of buckets) validate(bucket.settings);
      if (!(cost >= 1) || !Number.isInteger(cost))
        throw new RangeError(`cost must be a whole number ≥ 1, got ${cost}`);
      if (options.redisConfigured && redis !== null && clock.now() >= redisSkippedUntil) {
        try {
          const decision = await takeShared(redis, buckets, cost);
          if (degraded) logger.info('rate_limit_redis_restored', { scope: 'shared' });
          degraded = false;
          return decision;
        } catch (error) {
          redisSkippedUntil = clock.now() + retryRedisAfterMs;
          degraded = true;
          const heldBack = throttle.admit('rate_limit_redis_unavailable', Date.now());
          if (heldBack !== null)
            logger.warn('rate_limit_redis_unavailable', {
              error: error instanceof Error ? error.message : String(error),
              scope: 'local',
              retryInMs: retryRedisAfterMs,
              suppressedSinceLast: heldBack,
            });
        }
      }
      return takeLocal(local, buckets, cost, clock.now());
    },
  };
}

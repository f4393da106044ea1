import type { Redis } from 'ioredis';
import { createRedisScript, type RedisScriptTiming, type ScriptCache } from '../cache/redis-script';
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
 * Why not the vendor budget's script (`src/http/shared-rate-budget.ts`)? It takes one token per call
 * and answers only "granted / wait": a caller limit needs a cost (a batch check costs per item), the
 * remaining tokens (the `RateLimit` header) and two buckets debited together. The plumbing around
 * the two scripts (EVALSHA, NOSCRIPT reload, timeout, fallback, logs) is one helper,
 * `src/cache/redis-script.ts`.
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

/**
 * Options of {@link createCallerRateLimiter}. The script timing: 500 ms per call (1 s while connecting);
 * after a Redis failure the local buckets decide for 5 s.
 */
export interface CallerRateLimiterOptions extends RedisScriptTiming {
  /** Whether Redis is configured: without it every decision is local, with no warning. */
  redisConfigured: boolean;
  /** Local time, for the in-process buckets and the Redis retry pause (never for the shared buckets). */
  clock: { now(): number };
  logger: Logger;
  /** Prefix of the Redis keys. Default `eg:ratelimit:v1`. */
  keyPrefix?: string;
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

/** The SHA of the loaded script: shared by every request of a process or isolate. */
const processScript: ScriptCache = { sha: null };

/**
 * Creates the caller rate limiter of one process or isolate. `script` holds the loaded script's SHA
 * (shared by default; tests pass their own to see a `NOSCRIPT` reload).
 */
export function createCallerRateLimiter(
  options: CallerRateLimiterOptions,
  script: ScriptCache = processScript,
): CallerRateLimiter {
  const prefix = options.keyPrefix ?? 'eg:ratelimit:v1';
  const { clock } = options;
  const local = new Map<string, LocalBucket>();
  const shared = createRedisScript({
    source: CALLER_RATE_LIMIT_SCRIPT,
    name: 'the rate limit script',
    clock,
    logger: options.logger,
    events: { unavailable: 'rate_limit_redis_unavailable', restored: 'rate_limit_redis_restored' },
    fallbackFields: { scope: 'local' },
    timing: options,
    cache: script,
  });

  /** The script's reply: `{allowed, then per bucket: remaining, waitMs, fullInMs}`. */
  const decisionOf = (buckets: BucketRequest[], reply: unknown): RateLimitDecision => {
    const values = reply as number[];
    return {
      allowed: values[0] === 1,
      buckets: buckets.map((bucket, index) => ({
        policy: bucket.policy,
        settings: bucket.settings,
        remaining: Number(values[1 + index * 3]),
        waitMs: Number(values[2 + index * 3]),
        fullInMs: Number(values[3 + index * 3]),
      })),
      scope: 'shared',
    };
  };

  return {
    async take({ buckets, cost, redis }) {
      for (const bucket of buckets) validate(bucket.settings);
      if (!(cost >= 1) || !Number.isInteger(cost))
        throw new RangeError(`cost must be a whole number ≥ 1, got ${cost}`);
      const inProcess = () => takeLocal(local, buckets, cost, clock.now());
      if (!options.redisConfigured) return inProcess();
      const args: Array<string | number> = [cost];
      for (const bucket of buckets)
        args.push(bucket.settings.requestsPerSecond / 1000, bucket.settings.burst);
      return shared.run(
        redis,
        buckets.map((bucket) => `${prefix}:${bucket.id}`),
        args,
        (reply) => decisionOf(buckets, reply),
        inProcess,
      );
    },
  };
}

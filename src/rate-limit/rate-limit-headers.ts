import type { RateLimitDecision, RateLimitSettings } from './caller-rate-limiter';

/**
 * The IETF rate limit header fields, as in draft-ietf-httpapi-ratelimit-headers-10 (the syntax
 * of -08 onward: Structured Field lists of named policies):
 *
 *     RateLimit-Policy: "key";q=20;w=4, "tenant";q=200;w=4
 *     RateLimit: "key";r=19;t=1, "tenant";r=187;t=1
 *
 * A token bucket of `burst` tokens refilling at `rps` per second is described as a quota of `q =
 * burst` units over a window of `w = ceil(burst / rps)` seconds (the time an empty bucket takes to
 * fill). `r` is the whole tokens left, `t` the seconds until the bucket is full again.
 */

/** Seconds, rounded up, of a duration in ms (0 stays 0). */
function seconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000));
}

/** The policy window of a bucket, in seconds (at least 1). */
export function policyWindowSeconds(settings: RateLimitSettings): number {
  return Math.max(1, Math.ceil(settings.burst / settings.requestsPerSecond));
}

/** `RateLimit-Policy` and `RateLimit` values of a decision (lower-case names, as Hono sets them). */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  return {
    'ratelimit-policy': decision.buckets
      .map(({ policy, settings }) => `"${policy}";q=${settings.burst};w=${policyWindowSeconds(settings)}`)
      .join(', '),
    ratelimit: decision.buckets
      .map(
        ({ policy, remaining, fullInMs }) => `"${policy}";r=${Math.max(0, remaining)};t=${seconds(fullInMs)}`,
      )
      .join(', '),
  };
}

/**
 * `Retry-After` of a refused request: the seconds until every bucket that refused it holds its cost
 * again (at least 1, so a client never retries at once).
 */
export function retryAfterSeconds(decision: RateLimitDecision): number {
  return Math.max(1, ...decision.buckets.map((bucket) => seconds(bucket.waitMs)));
}

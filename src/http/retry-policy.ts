/**
 * Which failed attempts are worth repeating, and how long to wait before the next one.
 */

/** Backoff and attempt limits of one logical call. */
export interface RetryPolicy {
  /** Attempts per logical call, the first included (1 disables retries). */
  maxAttempts: number;
  /** The backoff ceiling of the first retry; it doubles per retry. */
  baseDelayMs: number;
  /** Upper bound of any backoff ceiling. */
  maxDelayMs: number;
}

/** Defaults: 3 attempts, 100 ms doubling up to 2 s. */
export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 2_000 };

/** How one attempt failed, as far as retrying, the breaker and error mapping care. */
export type AttemptFailure =
  /** The request could not be sent or no response head arrived (refused, reset, DNS, TLS). */
  | { kind: 'network'; error: unknown }
  /** The attempt (or the whole call) ran out of time, before or while reading the response. */
  | { kind: 'timeout' }
  /** The vendor answered with a non-2xx status. */
  | { kind: 'status'; status: number; retryAfterMs: number | undefined }
  /** A 2xx whose body is not JSON. */
  | { kind: 'malformed_body'; status: number }
  /** A 2xx whose body broke off while being read. */
  | { kind: 'truncated_body'; status: number; error: unknown };

/** Statuses that say "try again": request timeout, rate limit, and transient server-side failures. */
const retryableStatuses = new Set([408, 429, 500, 502, 503, 504]);

/** Whether a vendor status is worth another attempt (501, 505+ and other 4xx are not). */
export function isRetryableStatus(status: number): boolean {
  return retryableStatuses.has(status);
}

/**
 * Only GETs are retried: a POST that timed out may have been applied, and none of the vendors offer
 * idempotency keys on the reads we make.
 */
export function isIdempotentMethod(method: string): boolean {
  return method.toUpperCase() === 'GET';
}

/**
 * Whether a failure is worth another attempt. A bad 2xx body gets exactly one more attempt per
 * logical call (`bodyFailuresSoFar` counts the ones before this one): vendors occasionally cut a
 * body, but a body that is malformed twice is a vendor bug, and repeating it only burns budget.
 */
export function isRetryableFailure(failure: AttemptFailure, bodyFailuresSoFar: number): boolean {
  switch (failure.kind) {
    case 'network':
    case 'timeout':
      return true;
    case 'status':
      return isRetryableStatus(failure.status);
    case 'malformed_body':
    case 'truncated_body':
      return bodyFailuresSoFar === 0;
  }
}

/**
 * Capped full-jitter backoff (AWS Architecture Blog, "Exponential Backoff And Jitter"): a uniform
 * wait in `[0, min(maxDelayMs, baseDelayMs * 2^retry))`. Full jitter spreads the retries of many
 * gateway instances hit by the same vendor blip instead of synchronising them.
 *
 * @param retry 0 for the wait before the first retry, 1 before the second, and so on.
 * @param random a uniform number in [0, 1), injected so tests are deterministic.
 */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry));
  const unit = Math.min(Math.max(random(), 0), 1);
  return Math.floor(unit * ceiling);
}

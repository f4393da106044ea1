/**
 * The request budget of one vendor connection: a token bucket that refills continuously at
 * `requestsPerMinute` and holds at most `burst` tokens. Every attempt sent to the vendor (retries
 * included, since the vendor counts them) takes one token.
 *
 * Over any window of `w` ms the bucket lets through at most `burst + requestsPerMinute * w / 60000`
 * requests. Vendors that count a rolling minute (Chargebee) are therefore safe when
 * `requestsPerMinute + burst` does not exceed their per-minute limit.
 */

/** Budget settings of one connection. */
export interface RateBudgetSettings {
  /** Sustained rate: tokens added per minute. */
  requestsPerMinute: number;
  /** Bucket size: how many requests may go out at once after a quiet period. */
  burst: number;
}

/** The answer to "may I send one request?". */
export type TokenReservation =
  /** A token is reserved; send after `waitMs` (0 = now). */
  | { granted: true; waitMs: number }
  /** No token within the allowed wait; nothing was taken. `retryAfterMs` is when one would be. */
  | { granted: false; retryAfterMs: number };

/**
 * A token bucket that hands out reservations: a caller that must wait takes its token now (the
 * balance goes negative) and is told how long to wait, so concurrent waiters queue in order and the
 * send times never exceed the rate.
 */
export class TokenBucket {
  readonly #ratePerMs: number;
  readonly #burst: number;
  #tokens: number;
  #updatedAt: number;

  /** `initialTokens` defaults to a full bucket (`burst`). */
  constructor(settings: RateBudgetSettings, nowMs: number, initialTokens?: number) {
    if (!(settings.requestsPerMinute > 0) || !Number.isFinite(settings.requestsPerMinute)) {
      throw new RangeError(`requestsPerMinute must be a positive number, got ${settings.requestsPerMinute}`);
    }
    if (!(settings.burst >= 1) || !Number.isFinite(settings.burst)) {
      throw new RangeError(`burst must be at least 1, got ${settings.burst}`);
    }
    this.#ratePerMs = settings.requestsPerMinute / 60_000;
    this.#burst = settings.burst;
    this.#tokens = Math.min(settings.burst, initialTokens ?? settings.burst);
    this.#updatedAt = nowMs;
  }

  #refill(nowMs: number): void {
    // A clock that steps backwards (NTP) must not mint or destroy tokens.
    const elapsed = Math.max(0, nowMs - this.#updatedAt);
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#ratePerMs);
    this.#updatedAt = Math.max(this.#updatedAt, nowMs);
  }

  /** Tokens available right now (negative while reservations are queued). */
  available(nowMs: number): number {
    this.#refill(nowMs);
    return this.#tokens;
  }

  /**
   * Reserves one token if it is (or becomes) available within `maxWaitMs`; otherwise takes nothing
   * and says when one would be, so the caller can fail fast with an honest `Retry-After`.
   */
  reserve(nowMs: number, maxWaitMs: number): TokenReservation {
    this.#refill(nowMs);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return { granted: true, waitMs: 0 };
    }
    const waitMs = Math.ceil((1 - this.#tokens) / this.#ratePerMs);
    if (waitMs > maxWaitMs) return { granted: false, retryAfterMs: waitMs };
    this.#tokens -= 1;
    return { granted: true, waitMs };
  }

  /** Gives back a reserved token that was never used (the caller gave up while waiting). */
  refund(nowMs: number): void {
    this.#refill(nowMs);
    this.#tokens = Math.min(this.#burst, this.#tokens + 1);
  }
}

/**
 * A connection's request budget as the upstream client uses it: the in-process {@link TokenBucket}
 * (one budget per process or isolate) or the Redis token bucket shared by every instance
 * (`shared-rate-budget.ts`). `reserve` may answer synchronously (local) or after a Redis round trip.
 */
export interface RequestBudget {
  /** Same contract as {@link TokenBucket.reserve}, at the budget's own notion of now. */
  reserve(maxWaitMs: number): TokenReservation | Promise<TokenReservation>;
  /** Gives back a reserved token that was never used; best effort, never throws. */
  refund(): void;
}

/** The in-process budget: a {@link TokenBucket} read at the injected clock's time. */
export function localRequestBudget(settings: RateBudgetSettings, clock: { now(): number }): RequestBudget {
  const bucket = new TokenBucket(settings, clock.now());
  return {
    reserve: (maxWaitMs) => bucket.reserve(clock.now(), maxWaitMs),
    refund: () => bucket.refund(clock.now()),
  };
}

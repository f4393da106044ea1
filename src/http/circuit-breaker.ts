import type { AttemptFailure } from './retry-policy';

/**
 * A circuit breaker per vendor connection. After `failureThreshold` consecutive failed attempts it
 * opens: for `openMs` the gateway answers at once without calling the vendor (sparing the vendor
 * and our own deadlines). Then it is half-open: exactly one probe request goes through; success
 * closes the circuit, failure opens it again for another `openMs`.
 *
 * What counts as a failure (see `countsAsBreakerFailure`): network errors, timeouts, truncated
 * bodies, 408, 429 and 5xx, i.e. signs that the vendor is down, overloaded or unreachable. Other
 * 4xx and malformed 2xx JSON do not: the vendor answered in full, and such errors are usually tied
 * to one request (an unknown customer, one corrupt record), so they must not cut off every
 * customer of the connection. A complete answer of that kind counts as proof of life instead.
 */

/** `closed`: calls flow. `open`: calls fail fast. `half-open`: one probe is allowed. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Breaker settings. */
export interface CircuitBreakerSettings {
  /** Consecutive failed attempts that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before a probe is allowed. */
  openMs: number;
  /** Told about every state change (for logs). */
  onStateChange?: (from: CircuitState, to: CircuitState) => void;
}

/** The answer to "may I send one request?". */
export type CircuitPermit =
  /** Go ahead. `probe` is true for the single half-open probe, which must be reported back. */
  | { allowed: true; probe: boolean }
  /** Do not call the vendor; `retryAfterMs` is when a call may be allowed again. */
  | { allowed: false; retryAfterMs: number };

/** How long callers are told to wait while another request is probing a half-open circuit. */
const PROBE_BUSY_RETRY_MS = 1_000;

/** Whether an attempt's failure is a sign of vendor trouble that the breaker counts. */
export function countsAsBreakerFailure(failure: AttemptFailure): boolean {
  switch (failure.kind) {
    case 'network':
    case 'timeout':
    case 'truncated_body':
      return true;
    case 'status':
      return failure.status === 408 || failure.status === 429 || failure.status >= 500;
    case 'malformed_body':
      return false;
  }
}

/** The breaker of one connection; time is passed in so it needs no timers. */
export class CircuitBreaker {
  readonly #settings: CircuitBreakerSettings;
  #consecutiveFailures = 0;
  /** When the open period ends (after which the circuit is half-open); null while closed. */
  #openUntil: number | null = null;
  #probeInFlight = false;

  constructor(settings: CircuitBreakerSettings) {
    if (!Number.isInteger(settings.failureThreshold) || settings.failureThreshold < 1) {
      throw new RangeError(`failureThreshold must be a positive integer, got ${settings.failureThreshold}`);
    }
    if (!(settings.openMs >= 0)) throw new RangeError(`openMs must be >= 0, got ${settings.openMs}`);
    this.#settings = settings;
  }

  /** The state at `nowMs` (open turns into half-open by itself once `openMs` has passed). */
  state(nowMs: number): CircuitState {
    if (this.#openUntil === null) return 'closed';
    return nowMs < this.#openUntil ? 'open' : 'half-open';
  }

  /** Milliseconds until an open circuit turns half-open; 0 when it is not open. */
  openRemainingMs(nowMs: number): number {
    return this.#openUntil === null ? 0 : Math.max(0, this.#openUntil - nowMs);
  }

  /** Consecutive failures counted while closed. */
  get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  /** Asks to send one request at `nowMs`. A granted probe must end in `success`, `failure` or `release`. */
  tryAcquire(nowMs: number): CircuitPermit {
    const state = this.state(nowMs);
    if (state === 'closed') return { allowed: true, probe: false };
    if (state === 'open') return { allowed: false, retryAfterMs: this.openRemainingMs(nowMs) };
    if (this.#probeInFlight) return { allowed: false, retryAfterMs: PROBE_BUSY_RETRY_MS };
    this.#probeInFlight = true;
    return { allowed: true, probe: true };
  }

  /** The vendor answered in a way that shows it is up. */
  success(probe: boolean): void {
    if (probe) {
      this.#probeInFlight = false;
      this.#close();
      return;
    }
    // A request sent before the circuit opened says nothing about the vendor now; only the probe
    // may close an open circuit.
    if (this.#openUntil === null) this.#consecutiveFailures = 0;
  }

  /** The attempt failed in a way the breaker counts. */
  failure(probe: boolean, nowMs: number): void {
    if (probe) {
      this.#probeInFlight = false;
      this.#open(nowMs, 'half-open');
      return;
    }
    if (this.#openUntil !== null) return;
    this.#consecutiveFailures += 1;
    if (this.#consecutiveFailures >= this.#settings.failureThreshold) this.#open(nowMs, 'closed');
  }

  /** A granted request never reached the vendor (caller gave up, budget empty): free the probe. */
  release(probe: boolean): void {
    if (probe) this.#probeInFlight = false;
  }

  #open(nowMs: number, from: CircuitState): void {
    this.#openUntil = nowMs + this.#settings.openMs;
    this.#consecutiveFailures = 0;
    this.#settings.onStateChange?.(from, 'open');
  }

  #close(): void {
    this.#openUntil = null;
    this.#consecutiveFailures = 0;
    this.#settings.onStateChange?.('half-open', 'closed');
  }
}

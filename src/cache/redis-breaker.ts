import type { Clock } from '../../adapters/kit';
import { CircuitBreaker, type CircuitState } from '../http/circuit-breaker';

/** `closed`: Redis is called; `open`: it is skipped; `half-open`: one probe is allowed through. */
export type RedisBreakerState = CircuitState;

/** Options of the Redis breaker. */
export interface RedisBreakerOptions {
  clock: Clock;
  /** How long Redis is skipped once the breaker opens, before one probe is let through. Default 5000. */
  openMs?: number;
  /** Consecutive failures (errors or timeouts) that open the breaker. Default 3. */
  failureThreshold?: number;
  /** Told about every state change (for logs). */
  onStateChange?: (state: RedisBreakerState, previous: RedisBreakerState) => void;
}

/**
 * Stops calling a dead or very slow Redis for a while. Without it every request would pay the full
 * command timeout on every Redis call while Redis is down; with it the request goes straight to
 * memory and the loader, and a single probe per `openMs` finds out when Redis is back.
 *
 * The state machine is the vendors' `CircuitBreaker` (one breaker type in the gateway); this adds
 * the clock, and frees a probe whose outcome was never reported once `openMs` has passed (a Redis
 * command can be dropped with its per-request client on Workers).
 *
 * It holds no I/O objects, so one instance is shared per process (Node) or per isolate (Workers),
 * even though the Worker creates its Redis client per request.
 */
export class RedisBreaker {
  readonly openMs: number;
  readonly failureThreshold: number;
  readonly #clock: Clock;
  readonly #circuit: CircuitBreaker;
  readonly #onStateChange: RedisBreakerOptions['onStateChange'];
  /** The state last reported to `onStateChange` (the circuit does not report open → half-open). */
  #reported: RedisBreakerState = 'closed';
  #probeStartedAt: number | null = null;

  constructor(options: RedisBreakerOptions) {
    this.#clock = options.clock;
    this.openMs = options.openMs ?? 5000;
    this.failureThreshold = options.failureThreshold ?? 3;
    this.#onStateChange = options.onStateChange;
    this.#circuit = new CircuitBreaker({
      failureThreshold: this.failureThreshold,
      openMs: this.openMs,
      onStateChange: (_from, to) => this.#report(to),
    });
  }

  /** The state as of now (an open breaker whose time is up reads as half-open). */
  get state(): RedisBreakerState {
    return this.#circuit.state(this.#clock.now());
  }

  /**
   * Whether a Redis command may be sent now. In half-open state only one probe at a time is let
   * through; a probe whose outcome was never reported stops blocking after `openMs`.
   */
  allow(): boolean {
    const now = this.#clock.now();
    if (this.#probeStartedAt !== null && now - this.#probeStartedAt >= this.openMs) {
      this.#circuit.release(true);
      this.#probeStartedAt = null;
    }
    if (this.#circuit.state(now) === 'half-open' && this.#reported === 'open') this.#report('half-open');
    const permit = this.#circuit.tryAcquire(now);
    if (!permit.allowed) return false;
    if (permit.probe) this.#probeStartedAt = now;
    return true;
  }

  /** Reports a command that answered. */
  recordSuccess(): void {
    this.#probeStartedAt = null;
    // Any answer shows Redis is back, a late one included: it closes the breaker like a probe's.
    this.#circuit.success(true);
  }

  /** Reports a command that failed or timed out. */
  recordFailure(): void {
    const probe = this.#probeStartedAt !== null;
    this.#probeStartedAt = null;
    this.#circuit.failure(probe, this.#clock.now());
  }

  #report(next: RedisBreakerState): void {
    const previous = this.#reported;
    if (previous === next) return;
    this.#reported = next;
    this.#onStateChange?.(next, previous);
  }
}

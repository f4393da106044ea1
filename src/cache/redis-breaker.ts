import type { Clock } from '../../adapters/kit';

/** `closed`: Redis is called; `open`: it is skipped; `half-open`: one probe is allowed through. */
export type RedisBreakerState = 'closed' | 'open' | 'half-open';

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
 * It holds no I/O objects, so one instance is shared per process (Node) or per isolate (Workers),
 * even though the Worker creates its Redis client per request.
 */
export class RedisBreaker {
  readonly openMs: number;
  readonly failureThreshold: number;
  private readonly clock: Clock;
  private readonly onStateChange: RedisBreakerOptions['onStateChange'];
  private current: RedisBreakerState = 'closed';
  private consecutiveFailures = 0;
  private openUntil = 0;
  private probeStartedAt: number | null = null;

  constructor(options: RedisBreakerOptions) {
    this.clock = options.clock;
    this.openMs = options.openMs ?? 5000;
    this.failureThreshold = options.failureThreshold ?? 3;
    this.onStateChange = options.onStateChange;
    if (!(this.openMs >= 0)) throw new RangeError('openMs must be >= 0');
    if (!Number.isSafeInteger(this.failureThreshold) || this.failureThreshold < 1) {
      throw new RangeError('failureThreshold must be a positive integer');
    }
  }

  /** The state as of now (an open breaker whose time is up reads as half-open). */
  get state(): RedisBreakerState {
    if (this.current === 'open' && this.clock.now() >= this.openUntil) return 'half-open';
    return this.current;
  }

  /**
   * Whether a Redis command may be sent now. In half-open state only one probe at a time is let
   * through; a probe whose outcome was never reported stops blocking after `openMs`.
   */
  allow(): boolean {
    const now = this.clock.now();
    if (this.current === 'closed') return true;
    if (this.current === 'open') {
      if (now < this.openUntil) return false;
      this.transition('half-open');
    }
    if (this.probeStartedAt !== null && now - this.probeStartedAt < this.openMs) return false;
    this.probeStartedAt = now;
    return true;
  }

  /** Reports a command that answered. */
  recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.probeStartedAt = null;
    if (this.current !== 'closed') this.transition('closed');
  }

  /** Reports a command that failed or timed out. */
  recordFailure(): void {
    this.consecutiveFailures += 1;
    const probeFailed = this.current === 'half-open';
    this.probeStartedAt = null;
    if (probeFailed || (this.current === 'closed' && this.consecutiveFailures >= this.failureThreshold)) {
      this.openUntil = this.clock.now() + this.openMs;
      this.transition('open');
    }
  }

  private transition(next: RedisBreakerState): void {
    const previous = this.current;
    if (previous === next) return;
    this.current = next;
    this.onStateChange?.(next, previous);
  }
}

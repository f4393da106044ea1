/**
 * Caps how many requests one vendor connection has in flight; the rest wait in arrival order.
 * Vendors limit concurrency separately from rate (Chargebee test sites: about 50 concurrent GETs),
 * and a cap also stops one slow vendor from tying up every socket and every event-loop turn.
 */

/** Gives the slot back; calling it more than once is harmless. */
export type ReleaseSlot = () => void;

interface Waiter {
  grant(release: ReleaseSlot): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/** A FIFO semaphore whose waiters can give up through an `AbortSignal`. */
export class ConcurrencyLimiter {
  readonly #max: number;
  #active = 0;
  readonly #queue: Waiter[] = [];

  constructor(maxConcurrent: number) {
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
      throw new RangeError(`maxConcurrent must be a positive integer, got ${maxConcurrent}`);
    }
    this.#max = maxConcurrent;
  }

  /** Requests holding a slot. */
  get active(): number {
    return this.#active;
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Resolves with a release function once a slot is free; rejects with `signal.reason` if the
   * signal aborts first (the waiter then leaves the queue and holds nothing).
   */
  acquire(signal?: AbortSignal): Promise<ReleaseSlot> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#active < this.#max) {
      this.#active += 1;
      return Promise.resolve(this.#releaser());
    }
    return new Promise<ReleaseSlot>((resolve, reject) => {
      const waiter: Waiter = {
        grant: resolve,
        signal,
        onAbort: () => {
          const index = this.#queue.indexOf(waiter);
          if (index >= 0) this.#queue.splice(index, 1);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  #releaser(): ReleaseSlot {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      if (next) {
        // The slot passes straight to the next waiter: `active` stays the same.
        next.signal?.removeEventListener('abort', next.onAbort);
        next.grant(this.#releaser());
      } else {
        this.#active -= 1;
      }
    };
  }
}

import type { CacheEntry } from './cache-entry';

/**
 * Loads running in this Worker isolate, by cache key, shared across its concurrent requests.
 *
 * On Workers the cache (and its in-flight map) is created per request, because an I/O object made
 * by one request cannot be used by another. Without this registry 30 concurrent cold requests to
 * one isolate would make 30 vendor loads (the Redis lock coalesces them only when Redis is there).
 *
 * What is shared is a promise of plain data (the loaded entry, or the error), never an I/O object:
 * the leading request runs the load with its own connections; the others only wait for its outcome.
 * workerd lets a request await a promise settled by another request's I/O (checked in
 * test/workers/coalescing.test.ts), but a request whose context goes away (cancelled by a client
 * disconnect) might never settle it, so every wait is bounded: a follower that waited `waitMs`
 * loads by itself.
 */

/** The outcome of a shared load: plain data only. */
export type SharedLoadOutcome =
  | { kind: 'loaded'; entry: CacheEntry<unknown> }
  | { kind: 'failed'; error: unknown }
  /** The leader stood aside (a background refresh that found another instance loading). */
  | { kind: 'none' };

/** The registry of one isolate. */
export class IsolateLoads {
  readonly #running = new Map<string, Promise<SharedLoadOutcome>>();

  /** How many loads are registered (for tests and diagnostics). */
  get size(): number {
    return this.#running.size;
  }

  /**
   * The load of `key` another request of this isolate is running, or undefined when there is none.
   * Synchronous, so a caller that finds none can {@link lead} before anyone else looks.
   */
  running(key: string): Promise<SharedLoadOutcome> | undefined {
    return this.#running.get(key);
  }

  /**
   * Waits for a running load's outcome, at most `waitMs`; resolves `timeout` when it took longer
   * (the caller then loads by itself). The timer belongs to the waiting request.
   */
  async follow(
    load: Promise<SharedLoadOutcome>,
    waitMs: number,
  ): Promise<SharedLoadOutcome | { kind: 'timeout' }> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        load,
        new Promise<{ kind: 'timeout' }>((resolve) => {
          timer = setTimeout(() => resolve({ kind: 'timeout' }), waitMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Registers this request's load of `key` so others can follow it; the registration ends when the
   * load settles. `load` resolves an entry, or undefined when it stood aside.
   */
  lead(key: string, load: Promise<{ entry: CacheEntry<unknown> } | undefined>): void {
    const outcome: Promise<SharedLoadOutcome> = load.then(
      (loaded) => (loaded === undefined ? { kind: 'none' } : { kind: 'loaded', entry: loaded.entry }),
      (error: unknown) => ({ kind: 'failed', error }),
    );
    this.#running.set(key, outcome);
    void outcome.then(() => {
      if (this.#running.get(key) === outcome) this.#running.delete(key);
    });
  }

  /** Forgets a running load (an invalidation: followers arriving later must not get its result). */
  forget(key: string): void {
    this.#running.delete(key);
  }
}

import type { Clock } from '../../../adapters/kit/clock';
import type { Sleep } from '../../../src/http/timers';

interface PendingTimer {
  at: number;
  order: number;
  resolve: () => void;
}

/** Virtual time for the upstream client: sleeps resolve only when the test lets time move. */
export interface VirtualTime {
  clock: Clock;
  sleep: Sleep;
  /** Current virtual time. */
  now(): number;
  /** Timers currently waiting (cancelled ones are gone). */
  pendingTimers(): number;
  /**
   * Runs `promise` to completion: whenever nothing else can happen (every microtask and immediate
   * has run), time jumps to the earliest pending timer. Fails loudly instead of hanging when the
   * promise waits for something that no timer will ever bring.
   */
  run<T>(promise: Promise<T>): Promise<T>;
  /** Moves time to the earliest pending timer and fires it; false when no timer is pending. */
  fireNext(): boolean;
  /** Moves time forward by `ms`, firing due timers in order. */
  advance(ms: number): Promise<void>;
}

const settleTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export const VIRTUAL_EPOCH = Date.UTC(2026, 0, 15, 12, 0, 0);

export function createVirtualTime(start = VIRTUAL_EPOCH): VirtualTime {
  let current = start;
  let order = 0;
  const timers: PendingTimer[] = [];

  const remove = (timer: PendingTimer) => {
    const index = timers.indexOf(timer);
    if (index >= 0) timers.splice(index, 1);
  };

  const sleep: Sleep = (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        remove(timer);
        reject(signal?.reason);
      };
      const timer: PendingTimer = {
        at: current + Math.max(0, ms),
        order: order++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      timers.push(timer);
      signal?.addEventListener('abort', onAbort, { once: true });
    });

  const nextTimer = (): PendingTimer | undefined =>
    timers.reduce<PendingTimer | undefined>(
      (best, timer) =>
        best === undefined || timer.at < best.at || (timer.at === best.at && timer.order < best.order)
          ? timer
          : best,
      undefined,
    );

  const fire = (timer: PendingTimer) => {
    remove(timer);
    current = Math.max(current, timer.at);
    timer.resolve();
  };

  return {
    clock: { now: () => current },
    sleep,
    now: () => current,
    pendingTimers: () => timers.length,
    fireNext() {
      const timer = nextTimer();
      if (timer === undefined) return false;
      fire(timer);
      return true;
    },
    async run<T>(promise: Promise<T>): Promise<T> {
      let settled = false;
      promise.then(
        () => {
          settled = true;
        },
        () => {
          settled = true;
        },
      );
      for (;;) {
        await settleTurn();
        await settleTurn();
        if (settled) return promise;
        const timer = nextTimer();
        if (!timer) throw new Error('virtual time: the promise is waiting for something no timer will bring');
        fire(timer);
      }
    },
    async advance(ms: number) {
      const until = current + ms;
      for (;;) {
        await settleTurn();
        const timer = nextTimer();
        if (!timer || timer.at > until) break;
        fire(timer);
      }
      current = until;
      await settleTurn();
    },
  };
}

/**
 * Time and cancellation seams of the upstream client. Every wait (attempt timeouts, the overall
 * deadline, backoff, waiting for a budget token) goes through an injected `Sleep`, and every
 * timestamp through an injected `Clock`, so unit tests run on virtual time without real waiting.
 */

/**
 * Resolves after `ms` milliseconds; rejects with `signal.reason` as soon as `signal` aborts (and then
 * forgets its timer, so a cancelled wait never keeps the process or isolate busy).
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** `setTimeout`-based sleep; works on Node and in workerd. */
export const systemSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** A timer that can be cancelled; cancelling after it fired does nothing. */
export interface CancellableTimer {
  cancel(): void;
}

/** Runs `fire` after `ms` (through the injected sleep) unless cancelled first. */
export function startTimer(sleep: Sleep, ms: number, fire: () => void): CancellableTimer {
  const controller = new AbortController();
  sleep(ms, controller.signal).then(
    () => {
      if (!controller.signal.aborted) fire();
    },
    // Rejection only means the timer was cancelled: nothing to do.
    () => undefined,
  );
  return { cancel: () => controller.abort() };
}

/** An `AbortController` that follows a parent signal until disposed. */
export interface LinkedController {
  readonly signal: AbortSignal;
  abort(reason: unknown): void;
  /** Detaches from the parent, so long-lived parent signals do not accumulate listeners. */
  dispose(): void;
}

/**
 * Links a new controller to `parent` by hand rather than with `AbortSignal.any`, whose listeners on
 * long-lived parent signals have leaked memory in several Node 20 releases.
 */
export function linkedController(parent: AbortSignal | undefined): LinkedController {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    dispose: () => parent?.removeEventListener('abort', onAbort),
  };
}

/**
 * Settles like `promise`, or rejects with `signal.reason` as soon as `signal` aborts. Guards against
 * transports that ignore their signal: the caller stops waiting even if the I/O does not stop.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // The losing promise may still reject later; that must not become an unhandled rejection.
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

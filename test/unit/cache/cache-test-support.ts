import type { Clock } from '../../../adapters/kit';
import type { Logger } from '../../../src/logger';

/** A clock the test moves by hand. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(epochMs: number): void;
}

export function manualClock(start = Date.UTC(2026, 0, 1)): ManualClock {
  let current = start;
  return {
    now: () => current,
    advance(ms) {
      current += ms;
    },
    set(epochMs) {
      current = epochMs;
    },
  };
}

/** One log line captured by {@link recordingLogger}. */
export interface LoggedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  event: string;
  fields: Record<string, unknown>;
}

/** A logger that keeps every line for assertions. */
export function recordingLogger(): Logger & { lines: LoggedLine[]; events(): string[] } {
  const lines: LoggedLine[] = [];
  const log =
    (level: LoggedLine['level']) =>
    (event: string, fields: Record<string, unknown> = {}) => {
      lines.push({ level, event, fields });
    };
  return {
    lines,
    events: () => lines.map((line) => line.event),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
}

/** A `waitUntil` that keeps the promises so the test can await background work. */
export function trackingWaitUntil(): {
  waitUntil: (promise: Promise<unknown>) => void;
  tasks: Promise<unknown>[];
  settle(): Promise<void>;
} {
  const tasks: Promise<unknown>[] = [];
  return {
    tasks,
    waitUntil: (promise) => {
      tasks.push(promise);
    },
    async settle() {
      await Promise.all(tasks);
    },
  };
}

/** A loader whose calls are counted and whose next answers the test scripts. */
export function scriptedLoader<T>(initial: T | null): {
  load: () => Promise<T | null>;
  calls: () => number;
  answer(value: T | null): void;
  fail(error: Error): void;
  delay(ms: number): void;
  /** Makes loads wait until the returned function is called, however long that takes. */
  hold(): () => void;
} {
  let calls = 0;
  let next: { value: T | null } | { error: Error } = { value: initial };
  let delayMs = 0;
  let held: Promise<void> | null = null;
  return {
    calls: () => calls,
    answer(value) {
      next = { value };
    },
    fail(error) {
      next = { error };
    },
    delay(ms) {
      delayMs = ms;
    },
    hold() {
      let release = () => {};
      held = new Promise<void>((resolve) => {
        release = () => {
          held = null;
          resolve();
        };
      });
      return release;
    },
    async load() {
      calls += 1;
      const outcome = next;
      if (held !== null) await held;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      if ('error' in outcome) throw outcome.error;
      return outcome.value;
    },
  };
}

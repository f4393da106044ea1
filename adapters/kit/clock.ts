/** A source of the current time in epoch milliseconds; injected everywhere so tests can move time. */
export interface Clock {
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

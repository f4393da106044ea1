/**
 * One cached value with its lifetimes, as stored in every tier (JSON in Redis).
 * All instants are epoch milliseconds.
 */
export interface CacheEntry<T> {
  /** The value; `null` means "does not exist" (a negative entry). */
  value: T | null;
  /** Until this instant the entry is served as is. */
  freshUntil: number;
  /** Until this instant the entry may still be served while it is refreshed, or when a refresh fails. */
  staleUntil: number;
  /** When the value was loaded; the `Age` of a response is measured from it. */
  storedAt: number;
}

/** How long an entry lives, in milliseconds from the moment it is stored. */
export interface EntryLifetime {
  /** How long a stored value is fresh. */
  freshMs: number;
  /** How long after `freshMs` a value may still be served stale (stale-while-revalidate / stale-if-error). */
  staleMs: number;
  /** Lifetime of a `null` ("does not exist") value; negative entries have no stale window. */
  negativeTtlMs: number;
}

/** Builds the entry of a freshly loaded value. */
export function createEntry<T>(value: T | null, lifetime: EntryLifetime, now: number): CacheEntry<T> {
  if (value === null) {
    // A negative answer is cheap to ask again and becomes wrong as soon as the customer is created,
    // so it gets its own short lifetime and is never served stale.
    const until = now + lifetime.negativeTtlMs;
    return { value, freshUntil: until, staleUntil: until, storedAt: now };
  }
  const freshUntil = now + lifetime.freshMs;
  return { value, freshUntil, staleUntil: freshUntil + lifetime.staleMs, storedAt: now };
}

/** Whether the entry may be served without a refresh. */
export function isFresh(entry: CacheEntry<unknown>, now: number): boolean {
  return now <= entry.freshUntil;
}

/** Whether the entry may be served at all (fresh, or stale within its stale window). */
export function isUsable(entry: CacheEntry<unknown>, now: number): boolean {
  return now <= entry.staleUntil;
}

/** Whole seconds since the value was loaded (the HTTP `Age`), never negative. */
export function ageSecondsOf(entry: CacheEntry<unknown>, now: number): number {
  return Math.max(0, Math.floor((now - entry.storedAt) / 1000));
}

/**
 * Remaining freshness in whole seconds, as RFC 9211's `ttl`: negative exactly when the entry is stale
 * (flooring makes 0.4 s past `freshUntil` read as -1, not 0).
 */
export function ttlSecondsOf(entry: Pick<CacheEntry<unknown>, 'freshUntil'>, now: number): number {
  return Math.floor((entry.freshUntil - now) / 1000);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Reads an entry written to Redis by this or another gateway instance. Anything that is not a
 * well-formed entry (a foreign key, a truncated write) yields undefined and is treated as a miss.
 * The value itself is trusted: the versioned key guarantees it was written in the current shape.
 */
export function parseStoredEntry<T>(json: string): CacheEntry<T> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !('value' in parsed)) return undefined;
  const candidate = parsed as Record<string, unknown>;
  if (
    !isFiniteNumber(candidate['freshUntil']) ||
    !isFiniteNumber(candidate['staleUntil']) ||
    !isFiniteNumber(candidate['storedAt']) ||
    candidate['value'] === undefined
  ) {
    return undefined;
  }
  return {
    value: candidate['value'] as T | null,
    freshUntil: candidate['freshUntil'],
    staleUntil: candidate['staleUntil'],
    storedAt: candidate['storedAt'],
  };
}

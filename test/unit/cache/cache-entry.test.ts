import { describe, expect, it } from 'vitest';
import {
  ageSecondsOf,
  createEntry,
  isFresh,
  isUsable,
  parseStoredEntry,
  ttlSecondsOf,
} from '../../../src/cache/cache-entry';

const lifetime = { freshMs: 60_000, staleMs: 240_000, negativeTtlMs: 10_000 };

describe('cache entries', () => {
  it('gives values a fresh then a stale window', () => {
    const entry = createEntry({ a: 1 }, lifetime, 1_000_000);
    expect(entry).toEqual({
      value: { a: 1 },
      freshUntil: 1_060_000,
      staleUntil: 1_300_000,
      storedAt: 1_000_000,
    });
    expect(isFresh(entry, 1_060_000)).toBe(true);
    expect(isFresh(entry, 1_060_001)).toBe(false);
    expect(isUsable(entry, 1_300_000)).toBe(true);
    expect(isUsable(entry, 1_300_001)).toBe(false);
  });

  it('gives null ("does not exist") its own short lifetime and no stale window', () => {
    const entry = createEntry(null, lifetime, 0);
    expect(entry).toEqual({ value: null, freshUntil: 10_000, staleUntil: 10_000, storedAt: 0 });
  });

  it('reports age and an RFC 9211 ttl that is negative exactly when stale', () => {
    const entry = createEntry('v', lifetime, 0);
    expect(ageSecondsOf(entry, 59_999)).toBe(59);
    expect(ttlSecondsOf(entry, 0)).toBe(60);
    expect(ttlSecondsOf(entry, 59_600)).toBe(0);
    expect(ttlSecondsOf(entry, 60_400)).toBe(-1);
    expect(ageSecondsOf(entry, -5_000)).toBe(0); // clock skew never yields a negative Age
  });

  it('reads back what it stores and rejects anything else', () => {
    const entry = createEntry({ nested: [1, 2] }, lifetime, 5);
    expect(parseStoredEntry(JSON.stringify(entry))).toEqual(entry);
    expect(parseStoredEntry(JSON.stringify(createEntry(null, lifetime, 5)))?.value).toBeNull();
    expect(parseStoredEntry('not json')).toBeUndefined();
    expect(parseStoredEntry('"a string"')).toBeUndefined();
    expect(
      parseStoredEntry(JSON.stringify({ value: 1, freshUntil: '1', staleUntil: 2, storedAt: 3 })),
    ).toBeUndefined();
    expect(parseStoredEntry(JSON.stringify({ freshUntil: 1, staleUntil: 2, storedAt: 3 }))).toBeUndefined();
  });
});

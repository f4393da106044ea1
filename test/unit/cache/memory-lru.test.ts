import { describe, expect, it } from 'vitest';
import { MemoryLru } from '../../../src/cache/memory-lru';

describe('MemoryLru', () => {
  it('evicts the least recently used entry by count, where a read counts as use (not FIFO)', () => {
    const lru = new MemoryLru<string>({ maxEntries: 3, maxBytes: 10_000 });
    lru.set('a', 'A', 1);
    lru.set('b', 'B', 1);
    lru.set('c', 'C', 1);
    expect(lru.get('a')).toBe('A'); // a becomes the most recently used
    lru.set('d', 'D', 1);

    expect(lru.get('b')).toBeUndefined(); // b was the least recently used, not a (FIFO would drop a)
    expect(lru.keys()).toEqual(['c', 'a', 'd']);
    expect(lru.size).toBe(3);
    expect(lru.evictions).toBe(1);
  });

  it('moves a read entry only when it is outside the most recent quarter, and never lets a read entry be evicted early', () => {
    const lru = new MemoryLru<number>({ maxEntries: 100, maxBytes: 1_000_000 });
    const keys = Array.from({ length: 100 }, (_, index) => `k${String(index).padStart(2, '0')}`);
    for (const [index, key] of keys.entries()) lru.set(key, index, 1);

    // k80..k99 were placed after at most 19 others (< a quarter of 100): a read leaves the order as it is.
    expect(lru.get('k80')).toBe(80);
    expect(lru.get('k99')).toBe(99);
    expect(lru.keys()).toEqual(keys);

    // k74 has 25 entries after it: a read moves it to the most recent end, like the oldest entry.
    expect(lru.get('k74')).toBe(74);
    expect(lru.get('k00')).toBe(0);
    expect(lru.keys().slice(-2)).toEqual(['k74', 'k00']);
    expect(lru.keys()[0]).toBe('k01');

    // 75 new entries evict the 75 least recently placed; the two read entries and the newest keys stay.
    for (let index = 0; index < 75; index++) lru.set(`new${index}`, index, 1);
    expect(lru.size).toBe(100);
    expect(lru.evictions).toBe(75);
    expect(lru.peek('k00')).toBe(0);
    expect(lru.peek('k74')).toBe(74);
    expect(lru.peek('k99')).toBe(99);
    expect(lru.peek('k01')).toBeUndefined();
    expect(lru.peek('k76')).toBeUndefined();
    expect(lru.peek('k77')).toBe(77);
  });

  it('evicts least recently used entries until the byte bound holds, counting key length', () => {
    // sizes: value bytes + key length (1)
    const lru = new MemoryLru<string>({ maxEntries: 100, maxBytes: 100 });
    lru.set('a', 'A', 39); // 40
    lru.set('b', 'B', 39); // 40
    expect(lru.bytes).toBe(80);
    lru.get('a');
    lru.set('c', 'C', 29); // 30 → 110 > 100: evict b (LRU), keep a

    expect(lru.keys()).toEqual(['a', 'c']);
    expect(lru.bytes).toBe(70);

    lru.set('d', 'D', 59); // 60 → 130: evict a, then 90 fits
    expect(lru.keys()).toEqual(['c', 'd']);
    expect(lru.bytes).toBe(90);
    expect(lru.evictions).toBe(2);
  });

  it('skips values larger than maxEntryBytes and drops the older value under that key', () => {
    const lru = new MemoryLru<string>({ maxEntries: 10, maxBytes: 1000, maxEntryBytes: 100 });
    lru.set('k', 'small', 10);
    lru.set('other', 'x', 10);
    expect(lru.set('k', 'giant', 500)).toBe(false);

    expect(lru.get('k')).toBeUndefined(); // the old small value must not be served in place of the new one
    expect(lru.get('other')).toBe('x'); // and nothing else was flushed
    expect(lru.bytes).toBe(15);
  });

  it('accounts bytes exactly on overwrite and delete', () => {
    const lru = new MemoryLru<number>({ maxEntries: 10, maxBytes: 1000 });
    lru.set('key', 1, 100);
    lru.set('key', 2, 50);
    expect(lru.size).toBe(1);
    expect(lru.bytes).toBe(53);
    expect(lru.delete('key')).toBe(true);
    expect(lru.delete('key')).toBe(false);
    expect(lru.bytes).toBe(0);
  });

  it('peek reads without changing recency; clear empties', () => {
    const lru = new MemoryLru<string>({ maxEntries: 2, maxBytes: 1000 });
    lru.set('a', 'A', 1);
    lru.set('b', 'B', 1);
    expect(lru.peek('a')).toBe('A');
    lru.set('c', 'C', 1);
    expect(lru.keys()).toEqual(['b', 'c']); // a stayed least recent despite the peek
    lru.clear();
    expect(lru.size).toBe(0);
    expect(lru.bytes).toBe(0);
  });

  it('rejects nonsensical bounds', () => {
    expect(() => new MemoryLru({ maxEntries: 0, maxBytes: 10 })).toThrow(RangeError);
    expect(() => new MemoryLru({ maxEntries: 1, maxBytes: -1 })).toThrow(RangeError);
    expect(() => new MemoryLru({ maxEntries: 1.5, maxBytes: 10 })).toThrow(RangeError);
  });
});

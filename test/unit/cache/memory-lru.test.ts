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

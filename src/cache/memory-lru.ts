/** Bounds of the in-process tier. */
export interface MemoryLruOptions {
  /** Most entries kept; the least recently used go first. */
  maxEntries: number;
  /**
   * Most approximate bytes kept (sum of each entry's size plus its key length). The tiered cache
   * gives each entry's heap estimate (its JSON length × `HEAP_BYTES_PER_JSON_CHARACTER`).
   */
  maxBytes: number;
  /**
   * Entries larger than this are not kept in memory at all (they are still stored in Redis), so one
   * giant customer cannot flush every other entry out of the tier. Defaults to `maxBytes`.
   */
  maxEntryBytes?: number;
}

interface Slot<V> {
  value: V;
  bytes: number;
  /** The {@link MemoryLru} clock when the slot last moved to the most recent end. */
  placedAt: number;
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
}

/**
 * A least-recently-used map bounded by entry count and by total bytes.
 *
 * It relies on `Map` keeping insertion order: a read deletes and re-inserts the key, so the first key
 * is the least recently used one (an LRU, not the FIFO that only re-orders on write). Re-inserting
 * is the expensive part of a read (a `Map` delete leaves a hole that is paid for in rehashes), so an
 * entry read while it is among the most recent quarter of the entries keeps its place: it cannot be
 * next in line for eviction, and by the time it could be, a read moves it. Eviction order is
 * therefore least recently *moved*, within a quarter of the cache of true LRU order, and exact for
 * caches of up to seven entries.
 * Sizes are given by the caller once, at write, because measuring a value (its JSON length) is the
 * expensive part and the caller already has the serialized form for Redis.
 *
 * One instance lives per process on Node and per isolate on Workers; it holds no I/O objects, so
 * sharing it across Worker requests is allowed.
 */
export class MemoryLru<V> {
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly maxEntryBytes: number;
  private readonly slots = new Map<string, Slot<V>>();
  private totalBytes = 0;
  private evictionCount = 0;
  /** Counts placements at the most recent end: `clock - slot.placedAt` entries were placed after a slot. */
  private clock = 0;

  constructor(options: MemoryLruOptions) {
    assertPositiveInteger('maxEntries', options.maxEntries);
    assertPositiveInteger('maxBytes', options.maxBytes);
    this.maxEntries = options.maxEntries;
    this.maxBytes = options.maxBytes;
    this.maxEntryBytes = Math.min(options.maxEntryBytes ?? options.maxBytes, options.maxBytes);
    assertPositiveInteger('maxEntryBytes', this.maxEntryBytes);
  }

  /** Number of entries held. */
  get size(): number {
    return this.slots.size;
  }

  /** Approximate bytes held. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Entries dropped to make room since creation (not counting deletes and overwrites). */
  get evictions(): number {
    return this.evictionCount;
  }

  /** Reads a value and marks it recently used (moved to the most recent end unless already near it). */
  get(key: string): V | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    // Fewer than a quarter of the entries (at least one) were placed after it: it stays where it is.
    if (this.clock - slot.placedAt >= Math.max(1, this.slots.size >>> 2)) {
      this.slots.delete(key);
      this.slots.set(key, slot);
      slot.placedAt = ++this.clock;
    }
    return slot.value;
  }

  /** Reads a value without changing its recency. */
  peek(key: string): V | undefined {
    return this.slots.get(key)?.value;
  }

  /**
   * Stores a value of approximately `valueBytes` bytes as the most recently used, evicting the least
   * recently used entries until both bounds hold. A value over `maxEntryBytes` is not stored, and
   * any older value under the same key is removed so it cannot be served in its place.
   *
   * @returns whether the value was stored.
   */
  set(key: string, value: V, valueBytes: number): boolean {
    const bytes = Math.max(0, Math.ceil(valueBytes)) + key.length;
    this.delete(key);
    if (bytes > this.maxEntryBytes) return false;
    this.slots.set(key, { value, bytes, placedAt: ++this.clock });
    this.totalBytes += bytes;
    this.evict();
    return true;
  }

  /** Removes a key; returns whether it was present. */
  delete(key: string): boolean {
    const slot = this.slots.get(key);
    if (slot === undefined) return false;
    this.slots.delete(key);
    this.totalBytes -= slot.bytes;
    return true;
  }

  /** Removes everything. */
  clear(): void {
    this.slots.clear();
    this.totalBytes = 0;
  }

  /** Keys from least to most recently used (for diagnostics and tests). */
  keys(): string[] {
    return [...this.slots.keys()];
  }

  private evict(): void {
    while (this.slots.size > this.maxEntries || this.totalBytes > this.maxBytes) {
      const oldest = this.slots.keys().next();
      if (oldest.done) return;
      this.delete(oldest.value);
      this.evictionCount += 1;
    }
  }
}

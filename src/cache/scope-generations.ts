import { type CacheEntry, isFresh } from './cache-entry';
import { scopeKeyOf } from './cache-key';

/**
 * Scope generations: a scope-wide invalidation ("every snapshot of this tenant at this vendor is
 * outdated") is a marker — the instant of the invalidation — rather than a delete of every key.
 * Entries stored at or before their scope's marker read as stale. Markers travel through Redis next
 * to the entries (read in the same round trip) and only ever move forward.
 */
export class ScopeGenerations {
  /** Scope key → newest generation (epoch ms) seen; shared per process or isolate. */
  readonly #known: Map<string, number>;

  constructor(known: Map<string, number>) {
    this.#known = known;
  }

  /** Fresh, and not stored at or before a scope-wide invalidation. */
  isCurrent(key: string, entry: CacheEntry<unknown>, now: number): boolean {
    if (!isFresh(entry, now)) return false;
    const generation = this.#known.get(scopeKeyOf(key));
    return generation === undefined || entry.storedAt > generation;
  }

  /** `freshUntil` as it stands after a scope-wide invalidation (for `ttl` and `freshUntil` in results). */
  effectiveFreshUntil(key: string, entry: CacheEntry<unknown>): number {
    const generation = this.#known.get(scopeKeyOf(key));
    if (generation === undefined || entry.storedAt > generation) return entry.freshUntil;
    // Stale since the invalidation: a millisecond before it, so `ttl` reads negative as for any stale entry.
    return Math.min(entry.freshUntil, generation - 1);
  }

  /** Keeps the newest generation seen for a scope (markers only move forward). */
  learn(scopeKey: string, raw: string | null): void {
    if (raw === null) return;
    const generation = Number(raw);
    if (!Number.isFinite(generation)) return;
    const known = this.#known.get(scopeKey);
    if (known === undefined || generation > known) this.#known.set(scopeKey, generation);
  }
}

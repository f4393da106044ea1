import { type CacheEntry, isFresh } from './cache-entry';
import { scopeKeyOf } from './cache-key';
import type { RedisEpoch } from './redis-epoch';

/**
 * Scope generations: a scope-wide invalidation ("every snapshot of this tenant at this vendor is
 * outdated") is a marker — the instant of the invalidation — rather than a delete of every key.
 * Entries stored at or before their scope's marker read as stale. Markers travel through Redis next
 * to the entries (read in the same round trip) and only ever move forward.
 */
export class ScopeGenerations {
  /** Scope key → newest generation (epoch ms) seen; shared per process or isolate. */
  readonly #known: Map<string, number>;
  /** The last Redis data loss this process found: every entry stored until then is outdated too. */
  readonly #epoch: RedisEpoch | undefined;

  constructor(known: Map<string, number>, epoch?: RedisEpoch) {
    this.#known = known;
    this.#epoch = epoch;
  }

  /** The instant up to which entries of `key`'s scope are outdated (a scope change or a Redis data loss). */
  #outdatedUntil(key: string): number | undefined {
    // Most processes never see a scope-wide invalidation: no key slicing on every read then.
    const generation = this.#known.size === 0 ? undefined : this.#known.get(scopeKeyOf(key));
    const lostAt = this.#epoch?.lostAt ?? Number.NEGATIVE_INFINITY;
    if (generation === undefined) return Number.isFinite(lostAt) ? lostAt : undefined;
    return Math.max(generation, lostAt);
  }

  /** Fresh, and not stored at or before a scope-wide invalidation or a Redis data loss. */
  isCurrent(key: string, entry: CacheEntry<unknown>, now: number): boolean {
    if (!isFresh(entry, now)) return false;
    const until = this.#outdatedUntil(key);
    return until === undefined || entry.storedAt > until;
  }

  /** Stored at or before the last Redis data loss this process found (absent from Redis for that reason). */
  predatesDataLoss(entry: CacheEntry<unknown>): boolean {
    return entry.storedAt <= (this.#epoch?.lostAt ?? Number.NEGATIVE_INFINITY);
  }

  /** `freshUntil` as it stands after a scope-wide invalidation (for `ttl` and `freshUntil` in results). */
  effectiveFreshUntil(key: string, entry: CacheEntry<unknown>): number {
    const until = this.#outdatedUntil(key);
    if (until === undefined || entry.storedAt > until) return entry.freshUntil;
    // Stale since the invalidation: a millisecond before it, so `ttl` reads negative as for any stale entry.
    return Math.min(entry.freshUntil, until - 1);
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

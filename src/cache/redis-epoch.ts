/**
 * Tells a Redis that lost its data from an invalidation.
 *
 * An entry that is gone from Redis while this instance still holds a memory copy normally means
 * another instance dropped it (a webhook, the refresh route): the copy must go too. But Redis also
 * loses entries wholesale — a restart without persistence, a failover to an empty replica, a
 * `FLUSHALL` — and treating that as an invalidation of everything throws away every instance's
 * memory tier at once: each entry then reloads from its vendor on its next read, all together, and
 * a vendor failure meanwhile has no stale copy left to serve (a 503 where stale-if-error would have
 * answered; the soak saw it after its Redis restart).
 *
 * The marker: one key per key version (`eg:<version>:epoch`, no TTL) holding a random token, read
 * in the same round trip as every entry and written (`SET NX`) by the first instance that finds it
 * missing. When the token an instance reads differs from the one it read before (or is gone), Redis
 * lost its data since: every memory copy stored until then is treated as outdated — served at once,
 * flagged stale, reloaded in the background, stale-if-error if the vendor fails — exactly like after
 * a scope-wide change, instead of being dropped.
 */

/** The marker's key: three segments, so it cannot collide with a data key (six) or a scope marker (five). */
export function epochKeyOf(version: string): string {
  return `eg:${encodeURIComponent(version)}:epoch`;
}

/** What one process (Node) or isolate (Workers) knows of the marker; plain data, shared by its caches. */
export class RedisEpoch {
  /** The last marker read: undefined before the first read, null when Redis had none. */
  #known: string | null | undefined = undefined;
  /** When this instance last found Redis had lost its data (epoch ms of its clock). */
  #lostAt = Number.NEGATIVE_INFINITY;
  #creating = false;

  /**
   * Learns the marker a Redis read returned; true when it shows Redis lost its data since the
   * previous read (a marker that changed or vanished; the first read and a marker appearing where
   * there was none are not losses).
   */
  observe(marker: string | null, now: number): boolean {
    const previous = this.#known;
    this.#known = marker;
    const lost = typeof previous === 'string' && previous !== marker;
    if (lost) this.#lostAt = now;
    return lost;
  }

  /** Entries stored at or before this instant predate the last loss this instance found. */
  get lostAt(): number {
    return this.#lostAt;
  }

  /** Whether this instance should write a new marker now (Redis has none and no write is pending). */
  claimCreation(): boolean {
    if (this.#known !== null || this.#creating) return false;
    this.#creating = true;
    return true;
  }

  /**
   * The marker write ended (written, someone else's found, or Redis unavailable). The marker is
   * learned from the next read, never from the write: a read sent before the write may still
   * answer "none", which must not look like a loss.
   */
  creationDone(): void {
    this.#creating = false;
  }
}

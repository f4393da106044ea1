import { isUsable } from './cache-entry';
import { cacheScopeKey } from './cache-key';
import type { CacheState } from './cache-state';

/**
 * Whether this process (or isolate) holds, in its memory tier, a snapshot of `tenant` at `vendor`
 * that could still be served (fresh or within its stale window). Readiness uses it: a tenant whose
 * vendors are all unreachable is still served while this is true. A scan of the memory tier's keys
 * (at most its entry bound, 10 000 by default): cheap at the rate a probe calls `/readyz`. Redis is
 * not consulted (a key scan there would cost every instance a round trip per probe).
 */
export function holdsServableSnapshot(state: CacheState, tenant: string, vendor: string): boolean {
  const prefix = `${cacheScopeKey({ tenant, vendor, namespace: 'snapshot' })}:`;
  const now = state.clock.now();
  for (const key of state.memory.keys()) {
    if (!key.startsWith(prefix)) continue;
    const slot = state.memory.peek(key);
    // A cached "no such customer" (null) answers that customer too: it counts.
    if (slot !== undefined && isUsable(slot.entry, now)) return true;
  }
  return false;
}

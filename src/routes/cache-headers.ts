import type { CacheReport } from '../services/entitlement-service';

/** The RFC 9211 cache name the gateway reports under. */
export const CACHE_NAME = 'entitlements-gateway';

/**
 * RFC 9211 `Cache-Status` for how the answer was produced (`detail` names the tier):
 * - fresh entry: `hit; ttl=<fresh seconds left>; detail=memory|redis`
 * - stale entry served while it is refreshed in the background: `hit; ttl=<negative>;
 *   detail=stale-while-revalidate` (RFC 9211: this answer was not forwarded, so it is a hit, and a
 *   stale hit has a negative ttl; the refresh runs after it)
 * - stale entry served because the vendor failed: `fwd=stale; ttl=<negative>; detail=stale-if-error`
 * - loaded from the vendor: `fwd=miss; stored` (`collapsed` when another caller's load answered it)
 * - forced by `Cache-Control: no-cache` or the refresh route: `fwd=request; stored`
 */
export function cacheStatusValue(report: CacheReport): string {
  // A fresh memory hit says the same thing for a second at a time (its ttl counts down in seconds):
  // the last one written is reused instead of assembled again for every request.
  if (report.status === 'hit' && report.tier === 'memory') {
    if (report.ttlSeconds !== lastMemoryHit.ttlSeconds)
      lastMemoryHit = { ttlSeconds: report.ttlSeconds, value: statusValueOf(report) };
    return lastMemoryHit.value;
  }
  return statusValueOf(report);
}

let lastMemoryHit = { ttlSeconds: Number.NaN, value: '' };

function statusValueOf(report: CacheReport): string {
  const collapsed = report.collapsed ? '; collapsed' : '';
  switch (report.status) {
    case 'hit':
      return `${CACHE_NAME}; hit; ttl=${report.ttlSeconds}${report.tier && report.tier !== 'loader' ? `; detail=${report.tier}` : ''}`;
    case 'stale':
      // RFC 9211 §2.1: not forwarded for this answer, so a hit; §3: a stale hit has a negative ttl.
      return `${CACHE_NAME}; hit; ttl=${report.ttlSeconds}; detail=stale-while-revalidate`;
    case 'stale-if-error':
      return `${CACHE_NAME}; fwd=stale; ttl=${report.ttlSeconds}; detail=stale-if-error`;
    case 'refresh':
      return `${CACHE_NAME}; fwd=request; stored${collapsed}`;
    default:
      return `${CACHE_NAME}; fwd=miss; stored${collapsed}`;
  }
}

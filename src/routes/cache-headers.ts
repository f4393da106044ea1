import type { Context } from 'hono';
import type { GatewayEnv } from '../context';
import { type CacheReport, combineCacheReports } from '../services/entitlement-service';

/** The RFC 9211 cache name the gateway reports under. */
export const CACHE_NAME = 'entitlements-gateway';

/**
 * RFC 9211 `Cache-Status` for how the answer was produced:
 * - fresh entry: `hit; ttl=<fresh seconds left>`
 * - stale entry served while refreshing in the background: `fwd=stale; ttl=<negative>`
 * - loaded from the vendor: `fwd=miss; stored`; forced by `Cache-Control: no-cache`: `fwd=request; stored`
 * - stale entry served because the vendor failed: `fwd=stale; detail=stale-if-error`
 */
export function cacheStatusValue(report: CacheReport): string {
  switch (report.status) {
    case 'hit':
      return `${CACHE_NAME}; hit; ttl=${report.ttlSeconds}`;
    case 'stale':
      return `${CACHE_NAME}; fwd=stale; ttl=${report.ttlSeconds}`;
    case 'stale-if-error':
      return `${CACHE_NAME}; fwd=stale; ttl=${report.ttlSeconds}; detail=stale-if-error`;
    case 'refresh':
      return `${CACHE_NAME}; fwd=request; stored`;
    default:
      return `${CACHE_NAME}; fwd=miss; stored`;
  }
}

/** Sets `Cache-Status` and `Age` from the snapshots a request used (the least fresh one wins). */
export function applyCacheHeaders(c: Context<GatewayEnv>, reports: CacheReport[]): void {
  const report = combineCacheReports(reports);
  c.header('cache-control', 'private, no-store');
  if (report === null) return;
  c.set('cacheStatus', report.status);
  c.header('cache-status', cacheStatusValue(report));
  c.header('age', String(Math.max(0, Math.floor(report.ageSeconds))));
}

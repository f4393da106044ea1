import type { VendorId } from '../../schemas/entitlement';
import type { TenantConfig } from '../config';
import type { CircuitState } from '../http/circuit-breaker';

/** What `/readyz` answers. */
export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

const severity: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * The gateway's readiness: config parsed, the shared cache's health, per vendor the least healthy
 * circuit across tenants, and whether some tenant can only get errors here: every vendor it uses is
 * unreachable (circuit open) and this instance holds nothing servable for it. That tenant makes the
 * instance not ready. The answer is unauthenticated, so it names no tenant (ids and which vendors
 * each one uses stay private): tenants are counted. Redis down does not make the gateway unready:
 * it serves from memory and the vendors.
 */
export function readinessOf(input: {
  tenants: readonly TenantConfig[];
  redis: string;
  /**
   * Which request budget is in force: `shared` (one per vendor connection across instances, in
   * Redis), `local` (no Redis: per process or isolate), `degraded` (Redis failing: fallback shares).
   */
  budget: string;
  /**
   * How other instances' invalidations reach this one's memory tier: `pubsub` (Node, subscribed),
   * `recheck-window` (Workers, or a subscriber reconnecting), `local` (no Redis).
   */
  invalidation: string;
  breakerState(connectionKey: string): CircuitState;
  /** Whether this instance holds a servable (fresh or stale) snapshot of the tenant at the vendor. */
  holdsServableSnapshot(tenantId: string, vendor: VendorId): boolean;
}): Readiness {
  const checks: Record<string, string> = {
    config: 'ok',
    redis: input.redis,
    budget: input.budget,
    invalidation: input.invalidation,
  };
  let unreachable = 0;
  for (const tenant of input.tenants) {
    const vendors = Object.keys(tenant.vendors) as VendorId[];
    let open = 0;
    for (const vendor of vendors) {
      const state = input.breakerState(`${tenant.id}:${vendor}`);
      if (state === 'open') open += 1;
      const known = checks[`upstream:${vendor}`] as CircuitState | undefined;
      if (known === undefined || severity[state] > severity[known]) checks[`upstream:${vendor}`] = state;
    }
    if (
      vendors.length > 0 &&
      open === vendors.length &&
      !vendors.some((vendor) => input.holdsServableSnapshot(tenant.id, vendor))
    )
      unreachable += 1;
  }
  checks.tenants =
    unreachable === 0
      ? 'ok'
      : `${unreachable} of ${input.tenants.length} unreachable (every vendor open, nothing cached)`;
  return { ready: unreachable === 0, checks };
}

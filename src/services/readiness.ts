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
 * The gateway's readiness: config parsed, the shared cache's health, and per vendor the least healthy
 * circuit across tenants. The answer is unauthenticated, so it names no tenant (ids and which vendors
 * each one uses stay private). Redis down does not make the gateway unready: it serves from memory
 * and the vendors.
 */
export function readinessOf(input: {
  tenants: readonly TenantConfig[];
  redis: string;
  breakerState(connectionKey: string): CircuitState;
}): Readiness {
  const checks: Record<string, string> = { config: 'ok', redis: input.redis };
  for (const tenant of input.tenants) {
    for (const vendor of Object.keys(tenant.vendors) as VendorId[]) {
      const state = input.breakerState(`${tenant.id}:${vendor}`);
      const known = checks[`upstream:${vendor}`] as CircuitState | undefined;
      if (known === undefined || severity[state] > severity[known]) checks[`upstream:${vendor}`] = state;
    }
  }
  return { ready: true, checks };
}

import { vendorModule } from '../../adapters/registry';
import type { VendorId } from '../../schemas/entitlement';

/** The gateway's own limits for one vendor connection (one tenant's account at one vendor). */
export interface ConnectionLimits {
  /** Sustained request rate the gateway allows itself, per minute (token refill rate). */
  requestsPerMinute: number;
  /** Requests that may go out at once after a quiet period (token bucket size). */
  burst: number;
  /** Requests in flight at once; the rest queue (the wait counts against the call's deadline). */
  maxConcurrent: number;
}

/** Chooses the limits of a connection; called once, on the connection's first call. */
export type LimitsFor = (connectionKey: string, vendor: VendorId) => ConnectionLimits;

/**
 * A token bucket lets `rate + burst` through in the worst rolling minute, so a per-minute figure is
 * split between the two and never exceeded.
 */
export function connectionLimitsOf(requestsPerMinute: number, maxConcurrent: number): ConnectionLimits {
  const burst = Math.max(1, Math.floor(requestsPerMinute / 6));
  return { requestsPerMinute: Math.max(1, requestsPerMinute - burst), burst, maxConcurrent };
}

/**
 * `limitsFor` from each vendor module's defaults: what the config gives when no variable overrides
 * them (the upstream client's default; the gateway passes the configured limits).
 */
export const defaultLimitsFor: LimitsFor = (_connectionKey, vendor) => {
  const { requestsPerMinute, maxConcurrent } = vendorModule(vendor).defaults;
  return connectionLimitsOf(requestsPerMinute, maxConcurrent);
};

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
 * Defaults per vendor. A token bucket lets `requestsPerMinute + burst` requests through in the worst
 * rolling minute, so each default splits the vendor's per-minute figure between the two and never
 * exceeds it:
 *
 * - Chargebee: 150 calls/min per site on test sites (the lowest documented tier; Starter live sites
 *   have the same) counted over a rolling 60 s, and about 50 concurrent GETs on test sites. Live sites
 *   on higher plans should configure more through `limitsFor`.
 * - Zenskar and Paygentic: no published limits (UNCONFIRMED in docs/vendors.md). 600/min and 10
 *   concurrent are a conservative guess, not a vendor figure; vendor 429s are still honoured.
 */
export const defaultConnectionLimits: Readonly<Record<VendorId, ConnectionLimits>> = {
  chargebee: { requestsPerMinute: 125, burst: 25, maxConcurrent: 10 },
  zenskar: { requestsPerMinute: 500, burst: 100, maxConcurrent: 10 },
  paygentic: { requestsPerMinute: 500, burst: 100, maxConcurrent: 10 },
};

/** `limitsFor` that uses the per-vendor defaults for every connection. */
export const defaultLimitsFor: LimitsFor = (_connectionKey, vendor) => defaultConnectionLimits[vendor];

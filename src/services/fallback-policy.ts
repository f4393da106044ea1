import { z } from 'zod';
import type { CheckResult } from '../../schemas/check';
import type { EntitlementType, VendorId } from '../../schemas/entitlement';
import { errorCatalog } from '../errors/codes';
import { asGatewayError, type GatewayError } from '../errors/gateway-error';
import type { FeatureCatalog } from './feature-catalog';

/**
 * What a check answers when the vendor fails and the gateway holds no cached or stale snapshot of
 * the customer (a cached one always wins: stale-if-error is decided by the cache before this runs).
 *
 * - `deny` (the default): `hasAccess: false`.
 * - `allow`: `hasAccess: true` (fail open: for features whose loss hurts more than their abuse).
 * - a static entitlement value: `{hasAccess, limit?, unlimited?, value?}`, checked against
 *   `requestedUsage` like a real limit.
 * - `problem`: no fallback: the vendor's problem (503/504), as the gateway answered before policies.
 *
 * Every fallback answer carries `fallback: true` and `vendorStatus` (the vendor and the problem it
 * would have answered), so an app can tell a declared answer from vendor data.
 */

/** A static entitlement value answered during an outage. */
export interface StaticFallback {
  hasAccess: boolean;
  /** A numeric limit; `requestedUsage` above it is `limit_exceeded`. */
  limit?: number | null;
  unlimited?: boolean;
  /** An enum/config value to hand out. */
  value?: string | number | boolean | null;
}

/** One feature's (or a tenant's default) fallback policy. */
export type FallbackPolicy = 'deny' | 'allow' | 'problem' | StaticFallback;

/** A tenant's fallback policies: its default and per-feature overrides (keyed by the feature key asked). */
export interface TenantFallbackPolicies {
  default: FallbackPolicy;
  features: Record<string, FallbackPolicy>;
}

/** The policy when nothing is configured. */
export const DEFAULT_FALLBACK_POLICIES: TenantFallbackPolicies = { default: 'deny', features: {} };

/**
 * The JSON shape of one policy: `FALLBACK_POLICY`'s names, a static value, in `FALLBACK_FEATURES`,
 * a tenant's `fallback` and a catalogue entry's `fallback`.
 */
export const fallbackPolicySchema: z.ZodType<FallbackPolicy> = z.union([
  z.enum(['deny', 'allow', 'problem']),
  z
    .object({
      hasAccess: z.boolean(),
      limit: z.number().nonnegative().nullable().optional(),
      unlimited: z.boolean().optional(),
      value: z.union([z.string(), z.number(), z.boolean()]).nullable().optional(),
    })
    .strict(),
]);

/**
 * The policy that applies to one feature of a tenant: the feature's own (`FALLBACK_FEATURES`, a
 * tenant's `fallback.features`, or the `fallback` of the catalogue entry of that app key), else the
 * tenant default. A feature declared in both places is refused at start-up
 * ({@link catalogFallbackConflicts}); were both present, the configuration's map would win.
 */
export function fallbackPolicyFor(
  policies: TenantFallbackPolicies | undefined,
  featureKey: string,
  catalog?: FeatureCatalog,
): FallbackPolicy {
  const chosen = policies ?? DEFAULT_FALLBACK_POLICIES;
  if (Object.hasOwn(chosen.features, featureKey)) return chosen.features[featureKey] as FallbackPolicy;
  return catalog?.entries.get(featureKey)?.fallback ?? chosen.default;
}

/**
 * Features whose policy is declared twice, in the tenant's per-feature map and in its catalogue: one
 * problem each, naming both places (`features`: the map's variable, `catalog`: the catalogue's).
 */
export function catalogFallbackConflicts(
  policies: TenantFallbackPolicies | undefined,
  catalog: FeatureCatalog | undefined,
  names: { features: string; catalog: string },
): string[] {
  if (policies === undefined || catalog === undefined) return [];
  return Object.keys(policies.features)
    .filter((key) => catalog.entries.get(key)?.fallback != null)
    .map(
      (key) =>
        `${names.features}.${key}: the catalogue entry ${names.catalog}.${key} declares a fallback too; declare it in one place`,
    );
}

/**
 * Failures a fallback may stand in for: the vendor is down, slow or out of budget. A vendor that
 * rejects the gateway's credentials or sends malformed data (502s) is a misconfiguration or a bug a
 * fallback would hide, and an unknown customer is an answer: those stay problems.
 */
const outageCodes = new Set<string>(['vendor_unavailable', 'vendor_timeout', 'vendor_rate_limited']);

/** The typed error of a vendor outage a fallback policy may answer for; undefined for any other error. */
export function vendorOutageOf(error: unknown): GatewayError | undefined {
  const typed = asGatewayError(error);
  return typed !== undefined && outageCodes.has(typed.code) ? typed : undefined;
}

/** The type a static value answers as: `numeric` with a limit (or unlimited), `config` with a string or number value, else `boolean`. */
export function staticFallbackType(policy: StaticFallback): EntitlementType {
  if (policy.unlimited === true || (policy.limit !== undefined && policy.limit !== null)) return 'numeric';
  if (policy.value === undefined || policy.value === null || typeof policy.value === 'boolean')
    return 'boolean';
  return 'config';
}

/**
 * The fallback answer to a check, or null when the policy is `problem` (the caller rethrows).
 * `reason` is null on a denied fallback: the gateway does not know why the vendor would deny;
 * `vendorStatus.error` says what failed.
 */
export function fallbackCheckResult(input: {
  policy: FallbackPolicy;
  vendor: VendorId;
  customerId: string;
  featureKey: string;
  requestedUsage: number | null;
  error: GatewayError;
}): CheckResult | null {
  const { policy, vendor, customerId, featureKey, requestedUsage, error } = input;
  if (policy === 'problem') return null;
  const base = {
    object: 'entitlement_check' as const,
    vendor,
    customerId,
    featureKey,
    requestedUsage,
    softLimit: null,
    overage: null,
    entitlement: null,
    fallback: true,
    vendorStatus: {
      vendor,
      status: 'unavailable' as const,
      error: {
        status: error.status,
        code: error.code,
        title: errorCatalog[error.code].title,
        detail: error.message,
      },
    },
  };
  if (policy === 'deny' || policy === 'allow') {
    return {
      ...base,
      hasAccess: policy === 'allow',
      reason: null,
      type: null,
      unlimited: false,
      limit: null,
      usage: null,
      remaining: null,
      value: null,
    };
  }
  const limit = policy.limit ?? null;
  const unlimited = policy.unlimited ?? false;
  const overLimit = !unlimited && limit !== null && requestedUsage !== null && requestedUsage > limit;
  const hasAccess = policy.hasAccess && !overLimit;
  return {
    ...base,
    hasAccess,
    reason: hasAccess ? null : overLimit && policy.hasAccess ? 'limit_exceeded' : null,
    type: staticFallbackType(policy),
    unlimited,
    limit,
    usage: null,
    remaining: unlimited ? null : limit,
    value: policy.value ?? null,
  };
}

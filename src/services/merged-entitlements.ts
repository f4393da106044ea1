import type { CheckResult } from '../../schemas/check';
import { type Entitlement, type EntitlementType, type VendorId, vendorIds } from '../../schemas/entitlement';
import type { VendorStatus } from '../../schemas/merged';
import { errorCatalog } from '../errors/codes';
import { asGatewayError, GatewayError } from '../errors/gateway-error';
import { evaluateCheck, findEntitlement } from './check-evaluation';
import type { VendorLinks } from './customer-links';
import { mergeEntitlements, sourceEntitlementsOf, type VendorEntitlements } from './entitlement-merge';
import { type FallbackPolicy, staticFallbackType, vendorOutageOf } from './fallback-policy';
import { type FeatureCatalog, vendorKeyFor } from './feature-catalog';

/**
 * A merged view of one app customer: every linked vendor loaded concurrently, each through its own
 * cached snapshot (the loader is the per-vendor cache path: TTLs, single-flight, stale-if-error and
 * webhook invalidation stay per vendor), merged at serve time. Nothing merged is cached, so a webhook
 * that drops one vendor's snapshot is enough for the next merged answer to reload that vendor.
 *
 * One vendor failing is not a failed answer: its status says `unavailable` (or `stale`, with an
 * `error`, when the cache served its last data) and the answer is `partial`. Only when every linked
 * vendor fails is the request a problem: the first vendor failure in vendor order, preferring a
 * vendor outage over `customer_not_found` (an outage is the more useful thing to report).
 *
 * A merged **check** applies the feature's fallback policy to each linked vendor the feature depends
 * on that is down (an outage, nothing cached: a cached snapshot, stale included, always answers
 * first); see {@link checkMerged} and docs/multi-vendor.md, "Fallback in merged checks".
 */

/** How fresh a vendor's data was when served. */
export type VendorFreshness = 'fresh' | 'stale' | 'stale-if-error';

/** One vendor's entitlements for the customer, as its cached snapshot gave them. */
export interface VendorLoad {
  /** Sorted by featureKey (the adapter's normalized order). */
  entitlements: readonly Entitlement[];
  freshness: VendorFreshness;
}

/** Loads one linked vendor's entitlements (throws a `GatewayError` when the vendor fails). */
export type VendorLoader = (vendor: VendorId, vendorCustomerId: string) => Promise<VendorLoad>;

/** A linked vendor that failed, with the typed error it would have answered alone. */
export interface VendorFailure {
  vendor: VendorId;
  /** The customer's id at this vendor (from the link). */
  customerId: string;
  error: GatewayError;
}

/** Every linked vendor of an app customer, loaded: what answered, what failed, how each took part. */
export interface LinkedLoads {
  customerId: string;
  /** The vendors that answered (fresh, stale, or stale-if-error), in vendor order. */
  answered: VendorEntitlements[];
  failures: VendorFailure[];
  /** One per linked vendor, in vendor order. */
  vendors: VendorStatus[];
}

/** A merged customer: entitlements and how each vendor took part. */
export interface MergedView {
  customerId: string;
  /** One per feature key, sorted by featureKey. */
  entitlements: Entitlement[];
  vendors: VendorStatus[];
  partial: boolean;
}

function problemOf(error: GatewayError): NonNullable<VendorStatus['error']> {
  return {
    status: error.status,
    code: error.code,
    title: errorCatalog[error.code].title,
    detail: error.message,
  };
}

/**
 * Loads every linked vendor concurrently; never throws. `onUnexpectedError` hears about failures
 * that are not typed gateway errors (bugs), which are reported as that vendor's `internal_error`.
 */
export async function loadLinkedVendors(input: {
  customerId: string;
  links: VendorLinks;
  load: VendorLoader;
  onUnexpectedError?(error: unknown): void;
}): Promise<LinkedLoads> {
  const linked = vendorIds.flatMap((vendor) => {
    const vendorCustomerId = input.links[vendor];
    return vendorCustomerId === undefined ? [] : [{ vendor, vendorCustomerId }];
  });
  const settled = await Promise.allSettled(
    linked.map(({ vendor, vendorCustomerId }) => input.load(vendor, vendorCustomerId)),
  );
  const loads: LinkedLoads = { customerId: input.customerId, answered: [], failures: [], vendors: [] };
  settled.forEach((outcome, index) => {
    const { vendor, vendorCustomerId } = linked[index] as (typeof linked)[number];
    if (outcome.status === 'fulfilled') {
      const { freshness, entitlements } = outcome.value;
      loads.answered.push({ vendor, customerId: vendorCustomerId, entitlements });
      if (freshness === 'stale-if-error') {
        const error = new GatewayError(
          'vendor_unavailable',
          `The last load from ${vendor} failed; its cached entitlements are served.`,
          { vendor },
        );
        loads.vendors.push({
          vendor,
          customerId: vendorCustomerId,
          status: 'stale',
          error: problemOf(error),
        });
      } else {
        loads.vendors.push({ vendor, customerId: vendorCustomerId, status: freshness });
      }
      return;
    }
    // Adapters throw their own typed errors; the gateway's equivalent carries the same code and detail.
    let error = asGatewayError(outcome.reason);
    if (error === undefined) {
      input.onUnexpectedError?.(outcome.reason);
      error = new GatewayError('internal_error', `The gateway failed to read ${vendor}.`, { vendor });
    }
    loads.failures.push({ vendor, customerId: vendorCustomerId, error });
    loads.vendors.push({
      vendor,
      customerId: vendorCustomerId,
      status: 'unavailable',
      error: problemOf(error),
    });
  });
  return loads;
}

/** The failure that answers when nothing can: the first in vendor order, an outage before a missing customer. */
function worstFailure(loads: LinkedLoads): GatewayError {
  const errors = loads.failures.map((failure) => failure.error);
  return (
    errors.find((error) => error.code !== 'customer_not_found') ??
    errors[0] ??
    new GatewayError('customer_not_found', `Customer "${loads.customerId}" has no linked vendor.`)
  );
}

const isPartial = (vendors: readonly VendorStatus[]) => vendors.some((status) => status.error !== undefined);

/** Merges what answered. Throws when no linked vendor answered. */
export function mergeLinkedLoads(loads: LinkedLoads, catalog: FeatureCatalog): MergedView {
  if (loads.answered.length === 0) throw worstFailure(loads);
  return {
    customerId: loads.customerId,
    entitlements: mergeEntitlements({ customerId: loads.customerId, vendors: loads.answered, catalog }),
    vendors: loads.vendors,
    partial: isPartial(loads.vendors),
  };
}

/** Loads every linked vendor concurrently and merges what answered. Throws when every vendor failed. */
export async function loadMergedView(input: {
  customerId: string;
  links: VendorLinks;
  catalog: FeatureCatalog;
  load: VendorLoader;
  onUnexpectedError?(error: unknown): void;
}): Promise<MergedView> {
  return mergeLinkedLoads(await loadLinkedVendors(input), input.catalog);
}

/** The `source` of a grant that a fallback policy contributed (no vendor record behind it). */
export const FALLBACK_GRANT_SOURCE = 'fallback';

/**
 * What a failed vendor contributes to a merged feature under a granting policy (`allow`, or a static
 * value with access): one entitlement under the vendor's own feature key, with one grant whose
 * `source` is `fallback`. Null for a policy that grants nothing (`deny`, a static value without
 * access) or `problem`.
 */
export function fallbackContribution(input: {
  policy: FallbackPolicy;
  vendor: VendorId;
  customerId: string;
  vendorFeatureKey: string;
}): Entitlement | null {
  const { policy, vendor, customerId, vendorFeatureKey } = input;
  if (policy === 'deny' || policy === 'problem') return null;
  const declared = policy === 'allow' ? { hasAccess: true } : policy;
  if (!declared.hasAccess) return null;
  const type: EntitlementType = policy === 'allow' ? 'boolean' : staticFallbackType(policy);
  const unlimited = declared.unlimited ?? false;
  const limit = unlimited ? null : (declared.limit ?? null);
  const value = declared.value ?? null;
  return {
    object: 'entitlement',
    vendor,
    customerId,
    featureKey: vendorFeatureKey,
    featureName: null,
    type,
    hasAccess: true,
    reason: null,
    unlimited,
    limit,
    usage: null,
    remaining: limit,
    value,
    config: null,
    unit: null,
    activeFrom: null,
    activeTo: null,
    grants: [
      {
        source: FALLBACK_GRANT_SOURCE,
        sourceId: null,
        vendorId: null,
        hasAccess: true,
        limit,
        usage: null,
        value,
        status: null,
        activeFrom: null,
        activeTo: null,
      },
    ],
  };
}

/** A merged check the fallback policy took part in (logged and counted by the caller). */
export interface MergedFallback {
  /** `deny`, `allow` or `static`. */
  policy: 'deny' | 'allow' | 'static';
  /** The failed vendors whose part is the policy, in vendor order. */
  vendors: VendorId[];
  /** Their failures' codes, in the same order. */
  codes: string[];
}

/**
 * A check against the linked vendors' loads. The feature's fallback policy stands in for each linked
 * vendor that **can contribute to the feature** (its catalogue entry lists the vendor; a key outside
 * the catalogue: any linked vendor) and **failed with an outage** (down, too slow, out of budget,
 * with nothing cached: a stale snapshot is an answer, never replaced): `deny` (or a static value
 * without access) contributes nothing, `allow` or a static value with access contributes an
 * entitlement with one `fallback` grant, merged with the others by the merge table. The answer then
 * carries `fallback: true`, and those vendors' statuses `fallback: true`; an answer without any
 * entitlement to the feature has `reason: null`, as a single-vendor fallback. `problem` keeps the
 * behaviour without policies (a partial answer; the vendor's problem when nothing answered).
 *
 * Throws when no vendor answered and no policy stands in. A quantity beyond the merged `remaining`
 * is let through only when a metered source that grants access has a soft limit at its vendor
 * (`isSoftLimit` asks it; fallback contributions are never metered).
 */
export async function checkMerged(input: {
  loads: LinkedLoads;
  catalog: FeatureCatalog;
  featureKey: string;
  requestedUsage: number | null;
  /** The feature's fallback policy (resolved by the caller: configuration, catalogue, default). */
  policy: FallbackPolicy;
  isSoftLimit(vendor: VendorId, vendorEntitlement: Entitlement): Promise<boolean>;
}): Promise<{ result: CheckResult; fallback: MergedFallback | null }> {
  const { loads, catalog, featureKey, policy } = input;
  const standIns =
    policy === 'problem'
      ? []
      : loads.failures.flatMap((failure) => {
          const vendorFeatureKey = vendorKeyFor(catalog, failure.vendor, featureKey);
          return vendorFeatureKey !== undefined && vendorOutageOf(failure.error) !== undefined
            ? [{ ...failure, vendorFeatureKey }]
            : [];
        });
  if (loads.answered.length === 0 && standIns.length === 0) throw worstFailure(loads);
  const contributions = standIns.flatMap((standIn): VendorEntitlements[] => {
    const entitlement = fallbackContribution({ policy, ...standIn });
    return entitlement === null
      ? []
      : [{ vendor: standIn.vendor, customerId: standIn.customerId, entitlements: [entitlement] }];
  });
  const merged = mergeEntitlements({
    customerId: loads.customerId,
    vendors: [...loads.answered, ...contributions],
    catalog,
  });
  const found = findEntitlement(merged, featureKey);
  const result = await evaluateCheck({
    vendor: found?.vendor ?? null,
    customerId: loads.customerId,
    featureKey,
    found,
    requestedUsage: input.requestedUsage,
    async isSoftLimit(entitlement) {
      for (const source of sourceEntitlementsOf(entitlement)) {
        if (source.entitlement.type !== 'metered' || !source.entitlement.hasAccess) continue;
        if (await input.isSoftLimit(source.vendor, source.entitlement)) return true;
      }
      return false;
    },
  });
  if (standIns.length === 0) {
    return {
      result: { ...result, vendors: loads.vendors, partial: isPartial(loads.vendors) },
      fallback: null,
    };
  }
  const stoodIn = new Set(standIns.map((standIn) => standIn.vendor));
  const vendors = loads.vendors.map((status) =>
    stoodIn.has(status.vendor) ? { ...status, fallback: true } : status,
  );
  return {
    result: {
      ...result,
      // No entitlement at all: no vendor that answered holds the feature, and the ones down are
      // denied by the policy; as a single-vendor fallback, the gateway does not know why.
      reason: found === null ? null : result.reason,
      vendors,
      partial: true,
      fallback: true,
    },
    fallback: {
      policy: typeof policy === 'string' ? (policy as 'deny' | 'allow') : 'static',
      vendors: standIns.map((standIn) => standIn.vendor),
      codes: standIns.map((standIn) => standIn.error.code),
    },
  };
}

import type { CheckResult } from '../../schemas/check';
import { type Entitlement, type VendorId, vendorIds } from '../../schemas/entitlement';
import type { VendorStatus } from '../../schemas/merged';
import { errorCatalog } from '../errors/codes';
import { asGatewayError, GatewayError } from '../errors/gateway-error';
import { evaluateCheck, findEntitlement } from './check-evaluation';
import type { VendorLinks } from './customer-links';
import { mergeEntitlements, sourceEntitlementsOf } from './entitlement-merge';
import type { FeatureCatalog } from './feature-catalog';

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
 * Loads every linked vendor concurrently and merges what answered. Throws when every vendor failed.
 * `onUnexpectedError` hears about failures that are not typed gateway errors (bugs), which are
 * reported to the caller as `internal_error`.
 */
export async function loadMergedView(input: {
  customerId: string;
  links: VendorLinks;
  catalog: FeatureCatalog;
  load: VendorLoader;
  onUnexpectedError?(error: unknown): void;
}): Promise<MergedView> {
  const linked = vendorIds.flatMap((vendor) => {
    const vendorCustomerId = input.links[vendor];
    return vendorCustomerId === undefined ? [] : [{ vendor, vendorCustomerId }];
  });
  const settled = await Promise.allSettled(
    linked.map(({ vendor, vendorCustomerId }) => input.load(vendor, vendorCustomerId)),
  );
  const vendors: VendorStatus[] = [];
  const answered: Array<{ vendor: VendorId; customerId: string; entitlements: readonly Entitlement[] }> = [];
  const failures: GatewayError[] = [];
  settled.forEach((outcome, index) => {
    const { vendor, vendorCustomerId } = linked[index] as (typeof linked)[number];
    if (outcome.status === 'fulfilled') {
      const { freshness, entitlements } = outcome.value;
      answered.push({ vendor, customerId: vendorCustomerId, entitlements });
      if (freshness === 'stale-if-error') {
        const error = new GatewayError(
          'vendor_unavailable',
          `The last load from ${vendor} failed; its cached entitlements are served.`,
          { vendor },
        );
        vendors.push({ vendor, customerId: vendorCustomerId, status: 'stale', error: problemOf(error) });
      } else {
        vendors.push({ vendor, customerId: vendorCustomerId, status: freshness });
      }
      return;
    }
    // Adapters throw their own typed errors; the gateway's equivalent carries the same code and detail.
    let error = asGatewayError(outcome.reason);
    if (error === undefined) {
      input.onUnexpectedError?.(outcome.reason);
      error = new GatewayError('internal_error', `The gateway failed to read ${vendor}.`, { vendor });
    }
    failures.push(error);
    vendors.push({ vendor, customerId: vendorCustomerId, status: 'unavailable', error: problemOf(error) });
  });
  if (answered.length === 0) {
    const worst = failures.find((error) => error.code !== 'customer_not_found') ?? failures[0];
    throw (
      worst ?? new GatewayError('customer_not_found', `Customer "${input.customerId}" has no linked vendor.`)
    );
  }
  return {
    customerId: input.customerId,
    entitlements: mergeEntitlements({
      customerId: input.customerId,
      vendors: answered,
      catalog: input.catalog,
    }),
    vendors,
    partial: vendors.some((status) => status.error !== undefined),
  };
}

/**
 * A check against a merged view. A quantity beyond the merged `remaining` is let through only when
 * a metered source that grants access has a soft limit at its vendor (`isSoftLimit` asks it).
 */
export async function checkMerged(
  view: MergedView,
  featureKey: string,
  requestedUsage: number | null,
  isSoftLimit: (vendor: VendorId, vendorEntitlement: Entitlement) => Promise<boolean>,
): Promise<CheckResult> {
  const found = findEntitlement(view.entitlements, featureKey);
  const result = await evaluateCheck({
    vendor: found?.vendor ?? null,
    customerId: view.customerId,
    featureKey,
    found,
    requestedUsage,
    async isSoftLimit(entitlement) {
      for (const source of sourceEntitlementsOf(entitlement)) {
        if (source.entitlement.type !== 'metered' || !source.entitlement.hasAccess) continue;
        if (await isSoftLimit(source.vendor, source.entitlement)) return true;
      }
      return false;
    },
  });
  return { ...result, vendors: view.vendors, partial: view.partial };
}

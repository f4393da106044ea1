import type { CheckResult } from '../../schemas/check';
import type { Entitlement, VendorId } from '../../schemas/entitlement';
import { indexAfter } from './keyset-page';

/** The entitlement with `featureKey` in a list sorted by featureKey, or null. */
export function findEntitlement(sorted: readonly Entitlement[], featureKey: string): Entitlement | null {
  const index = indexAfter(sorted, featureKey) - 1;
  const found = index >= 0 ? sorted[index] : undefined;
  return found !== undefined && found.featureKey === featureKey ? found : null;
}

/**
 * The answer to "may the customer use `featureKey` (for `requestedUsage` more)?" from its entitlement:
 * a missing feature is `not_entitled`; a quantity asked beyond `remaining` is `limit_exceeded`, unless
 * the feature is metered with a soft limit (then access stays and `overage` says by how much).
 * `isSoftLimit` is only asked in that last case (it may call the vendor).
 */
export async function evaluateCheck(
  input: CheckInput & {
    isSoftLimit(entitlement: Entitlement): Promise<boolean>;
  },
): Promise<CheckResult> {
  const answer = checkResultOf(input, () => undefined);
  if (answer !== undefined) return answer;
  const softLimit = await input.isSoftLimit(input.found as Entitlement);
  return checkResultOf(input, () => softLimit) as CheckResult;
}

/** What a check is about. */
export interface CheckInput {
  vendor: VendorId | null;
  customerId: string;
  featureKey: string;
  found: Entitlement | null;
  requestedUsage: number | null;
}

/**
 * {@link evaluateCheck} without waiting: `softLimit` says whether the found metered entitlement has
 * a soft limit, or undefined when that takes a lookup, and then the answer is undefined too.
 */
export function checkResultOf(
  input: CheckInput,
  softLimitOf: (entitlement: Entitlement) => boolean | undefined,
): CheckResult | undefined {
  const { found, requestedUsage } = input;
  if (found === null) {
    return {
      object: 'entitlement_check',
      vendor: input.vendor,
      customerId: input.customerId,
      featureKey: input.featureKey,
      hasAccess: false,
      reason: 'not_entitled',
      type: null,
      unlimited: false,
      limit: null,
      usage: null,
      remaining: null,
      value: null,
      requestedUsage,
      softLimit: null,
      overage: null,
      entitlement: null,
    };
  }
  let hasAccess = found.hasAccess;
  let reason = found.reason;
  let softLimit: boolean | null = null;
  let overage: number | null = null;
  const quantified = found.type === 'numeric' || found.type === 'metered';
  if (
    hasAccess &&
    requestedUsage !== null &&
    quantified &&
    !found.unlimited &&
    found.remaining !== null &&
    requestedUsage > found.remaining
  ) {
    if (found.type === 'metered') {
      const known = softLimitOf(found);
      if (known === undefined) return undefined;
      softLimit = known;
    } else {
      softLimit = false;
    }
    if (softLimit) {
      overage = requestedUsage - Math.max(found.remaining, 0);
    } else {
      hasAccess = false;
      reason = 'limit_exceeded';
    }
  }
  return {
    object: 'entitlement_check',
    vendor: input.vendor,
    customerId: input.customerId,
    featureKey: input.featureKey,
    hasAccess,
    reason,
    type: found.type,
    unlimited: found.unlimited,
    limit: found.limit,
    usage: found.usage,
    remaining: found.remaining,
    value: found.value,
    requestedUsage,
    softLimit,
    overage,
    // The snapshot's own object: serialization (entitlement-json.ts) leaves its vendor rows out.
    entitlement: found,
  };
}

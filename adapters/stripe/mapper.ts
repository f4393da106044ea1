import type { Entitlement, Grant } from '../../schemas/entitlement';
import type { CustomerSnapshot, NormalizedEntitlements } from '../kit';
import type { StripeActiveEntitlement, StripeFeature } from './wire';

/**
 * Stripe active entitlements → normalized entitlements. Pure functions only; every rule is listed in
 * the mapping documentation with the test that pins it.
 *
 * The principle: Stripe lists only the entitlements a customer holds right now, and a Stripe
 * entitlement is boolean (no quantity, usage or dates), so holding one is access. The mapper groups
 * rows per feature key and never denies.
 */

/** What the adapter keeps in a snapshot: the rows as received, in listing order, each once. */
export interface StripeSnapshotData {
  rows: StripeActiveEntitlement[];
}

/** The record kind behind every Stripe grant. */
export const stripeGrantSource = 'active_entitlement';

/** The expanded feature of a row, or null when Stripe sent only its id. */
function expandedFeature(row: StripeActiveEntitlement): StripeFeature | null {
  return typeof row.feature === 'string' ? null : row.feature;
}

/** The feature's id (`feat_…`), expanded or not. */
export function stripeFeatureId(row: StripeActiveEntitlement): string {
  return typeof row.feature === 'string' ? row.feature : row.feature.id;
}

function nonEmpty(text: string | null | undefined): string | null {
  return typeof text === 'string' && text.length > 0 ? text : null;
}

/**
 * A row's feature key: the expanded feature's `lookup_key`, else the row's own `lookup_key` (Stripe
 * copies the feature's), else the feature id, so that a feature created without a lookup key is still
 * answered under a stable key rather than failing the customer.
 */
export function stripeFeatureKey(row: StripeActiveEntitlement): string {
  return nonEmpty(expandedFeature(row)?.lookup_key) ?? nonEmpty(row.lookup_key) ?? stripeFeatureId(row);
}

/**
 * One row as a grant: `source` `active_entitlement`, `sourceId` the feature id, `vendorId` the
 * `ent_…` id; held, so `hasAccess` true and `status` `active`, with no quantities and no window.
 */
export function mapStripeGrant(row: StripeActiveEntitlement): Grant {
  return {
    source: stripeGrantSource,
    sourceId: stripeFeatureId(row),
    vendorId: row.id,
    hasAccess: true,
    limit: null,
    usage: null,
    value: null,
    status: 'active',
    activeFrom: null,
    activeTo: null,
  };
}

/**
 * One feature's rows as one boolean entitlement with access. An archived feature (`active: false`)
 * still grants access: Stripe lists only entitlements in force, and archiving a feature only stops
 * it from being attached to more products; the customer keeps it until Stripe stops listing it.
 */
export function normalizeStripeFeature(
  customerId: string,
  featureKey: string,
  rows: readonly StripeActiveEntitlement[],
): Entitlement {
  if (rows.length === 0) throw new RangeError(`feature ${featureKey} has no rows`);
  const featureName =
    rows.map((row) => nonEmpty(expandedFeature(row)?.name)).find((name) => name !== null) ?? null;
  return {
    object: 'entitlement',
    vendor: 'stripe',
    customerId,
    featureKey,
    featureName,
    type: 'boolean',
    hasAccess: true,
    reason: null,
    unlimited: false,
    limit: null,
    usage: null,
    remaining: null,
    value: null,
    config: null,
    unit: null,
    activeFrom: null,
    activeTo: null,
    grants: rows.map(mapStripeGrant),
    raw: [...rows],
  };
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A snapshot as normalized entitlements: one per feature key, sorted in code-unit order, grants and
 * `raw` in listing order. Stripe rows carry no dates, so the answer is the same at every `at` and
 * never changes by itself (`changesAt` null).
 */
export function normalizeStripeSnapshot(
  snapshot: CustomerSnapshot<StripeSnapshotData>,
  _at: Date,
): NormalizedEntitlements {
  const byFeature = new Map<string, StripeActiveEntitlement[]>();
  for (const row of snapshot.data.rows) {
    const key = stripeFeatureKey(row);
    const group = byFeature.get(key);
    if (group) group.push(row);
    else byFeature.set(key, [row]);
  }
  const entitlements = [...byFeature.keys()]
    .sort(compareCodeUnits)
    .map((featureKey) =>
      normalizeStripeFeature(snapshot.customerId, featureKey, byFeature.get(featureKey) ?? []),
    );
  return { entitlements, changesAt: null };
}

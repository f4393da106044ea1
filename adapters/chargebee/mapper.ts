import type { DenialReason, Entitlement, EntitlementType, Grant } from '../../schemas/entitlement';
import type { CustomerSnapshot, NormalizedEntitlements } from '../kit';
import type {
  ChargebeeCustomerEntitlement,
  ChargebeeFeature,
  ChargebeeSubscription,
  ChargebeeSubscriptionEntitlement,
} from './wire';

/**
 * Pure mapping of Chargebee entitlement rows to the gateway's normalized model. The rules are listed
 * one per line, with the test that pins each, in `docs/mapping.md` (Chargebee).
 */

/** Rows read from `GET /customers/{id}/customer_entitlements`. */
export interface ChargebeeCustomerEntitlementsData {
  source: 'customer_entitlements';
  /** Whether `consolidate_entitlements=true` was sent (one row per feature, no subscription id). */
  consolidated: boolean;
  /** Every row of every page, exactly as Chargebee sent it, in vendor order. */
  rows: ChargebeeCustomerEntitlement[];
  /** Catalogue entries of the features the rows name (features missing from the catalogue are absent). */
  features: ChargebeeFeature[];
}

/** Rows read through the fallback: the customer's subscriptions, then each one's `subscription_entitlements`. */
export interface ChargebeeSubscriptionEntitlementsData {
  source: 'subscription_entitlements';
  /** Every subscription listed (active and non_renewing were asked for), with its rows as Chargebee sent them. */
  subscriptions: Array<{
    subscription: ChargebeeSubscription;
    entitlements: ChargebeeSubscriptionEntitlement[];
  }>;
  features: ChargebeeFeature[];
}

/** What a Chargebee snapshot holds: plain JSON, cached by the gateway and normalized at serve time. */
export type ChargebeeSnapshotData = ChargebeeCustomerEntitlementsData | ChargebeeSubscriptionEntitlementsData;

/** Subscription statuses whose entitlements count (what `customer_entitlements` itself counts). */
export const contributingSubscriptionStatuses: readonly string[] = ['active', 'non_renewing'];

/** Chargebee feature types. */
export type ChargebeeFeatureType = 'switch' | 'quantity' | 'range' | 'custom';

/** Chargebee feature type → normalized type. */
export const chargebeeTypeMapping: Record<ChargebeeFeatureType, EntitlementType> = {
  switch: 'boolean',
  quantity: 'numeric',
  range: 'numeric',
  custom: 'enum',
};

/** One vendor row, read into the fields the rules need; `raw` is the row as received. */
interface RowView {
  raw: ChargebeeCustomerEntitlement | ChargebeeSubscriptionEntitlement;
  featureId: string;
  source: 'subscription' | 'customer';
  sourceId: string | null;
  /** The subscription's status when known (fallback path); `customer_entitlements` does not say. */
  status: string | null;
  value: string | null;
  featureName: string | null;
  featureType: string | null;
  featureUnit: string | null;
  isEnabled: boolean;
  effectiveFromMs: number | null;
  expiresAtMs: number | null;
}

/** Where a row stands at the evaluation instant. */
type RowState = 'live' | 'disabled' | 'scheduled' | 'expired';

const unlimitedPattern = /^unlimited$/i;
const decimalPattern = /^-?\d+(?:\.\d+)?$/;
const switchOnPattern = /^(?:true|available)$/i;
const switchPattern = /^(?:true|false|available|not available)$/i;

function valueText(value: string | number | boolean | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return String(value).trim();
}

function secondsToMs(seconds: number | null | undefined): number | null {
  return seconds === null || seconds === undefined || !Number.isFinite(seconds) ? null : seconds * 1000;
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function rowViews(snapshot: CustomerSnapshot<ChargebeeSnapshotData>): RowView[] {
  const data = snapshot.data;
  const views: RowView[] = [];
  if (data.source === 'customer_entitlements') {
    for (const row of data.rows) {
      // A row without a feature id cannot be keyed; it stays in the snapshot but maps to nothing.
      if (!row.feature_id) continue;
      const subscriptionId = row.subscription_id ?? null;
      views.push({
        raw: row,
        featureId: row.feature_id,
        source: subscriptionId === null ? 'customer' : 'subscription',
        sourceId: subscriptionId ?? row.customer_id ?? snapshot.customerId,
        status: null,
        value: valueText(row.value),
        featureName: null,
        featureType: null,
        featureUnit: null,
        isEnabled: row.is_enabled === true,
        effectiveFromMs: null,
        expiresAtMs: null,
      });
    }
    return views;
  }
  for (const { subscription, entitlements } of data.subscriptions) {
    for (const row of entitlements) {
      if (!row.feature_id) continue;
      views.push({
        raw: row,
        featureId: row.feature_id,
        source: 'subscription',
        sourceId: subscription.id,
        status: subscription.status ?? null,
        value: valueText(row.value),
        featureName: row.feature_name ?? null,
        featureType: row.feature_type ?? null,
        featureUnit: row.feature_unit ?? null,
        isEnabled: row.is_enabled === true,
        effectiveFromMs: secondsToMs(row.effective_from),
        expiresAtMs: secondsToMs(row.expires_at),
      });
    }
  }
  return views;
}

function rowState(row: RowView, atMs: number): RowState {
  if (!row.isEnabled) return 'disabled';
  if (row.effectiveFromMs !== null && row.effectiveFromMs > atMs) return 'scheduled';
  // Chargebee keeps returning an expired override for up to ~12 h before removing it, so the
  // gateway applies `expires_at` itself.
  if (row.expiresAtMs !== null && row.expiresAtMs <= atMs) return 'expired';
  return 'live';
}

function isChargebeeFeatureType(type: string | null | undefined): type is ChargebeeFeatureType {
  return type === 'switch' || type === 'quantity' || type === 'range' || type === 'custom';
}

/**
 * The feature's Chargebee type: the catalogue's, else the row's `feature_type` (subscription
 * entitlements carry it), else guessed from the values: all switch words → `switch`, all numbers or
 * "unlimited" → `quantity`, anything else → `custom`.
 */
export function resolveChargebeeFeatureType(
  feature: ChargebeeFeature | undefined,
  rowTypes: ReadonlyArray<string | null>,
  values: ReadonlyArray<string | null>,
): ChargebeeFeatureType {
  if (isChargebeeFeatureType(feature?.type)) return feature.type;
  const rowType = rowTypes.find(isChargebeeFeatureType);
  if (rowType !== undefined) return rowType;
  const present = values.filter((value): value is string => value !== null && value !== '');
  if (present.length > 0 && present.every((value) => switchPattern.test(value))) return 'switch';
  if (
    present.length > 0 &&
    present.every((value) => decimalPattern.test(value) || unlimitedPattern.test(value))
  )
    return 'quantity';
  if (present.length === 0) return 'switch';
  return 'custom';
}

/** Whether a quantity/range value means "unlimited": the word (any case) or a level marked `is_unlimited`. */
function isUnlimited(value: string, feature: ChargebeeFeature | undefined): boolean {
  if (unlimitedPattern.test(value)) return true;
  return (feature?.levels ?? []).some(
    (level) => level.is_unlimited === true && valueText(level.value)?.toLowerCase() === value.toLowerCase(),
  );
}

/** The catalogue level of a custom value (exact match first, then case-insensitive), or null. */
function levelOf(
  value: string,
  feature: ChargebeeFeature | undefined,
): { level: number; value: string } | null {
  const levels = feature?.levels ?? [];
  const exact = levels.find((level) => valueText(level.value) === value);
  const match =
    exact ?? levels.find((level) => valueText(level.value)?.toLowerCase() === value.toLowerCase());
  if (!match || typeof match.level !== 'number') return null;
  return { level: match.level, value: valueText(match.value) ?? value };
}

interface RowOutcome {
  row: RowView;
  state: RowState;
  grant: Grant;
  /** Numeric rows: the quantity (null for unlimited or unreadable). */
  quantity: number | null;
  unlimited: boolean;
}

function rowOutcome(
  row: RowView,
  type: ChargebeeFeatureType,
  feature: ChargebeeFeature | undefined,
  atMs: number,
): RowOutcome {
  const state = rowState(row, atMs);
  const live = state === 'live';
  let grantValue: Grant['value'] = row.value;
  let quantity: number | null = null;
  let unlimited = false;
  let grants = false;
  if (type === 'switch') {
    grantValue = row.value !== null && switchOnPattern.test(row.value);
    grants = grantValue;
  } else if (type === 'quantity' || type === 'range') {
    if (row.value !== null && isUnlimited(row.value, feature)) {
      unlimited = true;
      grants = true;
    } else if (row.value !== null && decimalPattern.test(row.value)) {
      quantity = Number(row.value);
      grants = quantity > 0;
    }
  } else {
    grants = row.value !== null && row.value !== '';
  }
  return {
    row,
    state,
    quantity,
    unlimited,
    grant: {
      source: row.source,
      sourceId: row.sourceId,
      // Chargebee entitlement rows have no id of their own.
      vendorId: null,
      hasAccess: live && grants,
      limit: quantity,
      usage: null,
      value: grantValue,
      status: row.status,
      activeFrom: isoOrNull(row.effectiveFromMs),
      activeTo: isoOrNull(row.expiresAtMs),
    },
  };
}

/** Why nothing grants access when no row is live: all disabled, else one is yet to start, else expired. */
function reasonWithoutLiveRows(outcomes: readonly RowOutcome[]): DenialReason {
  if (outcomes.every((outcome) => outcome.state === 'disabled')) return 'disabled';
  if (outcomes.some((outcome) => outcome.state === 'scheduled')) return 'inactive';
  if (outcomes.some((outcome) => outcome.state === 'expired')) return 'expired';
  return 'not_entitled';
}

function earliest(values: ReadonlyArray<number | null>): number | null {
  const present = values.filter((value): value is number => value !== null);
  return present.length === 0 ? null : Math.min(...present);
}

function latest(values: ReadonlyArray<number | null>): number | null {
  const present = values.filter((value): value is number => value !== null);
  return present.length === 0 ? null : Math.max(...present);
}

/** Grants (and their raw rows) in a stable order whatever path loaded them: by source, then source id. */
function compareOutcomes(a: RowOutcome, b: RowOutcome): number {
  if (a.row.source !== b.row.source) return a.row.source < b.row.source ? -1 : 1;
  const left = a.row.sourceId ?? '';
  const right = b.row.sourceId ?? '';
  if (left === right) return 0;
  return left < right ? -1 : 1;
}

function mapFeature(
  customerId: string,
  featureId: string,
  rows: readonly RowView[],
  feature: ChargebeeFeature | undefined,
  atMs: number,
): Entitlement {
  const type = resolveChargebeeFeatureType(
    feature,
    rows.map((row) => row.featureType),
    rows.map((row) => row.value),
  );
  // Array.prototype.sort is stable, so rows of one source keep their vendor order.
  const outcomes = rows.map((row) => rowOutcome(row, type, feature, atMs)).sort(compareOutcomes);
  const live = outcomes.filter((outcome) => outcome.state === 'live');

  let hasAccess: boolean;
  let unlimited = false;
  let limit: number | null = null;
  let value: Entitlement['value'];
  let contributing: RowOutcome[];

  if (type === 'switch') {
    contributing = live.filter((outcome) => outcome.grant.hasAccess);
    hasAccess = contributing.length > 0;
    value = hasAccess;
  } else if (type === 'quantity' || type === 'range') {
    const unlimitedRows = live.filter((outcome) => outcome.unlimited);
    const counted = live.filter((outcome) => outcome.quantity !== null);
    if (unlimitedRows.length > 0) {
      unlimited = true;
      contributing = unlimitedRows;
      hasAccess = true;
      value = 'unlimited';
    } else if (counted.length > 0) {
      limit = counted.reduce((sum, outcome) => sum + (outcome.quantity ?? 0), 0);
      contributing = counted.filter((outcome) => outcome.grant.hasAccess);
      // A total of 0 means the plan grants none of it: not entitled rather than "limit exceeded",
      // because Chargebee does not meter usage against this value.
      hasAccess = limit > 0;
      value = String(limit);
    } else {
      contributing = [];
      hasAccess = false;
      value = null;
    }
  } else {
    // Custom: the live value with the highest catalogue level wins; values the catalogue does not list
    // rank below every listed level, and among equals the first row (in grant order) wins.
    let winner: { outcome: RowOutcome; level: number; value: string } | null = null;
    for (const outcome of live) {
      if (!outcome.grant.hasAccess || outcome.row.value === null) continue;
      const level = levelOf(outcome.row.value, feature);
      const rank = level?.level ?? Number.NEGATIVE_INFINITY;
      if (winner === null || rank > winner.level) {
        winner = { outcome, level: rank, value: level?.value ?? outcome.row.value };
      }
    }
    contributing = winner === null ? [] : [winner.outcome];
    hasAccess = winner !== null;
    value = winner?.value ?? null;
  }

  const reason: DenialReason | null = hasAccess
    ? null
    : live.length > 0
      ? 'not_entitled'
      : reasonWithoutLiveRows(outcomes);

  let activeFrom: number | null = null;
  let activeTo: number | null = null;
  if (hasAccess) {
    // The entitlement's window is known only when every contributing row has one.
    if (contributing.every((outcome) => outcome.row.effectiveFromMs !== null))
      activeFrom = earliest(contributing.map((outcome) => outcome.row.effectiveFromMs));
    if (contributing.every((outcome) => outcome.row.expiresAtMs !== null))
      activeTo = latest(contributing.map((outcome) => outcome.row.expiresAtMs));
  } else if (reason === 'inactive') {
    activeFrom = earliest(outcomes.filter((o) => o.state === 'scheduled').map((o) => o.row.effectiveFromMs));
  } else if (reason === 'expired') {
    activeTo = latest(outcomes.filter((o) => o.state === 'expired').map((o) => o.row.expiresAtMs));
  }

  const named = rows.find((row) => row.featureName !== null);
  const unitRow = rows.find((row) => row.featureUnit !== null);
  return {
    object: 'entitlement',
    vendor: 'chargebee',
    customerId,
    featureKey: featureId,
    featureName: feature?.name ?? named?.featureName ?? null,
    type: chargebeeTypeMapping[type],
    hasAccess,
    reason,
    unlimited,
    limit: unlimited ? null : limit,
    // Chargebee does not meter these entitlements: no usage, and the remainder is the whole limit.
    usage: null,
    remaining: unlimited ? null : limit,
    value,
    config: null,
    unit: feature?.unit ?? unitRow?.featureUnit ?? null,
    activeFrom: isoOrNull(activeFrom),
    activeTo: isoOrNull(activeTo),
    grants: outcomes.map((outcome) => outcome.grant),
    raw: outcomes.map((outcome) => outcome.row.raw),
  };
}

/**
 * Normalizes a Chargebee snapshot at `at`: one entitlement per feature id, sorted by feature key in
 * code-unit order, with `changesAt` the first row window boundary (`effective_from`/`expires_at`)
 * strictly after `at`.
 */
export function normalizeChargebeeSnapshot(
  snapshot: CustomerSnapshot<ChargebeeSnapshotData>,
  at: Date,
): NormalizedEntitlements {
  const atMs = at.getTime();
  const catalogue = new Map(snapshot.data.features.map((feature) => [feature.id, feature]));
  const byFeature = new Map<string, RowView[]>();
  for (const row of rowViews(snapshot)) {
    const rows = byFeature.get(row.featureId);
    if (rows) rows.push(row);
    else byFeature.set(row.featureId, [row]);
  }
  const keys = [...byFeature.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const entitlements = keys.map((key) =>
    mapFeature(snapshot.customerId, key, byFeature.get(key) ?? [], catalogue.get(key), atMs),
  );
  let changesAt: number | null = null;
  for (const rows of byFeature.values()) {
    for (const row of rows) {
      for (const boundary of [row.effectiveFromMs, row.expiresAtMs]) {
        if (boundary !== null && boundary > atMs && (changesAt === null || boundary < changesAt))
          changesAt = boundary;
      }
    }
  }
  return { entitlements, changesAt };
}

/** The feature ids the snapshot's rows name, for trimming the catalogue stored with it. */
export function referencedFeatureIds(
  rows: ReadonlyArray<{ feature_id?: string | null | undefined }>,
): Set<string> {
  const ids = new Set<string>();
  for (const row of rows) if (row.feature_id) ids.add(row.feature_id);
  return ids;
}

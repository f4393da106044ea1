import type { DenialReason, Entitlement, EntitlementType, Grant } from '../../schemas/entitlement';
import type { CustomerSnapshot, NormalizedEntitlements } from '../kit';
import { type PaygenticEntitlementRow, parsePaygenticInstant } from './wire';

/**
 * Paygentic rows → normalized entitlements. Pure functions only; the rules are listed one per line in
 * docs/mapping.md, each with the test that pins it.
 *
 * The principle: Paygentic evaluates access itself (at the `at` the gateway passed, or at the moment
 * it answered), so its `hasAccess` is authoritative and never recomputed here; the mapper only
 * combines rows, derives the normalized type and quantities, and explains a denial.
 */

/** What the adapter keeps in a snapshot: the vendor rows as received, in offset order, each once. */
export interface PaygenticSnapshotData {
  rows: PaygenticEntitlementRow[];
}

/** The normalized kind a single row stands for. */
type RowKind = Extract<EntitlementType, 'boolean' | 'numeric' | 'metered' | 'config'>;

/** The record kind behind every Paygentic grant. */
export const paygenticGrantSource = 'product_entitlement';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function finiteNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A static row's `config` as an object, or null. */
function rowConfig(row: PaygenticEntitlementRow): Record<string, unknown> | null {
  return isRecord(row.config) ? row.config : null;
}

/** `config.limit` when it is a number: the quantity a static entitlement grants. */
function staticLimit(row: PaygenticEntitlementRow): number | null {
  return finiteNumber(rowConfig(row)?.['limit']);
}

/**
 * The normalized kind of one row: `metered` → metered; `static` → numeric when `config.limit` is a
 * number, else config; `boolean` → boolean. A `featureType` Paygentic adds later is read like
 * `static` when the row carries a config object (the only payload such a row could have that the
 * gateway understands) and like `boolean` otherwise, rather than failing the customer.
 */
export function paygenticRowKind(row: PaygenticEntitlementRow): RowKind {
  switch (row.featureType) {
    case 'metered':
      return 'metered';
    case 'boolean':
      return 'boolean';
    case 'static':
      return staticLimit(row) === null ? 'config' : 'numeric';
    default:
      if (rowConfig(row) === null) return 'boolean';
      return staticLimit(row) === null ? 'config' : 'numeric';
  }
}

/** A metered row's limit: what it started the period with, `balance + usageInPeriod`, when both are known. */
function meteredLimit(row: PaygenticEntitlementRow): number | null {
  const balance = finiteNumber(row.balance);
  const usage = finiteNumber(row.usageInPeriod);
  return balance === null || usage === null ? null : balance + usage;
}

/** One Paygentic row as a normalized grant. `sourceId` is the product (see docs/mapping.md). */
export function mapPaygenticGrant(row: PaygenticEntitlementRow): Grant {
  const kind = paygenticRowKind(row);
  const limit = kind === 'numeric' ? staticLimit(row) : kind === 'metered' ? meteredLimit(row) : null;
  return {
    source: paygenticGrantSource,
    sourceId: row.productId ?? null,
    vendorId: row.entitlementId,
    hasAccess: row.hasAccess,
    limit,
    usage: kind === 'metered' ? finiteNumber(row.usageInPeriod) : null,
    value: kind === 'numeric' ? limit : null,
    status: row.status ?? null,
    activeFrom: row.activeFrom ?? null,
    activeTo: row.activeTo ?? null,
  };
}

/**
 * Why Paygentic denies one row, judged at the instant Paygentic evaluated (the reason explains its
 * decision, so it must use its clock): canceled → disabled; expired, or `activeTo` reached →
 * expired; `activeFrom` still ahead → inactive; metered with `balance <= 0` → limit_exceeded; anything
 * else → not_entitled.
 */
export function paygenticRowDenialReason(row: PaygenticEntitlementRow, evaluatedAtMs: number): DenialReason {
  if (row.status === 'canceled') return 'disabled';
  const activeTo = parsePaygenticInstant(row.activeTo);
  if (row.status === 'expired' || (activeTo !== null && activeTo <= evaluatedAtMs)) return 'expired';
  const activeFrom = parsePaygenticInstant(row.activeFrom);
  if (activeFrom !== null && activeFrom > evaluatedAtMs) return 'inactive';
  const balance = finiteNumber(row.balance);
  if (row.featureType === 'metered' && balance !== null && balance <= 0) return 'limit_exceeded';
  return 'not_entitled';
}

/**
 * When several denied rows disagree, the reason of the row nearest to granting access wins: used up
 * (limit_exceeded) before not yet started (inactive) before ended (expired) before canceled
 * (disabled) before nothing at all (not_entitled). It tells the caller what would change the answer.
 */
const reasonPrecedence: readonly DenialReason[] = [
  'limit_exceeded',
  'inactive',
  'expired',
  'disabled',
  'not_entitled',
];

function combinedReason(rows: readonly PaygenticEntitlementRow[], evaluatedAtMs: number): DenialReason {
  const reasons = new Set(rows.map((row) => paygenticRowDenialReason(row, evaluatedAtMs)));
  return reasonPrecedence.find((reason) => reasons.has(reason)) ?? 'not_entitled';
}

/** Sum of a field over rows, or null when any row lacks it (a partial sum would understate it). */
function sumOrNull(values: ReadonlyArray<number | null>): number | null {
  let sum = 0;
  for (const value of values) {
    if (value === null) return null;
    sum += value;
  }
  return values.length === 0 ? null : sum;
}

/** The union of the rows' windows: the earliest start, and no end if any row is open-ended. */
function combinedWindow(rows: readonly PaygenticEntitlementRow[]): {
  activeFrom: string | null;
  activeTo: string | null;
} {
  let activeFrom: { text: string; ms: number } | null = null;
  let activeTo: { text: string; ms: number } | null = null;
  let openEnded = false;
  for (const row of rows) {
    const from = parsePaygenticInstant(row.activeFrom);
    if (row.activeFrom && from !== null && (activeFrom === null || from < activeFrom.ms)) {
      activeFrom = { text: row.activeFrom, ms: from };
    }
    const to = parsePaygenticInstant(row.activeTo);
    if (!row.activeTo || to === null) openEnded = true;
    else if (activeTo === null || to > activeTo.ms) activeTo = { text: row.activeTo, ms: to };
  }
  return { activeFrom: activeFrom?.text ?? null, activeTo: openEnded ? null : (activeTo?.text ?? null) };
}

/**
 * One feature's rows as one normalized entitlement.
 *
 * - `hasAccess`: any row's `hasAccess` (each row is a separate product entitlement; one is enough).
 * - The *primary* row is the first row with access, else the first row; it decides `type` and
 *   `config`. Quantities and the window come from the rows of the same kind that have access (all of
 *   that kind when none has).
 * - numeric: `limit` is the largest `config.limit` (static limits are caps, not pools: two plans
 *   allowing 25 and 50 users allow 50), `remaining` = `limit` (Paygentic reports no usage for them).
 * - metered: `remaining` = Σ `balance`, `usage` = Σ `usageInPeriod`, `limit` = Σ (balance + usage)
 *   (each product's balance is its own pool); null when any contributing row lacks the figure.
 */
export function normalizePaygenticFeature(
  customerId: string,
  featureKey: string,
  rows: readonly PaygenticEntitlementRow[],
  evaluatedAtMs: number,
): Entitlement {
  const withAccess = rows.filter((row) => row.hasAccess);
  const hasAccess = withAccess.length > 0;
  const primary = withAccess[0] ?? rows[0];
  if (primary === undefined) throw new RangeError(`feature ${featureKey} has no rows`);
  const kind = paygenticRowKind(primary);
  const sameKind = (hasAccess ? withAccess : rows).filter((row) => paygenticRowKind(row) === kind);

  let limit: number | null = null;
  let usage: number | null = null;
  let remaining: number | null = null;
  if (kind === 'numeric') {
    const limits = sameKind.map(staticLimit).filter((value): value is number => value !== null);
    limit = limits.length === 0 ? null : Math.max(...limits);
    remaining = limit;
  } else if (kind === 'metered') {
    remaining = sumOrNull(sameKind.map((row) => finiteNumber(row.balance)));
    usage = sumOrNull(sameKind.map((row) => finiteNumber(row.usageInPeriod)));
    limit = sumOrNull(sameKind.map(meteredLimit));
  }

  return {
    object: 'entitlement',
    vendor: 'paygentic',
    customerId,
    featureKey,
    // Paygentic rows carry no feature name; inventing one from the key would be a guess.
    featureName: null,
    type: kind,
    hasAccess,
    reason: hasAccess ? null : combinedReason(rows, evaluatedAtMs),
    // Paygentic has no "unlimited" marker on entitlements.
    unlimited: false,
    limit,
    usage,
    remaining,
    value: kind === 'numeric' ? limit : null,
    config: rowConfig(primary),
    unit: null,
    ...combinedWindow(sameKind),
    grants: rows.map(mapPaygenticGrant),
    raw: [...rows],
  };
}

/**
 * The earliest `activeFrom`/`activeTo` of any row strictly after `atMs`, or null. Paygentic decides
 * access itself, but a window boundary is when its answer changes, so the cache should not serve
 * the old answer past it.
 */
export function paygenticChangesAt(rows: readonly PaygenticEntitlementRow[], atMs: number): number | null {
  let earliest: number | null = null;
  for (const row of rows) {
    for (const boundary of [parsePaygenticInstant(row.activeFrom), parsePaygenticInstant(row.activeTo)]) {
      if (boundary !== null && boundary > atMs && (earliest === null || boundary < earliest))
        earliest = boundary;
    }
  }
  return earliest;
}

/**
 * The instant Paygentic evaluated the snapshot at: the `at` the gateway passed, else when it
 * answered; `fallbackMs` if neither reads as an instant.
 */
export function paygenticEvaluationInstant(
  snapshot: Pick<CustomerSnapshot, 'evaluatedAt' | 'fetchedAt'>,
  fallbackMs: number,
): number {
  return (
    parsePaygenticInstant(snapshot.evaluatedAt) ??
    (Number.isNaN(Date.parse(snapshot.fetchedAt)) ? fallbackMs : Date.parse(snapshot.fetchedAt))
  );
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A snapshot as normalized entitlements at `at`: one per feature key, sorted by key in code-unit
 * order, grants and `raw` in the order Paygentic listed the rows.
 */
export function normalizePaygenticSnapshot(
  snapshot: CustomerSnapshot<PaygenticSnapshotData>,
  at: Date,
): NormalizedEntitlements {
  const atMs = at.getTime();
  const evaluatedAtMs = paygenticEvaluationInstant(snapshot, atMs);
  const byFeature = new Map<string, PaygenticEntitlementRow[]>();
  for (const row of snapshot.data.rows) {
    const group = byFeature.get(row.featureKey);
    if (group) group.push(row);
    else byFeature.set(row.featureKey, [row]);
  }
  const entitlements = [...byFeature.keys()]
    .sort(compareCodeUnits)
    .map((featureKey) =>
      normalizePaygenticFeature(
        snapshot.customerId,
        featureKey,
        byFeature.get(featureKey) ?? [],
        evaluatedAtMs,
      ),
    );
  return { entitlements, changesAt: paygenticChangesAt(snapshot.data.rows, atMs) };
}

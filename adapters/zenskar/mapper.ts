import type { Balance } from '../../schemas/balance';
import type { DenialReason, Entitlement, EntitlementType, Grant } from '../../schemas/entitlement';
import type { NormalizedEntitlements } from '../kit';
import { parseZenskarInstant, type ZenskarBalanceRow, type ZenskarCustomerEntitlementRow } from './wire';

/**
 * Pure mapping of Zenskar rows to the normalized model. The rules, one per line, with the test that
 * pins each, are in docs/mapping.md.
 *
 * Zenskar has no "check access" endpoint: the gateway decides from the rows (its API reference documents none). A row
 * counts when its status is `active` (or missing, as in the balances example) and `at` lies inside
 * `[active_from, expiry_at)`, open where null.
 */

/** A validated row together with the object exactly as Zenskar sent it (for `raw`). */
export interface ZenskarRowRecord {
  row: ZenskarCustomerEntitlementRow;
  raw: unknown;
}

/** Why a row does or does not count at an instant. */
export type ZenskarRowState =
  | 'counted'
  /** status `draft`. */
  | 'draft'
  /** status `voided`. */
  | 'voided'
  /** status `expired`. */
  | 'expired'
  /** active, but `expiry_at` <= at. */
  | 'window_ended'
  /** active, but at < `active_from`. */
  | 'not_started'
  /** a status value the docs do not list. */
  | 'unknown_status';

const reasonOfState: Record<Exclude<ZenskarRowState, 'counted'>, DenialReason> = {
  draft: 'inactive',
  not_started: 'inactive',
  unknown_status: 'inactive',
  expired: 'expired',
  window_ended: 'expired',
  voided: 'disabled',
};

/**
 * When no row counts and the rows disagree on why, the reason closest to access wins: something
 * pending (`inactive`: a draft or a grant not started yet) tells the caller access may come; then
 * `expired` (there was access, it lapsed); `disabled` only when every row was voided.
 */
export const zenskarReasonPrecedence: readonly DenialReason[] = ['inactive', 'expired', 'disabled'];

function instant(text: string | null | undefined): number | null {
  return text === null || text === undefined ? null : parseZenskarInstant(text);
}

function isoOrNull(text: string | null | undefined): string | null {
  const ms = instant(text);
  return ms === null ? null : new Date(ms).toISOString();
}

/** Whether a row counts at `atMs`, and if not, why. Status first, then the window. */
export function evaluateZenskarRow(row: ZenskarCustomerEntitlementRow, atMs: number): ZenskarRowState {
  const status = row.status?.toLowerCase() ?? 'active';
  if (status === 'draft') return 'draft';
  if (status === 'voided') return 'voided';
  if (status === 'expired') return 'expired';
  if (status !== 'active') return 'unknown_status';
  const from = instant(row.active_from);
  const to = instant(row.expiry_at);
  if (from !== null && atMs < from) return 'not_started';
  if (to !== null && atMs >= to) return 'window_ended';
  return 'counted';
}

/**
 * Feature → `boolean`; Quantity and Credits → `metered` (both are consumed balances). Rows of one
 * definition should agree; if they do not, a quantity type wins because its rows carry balances. With
 * no known type at all, rows that carry a quantity are `metered`, others `boolean`.
 */
export function zenskarEntitlementType(rows: readonly ZenskarCustomerEntitlementRow[]): EntitlementType {
  const types = rows.map((row) => row.type?.toLowerCase());
  if (types.some((type) => type === 'quantity' || type === 'credits')) return 'metered';
  if (types.some((type) => type === 'feature')) return 'boolean';
  return rows.some((row) => row.quantity !== null && row.quantity !== undefined) ? 'metered' : 'boolean';
}

/** A row's own remaining balance: the vendor's, else quantity - used (missing numbers count as 0). */
function rowRemaining(row: ZenskarCustomerEntitlementRow): number {
  return row.quantity_remaining ?? (row.quantity ?? 0) - (row.quantity_used ?? 0);
}

function toGrant(row: ZenskarCustomerEntitlementRow, state: ZenskarRowState, metered: boolean): Grant {
  return {
    source: row.source_type?.toLowerCase() || 'grant',
    sourceId: row.source_id ?? null,
    vendorId: row.id,
    hasAccess: state === 'counted' && (!metered || rowRemaining(row) > 0),
    limit: metered ? (row.quantity ?? null) : null,
    usage: metered ? (row.quantity_used ?? null) : null,
    value: null,
    status: row.status ?? null,
    activeFrom: isoOrNull(row.active_from),
    activeTo: isoOrNull(row.expiry_at),
  };
}

/** Earliest start (null = open) and latest end (null = open) over `rows`. */
function windowOf(rows: readonly ZenskarCustomerEntitlementRow[]): {
  activeFrom: string | null;
  activeTo: string | null;
} {
  let from: number | null = Number.POSITIVE_INFINITY;
  let to: number | null = Number.NEGATIVE_INFINITY;
  for (const row of rows) {
    const start = instant(row.active_from);
    const end = instant(row.expiry_at);
    from = from === null || start === null ? null : Math.min(from, start);
    to = to === null || end === null ? null : Math.max(to, end);
  }
  return {
    activeFrom: from === null || !Number.isFinite(from) ? null : new Date(from).toISOString(),
    activeTo: to === null || !Number.isFinite(to) ? null : new Date(to).toISOString(),
  };
}

function firstText(values: Array<string | null | undefined>): string | null {
  for (const value of values) if (value) return value;
  return null;
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** One normalized entitlement from every row of one entitlement definition, at `atMs`. */
export function mapZenskarEntitlement(
  customerId: string,
  featureKey: string,
  records: readonly ZenskarRowRecord[],
  atMs: number,
): Entitlement {
  const rows = records.map((record) => record.row);
  const type = zenskarEntitlementType(rows);
  const metered = type === 'metered';
  const states = rows.map((row) => evaluateZenskarRow(row, atMs));
  const counted = rows.filter((_, index) => states[index] === 'counted');

  let limit: number | null = null;
  let usage: number | null = null;
  let remaining: number | null = null;
  if (metered) {
    limit = sum(counted.map((row) => row.quantity ?? 0));
    usage = sum(counted.map((row) => row.quantity_used ?? 0));
    const reported = counted.map((row) => row.quantity_remaining);
    remaining = reported.every((value) => typeof value === 'number')
      ? sum(reported.map((value) => value ?? 0))
      : limit - usage;
  }

  let reason: DenialReason | null = null;
  if (counted.length === 0) {
    const reasons = new Set(
      states.map((state) => (state === 'counted' ? 'not_entitled' : reasonOfState[state])),
    );
    reason = zenskarReasonPrecedence.find((candidate) => reasons.has(candidate)) ?? 'not_entitled';
  } else if (metered && (remaining ?? 0) <= 0) {
    reason = 'limit_exceeded';
  }

  return {
    object: 'entitlement',
    vendor: 'zenskar',
    customerId,
    featureKey,
    featureName: firstText(rows.map((row) => row.name)),
    type,
    hasAccess: reason === null,
    reason,
    // Zenskar has no notion of an unlimited entitlement.
    unlimited: false,
    limit,
    usage,
    remaining,
    // Zenskar rows carry no value: the numbers live in limit/usage/remaining, a Feature is on or off.
    value: null,
    config: null,
    unit: firstText(rows.map((row) => row.units)),
    ...windowOf(counted.length > 0 ? counted : rows),
    grants: rows.map((row, index) => toGrant(row, states[index] ?? 'unknown_status', metered)),
    raw: records.map((record) => record.raw),
  };
}

/**
 * Every row of a customer as normalized entitlements at `at`: one per entitlement definition id
 * (the feature key: the definition's `name` is neither unique nor stable, its UUID is both), sorted
 * by feature key in code-unit order, grants and `raw` in the vendor's order. `changesAt` is the
 * earliest `active_from`/`expiry_at` of any row strictly after `at`.
 */
export function normalizeZenskarRows(
  customerId: string,
  records: readonly ZenskarRowRecord[],
  at: Date,
): NormalizedEntitlements {
  const atMs = at.getTime();
  const groups = new Map<string, ZenskarRowRecord[]>();
  let changesAt: number | null = null;
  for (const record of records) {
    const group = groups.get(record.row.entitlement);
    if (group) group.push(record);
    else groups.set(record.row.entitlement, [record]);
    for (const boundary of [instant(record.row.active_from), instant(record.row.expiry_at)]) {
      if (boundary !== null && boundary > atMs && (changesAt === null || boundary < changesAt))
        changesAt = boundary;
    }
  }
  const keys = [...groups.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    entitlements: keys.map((key) => mapZenskarEntitlement(customerId, key, groups.get(key) ?? [], atMs)),
    changesAt,
  };
}

type Details = { id?: string | null | undefined; name?: string | null | undefined } | null | undefined;

function reference(
  details: Details,
  fallbackId: string | null | undefined,
): { id: string | null; name: string | null } | null {
  if (details) return { id: details.id ?? fallbackId ?? null, name: details.name ?? null };
  return fallbackId ? { id: fallbackId, name: null } : null;
}

/**
 * One row of the balances listing as a gateway {@link Balance}. `customer` is an object only when
 * Zenskar populated it; references fall back to the bare `*_id` fields; `remaining` is the vendor's
 * `quantity_remaining`, else `quantity - quantity_used` (a missing usage counts as 0, a missing
 * quantity leaves it unknown).
 */
export function mapZenskarBalance(row: ZenskarBalanceRow, raw: unknown): Balance {
  const customer = row.customer;
  const entitlement = row.entitlement;
  const quantity = row.quantity ?? null;
  const usage = row.quantity_used ?? null;
  return {
    object: 'balance',
    vendor: 'zenskar',
    id: row.id,
    customerId: typeof customer === 'string' ? customer : (customer?.id ?? null),
    customer:
      customer && typeof customer === 'object'
        ? { id: customer.id ?? null, name: customer.name ?? null, email: customer.email ?? null }
        : null,
    featureId: typeof entitlement === 'string' ? entitlement : (entitlement?.id ?? null),
    featureName: row.name ?? (typeof entitlement === 'object' ? (entitlement?.name ?? null) : null),
    contract: reference(row.contract, row.contract_id),
    product: reference(row.product, row.product_id),
    invoice: reference(row.invoice, row.invoice_id),
    quantity,
    usage,
    remaining: row.quantity_remaining ?? (quantity === null ? null : quantity - (usage ?? 0)),
    activeFrom: isoOrNull(row.active_from),
    expiresAt: isoOrNull(row.expiry_at),
    createdAt: isoOrNull(row.created_at),
    event: row.event ?? null,
    raw,
  };
}

import type { Entitlement, EntitlementType, VendorId } from '../../schemas/entitlement';
import { GatewayError } from '../errors/gateway-error';
import type { CursorBinding, CursorCodec } from './cursor';

/**
 * Keyset pages over a sorted entitlement list, for single-vendor and merged lists alike: the cursor
 * carries the last `featureKey` returned, signed and bound to the tenant, the customer, the listing
 * (`vendor` or `merged`) and the filters. A crawl therefore returns each feature exactly once while
 * the data is unchanged (whether or not the cache refreshed in between), and behaves like keyset
 * pagination over a real change.
 */

/** The filters that shape a listing (the page size does not). */
export interface ListFilters {
  featureKeys: readonly string[];
  type?: EntitlementType;
  hasAccess?: boolean;
  at?: string;
}

/** The listing a merged answer belongs to, in the cursor binding's `vendor` field. */
export const MERGED_LISTING = 'merged';

/** What a list cursor is bound to. `listing` is the vendor, or `merged` for a merged answer. */
export function listBinding(
  tenant: string,
  listing: VendorId | typeof MERGED_LISTING,
  customerId: string,
  filters: ListFilters,
): CursorBinding {
  return {
    tenant,
    vendor: listing,
    scope: customerId,
    query: JSON.stringify([
      [...new Set(filters.featureKeys)].sort(),
      filters.type ?? null,
      filters.hasAccess ?? null,
      filters.at ?? null,
    ]),
  };
}

/**
 * Verifies a cursor before any vendor call (a bad cursor costs nothing upstream) and returns the key
 * to continue after, or null for the first page.
 */
export async function cursorPosition(
  cursors: CursorCodec,
  binding: CursorBinding,
  cursor: string | undefined,
): Promise<string | null> {
  if (cursor === undefined) return null;
  const position = await cursors.decode(binding, cursor);
  if (!('after' in position))
    throw new GatewayError('invalid_cursor', 'The cursor does not belong to this listing.');
  return position.after;
}

/** Binary search: index of the first entitlement whose featureKey sorts after `key`. */
export function indexAfter(entitlements: readonly Entitlement[], key: string): number {
  let low = 0;
  let high = entitlements.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((entitlements[middle] as Entitlement).featureKey <= key) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** One page of a listing. */
export interface KeysetPage {
  data: Entitlement[];
  nextCursor: string | null;
  totalCount: number;
}

/** The page after `after` of the entitlements (sorted by featureKey) that match the filters. */
export async function keysetPage(
  sorted: readonly Entitlement[],
  options: {
    filters: ListFilters;
    after: string | null;
    limit: number;
    binding: CursorBinding;
    cursors: CursorCodec;
  },
): Promise<KeysetPage> {
  const { filters } = options;
  const wanted = filters.featureKeys.length > 0 ? new Set(filters.featureKeys) : null;
  const matching = sorted.filter(
    (entitlement) =>
      (wanted === null || wanted.has(entitlement.featureKey)) &&
      (filters.type === undefined || entitlement.type === filters.type) &&
      (filters.hasAccess === undefined || entitlement.hasAccess === filters.hasAccess),
  );
  const start = options.after === null ? 0 : indexAfter(matching, options.after);
  const data = matching.slice(start, start + options.limit);
  const last = data.at(-1);
  const hasMore = start + data.length < matching.length;
  return {
    data,
    nextCursor:
      hasMore && last ? await options.cursors.encode(options.binding, { after: last.featureKey }) : null,
    totalCount: matching.length,
  };
}

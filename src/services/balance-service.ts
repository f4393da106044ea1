import type { LoadContext, VendorAdapter } from '../../adapters/kit';
import {
  type Balance,
  type BalanceList,
  type BalancePopulateField,
  type BalanceQuery,
  balancePopulateFields,
  balanceRangeFields,
  balanceRangeParameter,
  type ListBalancesQuery,
  numericBalanceRangeFields,
  rangeOperators,
} from '../../schemas/balance';
import type { VendorId } from '../../schemas/entitlement';
import { GatewayError } from '../errors/gateway-error';
import type { CursorBinding, CursorCodec } from './cursor';

/**
 * Cross-customer balance listings (`GET /v1/balances`). Unlike entitlements, balances are not
 * snapshotted and not cached: every gateway page is exactly one vendor page, fetched when
 * asked for, and the gateway cursor wraps the vendor's opaque cursor. Caching pages would key them by
 * a vendor cursor that is server-side state the vendor may expire, and would mix stale pages into a
 * crawl of figures that move with every usage event.
 */

/** What a balances request asks for, once validated and canonicalized. */
export interface BalanceListRequest {
  vendor: VendorId | undefined;
  query: BalanceQuery;
  cursor: string | undefined;
  includeRaw: boolean;
}

/** What the service needs from the request scope. */
export interface BalanceServiceDependencies {
  tenantId: string;
  /** The vendor the request targets (the tenant's only one when not named). */
  resolveVendor(requested: VendorId | undefined): VendorId;
  adapterFor(vendor: VendorId): VendorAdapter;
  cursors: CursorCodec;
  loadContext(vendor: VendorId): LoadContext;
}

/** Sorted, de-duplicated copy: the order in which a caller lists ids changes neither result nor cursor. */
function canonicalIds(ids: readonly string[] | undefined): string[] {
  return [...new Set(ids ?? [])].sort();
}

/** An RFC 3339 instant as ISO 8601 UTC, without a zero millisecond part (`2026-01-01T00:00:00Z`). */
function canonicalInstant(text: string): string {
  return new Date(Date.parse(text)).toISOString().replace('.000Z', 'Z');
}

/**
 * Turns the validated query parameters into a canonical {@link BalanceQuery}: ids sorted and
 * de-duplicated, ranges in a fixed order with numbers as numbers and instants in UTC, populate in
 * its documented order. The same question always gives the same query, so its cursor binding and
 * the vendor query string (which the vendor's own cursor is bound to) never depend on spelling.
 * Throws `validation_failed` for `order` without `sort`.
 */
export function balanceQueryFromParameters(parameters: ListBalancesQuery): BalanceQuery {
  if (parameters.order !== undefined && parameters.sort === undefined) {
    throw new GatewayError('validation_failed', 'Invalid request: query.order needs query.sort.', {
      errors: [{ path: 'query.order', message: 'only valid together with `sort`' }],
    });
  }
  const ranges: BalanceQuery['ranges'] = [];
  for (const field of balanceRangeFields) {
    const numeric = numericBalanceRangeFields.includes(field);
    for (const operator of rangeOperators) {
      const values = parameters[balanceRangeParameter(field, operator)];
      if (values === undefined) continue;
      const canonical = [
        ...new Set(values.map((value) => (numeric ? Number(value) : canonicalInstant(value)))),
      ];
      canonical.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const value of canonical) ranges.push({ field, operator, value });
    }
  }
  const populate = new Set<BalancePopulateField>(parameters.populate ?? []);
  const search = parameters.search?.trim();
  return {
    customerIds: canonicalIds(parameters.customerId),
    featureIds: canonicalIds(parameters.featureId),
    contractIds: canonicalIds(parameters.contractId),
    ranges,
    ...(search ? { search } : {}),
    ...(parameters.sort === undefined
      ? {}
      : { sort: { key: parameters.sort, direction: parameters.order ?? 'asc' } }),
    populate: balancePopulateFields.filter((field) => populate.has(field)),
    limit: parameters.limit,
  };
}

/**
 * The canonical string a balances cursor is bound to: every part of the query that shapes the rows
 * or the vendor's own cursor (filters, search, sort, populate), but not the page size, which a
 * caller may change between pages.
 */
export function balanceQueryBinding(query: BalanceQuery): string {
  return JSON.stringify([
    query.customerIds,
    query.featureIds,
    query.contractIds,
    query.ranges.map((range) => [range.field, range.operator, range.value]),
    query.search ?? null,
    query.sort ? [query.sort.key, query.sort.direction] : null,
    query.populate,
  ]);
}

function withoutRaw(balance: Balance): Balance {
  const { raw: _raw, ...rest } = balance;
  return rest;
}

/** Lists one page of balances per call, through the vendor's own cross-customer listing. */
export class BalanceService {
  constructor(private readonly deps: BalanceServiceDependencies) {}

  /**
   * One gateway page = one vendor page. Order of checks: the vendor (and whether it has a listing at
   * all), then the cursor, and only then one vendor call, so a bad cursor or an unsupported vendor
   * costs nothing upstream.
   */
  async list(request: BalanceListRequest): Promise<BalanceList> {
    const vendor = this.deps.resolveVendor(request.vendor);
    const adapter = this.deps.adapterFor(vendor);
    const listBalances = adapter.listBalances?.bind(adapter);
    if (listBalances === undefined) {
      throw new GatewayError(
        'not_supported_by_vendor',
        `${vendor} has no cross-customer balance listing; read one customer's entitlements with GET /v1/customers/{customerId}/entitlements instead.`,
        { vendor },
      );
    }
    const binding: CursorBinding = {
      tenant: this.deps.tenantId,
      vendor,
      scope: '*',
      query: balanceQueryBinding(request.query),
    };
    let vendorCursor: string | null = null;
    if (request.cursor !== undefined) {
      const position = await this.deps.cursors.decode(binding, request.cursor);
      if (!('vendorCursor' in position)) {
        throw new GatewayError('invalid_cursor', 'The cursor does not belong to a balance listing.', {
          errors: [{ path: 'query.cursor', message: 'issued by another listing' }],
        });
      }
      vendorCursor = position.vendorCursor;
    }
    const page = await listBalances(request.query, vendorCursor, this.deps.loadContext(vendor));
    return {
      object: 'list',
      data: request.includeRaw ? page.balances : page.balances.map(withoutRaw),
      nextCursor:
        page.nextVendorCursor === null
          ? null
          : await this.deps.cursors.encode(binding, { vendorCursor: page.nextVendorCursor }),
      totalCount: page.totalCount,
    };
  }
}

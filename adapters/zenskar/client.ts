import type { z } from 'zod';
import {
  type BalanceQuery,
  type BalanceRangeField,
  type BalanceSortKey,
  balanceRangeParameter,
  type RangeOperator,
} from '../../schemas/balance';
import type {
  UpstreamClient,
  UpstreamRequest,
  VendorErrorDetails,
  VendorErrorParser,
  VendorJson,
} from '../kit';
import { AdapterError, createJsonGetter, describeSchemaIssues, vendorBadResponse } from '../kit';
import type { ZenskarConnection } from './connection';
import {
  type ZenskarBalanceRow,
  type ZenskarCustomerEntitlementRow,
  zenskarBalancePageSchema,
  zenskarBalanceRowSchema,
  zenskarCustomerEntitlementPageSchema,
  zenskarCustomerEntitlementRowSchema,
  zenskarErrorBodySchema,
} from './wire';

/** Zenskar's documented maximum page size (both listings accept 1-100). */
export const ZENSKAR_MAX_PAGE_SIZE = 100;

/** Operation names in logs, metrics and errors. */
export const zenskarOperations = {
  listCustomerEntitlements: 'list_customer_entitlements',
  listBalances: 'list_customer_entitlement_balances',
} as const;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `text` is a hyphenated UUID, the form of every Zenskar customer, entitlement and contract id. */
export function isZenskarUuid(text: string): boolean {
  return uuidPattern.test(text);
}

/**
 * The two headers every Zenskar call needs. The organisation header is spelled the British way, as
 * the vendor does.
 */
export function zenskarAuthHeaders(
  connection: Pick<ZenskarConnection, 'apiKey' | 'organisation'>,
): Record<string, string> {
  return { 'x-api-key': connection.apiKey, organisation: connection.organisation };
}

function endpoint(baseUrl: string, path: string): URL {
  // `new URL(path, base)` would drop a base path such as a proxy prefix, so join the strings.
  return new URL(`${baseUrl.replace(/\/+$/, '')}${path}`);
}

/**
 * `GET {baseUrl}/entitlements/customer/{customer_id}?limit=…&cursor=…`. The customer id is encoded
 * as one path segment so it can never change the path; the cursor is the vendor's `next`, verbatim.
 */
export function customerEntitlementsUrl(
  baseUrl: string,
  customerId: string,
  cursor: string | null,
  limit: number = ZENSKAR_MAX_PAGE_SIZE,
): string {
  const url = endpoint(baseUrl, `/entitlements/customer/${encodeURIComponent(customerId)}`);
  url.searchParams.set('limit', String(limit));
  if (cursor !== null) url.searchParams.set('cursor', cursor);
  return url.toString();
}

/**
 * Zenskar's filter names by gateway range field (Zenskar's "list customer entitlement balances with advanced filtering" reference). `remaining` has none: Zenskar documents
 * range filters on `quantity` and `quantity_used` only (its `quantity_used__lt=quantity` column
 * comparison is UNCONFIRMED), so a remaining filter is refused rather than approximated.
 */
const rangeFieldNames: Record<BalanceRangeField, string | null> = {
  quantity: 'quantity',
  usage: 'quantity_used',
  remaining: null,
  createdAt: 'created_at',
  activeFrom: 'active_from',
  expiresAt: 'expiry_at',
};

const rangeOperatorSuffixes: Record<RangeOperator, string> = {
  eq: '',
  gt: '__gt',
  gte: '__gte',
  lt: '__lt',
  lte: '__lte',
  neq: '__neq',
};

const sortKeyNames: Record<BalanceSortKey, string> = {
  id: 'id',
  createdAt: 'created_at',
  quantity: 'quantity',
  usage: 'quantity_used',
  activeFrom: 'active_from',
  expiresAt: 'expiry_at',
};

function setIdFilter(
  params: URLSearchParams,
  name: string,
  ids: readonly string[],
  gatewayName: string,
): void {
  const unique = [...new Set(ids)];
  const invalid = unique.filter((id) => !isZenskarUuid(id));
  if (invalid.length > 0) {
    // Zenskar would answer 422; saying which filter is wrong is more useful than a vendor rejection.
    throw new AdapterError('validation_failed', `Zenskar ${gatewayName} values are UUIDs.`, {
      vendor: 'zenskar',
      errors: [{ path: `query.${gatewayName}`, message: 'must be a UUID (8-4-4-4-12 hexadecimal digits)' }],
    });
  }
  if (unique.length === 1) params.set(name, unique[0] ?? '');
  else if (unique.length > 1) params.set(`${name}__in`, unique.join(','));
}

/**
 * Translates a gateway {@link BalanceQuery} into Zenskar's query string for
 * `GET /entitlements/customers_balances` (as Zenskar's API reference documents it): one id → `customer`, several → `customer__in`
 * (same for `entitlement` and `contract_id`); ranges as `<field>` for `eq` and `<field>__<op>`
 * otherwise; `sort_key`/`sort_type` as bare values; `populate` as a comma list; the vendor cursor
 * verbatim. Throws `validation_failed` for ids that are not UUIDs, and `unsupported_filter` (naming
 * the gateway parameter) for a `remaining` range and for one range filter given twice with different
 * values (Zenskar keeps only one value per parameter).
 */
export function zenskarBalanceParams(query: BalanceQuery, vendorCursor: string | null): URLSearchParams {
  const params = new URLSearchParams();
  setIdFilter(params, 'customer', query.customerIds, 'customerId');
  setIdFilter(params, 'entitlement', query.featureIds, 'featureId');
  setIdFilter(params, 'contract_id', query.contractIds, 'contractId');
  for (const range of query.ranges) {
    const parameter = balanceRangeParameter(range.field, range.operator);
    const field = rangeFieldNames[range.field];
    if (field === null) {
      throw new AdapterError('unsupported_filter', `Zenskar cannot filter balances on ${parameter}.`, {
        vendor: 'zenskar',
        errors: [{ path: `query.${parameter}`, message: `Zenskar has no filter on ${range.field}` }],
      });
    }
    const name = `${field}${rangeOperatorSuffixes[range.operator]}`;
    const value = String(range.value);
    const existing = params.get(name);
    if (existing !== null && existing !== value) {
      throw new AdapterError(
        'unsupported_filter',
        `Zenskar accepts one value per range filter; ${parameter} was given twice with different values.`,
        {
          vendor: 'zenskar',
          errors: [{ path: `query.${parameter}`, message: 'only one value is supported' }],
        },
      );
    }
    params.set(name, value);
  }
  const search = query.search?.trim();
  if (search) params.set('search', search);
  if (query.sort) {
    params.set('sort_key', sortKeyNames[query.sort.key]);
    params.set('sort_type', query.sort.direction);
  }
  if (query.populate.length > 0) params.set('populate', [...new Set(query.populate)].join(','));
  params.set('limit', String(Math.min(ZENSKAR_MAX_PAGE_SIZE, Math.max(1, Math.trunc(query.limit)))));
  if (vendorCursor !== null) params.set('cursor', vendorCursor);
  return params;
}

/** `GET {baseUrl}/entitlements/customers_balances?…` for a gateway balance query. */
export function balancesUrl(baseUrl: string, query: BalanceQuery, vendorCursor: string | null): string {
  const url = endpoint(baseUrl, '/entitlements/customers_balances');
  url.search = zenskarBalanceParams(query, vendorCursor).toString();
  return url.toString();
}

const MAX_VENDOR_MESSAGE = 300;

/**
 * Reads Zenskar's three error shapes for logs: `{detail: "…"}`, the 422 `{detail: [{loc, msg,
 * type}]}` and the authorizer's `{"Message": "…"}`; anything else keeps a bounded slice of the text.
 */
export const parseZenskarError: VendorErrorParser = (status, body, text): VendorErrorDetails => {
  const parsed = body === undefined ? undefined : zenskarErrorBodySchema().safeParse(body);
  if (parsed?.success) {
    const { detail, Message, message } = parsed.data;
    if (Array.isArray(detail)) {
      const issues = detail.map(
        (issue) => `${(issue.loc ?? []).join('.')}: ${issue.msg ?? issue.type ?? 'invalid'}`,
      );
      return {
        code: detail[0]?.type ?? 'validation_error',
        message: issues.join('; ').slice(0, MAX_VENDOR_MESSAGE),
      };
    }
    if (typeof detail === 'string') return { message: detail.slice(0, MAX_VENDOR_MESSAGE) };
    if (Message) return { code: 'authorizer_denied', message: Message.slice(0, MAX_VENDOR_MESSAGE) };
    if (message) return { message: message.slice(0, MAX_VENDOR_MESSAGE) };
  }
  const trimmed = text.trim();
  return trimmed === ''
    ? { message: `HTTP ${status} with an empty body` }
    : { message: trimmed.slice(0, MAX_VENDOR_MESSAGE) };
};

/** A row that passed the wire schema, with the object exactly as the vendor sent it. */
export interface ZenskarReceived<T> {
  row: T;
  raw: unknown;
}

/** One validated page of a Zenskar listing. */
export interface ZenskarPage<T> {
  items: Array<ZenskarReceived<T>>;
  /** The vendor's `next`; null when absent, null or empty (the last page). */
  next: string | null;
  totalCount: number | null;
}

/** What the adapter asks of Zenskar. */
export interface ZenskarClient {
  /** One page of `GET /entitlements/customer/{id}` at the maximum page size. */
  listCustomerEntitlements(
    customerId: string,
    cursor: string | null,
    signal?: AbortSignal,
  ): Promise<ZenskarPage<ZenskarCustomerEntitlementRow>>;
  /** One page of `GET /entitlements/customers_balances`. */
  listBalances(
    query: BalanceQuery,
    vendorCursor: string | null,
    signal?: AbortSignal,
  ): Promise<ZenskarPage<ZenskarBalanceRow>>;
}

/** Options of {@link createZenskarClient}. */
export interface ZenskarClientOptions {
  connection: ZenskarConnection;
  upstream: UpstreamClient;
  connectionKey: string;
}

/**
 * Reads each row of a page through the row schema, keeping the raw row next to the parsed one (for
 * `include=raw`). A row that does not fit fails the page: the snapshot must be complete.
 */
function readRows<T>(
  request: UpstreamRequest,
  page: VendorJson<{ results: unknown[] }>,
  rowSchema: z.ZodType<T>,
): Array<ZenskarReceived<T>> {
  return page.data.results.map((raw, index) => {
    const row = rowSchema.safeParse(raw);
    if (!row.success)
      throw vendorBadResponse(request, page, describeSchemaIssues(row.error.issues, `results.${index}`));
    return { row: row.data, raw };
  });
}

/** Zenskar's "no next page": absent, null or empty. */
function nextCursor(next: string | null | undefined): string | null {
  return next === undefined || next === null || next === '' ? null : next;
}

/** The Zenskar HTTP client: URLs, auth headers, the error parser and wire validation. */
export function createZenskarClient(options: ZenskarClientOptions): ZenskarClient {
  const { connection, upstream, connectionKey } = options;
  const headers = zenskarAuthHeaders(connection);
  const getJson = createJsonGetter(upstream, parseZenskarError);

  const request = (operation: string, url: string, signal: AbortSignal | undefined): UpstreamRequest => ({
    vendor: 'zenskar',
    connectionKey,
    operation,
    method: 'GET',
    url,
    headers,
    ...(signal === undefined ? {} : { signal }),
  });

  return {
    async listCustomerEntitlements(customerId, cursor, signal) {
      const call = request(
        zenskarOperations.listCustomerEntitlements,
        customerEntitlementsUrl(connection.baseUrl, customerId, cursor),
        signal,
      );
      const page = await getJson(call, zenskarCustomerEntitlementPageSchema());
      return {
        items: readRows(call, page, zenskarCustomerEntitlementRowSchema()),
        next: nextCursor(page.data.next),
        totalCount: page.data.total_count ?? null,
      };
    },
    async listBalances(query, vendorCursor, signal) {
      const call = request(
        zenskarOperations.listBalances,
        balancesUrl(connection.baseUrl, query, vendorCursor),
        signal,
      );
      const page = await getJson(call, zenskarBalancePageSchema());
      return {
        items: readRows(call, page, zenskarBalanceRowSchema()),
        next: nextCursor(page.data.next),
        // The documented example says `total`, the customer list `total_count`: read either.
        totalCount: page.data.total ?? page.data.total_count ?? null,
      };
    },
  };
}

import type { UpstreamClient, UpstreamRequest, VendorErrorParser } from '../kit';
import { AdapterError, createJsonGetter, isVendorNotFound } from '../kit';
import type { PaygenticConnection } from './connection';
import {
  type PaygenticEntitlementDetail,
  type PaygenticEntitlementList,
  paygenticEntitlementDetailSchema,
  paygenticEntitlementListSchema,
  paygenticErrorSchema,
} from './wire';

/** Paygentic customer ids (`^cus_[a-zA-Z0-9]+$`, as Paygentic's OpenAPI document defines them). */
const paygenticCustomerIdPattern = /^cus_[a-zA-Z0-9]+$/;

/**
 * Null when `customerId` can be a Paygentic customer id, else the message for the caller. The
 * adapter's `validateCustomerId` and the module's are this function.
 */
export function validatePaygenticCustomerId(customerId: string): string | null {
  return paygenticCustomerIdPattern.test(customerId)
    ? null
    : 'A Paygentic customer id is `cus_` followed by letters and digits (for example `cus_a1b2c3`).';
}

/** The largest page `GET /v1/entitlements` serves (`limit` 1–100). */
export const paygenticMaxPageSize = 100;

/** Upstream operation names, for logs, metrics and `Server-Timing`. */
export const paygenticOperations = {
  listEntitlements: 'list_entitlements',
  getEntitlement: 'get_entitlement',
} as const;

/** The auth header of every Paygentic call: `Authorization: Bearer <apiKey>`. */
export function paygenticAuthHeaders(apiKey: string): Record<string, string> {
  return { authorization: `Bearer ${apiKey}` };
}

/**
 * Joins the connection's base URL and a versioned API path. Paygentic puts the version in each path
 * (`/v1/entitlements`, `/v0/features`), so the base is the host, optionally with a proxy prefix that
 * is kept as is.
 */
export function paygenticUrl(baseUrl: string, path: string): URL {
  const url = new URL(baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  url.search = '';
  url.hash = '';
  return url;
}

/** Query of one `GET /v1/entitlements` page. */
export interface ListEntitlementsQuery {
  customerId: string;
  limit: number;
  offset: number;
  /** RFC 3339 instant Paygentic evaluates access and balances at; absent = now. */
  at?: string | undefined;
}

/** `GET {baseUrl}/v1/entitlements?customerId=…&limit=…&offset=…[&at=…]`. */
export function buildListEntitlementsUrl(baseUrl: string, query: ListEntitlementsQuery): string {
  const url = paygenticUrl(baseUrl, '/v1/entitlements');
  url.searchParams.set('customerId', query.customerId);
  url.searchParams.set('limit', String(query.limit));
  url.searchParams.set('offset', String(query.offset));
  if (query.at !== undefined) url.searchParams.set('at', query.at);
  return url.toString();
}

/** `GET {baseUrl}/v1/entitlements/{entitlementId}`; the id is one encoded path segment. */
export function buildEntitlementUrl(baseUrl: string, entitlementId: string): string {
  return paygenticUrl(baseUrl, `/v1/entitlements/${encodeURIComponent(entitlementId)}`).toString();
}

const maxLoggedMessageLength = 300;

/**
 * Reads Paygentic's `Error` / `ValidationError` bodies into the code and message kept for logs. The
 * raw text of a non-JSON body is deliberately ignored: it may be an HTML error page of any size.
 */
export const parsePaygenticError: VendorErrorParser = (_status, body) => {
  const parsed = paygenticErrorSchema().safeParse(body);
  if (!parsed.success) return {};
  const { error, message, errors } = parsed.data;
  const fields = (errors ?? []).map((item) => item.field).filter((field): field is string => !!field);
  let text = message ?? undefined;
  if (text !== undefined && fields.length > 0) text = `${text} (fields: ${fields.join(', ')})`;
  return {
    ...(error ? { code: error } : {}),
    ...(text === undefined ? {} : { message: text.slice(0, maxLoggedMessageLength) }),
  };
};

/** Where a Paygentic call goes and who pays for it. */
export interface PaygenticClientOptions {
  connection: PaygenticConnection;
  upstream: UpstreamClient;
  connectionKey: string;
}

/** Per-call options. */
export interface PaygenticCallOptions {
  signal?: AbortSignal | undefined;
}

/** The two Paygentic reads the adapter makes, with vendor errors turned into gateway errors. */
export interface PaygenticClient {
  /**
   * One page of a customer's entitlements. Throws `customer_not_found` when Paygentic answers 404
   * (the spec declares none for this call, but a real server may send one), an `UpstreamError`
   * `vendor_bad_response` for a 2xx body that is not the documented envelope, and the upstream
   * client's typed errors otherwise.
   */
  listEntitlements(
    query: ListEntitlementsQuery,
    options?: PaygenticCallOptions,
  ): Promise<PaygenticEntitlementList>;
  /**
   * One entitlement with its live fields, or null when Paygentic no longer knows the id (404).
   */
  getEntitlement(
    entitlementId: string,
    options?: PaygenticCallOptions,
  ): Promise<PaygenticEntitlementDetail | null>;
}

/** Builds the Paygentic client over the shared upstream helper. */
export function createPaygenticClient(options: PaygenticClientOptions): PaygenticClient {
  const { connection, upstream, connectionKey } = options;
  const headers = paygenticAuthHeaders(connection.apiKey);
  const getJson = createJsonGetter(upstream, parsePaygenticError);

  const request = (operation: string, url: string, signal: AbortSignal | undefined): UpstreamRequest => ({
    vendor: 'paygentic',
    connectionKey,
    operation,
    method: 'GET',
    url,
    headers,
    ...(signal === undefined ? {} : { signal }),
  });

  return {
    async listEntitlements(query, callOptions = {}) {
      const upstreamRequest = request(
        paygenticOperations.listEntitlements,
        buildListEntitlementsUrl(connection.baseUrl, query),
        callOptions.signal,
      );
      try {
        return (await getJson(upstreamRequest, paygenticEntitlementListSchema())).data;
      } catch (error) {
        if (isVendorNotFound(error)) {
          throw new AdapterError('customer_not_found', `Paygentic has no customer ${query.customerId}.`, {
            vendor: 'paygentic',
            cause: error,
          });
        }
        throw error;
      }
    },

    async getEntitlement(entitlementId, callOptions = {}) {
      const upstreamRequest = request(
        paygenticOperations.getEntitlement,
        buildEntitlementUrl(connection.baseUrl, entitlementId),
        callOptions.signal,
      );
      try {
        return (await getJson(upstreamRequest, paygenticEntitlementDetailSchema())).data;
      } catch (error) {
        if (isVendorNotFound(error)) return null;
        throw error;
      }
    },
  };
}

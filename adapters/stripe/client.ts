import {
  AdapterError,
  createJsonGetter,
  type UpstreamClient,
  UpstreamError,
  type UpstreamRequest,
  type VendorErrorParser,
} from '../kit';
import type { StripeConnection } from './connection';
import {
  type StripeActiveEntitlementList,
  type StripeErrorDetails,
  stripeActiveEntitlementListSchema,
  stripeErrorBodySchema,
} from './wire';

/** The largest page Stripe serves (`limit` 1–100): fewest round trips per customer. */
export const stripeMaxPageSize = 100;

/** Stripe's documented maximum length of the `customer` parameter. */
export const stripeCustomerIdMaxLength = 5_000;

/** Stripe object ids are a type prefix, an underscore and letters and digits. */
const stripeCustomerIdPattern = /^cus_[A-Za-z0-9]+$/;

/** Upstream operation names, for logs, metrics and `Server-Timing`. */
export const stripeOperations = {
  listActiveEntitlements: 'list_active_entitlements',
} as const;

/**
 * Null when `customerId` can be a Stripe customer id (`cus_` then letters and digits, at most 5,000
 * characters), else the message for the caller. An id that fails here is answered 404 without a
 * call to Stripe, as for the other vendors.
 */
export function validateStripeCustomerId(customerId: string): string | null {
  if (customerId.length <= stripeCustomerIdMaxLength && stripeCustomerIdPattern.test(customerId)) return null;
  return 'A Stripe customer id is `cus_` followed by letters and digits (for example `cus_NffrFeUfNV2Hib`).';
}

/** The headers of every Stripe call: the key as a Bearer token and, when pinned, `Stripe-Version`. */
export function stripeRequestHeaders(
  connection: Pick<StripeConnection, 'apiKey' | 'apiVersion'>,
): Record<string, string> {
  return {
    authorization: `Bearer ${connection.apiKey}`,
    ...(connection.apiVersion === undefined ? {} : { 'stripe-version': connection.apiVersion }),
  };
}

/** Query of one page of a customer's active entitlements. */
export interface ActiveEntitlementsQuery {
  customerId: string;
  /** 1–100. */
  limit: number;
  /** The id of the last row of the previous page; absent for the first page. */
  startingAfter?: string | undefined;
}

/**
 * `GET {baseUrl}/v1/entitlements/active_entitlements?customer=…&limit=…&expand[]=data.feature[&starting_after=…]`.
 * The feature is always expanded: its `lookup_key` and `name` are what the mapping reads. A path
 * prefix on the base URL (a proxy) is kept.
 */
export function buildActiveEntitlementsUrl(baseUrl: string, query: ActiveEntitlementsQuery): string {
  const url = new URL(baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/entitlements/active_entitlements`;
  url.hash = '';
  const search = new URLSearchParams();
  search.append('customer', query.customerId);
  search.append('limit', String(query.limit));
  search.append('expand[]', 'data.feature');
  if (query.startingAfter !== undefined) search.append('starting_after', query.startingAfter);
  url.search = search.toString();
  return url.toString();
}

const maxLoggedMessageLength = 300;

/** The `error` member of a Stripe error body, or null when the body is not one. */
export function readStripeError(body: unknown): StripeErrorDetails | null {
  const parsed = stripeErrorBodySchema().safeParse(body);
  return parsed.success ? parsed.data.error : null;
}

/**
 * Reads Stripe's error body into the code and message kept for logs: the code is Stripe's `code`
 * (else its `type`), the message names the offending `param`. The raw text of a non-JSON body is
 * ignored: it may be an HTML error page of any size.
 */
export const parseStripeError: VendorErrorParser = (_status, body) => {
  const error = readStripeError(body);
  if (error === null) return {};
  const code = error.code ?? error.type ?? undefined;
  let message = error.message ?? undefined;
  if (error.param) message = `${message ?? 'error'} (param: ${error.param})`;
  return {
    ...(code === undefined ? {} : { code }),
    ...(message === undefined ? {} : { message: message.slice(0, maxLoggedMessageLength) }),
  };
};

/**
 * Stripe's answer for a customer it does not know on this list: `resource_missing` with
 * `param: "customer"`. Whether the status is 400 or 404 is not documented, so both count. A bare 404
 * (a wrong base URL, a proxy) or a `resource_missing` about another parameter does not: reading those
 * as "unknown customer" would cache a misconfiguration as a 404 for everyone.
 */
export function isUnknownCustomerAnswer(
  status: number | undefined,
  error: StripeErrorDetails | null,
): boolean {
  return (
    (status === 400 || status === 404) && error?.code === 'resource_missing' && error.param === 'customer'
  );
}

/** Where Stripe calls go and whose budget they use. */
export interface StripeClientOptions {
  connection: StripeConnection;
  upstream: UpstreamClient;
  /** Budget/breaker identity of this connection (tenant + vendor). */
  connectionKey: string;
}

/** Per-call options. */
export interface StripeCallOptions {
  signal?: AbortSignal | undefined;
}

/** The Stripe read the adapter makes, with Stripe's errors turned into gateway errors. */
export interface StripeClient {
  /**
   * One page of a customer's active entitlements, features expanded. Throws `customer_not_found` for
   * Stripe's unknown-customer answer, `vendor_bad_response` for a 2xx body that is not the list
   * envelope, and the upstream client's typed errors otherwise (401/403 auth failed, 429 rate
   * limited, 5xx unavailable, timeouts).
   */
  listActiveEntitlements(
    query: ActiveEntitlementsQuery,
    options?: StripeCallOptions,
  ): Promise<StripeActiveEntitlementList>;
}

/** Builds the Stripe client of one connection over the shared upstream helper. */
export function createStripeClient(options: StripeClientOptions): StripeClient {
  const { connection, upstream, connectionKey } = options;
  const headers = stripeRequestHeaders(connection);

  return {
    async listActiveEntitlements(query, callOptions = {}) {
      const upstreamRequest: UpstreamRequest = {
        vendor: 'stripe',
        connectionKey,
        operation: stripeOperations.listActiveEntitlements,
        method: 'GET',
        url: buildActiveEntitlementsUrl(connection.baseUrl, query),
        headers,
        ...(callOptions.signal === undefined ? {} : { signal: callOptions.signal }),
      };
      // The parser sees the body of each failed attempt; the last one is what the final error is
      // about (a 400 or 404 is never retried), and its `param` is what tells an unknown customer
      // apart from any other missing resource.
      let lastError: StripeErrorDetails | null = null;
      const parseError: VendorErrorParser = (status, body, text) => {
        lastError = readStripeError(body);
        return parseStripeError(status, body, text);
      };
      try {
        // fetch → parse → `vendor_bad_response` when the 2xx body is not the list envelope.
        const page = await createJsonGetter(upstream, parseError)(
          upstreamRequest,
          stripeActiveEntitlementListSchema(),
        );
        return page.data;
      } catch (error) {
        if (
          error instanceof UpstreamError &&
          isUnknownCustomerAnswer(error.failure.vendorStatus, lastError)
        ) {
          throw new AdapterError('customer_not_found', `Stripe has no customer ${query.customerId}.`, {
            vendor: 'stripe',
            cause: error,
          });
        }
        throw error;
      }
    },
  };
}

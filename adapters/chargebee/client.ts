import type { z } from 'zod';
import type { UpstreamClient, UpstreamRequest, VendorErrorParser } from '../kit';
import { createJsonGetter, UpstreamError } from '../kit';
import type { ChargebeeConnection } from './connection';
import { chargebeeErrorBodySchema } from './wire';

/** `Authorization` value Chargebee expects: HTTP Basic with the API key as user and an empty password. */
export function chargebeeAuthorization(apiKey: string): string {
  return `Basic ${btoa(`${apiKey}:`)}`;
}

/** Query parameters in the order they are sent (Chargebee filters repeat bracketed names). */
export type ChargebeeQuery = ReadonlyArray<readonly [name: string, value: string]>;

/**
 * Builds `<baseUrl>/<segment>/<segment>?query`. Every segment is percent-encoded, and a segment that
 * would be a dot segment is refused, so no id (customer, subscription) can change which path is called.
 */
export function buildChargebeeUrl(
  baseUrl: string,
  segments: readonly string[],
  query: ChargebeeQuery = [],
): string {
  for (const segment of segments) {
    // `.`/`..` (and their %2e spellings, which WHATWG URL also resolves) would climb the path.
    if (segment === '' || segment === '.' || segment === '..') {
      throw new TypeError(
        `refusing to build a Chargebee URL with the path segment ${JSON.stringify(segment)}`,
      );
    }
  }
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/${segments.map(encodeURIComponent).join('/')}`);
  const search = new URLSearchParams();
  for (const [name, value] of query) search.append(name, value);
  url.search = search.toString();
  return url.toString();
}

/** Reads Chargebee's error body for logs and for the adapter's decisions (404, feature not enabled). */
export const parseChargebeeError: VendorErrorParser = (_status, body) => {
  const parsed = chargebeeErrorBodySchema().safeParse(body);
  if (!parsed.success) return {};
  const code = parsed.data.api_error_code ?? parsed.data.error_code ?? undefined;
  const message = parsed.data.message ?? parsed.data.error_msg ?? undefined;
  return {
    ...(code === undefined ? {} : { code }),
    ...(message === undefined ? {} : { message }),
  };
};

/** True for Chargebee's "no such resource" answer (HTTP 404 `resource_not_found`). */
export function isChargebeeNotFound(error: unknown): error is UpstreamError {
  // A bare 404 without Chargebee's code (a wrong base URL, a proxy) must not read as "unknown
  // customer": that would turn a misconfiguration into a cached "customer not found" for everyone.
  return (
    error instanceof UpstreamError &&
    error.failure.vendorStatus === 404 &&
    error.failure.vendorCode === 'resource_not_found'
  );
}

const notEnabledCodes = new Set(['feature_not_enabled', 'configuration_incompatible', 'not_allowed']);
const notEnabledMessage = /\bnot\s+(?:been\s+)?(?:enabled|configured)\b|\bis\s+disabled\b/i;

/**
 * True when Chargebee says `customer_entitlements` is not enabled on the site. The exact answer is
 * UNCONFIRMED (the endpoint is off until Chargebee Support enables it), so any 4xx other than an auth
 * failure or a rate limit counts when its code or message says "not enabled/configured".
 */
export function isCustomerEntitlementsDisabled(error: unknown): boolean {
  if (!(error instanceof UpstreamError)) return false;
  const { vendorStatus, vendorCode, vendorMessage } = error.failure;
  if (vendorStatus === undefined || vendorStatus < 400 || vendorStatus >= 500) return false;
  if (vendorStatus === 401 || vendorStatus === 429) return false;
  if (vendorCode !== undefined && notEnabledCodes.has(vendorCode)) return true;
  return vendorMessage !== undefined && notEnabledMessage.test(vendorMessage);
}

/** One GET to Chargebee. */
export interface ChargebeeGet {
  /** Stable operation name for logs, metrics and budgets, e.g. `list_customer_entitlements`. */
  operation: string;
  /** Path segments below the base URL; each is encoded. */
  path: readonly string[];
  query?: ChargebeeQuery;
  signal?: AbortSignal;
}

/** Options of {@link createChargebeeClient}. */
export interface ChargebeeClientOptions {
  connection: ChargebeeConnection;
  upstream: UpstreamClient;
  connectionKey: string;
}

/** Typed GETs against one Chargebee connection. */
export interface ChargebeeClient {
  /**
   * Calls Chargebee through the shared upstream client and validates the 2xx body with `schema`.
   * Throws the upstream client's `UpstreamError`s, and `vendor_bad_response` when the body does not fit.
   */
  get<T>(request: ChargebeeGet, schema: z.ZodType<T>): Promise<T>;
  /** The upstream request a GET would make; paginators use it to report a misbehaving list. */
  describe(request: ChargebeeGet): UpstreamRequest;
}

/** Creates the Chargebee client of one connection. */
export function createChargebeeClient(options: ChargebeeClientOptions): ChargebeeClient {
  const authorization = chargebeeAuthorization(options.connection.apiKey);
  const getJson = createJsonGetter(options.upstream, parseChargebeeError);
  const describe = (request: ChargebeeGet): UpstreamRequest => ({
    vendor: 'chargebee',
    connectionKey: options.connectionKey,
    operation: request.operation,
    method: 'GET',
    url: buildChargebeeUrl(options.connection.baseUrl, request.path, request.query),
    headers: { authorization },
    ...(request.signal === undefined ? {} : { signal: request.signal }),
  });
  return {
    describe,
    async get(request, schema) {
      return (await getJson(describe(request), schema)).data;
    },
  };
}

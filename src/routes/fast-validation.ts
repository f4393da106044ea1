import type { OpenAPIHono, RouteConfig, RouteHandler } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { entitlementTypes, vendorIds } from '../../schemas/entitlement';
import type { GatewayEnv } from './openapi-app';

/**
 * A compiled fast path for the path and query validation of the hot read routes.
 *
 * Zod validation through @hono/zod-openapi parses every query parameter into arrays, rebuilds an
 * object and runs the schema asynchronously: a sizeable share of a cached answer's cost. The fast
 * path accepts only the plain, common spelling of a valid request (every parameter known, once,
 * in unreserved characters so nothing needs decoding) and produces exactly what the route's schema
 * would. Anything else — an unknown, repeated, encoded or invalid parameter, an `at` instant — is
 * declined and goes through the schema as before, so every failure is the same problem as without
 * the fast path (test/unit/routes/fast-validation.test.ts checks the equivalence over generated
 * queries).
 */

/** A parameter converter: the validated value, or {@link DECLINE} to leave the request to the schema. */
type Converter = (raw: string) => unknown;

/** Returned by a converter (and the parsers) when the schema must decide. */
export const DECLINE: unique symbol = Symbol('decline');

/** Characters that need no decoding (RFC 3986 unreserved). */
const unreserved = /^[A-Za-z0-9._~-]*$/;
const wholeNumber = /^\d{1,6}$/;
const decimalQuantity = /^\d{1,15}(?:\.\d{1,15})?$/;
const vendorSet: ReadonlySet<string> = new Set(vendorIds);
const typeSet: ReadonlySet<string> = new Set(entitlementTypes);

const vendor: Converter = (raw) => (vendorSet.has(raw) ? raw : DECLINE);

/** The converters of `CheckQuerySchema` (`at` is left to the schema: it needs decoding and an RFC 3339 parse). */
const checkQuery: Record<string, Converter> = {
  vendor,
  requestedUsage: (raw) => (decimalQuantity.test(raw) ? Number(raw) : DECLINE),
};

/** The converters of `ListEntitlementsQuerySchema` (`at` left to the schema; `featureKey` only once). */
const listQuery: Record<string, Converter> = {
  vendor,
  limit: (raw) => {
    if (!wholeNumber.test(raw)) return DECLINE;
    const limit = Number(raw);
    return limit >= 1 && limit <= 100 ? limit : DECLINE;
  },
  cursor: (raw) => raw,
  featureKey: (raw) => (raw.length >= 1 && raw.length <= 255 ? [raw] : DECLINE),
  type: (raw) => (typeSet.has(raw) ? raw : DECLINE),
  hasAccess: (raw) => (raw === 'true' ? true : raw === 'false' ? false : DECLINE),
  include: (raw) => (raw === 'raw' ? raw : DECLINE),
};

/** A parsed query, shared by every request that sent the same query string (so never modified). */
type ParsedQuery = Readonly<Record<string, unknown>>;

/**
 * Parses a query string (without its `?`) with `converters`, or declines. `defaults` are the
 * schema's defaults of absent parameters. The result is frozen: it is remembered and shared.
 */
function parseQuery(
  query: string,
  converters: Record<string, Converter>,
  defaults: Record<string, unknown>,
): ParsedQuery | typeof DECLINE {
  const result: Record<string, unknown> = {};
  if (query !== '') {
    for (const pair of query.split('&')) {
      const equals = pair.indexOf('=');
      if (equals <= 0) return DECLINE;
      const name = pair.slice(0, equals);
      const raw = pair.slice(equals + 1);
      if (!Object.hasOwn(converters, name) || Object.hasOwn(result, name) || !unreserved.test(raw))
        return DECLINE;
      const value = (converters[name] as Converter)(raw);
      if (value === DECLINE) return DECLINE;
      result[name] = Object.freeze(value);
    }
  }
  for (const [name, value] of Object.entries(defaults))
    if (!Object.hasOwn(result, name)) result[name] = value;
  return Object.freeze(result);
}

/** Distinct query strings remembered per parser; more empty the memo (an app sends a handful). */
const REMEMBERED_QUERIES = 512;

/**
 * The query parser of a route: the query of a request URL, parsed by {@link parseQuery} once per
 * distinct query string. A parse is a function of the string alone, and an app asks the same few
 * questions over and over (`?vendor=chargebee`), so a repeat is a map lookup; unusual strings (one
 * per cursor, say) only cycle the bounded memo.
 */
function queryParser(
  converters: Record<string, Converter>,
  defaults: Record<string, unknown> = {},
): (url: string) => ParsedQuery | typeof DECLINE {
  const parsed = new Map<string, ParsedQuery | typeof DECLINE>();
  return (url) => {
    // Like Hono's parser: the scheme's `//` is skipped, a fragment (never sent by clients) declines.
    if (url.indexOf('#', 8) !== -1) return DECLINE;
    const queryIndex = url.indexOf('?', 8);
    const query = queryIndex === -1 ? '' : url.slice(queryIndex + 1);
    let result = parsed.get(query);
    if (result === undefined) {
      result = parseQuery(query, converters, defaults);
      if (parsed.size >= REMEMBERED_QUERIES) parsed.clear();
      parsed.set(query, result);
    }
    return result;
  };
}

/** Path parameters as the route schemas accept them: strings of 1–255 characters (decoded by the router). */
function pathParams(c: Context, names: readonly string[]): Record<string, string> | typeof DECLINE {
  const params: Record<string, string> = {};
  for (const name of names) {
    const value = c.req.param(name);
    if (typeof value !== 'string' || value.length < 1 || value.length > 255) return DECLINE;
    params[name] = value;
  }
  return params;
}

/** The fast parsers of the hot routes, by route. */
export const fastParsers = {
  check: {
    params: ['customerId', 'featureKey'],
    query: queryParser(checkQuery),
  },
  list: {
    params: ['customerId'],
    query: queryParser(listQuery, { limit: 50 }),
  },
} as const;

/**
 * Registers `handler` for `route` behind the fast path, ahead of the schema-validated route that
 * `app.openapi(route, handler)` registers (call that right after): a request the fast path accepts
 * is answered here with the same validated data; any other falls through to the schema.
 */
export function registerFastPath<R extends RouteConfig>(
  app: OpenAPIHono<GatewayEnv>,
  route: R,
  parser: { params: readonly string[]; query: (url: string) => ParsedQuery | typeof DECLINE },
  handler: RouteHandler<R, GatewayEnv>,
): void {
  const path = route.path.replaceAll(/\/{(.+?)}/g, '/:$1');
  app.on(route.method.toUpperCase(), path, (c, next) => {
    const query = parser.query(c.req.url);
    if (query === DECLINE) return next();
    const params = pathParams(c, parser.params);
    if (params === DECLINE) return next();
    c.req.addValidatedData('query', query);
    c.req.addValidatedData('param', params);
    return (handler as unknown as (c: Context<GatewayEnv>) => Promise<Response>)(c);
  });
}

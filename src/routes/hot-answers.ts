import type { VendorId } from '../../schemas/entitlement';
import type { AppScope, RequestScope } from '../gateway';
import { checkResultBody, entitlementListBody } from '../services/entitlement-json';
import type { CheckQuery } from '../services/entitlement-service';
import { listQueryOf } from './entitlements/list-entitlements';
import { DECLINE, fastParsers } from './fast-validation';
import type { VerifiedKeys } from './middleware/authenticate';
import { cacheHeaders, jsonResponse } from './respond';
import { healthAnswer } from './system/health';

/**
 * Hot answers: the requests an app sends over and over, answered in the tick they arrive, ahead of
 * Hono's router and middleware, whose compose turns every answer into a chain of promises (and makes
 * @hono/node-server wait for it). Measured, that chain cost more than the rest of a cached check.
 *
 * Same steps as the routed path, in the same order, with the same functions: the key checked
 * against the keys verified before (a key seen for the first time, a wrong or missing one, goes to
 * the router, which hashes it, answers 401 or remembers it), the tenant bound, the path and query
 * validated by the compiled parsers of the routed fast path, the answer from the request's own
 * entitlement service (`checkNow`/`listNow`: a fresh memory hit, links known). Anything else is
 * declined (undefined) and routed, with the same scope, so nothing here decides a failure:
 * - a method other than GET, configured CORS origins (CORS headers are the router's);
 * - a path that is not exactly one of these routes in plain characters (nothing to decode);
 * - a tenant with rate limits (its buckets are taken on the routed path);
 * - a query the compiled parser declines (encoded, repeated, unknown or invalid parameters, `at`);
 * - an answer that needs waiting (a load, Redis, links from their store, a soft-limit lookup).
 */

/** Route patterns as the router labels them (access line, metrics). */
const CHECK_ROUTE = '/v1/customers/:customerId/entitlements/:featureKey';
const LIST_ROUTE = '/v1/customers/:customerId/entitlements';
const HEALTH_ROUTE = '/healthz';
const CUSTOMERS = '/v1/customers/';
const ENTITLEMENTS = '/entitlements';

/** A path segment the router hands over as it is: RFC 3986 unreserved characters, 1-255 of them. */
const plainSegment = /^[A-Za-z0-9._~-]{1,255}$/;

function plain(segment: string): boolean {
  return plainSegment.test(segment) && segment !== '.' && segment !== '..';
}

/** `Authorization: Bearer <key>` as the authentication middleware reads it (its regex). */
const bearer = /^Bearer[ ]+([^\s]+)[ ]*$/i;

export function hotAnswers(
  app: AppScope,
  verifiedKeys: VerifiedKeys,
): (scope: RequestScope) => Response | undefined {
  // CORS headers are added by the router's middleware: with origins configured, everything is routed.
  if (app.config.corsOrigins.length > 0) return () => undefined;

  return (scope) => {
    const request = scope.request;
    if (request.method !== 'GET') return undefined;
    const url = request.url;
    // Like Hono's `getPath`: the path starts at the first `/` after the scheme's `//`.
    const pathStart = url.indexOf('/', url.indexOf(':') + 3);
    if (pathStart === -1) return undefined;
    const queryStart = url.indexOf('?', pathStart);
    const path = queryStart === -1 ? url.slice(pathStart) : url.slice(pathStart, queryStart);

    if (path === HEALTH_ROUTE) {
      scope.route = HEALTH_ROUTE;
      return healthAnswer(scope);
    }
    if (!path.startsWith(CUSTOMERS)) return undefined;
    const customerEnd = path.indexOf('/', CUSTOMERS.length);
    if (customerEnd === -1 || !path.startsWith(ENTITLEMENTS, customerEnd)) return undefined;
    const customerId = path.slice(CUSTOMERS.length, customerEnd);
    const rest = path.slice(customerEnd + ENTITLEMENTS.length);
    let featureKey: string | undefined;
    if (rest !== '') {
      if (rest.charCodeAt(0) !== 47 /* '/' */) return undefined;
      featureKey = rest.slice(1);
      if (!plain(featureKey)) return undefined;
    }
    if (!plain(customerId)) return undefined;

    // Authentication: only keys verified before; the router does everything else about keys.
    const header = request.headers.get('authorization');
    const presented = header === null ? undefined : bearer.exec(header)?.[1];
    if (presented === undefined) return undefined;
    const verified = verifiedKeys.lookup(presented);
    if (verified === undefined) return undefined;
    const limits = verified.tenant.rateLimit;
    if (limits?.perKey !== undefined || limits?.perTenant !== undefined) return undefined;

    const query = featureKey === undefined ? fastParsers.list.query(url) : fastParsers.check.query(url);
    if (query === DECLINE) return undefined;
    scope.bindTenant(verified.tenant, verified.keyHash);
    const { entitlements } = scope.services;
    const vendor = query.vendor as VendorId | undefined;
    let body: Uint8Array<ArrayBuffer>;
    if (featureKey !== undefined) {
      const result = entitlements.checkNow(customerId, featureKey, query as CheckQuery);
      if (result === undefined) return undefined;
      body = checkResultBody(result);
      scope.route = CHECK_ROUTE;
    } else {
      const page = entitlements.listNow(customerId, listQueryOf(query as Parameters<typeof listQueryOf>[0]));
      if (page === undefined) return undefined;
      body = entitlementListBody(page);
      scope.route = LIST_ROUTE;
    }
    if (vendor) scope.vendor = vendor;
    return jsonResponse(scope, 200, cacheHeaders(scope, entitlements.cacheReports), body);
  };
}

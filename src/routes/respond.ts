import type { Context, TypedResponse } from 'hono';
import type { JSONParsed } from 'hono/utils/types';
import type { RequestScope } from '../gateway';
import { type CacheReport, combineCacheReports } from '../services/entitlement-service';
import { cacheStatusValue } from './cache-headers';
import { serverTimingValue } from './middleware/request-context';
import type { GatewayEnv } from './openapi-app';

/**
 * Builds a JSON response with plain-object headers. `c.json` + `c.header` go through a WHATWG
 * `Headers` object (validated on every set) and @hono/node-server then copies it; a `Response` built
 * with a plain header object is written by @hono/node-server straight to the socket. On the cached
 * hot path that difference is a sizeable share of the request's cost.
 */
export function jsonResponse(
  scope: RequestScope,
  status: number,
  extraHeaders: Record<string, string>,
  /** The body serialized (byte-for-byte `JSON.stringify` of it, or its UTF-8 bytes). */
  serialized: string | Uint8Array<ArrayBuffer>,
): Response {
  return new Response(serialized, {
    status,
    headers: {
      'content-type': 'application/json',
      'x-request-id': scope.requestId,
      ...extraHeaders,
      'server-timing': serverTimingValue(scope),
    },
  });
}

/** {@link jsonResponse} for a routed handler, typed for the OpenAPI route. */
export function respondJson<T, S extends 200 | 201 | 503>(
  c: Context<GatewayEnv>,
  body: T,
  status: S,
  extraHeaders: Record<string, string> = {},
  /** The body already serialized (byte-for-byte `JSON.stringify(body)`, or its UTF-8 bytes), when the caller has it. */
  serialized?: string | Uint8Array<ArrayBuffer>,
): TypedResponse<JSONParsed<T>, S, 'json'> {
  const response = jsonResponse(c.env, status, extraHeaders, serialized ?? JSON.stringify(body));
  // The typed-response brand is compile-time only; the route tests parse bodies through the schemas.
  return response as unknown as TypedResponse<JSONParsed<T>, S, 'json'>;
}

/**
 * The headers of an answer built from cached snapshots: `Cache-Status` (RFC 9211) and `Age` of the
 * least fresh snapshot used, and `Cache-Control: private, no-store` (the answer is tenant data).
 */
export function cacheHeaders(scope: RequestScope, reports: CacheReport[]): Record<string, string> {
  const report = reports.length === 1 ? (reports[0] as CacheReport) : combineCacheReports(reports);
  if (report === null) return { 'cache-control': 'private, no-store' };
  scope.cacheStatus = report.status;
  if (report.tier !== undefined) scope.cacheTier = report.tier;
  return {
    'cache-control': 'private, no-store',
    'cache-status': cacheStatusValue(report),
    age: String(Math.max(0, Math.floor(report.ageSeconds))),
  };
}

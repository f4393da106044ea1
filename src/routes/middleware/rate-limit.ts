import type { Context, MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import { GatewayError } from '../../errors/gateway-error';
import type { BucketRequest, CallerRateLimiter } from '../../rate-limit/caller-rate-limiter';
import {
  policyWindowSeconds,
  rateLimitHeaders,
  retryAfterSeconds,
} from '../../rate-limit/rate-limit-headers';
import type { GatewayEnv } from '../openapi-app';

/** The largest batch: a body claiming more items is charged as this many (it fails validation anyway). */
const MAX_BATCH_COST = 100;

/**
 * What a request costs: one token, except a batch check, which costs one per item. Per item rather
 * than per distinct vendor load: the caller can compute it before sending, it does not depend on
 * what another caller happened to have cached, and a batch naming one customer 100 times is still
 * 100 questions answered. A body that cannot be read costs one (its 400 or 413 follows).
 */
async function costOf(c: Context<GatewayEnv>, batchPath: string): Promise<number> {
  if (c.req.method !== 'POST' || c.req.path !== batchPath) return 1;
  try {
    // Hono keeps the parsed body: the route's validator reads the same one.
    const body = (await c.req.json()) as { checks?: unknown };
    return Array.isArray(body?.checks) ? Math.min(MAX_BATCH_COST, Math.max(1, body.checks.length)) : 1;
  } catch {
    return 1;
  }
}

/** Sets headers on the response, copying it first when its headers are immutable (a fetched one). */
function setHeaders(c: Context<GatewayEnv>, headers: Record<string, string>): void {
  try {
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  } catch {
    const copy = new Response(c.res.body, c.res);
    for (const [name, value] of Object.entries(headers)) copy.headers.set(name, value);
    c.res = copy;
  }
}

/**
 * Rate limits an authenticated request: a bucket per API key (by its hash) and one per tenant, as
 * the tenant's `rateLimit` configures (none configured: not limited, no headers). Over the limit: a
 * 429 `rate_limited` problem with `Retry-After`; every answer of a limited tenant carries the IETF
 * `RateLimit-Policy` and `RateLimit` headers. Runs after authentication: unauthenticated routes and
 * requests that fail authentication are never limited (nor charged).
 */
export function rateLimit(options: {
  limiter: CallerRateLimiter;
  /** The Redis client of this request (the shared one on Node, the request's own on Workers). */
  redisFor(c: Context<GatewayEnv>): Redis | null;
  /** The batch check's path, whose cost is its item count. */
  batchPath: string;
}): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const tenant = c.env.tenant;
    const limits = tenant.rateLimit;
    const buckets: BucketRequest[] = [];
    if (limits?.perKey)
      buckets.push({ policy: 'key', id: `${tenant.id}:key:${c.env.apiKeyHash}`, settings: limits.perKey });
    if (limits?.perTenant)
      buckets.push({ policy: 'tenant', id: `${tenant.id}:tenant`, settings: limits.perTenant });
    if (buckets.length === 0) return next();

    const cost = await costOf(c, options.batchPath);
    const decision = await options.limiter.take({ buckets, cost, redis: options.redisFor(c) });
    const headers = rateLimitHeaders(decision);
    if (!decision.allowed) {
      const refusing = decision.buckets.filter((bucket) => bucket.waitMs > 0);
      const described = refusing
        .map(
          ({ policy, settings }) =>
            `the ${policy === 'key' ? 'API key' : 'tenant'}'s limit of ${settings.burst} per ${policyWindowSeconds(settings)} s`,
        )
        .join(' and ');
      const retryAfter = retryAfterSeconds(decision);
      throw new GatewayError(
        'rate_limited',
        `This request (cost ${cost}) is over ${described}. Retry after ${retryAfter} s.`,
        { headers: { ...headers, 'retry-after': String(retryAfter) } },
      );
    }
    await next();
    setHeaders(c, headers);
  };
}

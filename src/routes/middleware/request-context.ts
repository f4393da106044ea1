import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { UpstreamCallReport } from '../../../adapters/kit/upstream';
import type { GatewayEnv, PlatformServices } from '../../context';
import type { Logger } from '../../logger';
import { traceContextFor } from '../../observability/trace-context';
import { traceUpstreamCalls } from '../../services/upstream-observation';

/** Milliseconds on a monotonic clock, for durations. */
const monotonicNow = () => performance.now();

/**
 * The `Server-Timing` value of a request so far: total time, what the cache did, time spent upstream.
 * The response helpers (`respondJson`, problems) write it as they build the response, because touching a
 * finished response's headers makes @hono/node-server materialize a full `Response`, which costs
 * more on the hot path than everything else this middleware does.
 */
export function serverTimingValue(c: Context<GatewayEnv>, now: () => number = monotonicNow): string {
  const calls = c.get('upstreamCalls') ?? [];
  const started = c.get('startedAt') ?? now();
  let timing = `total;dur=${(now() - started).toFixed(1)}`;
  const cacheStatus = c.get('cacheStatus');
  if (cacheStatus !== undefined) timing += `, cache;desc="${cacheStatus}"`;
  if (calls.length > 0) {
    const upstreamMs = calls.reduce((sum, call) => sum + call.durationMs, 0);
    timing += `, upstream;dur=${upstreamMs.toFixed(1)};desc="${calls.length} calls"`;
  }
  return timing;
}

/** What a request came to, for metrics (route is the pattern, so label values stay few). */
export interface RequestOutcome {
  method: string;
  route: string;
  status: number;
  durationMs: number;
}

/** Told of every finished request (the Node entry's Prometheus metrics). */
export type RequestObserver = (outcome: RequestOutcome) => void;

/**
 * The access-log summary of a request's vendor calls. On Workers these fields are the metrics
 * (docs/operations.md): calls and attempts, failures by vendor, operation and code, and time spent
 * waiting for (or refused by) a connection's rate budget.
 */
function upstreamFields(calls: UpstreamCallReport[], upstreamMs: number) {
  let attempts = 0;
  let budgetWaits = 0;
  let budgetWaitMs = 0;
  let budgetRejections = 0;
  for (const call of calls) {
    attempts += call.attempts;
    if (call.budgetWaitMs !== undefined) {
      budgetWaits += 1;
      budgetWaitMs += call.budgetWaitMs;
    }
    if (call.budgetRejected) budgetRejections += 1;
  }
  return {
    calls: calls.length,
    attempts,
    durationMs: Math.round(upstreamMs * 10) / 10,
    errors: calls
      .filter((call) => call.errorCode !== undefined)
      .map((call) => `${call.vendor}:${call.operation}:${call.errorCode}`),
    ...(budgetWaits > 0 ? { budgetWaits, budgetWaitMs: Math.round(budgetWaitMs) } : {}),
    ...(budgetRejections > 0 ? { budgetRejections } : {}),
  };
}

/** How the platform entry gives each request its background-work hook. */
export type PlatformResolver = (c: Context<GatewayEnv>) => Pick<PlatformServices, 'waitUntil'>;

const acceptableRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The one middleware every request passes: it accepts a well-formed `X-Request-Id` (or makes one;
 * the response helpers echo it), gives the request its platform services and upstream-call
 * collector, releases what the request opened, and writes one structured log line (method, route,
 * status, duration, tenant, vendor, cache, upstream calls and attempts). One middleware instead of
 * four: each layer of Hono's compose costs a closure and a promise on the hot path.
 */
export function requestContext(
  logger: Logger,
  platformFor: PlatformResolver,
  release: (c: Context<GatewayEnv>) => void,
  now: () => number = monotonicNow,
  observe?: RequestObserver,
): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const started = now();
    const offered = c.req.header('x-request-id');
    c.set(
      'requestId',
      offered !== undefined && acceptableRequestId.test(offered) ? offered : crypto.randomUUID(),
    );
    c.set('startedAt', started);
    const calls: UpstreamCallReport[] = [];
    c.set('upstreamCalls', calls);
    // W3C traceparent: continued when valid, else a new trace; vendor calls become child spans.
    const trace = traceContextFor(c.req.header('traceparent'));
    traceUpstreamCalls(calls, trace);
    c.set('traceId', trace.traceId);
    c.set('platform', { waitUntil: platformFor(c).waitUntil, upstreamCalls: calls });
    try {
      await next();
    } finally {
      release(c);
    }
    const status = c.res.status;
    // The access line's fields are only built when the line is written (LOG_LEVEL=warn skips 2xx-4xx).
    if (status < 500 && logger.writes?.('info') === false) return;
    const durationMs = now() - started;
    const upstreamMs = calls.reduce((sum, call) => sum + call.durationMs, 0);
    const cacheStatus = c.get('cacheStatus');
    const cacheTier = c.get('cacheTier');
    const tenant = c.get('tenant');
    const vendor = c.get('vendor');
    const fields = {
      requestId: c.get('requestId'),
      traceId: trace.traceId,
      spanId: trace.spanId,
      method: c.req.method,
      route: routePath(c),
      status,
      durationMs: Math.round(durationMs * 10) / 10,
      ...(tenant ? { tenant: tenant.id } : {}),
      ...(vendor ? { vendor } : {}),
      ...(cacheStatus ? { cache: cacheStatus } : {}),
      ...(cacheTier ? { cacheTier } : {}),
      ...(calls.length > 0 ? { upstream: upstreamFields(calls, upstreamMs) } : {}),
    };
    if (status >= 500) logger.error('request', fields);
    else logger.info('request', fields);
    observe?.({ method: fields.method, route: fields.route, status, durationMs });
  };
}

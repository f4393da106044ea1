import type { ExecutionContext } from 'hono';
import type { UpstreamCallReport } from '../../../adapters/kit/upstream';
import type { RequestScope } from '../../gateway';
import type { Logger } from '../../logger';

/** Milliseconds on a monotonic clock, for durations. */
export const monotonicNow = () => performance.now();

/**
 * A duration in milliseconds with one decimal (`12.3`; negatives read as 0), from integer arithmetic:
 * about a third of `toFixed(1)`'s cost, and every response carries one. It differs from `toFixed(1)`
 * only where the tenth is a tie in binary (1.45 → 1.5, `toFixed` says 1.4).
 */
export function tenthsOfMs(ms: number): string {
  const tenths = Math.round(Math.max(0, ms) * 10);
  const fraction = tenths % 10;
  return `${(tenths - fraction) / 10}.${fraction}`;
}

/** Time spent in a request's vendor calls, in milliseconds (`Server-Timing` and the access line). */
function upstreamMsOf(calls: readonly UpstreamCallReport[]): number {
  let upstreamMs = 0;
  for (const call of calls) upstreamMs += call.durationMs;
  return upstreamMs;
}

/**
 * The `Server-Timing` value of a request so far: total time, what the cache did, time spent upstream.
 * The response helpers (`respondJson`, problems) write it as they build the response, because touching a
 * finished response's headers makes @hono/node-server materialize a full `Response`, which costs
 * more on the hot path than everything else the request pipeline does.
 */
export function serverTimingValue(scope: RequestScope, now: () => number = monotonicNow): string {
  const calls = scope.upstreamCalls;
  let timing = `total;dur=${tenthsOfMs(now() - scope.startedAt)}`;
  const cacheStatus = scope.cacheStatus;
  if (cacheStatus !== undefined) timing += `, cache;desc="${cacheStatus}"`;
  if (calls.length > 0) {
    timing += `, upstream;dur=${tenthsOfMs(upstreamMsOf(calls))};desc="${calls.length} calls"`;
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
function upstreamFields(calls: UpstreamCallReport[]) {
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
    durationMs: Math.round(upstreamMsOf(calls) * 10) / 10,
    errors: calls
      .filter((call) => call.errorCode !== undefined)
      .map((call) => `${call.vendor}:${call.operation}:${call.errorCode}`),
    ...(budgetWaits > 0 ? { budgetWaits, budgetWaitMs: Math.round(budgetWaitMs) } : {}),
    ...(budgetRejections > 0 ? { budgetRejections } : {}),
  };
}

/**
 * How the platform entry gives each request its background-work hook (Workers: the request's
 * `ExecutionContext`; Node: the process's background tasks).
 */
export type PlatformResolver = (
  executionCtx: ExecutionContext | undefined,
) => Pick<RequestScope, 'waitUntil'>;

/**
 * Finishes a request once its response exists: releases what it opened, then writes its one
 * structured access line (method, route, status, duration, tenant, vendor, cache, upstream calls and
 * attempts) and tells the observer (metrics). The line's fields are only built when the line is
 * written (`LOG_LEVEL=warn` skips 2xx-4xx); the observer is told of every request.
 */
export function finishRequest(
  scope: RequestScope,
  response: Response,
  logger: Logger,
  observe: RequestObserver | undefined,
  now: () => number = monotonicNow,
): Response {
  scope.release();
  const status = response.status;
  const writes = status >= 500 || logger.writes?.('info') !== false;
  if (!writes && observe === undefined) return response;
  const durationMs = now() - scope.startedAt;
  const route = scope.route ?? '*';
  const method = scope.request.method;
  if (writes) {
    const calls = scope.upstreamCalls;
    const tenant = scope.boundTenant;
    const trace = scope.trace;
    const fields = {
      requestId: scope.requestId,
      traceId: trace.traceId,
      spanId: trace.spanId,
      method,
      route,
      status,
      durationMs: Math.round(durationMs * 10) / 10,
      ...(tenant ? { tenant: tenant.id } : {}),
      ...(scope.vendor ? { vendor: scope.vendor } : {}),
      ...(scope.cacheStatus ? { cache: scope.cacheStatus } : {}),
      ...(scope.cacheTier ? { cacheTier: scope.cacheTier } : {}),
      ...(calls.length > 0 ? { upstream: upstreamFields(calls) } : {}),
    };
    if (status >= 500) logger.error('request', fields);
    else logger.info('request', fields);
  }
  observe?.({ method, route, status, durationMs });
  return response;
}

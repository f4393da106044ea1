import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { GatewayEnv } from '../../context';
import type { Logger } from '../../logger';
import { runObservingUpstream } from '../../services/upstream-observation';

/**
 * One structured log line per request (method, route, status, duration, tenant, vendor, cache,
 * upstream calls and attempts) and a `Server-Timing` header with the cache and upstream shares.
 */
export function observe(
  logger: Logger,
  now: () => number = () => performance.now(),
): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const started = now();
    const calls = c.get('upstreamCalls');
    await runObservingUpstream(calls, async () => {
      await next();
    });
    const durationMs = now() - started;
    const upstreamMs = calls.reduce((sum, call) => sum + call.durationMs, 0);
    const timing = [`total;dur=${durationMs.toFixed(1)}`];
    const cacheStatus = c.get('cacheStatus');
    if (cacheStatus !== undefined) timing.push(`cache;desc="${cacheStatus}"`);
    if (calls.length > 0) timing.push(`upstream;dur=${upstreamMs.toFixed(1)};desc="${calls.length} calls"`);
    c.header('server-timing', timing.join(', '));
    const tenant = c.get('tenant');
    const vendor = c.get('vendor');
    const status = c.res.status;
    const fields = {
      requestId: c.get('requestId'),
      method: c.req.method,
      route: routePath(c),
      status,
      durationMs: Math.round(durationMs * 10) / 10,
      ...(tenant ? { tenant: tenant.id } : {}),
      ...(vendor ? { vendor } : {}),
      ...(cacheStatus ? { cache: cacheStatus } : {}),
      ...(calls.length > 0
        ? {
            upstream: {
              calls: calls.length,
              attempts: calls.reduce((sum, call) => sum + call.attempts, 0),
              durationMs: Math.round(upstreamMs * 10) / 10,
              errors: calls
                .filter((call) => call.errorCode !== undefined)
                .map((call) => `${call.vendor}:${call.operation}:${call.errorCode}`),
            },
          }
        : {}),
    };
    if (status >= 500) logger.error('request', fields);
    else logger.info('request', fields);
  };
}

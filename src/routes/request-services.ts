import type { Context } from 'hono';
import type { GatewayEnv, GatewayRuntime } from '../context';

type RequestScope = ReturnType<GatewayRuntime['openRequest']>;
const scopes = new WeakMap<Request, RequestScope>();

/** The request's services, built on first use (after authentication has set the tenant). */
export function openRequestServices(c: Context<GatewayEnv>, runtime: GatewayRuntime): RequestScope {
  let scope = scopes.get(c.req.raw);
  if (scope === undefined) {
    const cacheControl = c.req.header('cache-control') ?? '';
    scope = runtime.openRequest({
      tenant: c.get('tenant'),
      platform: c.get('platform'),
      // `no-cache` (RFC 9111): the client wants an answer validated with the origin, i.e. a reload.
      forceRefresh: /(^|,)\s*no-cache\s*(,|$)/i.test(cacheControl),
    });
    scopes.set(c.req.raw, scope);
  }
  return scope;
}

import type { Context } from 'hono';
import type { GatewayEnv, GatewayRuntime } from '../context';

type RequestScope = ReturnType<GatewayRuntime['openRequest']>;
const scopes = new WeakMap<Request, RequestScope>();

/** Releases what the request opened (called by the app once the handler has answered). */
export function releaseRequestServices(c: Context<GatewayEnv>): void {
  const scope = scopes.get(c.req.raw);
  if (scope !== undefined) {
    scopes.delete(c.req.raw);
    scope.release();
  }
}

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

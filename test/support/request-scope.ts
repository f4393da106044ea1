import type { Hono } from 'hono';
import { type AppScope, RequestScope } from '../../src/gateway';
import type { GatewayEnv } from '../../src/routes/openapi-app';

/**
 * Sends a request to a bare Hono app of gateway middleware or routes, with the request scope the
 * gateway's entry (src/app.ts) would give it as `c.env`. `app` stands in for the per-app scope:
 * only what the code under test reads needs to be there.
 */
export function requestWithScope(
  hono: Hono<GatewayEnv>,
  path: string,
  init: RequestInit = {},
  app: Partial<AppScope> = {},
): Promise<Response> {
  const request = new Request(`http://localhost${path}`, init);
  const scope = new RequestScope(app as AppScope, request, () => {}, performance.now());
  return Promise.resolve(hono.request(request, undefined, scope));
}

import type { OpenAPIHono } from '@hono/zod-openapi';
import { cors } from 'hono/cors';
import type { GatewayEnv } from '../openapi-app';
import { responseHeaderNames } from '../system/openapi-document';

/** Response headers a browser app may read: the ones the OpenAPI document describes. */
export const corsExposedHeaders = Object.values(responseHeaderNames);

/** Request headers a browser app may send: the key, a JSON body, its own request id, `no-cache`. */
export const corsAllowedHeaders = ['Authorization', 'Content-Type', 'X-Request-Id', 'Cache-Control'];

/**
 * CORS for an opt-in allow-list of browser origins (`CORS_ORIGINS`), with Hono's own middleware.
 * Registered ahead of authentication, so a preflight (`OPTIONS`, which browsers send without the
 * `Authorization` header) is answered 204 without a key. No list, no middleware: without
 * `Access-Control-Allow-Origin` browsers keep other origins out. Credentials (cookies) are never
 * allowed: the gateway key travels in `Authorization`.
 */
export function registerCors(app: OpenAPIHono<GatewayEnv>, origins: readonly string[]): void {
  if (origins.length === 0) return;
  app.use(
    '*',
    cors({
      origin: [...origins],
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      allowHeaders: corsAllowedHeaders,
      exposeHeaders: corsExposedHeaders,
      maxAge: 600,
    }),
  );
}

import type { MiddlewareHandler } from 'hono';
import type { GatewayEnv } from '../../context';

const acceptableRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts a well-formed `X-Request-Id` from the caller (or makes one) and echoes it back. */
export const requestId: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  const offered = c.req.header('x-request-id');
  const id = offered !== undefined && acceptableRequestId.test(offered) ? offered : crypto.randomUUID();
  c.set('requestId', id);
  c.set('upstreamCalls', []);
  // Set before the handler builds its response: touching a finished response's headers makes
  // @hono/node-server materialize a full Response object, a measurable cost on the hot path.
  c.header('x-request-id', id);
  await next();
};

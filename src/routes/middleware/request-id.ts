import type { MiddlewareHandler } from 'hono';
import type { GatewayEnv } from '../../context';

const acceptableRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts a well-formed `X-Request-Id` from the caller (or makes one) and echoes it back. */
export const requestId: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  const offered = c.req.header('x-request-id');
  const id = offered !== undefined && acceptableRequestId.test(offered) ? offered : crypto.randomUUID();
  c.set('requestId', id);
  c.set('upstreamCalls', []);
  await next();
  c.header('x-request-id', id);
};

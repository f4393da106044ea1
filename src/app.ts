import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { GatewayEnv, GatewayRuntime } from './context';
import { asGatewayError, GatewayError } from './errors/gateway-error';
import { problemResponse } from './errors/problem';
import { registerListBalances } from './routes/balances/list-balances';
import { registerCustomerLinks } from './routes/customers/customer-links';
import { batchCheckRoute, registerBatchCheck } from './routes/entitlements/batch-check';
import { registerCheckEntitlement } from './routes/entitlements/check-entitlement';
import { registerListEntitlements } from './routes/entitlements/list-entitlements';
import { registerRefreshEntitlements } from './routes/entitlements/refresh-entitlements';
import { authenticate } from './routes/middleware/authenticate';
import { registerCors } from './routes/middleware/cors';
import { rateLimit } from './routes/middleware/rate-limit';
import {
  type PlatformResolver,
  type RequestObserver,
  requestContext,
} from './routes/middleware/request-context';
import { createOpenApiApp } from './routes/openapi-app';
import { openRequestServices, releaseRequestServices } from './routes/request-services';
import { registerDocs } from './routes/system/docs';
import { registerHealth } from './routes/system/health';
import { registerReceiveWebhook } from './routes/webhooks/receive-webhook';

/** Largest accepted request body: a full 100-item batch is far below it. */
const MAX_BODY_BYTES = 256 * 1024;
/** Largest accepted vendor webhook delivery. */
const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/**
 * Whether reading the request failed because the client closed its connection: Node rejects the
 * body read with `ECONNRESET` ("aborted") and @hono/node-server aborts the request's signal.
 */
function clientClosedRequest(error: unknown, c: Context<GatewayEnv>): boolean {
  if (c.req.raw.signal?.aborted) return true;
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'ECONNRESET';
}

/** Turns any thrown value into a problem; unknown errors are logged with their stack and answered generically. */
function toProblem(thrown: unknown, c: Context<GatewayEnv>, runtime: GatewayRuntime): Response {
  const error = asGatewayError(thrown);
  if (error !== undefined) {
    if (error.status >= 500) {
      runtime.logger.warn('request_failed', {
        requestId: c.get('requestId'),
        traceId: c.get('traceId'),
        code: error.code,
        vendor: error.vendor,
        detail: error.message,
        upstream: error.failure,
      });
    }
    return problemResponse(c, error);
  }
  if (thrown instanceof HTTPException) {
    // Framework-raised errors (malformed JSON, wrong content type, body too large): the message is the framework's, safe to show.
    const status = thrown.status;
    const code =
      status === 413
        ? 'payload_too_large'
        : status === 415
          ? 'unsupported_media_type'
          : status === 401
            ? 'unauthorized'
            : status < 500
              ? 'validation_failed'
              : 'internal_error';
    const detail =
      code === 'internal_error'
        ? 'The gateway failed to answer this request.'
        : code === 'unsupported_media_type'
          ? // Every body the API accepts is JSON: say what to send, not only what was refused.
            'Send the request body as JSON with the header "Content-Type: application/json".'
          : thrown.message || 'The request could not be read.';
    if (code === 'internal_error')
      runtime.logger.error('unhandled_error', { requestId: c.get('requestId'), error: thrown });
    return problemResponse(
      c,
      new GatewayError(
        code,
        detail,
        code === 'validation_failed' ? { errors: [{ path: 'body', message: detail }] } : {},
      ),
    );
  }
  if (clientClosedRequest(thrown, c)) {
    // The client went away mid-request (an upload cut short, or cut by the request timeout): its
    // fault, nobody reads the answer, and it must not count as a gateway failure.
    runtime.logger.warn('client_aborted', { requestId: c.get('requestId'), method: c.req.method });
    return problemResponse(
      c,
      new GatewayError('validation_failed', 'The client closed the connection before the request arrived.', {
        errors: [{ path: 'body', message: 'The request body ended early.' }],
      }),
    );
  }
  runtime.logger.error('unhandled_error', {
    requestId: c.get('requestId'),
    traceId: c.get('traceId'),
    error: thrown,
  });
  return problemResponse(
    c,
    new GatewayError(
      'internal_error',
      'The gateway failed to answer this request. The request id identifies it in the logs.',
    ),
  );
}

/**
 * The runtime-free gateway app. Node and Workers entries build a `GatewayRuntime` (config, cache,
 * upstream transport) and a platform resolver, and hand them here.
 */
export function createApp(
  runtime: GatewayRuntime,
  platformFor: PlatformResolver,
  options: { observeRequest?: RequestObserver } = {},
): OpenAPIHono<GatewayEnv> {
  const app = createOpenApiApp();

  app.use(
    '*',
    requestContext(runtime.logger, platformFor, releaseRequestServices, undefined, options.observeRequest),
  );
  registerCors(app, runtime.config.corsOrigins);

  registerHealth(app, runtime);
  registerDocs(app);

  // Everything under /v1 needs a gateway key, except vendor webhooks, which the vendors sign instead.
  const requireKey = authenticate(runtime.config.tenants);
  app.use('/v1/*', (c, next) => {
    if (c.req.path.startsWith('/v1/webhooks/')) return next();
    return requireKey(c, next);
  });
  // Bodies are limited while they arrive (chunked bodies carry no Content-Length to check first).
  for (const [path, maxSize] of [
    [batchCheckRoute.path, MAX_BODY_BYTES],
    ['/v1/customers/:customerId/links', MAX_BODY_BYTES],
    ['/v1/webhooks/*', MAX_WEBHOOK_BODY_BYTES],
  ] as const) {
    app.use(
      path,
      bodyLimit({
        maxSize,
        onError: () => {
          throw new GatewayError('payload_too_large', `The request body is larger than ${maxSize} bytes.`);
        },
      }),
    );
  }

  // After authentication (open routes and rejected keys are never limited) and after the body limit
  // (a batch's cost is read from its body).
  const limitCallers = rateLimit({
    limiter: runtime.rateLimiter,
    redisFor: (c) => openRequestServices(c, runtime).redis,
    batchPath: batchCheckRoute.path,
  });
  app.use('/v1/*', async (c, next) => {
    if (c.req.path.startsWith('/v1/webhooks/')) return next();
    return limitCallers(c, next);
  });

  registerListEntitlements(app, runtime);
  registerRefreshEntitlements(app, runtime);
  registerCheckEntitlement(app, runtime);
  registerBatchCheck(app, runtime);
  registerListBalances(app, runtime);
  registerCustomerLinks(app, runtime);
  registerReceiveWebhook(app, runtime);

  app.notFound((c) =>
    problemResponse(c, new GatewayError('not_found', `No route for ${c.req.method} ${c.req.path}.`)),
  );
  app.onError((error, c) => toProblem(error, c, runtime));
  return app;
}

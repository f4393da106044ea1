import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, ExecutionContext } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { routePath } from 'hono/route';
import { asGatewayError, GatewayError } from './errors/gateway-error';
import { problemResponse } from './errors/problem';
import { type AppScope, RequestScope } from './gateway';
import { registerListBalances } from './routes/balances/list-balances';
import { registerCustomerLinks } from './routes/customers/customer-links';
import { batchCheckRoute, registerBatchCheck } from './routes/entitlements/batch-check';
import { registerCheckEntitlement } from './routes/entitlements/check-entitlement';
import { registerListEntitlements } from './routes/entitlements/list-entitlements';
import { registerRefreshEntitlements } from './routes/entitlements/refresh-entitlements';
import { hotAnswers } from './routes/hot-answers';
import { authenticate, VerifiedKeys } from './routes/middleware/authenticate';
import { registerCors } from './routes/middleware/cors';
import { rateLimit } from './routes/middleware/rate-limit';
import {
  finishRequest,
  monotonicNow,
  type PlatformResolver,
  type RequestObserver,
} from './routes/middleware/request-context';
import { createOpenApiApp, type GatewayEnv } from './routes/openapi-app';
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
function toProblem(thrown: unknown, c: Context<GatewayEnv>, runtime: AppScope): Response {
  const error = asGatewayError(thrown);
  if (error !== undefined) {
    if (error.status >= 500) {
      runtime.logger.warn('request_failed', {
        requestId: c.env.requestId,
        traceId: c.env.trace.traceId,
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
      runtime.logger.error('unhandled_error', { requestId: c.env.requestId, error: thrown });
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
    runtime.logger.warn('client_aborted', { requestId: c.env.requestId, method: c.req.method });
    return problemResponse(
      c,
      new GatewayError('validation_failed', 'The client closed the connection before the request arrived.', {
        errors: [{ path: 'body', message: 'The request body ended early.' }],
      }),
    );
  }
  runtime.logger.error('unhandled_error', {
    requestId: c.env.requestId,
    traceId: c.env.trace.traceId,
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
 * The runtime-free gateway app. Node and Workers entries build the per-app scope (config, cache,
 * upstream transport: src/gateway.ts) and a platform resolver, and hand them here.
 *
 * Every request gets its {@link RequestScope} here, before routing, and is finished here once its
 * response exists (access line, metrics, release). In between, the hot answers (a cached check, a
 * remembered first list page, `/healthz`) are given in the tick the request arrived
 * (src/routes/hot-answers.ts); every other request, and any the hot path declines, goes through
 * Hono's router and middleware with the scope as `c.env`.
 */
export function createApp(
  runtime: AppScope,
  platformFor: PlatformResolver,
  options: { observeRequest?: RequestObserver } = {},
): OpenAPIHono<GatewayEnv> {
  const app = createOpenApiApp();

  // Routed requests: the route pattern that answered, for the access line and metrics.
  app.use('*', (c, next) =>
    next().then(() => {
      c.env.route = routePath(c);
    }),
  );
  registerCors(app, runtime.config.corsOrigins);

  registerHealth(app, runtime);
  registerDocs(app);

  // Everything under /v1 needs a gateway key, except vendor webhooks, which the vendors sign instead.
  const verifiedKeys = new VerifiedKeys(
    Math.max(
      1,
      runtime.config.tenants.reduce((sum, tenant) => sum + tenant.apiKeyHashes.length, 0),
    ),
  );
  const requireKey = authenticate(runtime.config.tenants, verifiedKeys);
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
    const tooLarge = () => {
      throw new GatewayError('payload_too_large', `The request body is larger than ${maxSize} bytes.`);
    };
    const limitStream = bodyLimit({ maxSize, onError: tooLarge });
    app.use(path, (c, next) => {
      // What Hono's bodyLimit decides from a Content-Length, decided without touching `body`: on
      // Node that materializes a full WHATWG Request (stream, AbortSignal) that the JSON read skips.
      const method = c.req.method;
      if (method === 'GET' || method === 'HEAD') return next();
      const length = c.req.header('content-length');
      if (length !== undefined && c.req.header('transfer-encoding') === undefined)
        return Number.parseInt(length, 10) > maxSize ? tooLarge() : next();
      return limitStream(c, next);
    });
  }

  // After authentication (open routes and rejected keys are never limited) and after the body limit
  // (a batch's cost is read from its body).
  const limitCallers = rateLimit({
    limiter: runtime.rateLimiter,
    redisFor: (c) => c.env.services.redis,
    batchPath: batchCheckRoute.path,
  });
  app.use('/v1/*', (c, next) => {
    if (c.req.path.startsWith('/v1/webhooks/')) return next();
    return limitCallers(c, next);
  });

  registerListEntitlements(app);
  registerRefreshEntitlements(app);
  registerCheckEntitlement(app);
  registerBatchCheck(app);
  registerListBalances(app, runtime);
  registerCustomerLinks(app);
  registerReceiveWebhook(app, runtime);

  app.notFound((c) =>
    problemResponse(c, new GatewayError('not_found', `No route for ${c.req.method} ${c.req.path}.`)),
  );
  app.onError((error, c) => toProblem(error, c, runtime));

  // The entry: a scope per request, the hot answers, else the router; finished either way.
  const route = app.fetch;
  const hot = hotAnswers(runtime, verifiedKeys);
  const { logger } = runtime;
  const observe = options.observeRequest;
  app.fetch = (request: Request, _env?: unknown, executionCtx?: ExecutionContext) => {
    const scope = new RequestScope(runtime, request, platformFor(executionCtx).waitUntil, monotonicNow());
    const response = hot(scope) ?? route(request, scope, executionCtx);
    if (response instanceof Promise)
      return response.then(
        (answered) => finishRequest(scope, answered, logger, observe),
        (error: unknown) => {
          scope.release();
          throw error;
        },
      );
    return finishRequest(scope, response, logger, observe);
  };
  return app;
}

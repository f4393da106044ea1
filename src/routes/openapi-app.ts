import { OpenAPIHono } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import { GatewayError } from '../errors/gateway-error';
import type { RequestScope } from '../gateway';

/**
 * The Hono environment of the gateway's routes: `c.env` is the request's {@link RequestScope} (made
 * by the app's entry, src/app.ts, for every request; the platform's own bindings are read once,
 * when the per-app scope is built). No Hono variables: the scope's fields are the request's state.
 */
export interface GatewayEnv {
  Bindings: RequestScope;
}

/** Where a validation target's fields appear in problem `errors[].path`. */
const targetPrefix: Record<string, string> = {
  query: 'query',
  param: 'path',
  json: 'body',
  header: 'header',
  form: 'body',
  cookie: 'cookie',
};

/** Turns a zod failure into one `validation_failed` problem that lists every bad field. */
export function validationError(error: ZodError, target: string | undefined): GatewayError {
  const prefix = targetPrefix[target ?? ''] ?? target ?? 'request';
  const errors = error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: [prefix, ...issue.path, key].join('.'),
        message: 'Unknown parameter.',
      }));
    }
    return [{ path: [prefix, ...issue.path].join('.'), message: issue.message }];
  });
  const fields = errors.map((entry) => entry.path).join(', ');
  return new GatewayError('validation_failed', `Invalid request: ${fields}.`, { errors });
}

/** An OpenAPIHono whose validation failures become problems (the one `defaultHook`). */
export function createOpenApiApp(): OpenAPIHono<GatewayEnv> {
  return new OpenAPIHono<GatewayEnv>({
    defaultHook: (result) => {
      if (!result.success)
        throw validationError(result.error as ZodError, (result as { target?: string }).target);
    },
  });
}

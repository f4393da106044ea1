import type { Context } from 'hono';
import type { Problem } from '../../schemas/problem';
import { ProblemSchema } from '../../schemas/problem';
import { serverTimingValue } from '../routes/middleware/request-context';
import type { GatewayEnv } from '../routes/openapi-app';
import { type ErrorCode, errorCatalog, problemTypeUri } from './codes';
import type { GatewayError } from './gateway-error';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Builds the RFC 9457 body of a typed error. */
export function problemBody(error: GatewayError, requestId: string): Problem {
  const entry = errorCatalog[error.code];
  return {
    type: problemTypeUri(error.code),
    title: entry.title,
    status: entry.status,
    detail: error.message,
    code: error.code,
    requestId,
    ...(error.vendor === undefined ? {} : { vendor: error.vendor }),
    ...(error.errors === undefined ? {} : { errors: error.errors }),
  };
}

/** Writes a typed error as an `application/problem+json` response. */
export function problemResponse(c: Context<GatewayEnv>, error: GatewayError): Response {
  const body = problemBody(error, c.env.requestId);
  const headers = new Headers({
    'content-type': PROBLEM_CONTENT_TYPE,
    'cache-control': 'no-store',
    'x-request-id': body.requestId,
  });
  headers.set('server-timing', serverTimingValue(c.env));
  for (const [name, value] of Object.entries(error.headers)) headers.set(name, value);
  return new Response(JSON.stringify(body), { status: body.status, headers });
}

/**
 * A problem response built outside the app (no Hono context): the metrics endpoint of the Node
 * entry, a Worker that cannot build its gateway. A fresh request id identifies it in the logs.
 */
export function standaloneProblemResponse(
  code: ErrorCode,
  detail: string,
  headers: Record<string, string> = {},
): Response {
  const entry = errorCatalog[code];
  const requestId = crypto.randomUUID();
  const body: Problem = {
    type: problemTypeUri(code),
    title: entry.title,
    status: entry.status,
    detail,
    code,
    requestId,
  };
  return new Response(JSON.stringify(body), {
    status: entry.status,
    headers: {
      'content-type': PROBLEM_CONTENT_TYPE,
      'cache-control': 'no-store',
      'x-request-id': requestId,
      ...headers,
    },
  });
}

/** The OpenAPI name of the response component of one error code. */
export function errorComponentName(code: ErrorCode): string {
  return `Error_${code}`;
}

/** One OpenAPI response component per error code, generated from the table. */
export function errorResponseComponents(): Record<
  string,
  { description: string; content: Record<string, { schema: { $ref: string }; example: Problem }> }
> {
  const components: ReturnType<typeof errorResponseComponents> = {};
  for (const [code, entry] of Object.entries(errorCatalog) as Array<
    [ErrorCode, (typeof errorCatalog)[ErrorCode]]
  >) {
    components[errorComponentName(code)] = {
      description: `${entry.title} (\`${code}\`, HTTP ${entry.status}; fault: ${entry.fault}).`,
      content: {
        [PROBLEM_CONTENT_TYPE]: {
          schema: { $ref: '#/components/schemas/Problem' },
          example: {
            type: problemTypeUri(code),
            title: entry.title,
            status: entry.status,
            detail: entry.title,
            code,
            requestId: '01J9Z3M4Q2V7X8Y9Z0A1B2C3D4',
          },
        },
      },
    };
  }
  return components;
}

/** What any route that reads a customer's snapshot can answer, besides its own validation errors. */
export const customerReadErrorCodes = [
  'validation_failed',
  'vendor_required',
  'vendor_not_configured',
  'unauthorized',
  'customer_not_found',
  'vendor_auth_failed',
  'vendor_bad_response',
  'vendor_request_rejected',
  'vendor_unavailable',
  'vendor_rate_limited',
  'vendor_timeout',
] as const satisfies readonly ErrorCode[];

/**
 * The `responses` entries of a route for the error codes it can send, grouped by status, with one
 * named example per code.
 */
export function errorResponses(...codes: ErrorCode[]) {
  const byStatus: Record<number, ErrorCode[]> = {};
  for (const code of codes) {
    const status = errorCatalog[code].status;
    byStatus[status] = [...(byStatus[status] ?? []), code];
  }
  const responses: Record<
    string,
    {
      description: string;
      content: Record<string, { schema: typeof ProblemSchema; examples: Record<string, { value: Problem }> }>;
    }
  > = {};
  for (const [status, group] of Object.entries(byStatus)) {
    responses[status] = {
      description: group.map((code) => `\`${code}\`: ${errorCatalog[code].title}`).join('; '),
      content: {
        [PROBLEM_CONTENT_TYPE]: {
          schema: ProblemSchema,
          examples: Object.fromEntries(
            group.map((code) => [
              code,
              {
                value: {
                  type: problemTypeUri(code),
                  title: errorCatalog[code].title,
                  status: errorCatalog[code].status,
                  detail: errorCatalog[code].title,
                  code,
                  requestId: '01J9Z3M4Q2V7X8Y9Z0A1B2C3D4',
                },
              },
            ]),
          ),
        },
      },
    };
  }
  return responses;
}

/**
 * A whole HTTP/1.1 problem response as bytes, for the few requests answered below the app (Node's
 * parser refusing them): still RFC 9457, with a request id, and the connection closed.
 */
export function rawProblemResponse(code: ErrorCode, detail: string): string {
  const entry = errorCatalog[code];
  const requestId = crypto.randomUUID();
  const body = JSON.stringify({
    type: problemTypeUri(code),
    title: entry.title,
    status: entry.status,
    detail,
    code,
    requestId,
  });
  return [
    `HTTP/1.1 ${entry.status} ${entry.title}`,
    `content-type: ${PROBLEM_CONTENT_TYPE}`,
    `content-length: ${new TextEncoder().encode(body).length}`,
    `x-request-id: ${requestId}`,
    'cache-control: no-store',
    'connection: close',
    '',
    body,
  ].join('\r\n');
}

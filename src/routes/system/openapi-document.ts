import { errorComponentName } from '../../errors/problem';

/**
 * What the route definitions cannot say by themselves, applied once to the generated document: the
 * server, the default security, the response headers every answer carries, the 500 any operation can
 * send, and no response component that nothing references. The conformance tests
 * (test/integration/api/conformance.test.ts) check real answers, headers included, against the result.
 */

type Json = Record<string, unknown>;

/** Response header components, by name. */
export const responseHeaderComponents = {
  XRequestId: {
    description:
      'Identifies the request in the gateway logs: the caller’s own `X-Request-Id` when it is 1-128 characters of `A-Za-z0-9._:-`, else a new one. Problems repeat it as `requestId`.',
    required: true,
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
  },
  ServerTiming: {
    description:
      'W3C Server-Timing: `total` (gateway time), `cache` (what the cache did) and `upstream` (time and number of vendor calls), e.g. `total;dur=1.2, cache;desc="hit"`.',
    schema: { type: 'string', pattern: '^total;dur=\\d+(\\.\\d+)?' },
  },
  CacheStatus: {
    description:
      'RFC 9211 Cache-Status of the snapshots behind the answer, e.g. `entitlements-gateway; hit; ttl=42; detail=memory` or `entitlements-gateway; fwd=miss; stored`.',
    schema: { type: 'string', pattern: '^entitlements-gateway; ' },
  },
  Age: {
    description: 'RFC 9111 Age: seconds since the least fresh snapshot behind the answer was loaded.',
    schema: { type: 'string', pattern: '^\\d+$' },
  },
  RetryAfter: {
    description: 'Seconds to wait before retrying (RFC 9110), when the gateway knows.',
    schema: { type: 'string', pattern: '^\\d+$' },
  },
  WwwAuthenticate: {
    description: 'The scheme to authenticate with (`Bearer`).',
    schema: { type: 'string' },
  },
  RateLimitPolicy: {
    description:
      'IETF RateLimit-Policy (draft-ietf-httpapi-ratelimit-headers-10), when the tenant has caller rate limits: one item per token bucket, `"key"` (this API key) and/or `"tenant"`, with its quota `q` (the burst) and window `w` (seconds an empty bucket takes to refill), e.g. `"key";q=20;w=2, "tenant";q=200;w=4`.',
    schema: { type: 'string', pattern: '^"(key|tenant)";q=\\d+;w=\\d+' },
  },
  RateLimit: {
    description:
      'IETF RateLimit, when the tenant has caller rate limits: per bucket the remaining units `r` after this request and the seconds `t` until the bucket is full again, e.g. `"key";r=19;t=1`. A batch check costs one unit per item.',
    schema: { type: 'string', pattern: '^"(key|tenant)";r=\\d+;t=\\d+' },
  },
} as const;

/** The HTTP name of each header component: what responses list and what CORS exposes to browsers. */
export const responseHeaderNames: Record<keyof typeof responseHeaderComponents, string> = {
  XRequestId: 'X-Request-Id',
  ServerTiming: 'Server-Timing',
  CacheStatus: 'Cache-Status',
  Age: 'Age',
  RetryAfter: 'Retry-After',
  WwwAuthenticate: 'WWW-Authenticate',
  RateLimitPolicy: 'RateLimit-Policy',
  RateLimit: 'RateLimit',
};

/** Operations whose successful answers come from cached vendor snapshots (or say they bypassed them). */
const cachedOperations = new Set([
  'listEntitlements',
  'checkEntitlement',
  'batchCheck',
  'refreshEntitlements',
  'listBalances',
]);

const headerRef = (name: keyof typeof responseHeaderComponents) => ({
  $ref: `#/components/headers/${name}`,
});

/** The headers one response of one operation may carry. */
function headersFor(operationId: string, status: string, response: Json, keyed: boolean): Json {
  const content = (response.content ?? {}) as Json;
  const problem = 'application/problem+json' in content;
  const json = problem || 'application/json' in content;
  const headers: Json = { 'X-Request-Id': headerRef('XRequestId') };
  if (json && operationId !== 'openApiDocument') headers['Server-Timing'] = headerRef('ServerTiming');
  // A customer the vendor does not have is cached too (negative entry), so its 404 says so.
  if ((status === '200' || status === '404') && cachedOperations.has(operationId)) {
    headers['Cache-Status'] = headerRef('CacheStatus');
    headers.Age = headerRef('Age');
  }
  if (status === '503' && problem) headers['Retry-After'] = headerRef('RetryAfter');
  if (status === '401' && problem) headers['WWW-Authenticate'] = headerRef('WwwAuthenticate');
  // Rate limits run after authentication: every answer of a keyed operation but a 401 reports them.
  if (keyed && status !== '401') {
    headers['RateLimit-Policy'] = headerRef('RateLimitPolicy');
    headers.RateLimit = headerRef('RateLimit');
  }
  return headers;
}

/** Whether an operation needs a gateway key (and is therefore rate limited): keyed routes declare their security. */
function isKeyed(operation: Json): boolean {
  const security = operation.security as unknown[] | undefined;
  return security !== undefined && security.length > 0;
}

function collectRefs(node: unknown, refs: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const item of node) collectRefs(item, refs);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') refs.add(value);
      else collectRefs(value, refs);
    }
  }
  return refs;
}

/** Completes the generated document in place (see the file comment) and returns it. */
export function finalizeOpenApiDocument<T extends object>(generated: T): T {
  const document = generated as unknown as Json;
  document.servers = [{ url: '/', description: 'The gateway serving this document.' }];
  // Keyed by default; open operations (health, readiness, this document, the docs page, vendor
  // webhooks, which vendors sign instead) say `security: []`.
  document.security = [{ bearerAuth: [] }];
  const components = (document.components ?? {}) as Json;
  document.components = components;
  components.headers = { ...(components.headers as Json | undefined), ...responseHeaderComponents };

  const internalError = errorComponentName('internal_error');
  const rateLimited = errorComponentName('rate_limited');
  const responseComponents = (components.responses ?? {}) as Record<string, Json>;
  const rateLimitedComponent = responseComponents[rateLimited];
  if (rateLimitedComponent) {
    rateLimitedComponent.description =
      'Rate limit exceeded (`rate_limited`): this API key, or its tenant, is over its configured rate; nothing was charged. Retry after `Retry-After` seconds; `RateLimit` says what is left. A batch check costs one unit per item.';
    rateLimitedComponent.headers = {
      'X-Request-Id': headerRef('XRequestId'),
      'Server-Timing': headerRef('ServerTiming'),
      'Retry-After': headerRef('RetryAfter'),
      'RateLimit-Policy': headerRef('RateLimitPolicy'),
      RateLimit: headerRef('RateLimit'),
    };
  }
  const internalComponent = responseComponents[internalError];
  if (internalComponent) {
    internalComponent.description =
      'Internal error (`internal_error`): the gateway failed to answer; the request id finds it in the logs. On Cloudflare Workers every request is answered so while the configuration is invalid (the Worker logs name the variable).';
    internalComponent.headers = { 'X-Request-Id': headerRef('XRequestId') };
  }

  for (const operations of Object.values((document.paths ?? {}) as Record<string, Record<string, Json>>)) {
    for (const operation of Object.values(operations)) {
      const operationId = String(operation.operationId);
      const keyed = isKeyed(operation);
      operation.security ??= [];
      const responses = (operation.responses ?? {}) as Record<string, Json>;
      for (const [status, response] of Object.entries(responses)) {
        if ('$ref' in response) continue;
        response.headers = {
          ...headersFor(operationId, status, response, keyed),
          ...(response.headers as Json),
        };
      }
      if (keyed) responses['429'] ??= { $ref: `#/components/responses/${rateLimited}` };
      responses['500'] ??= { $ref: `#/components/responses/${internalError}` };
      operation.responses = responses;
    }
  }

  // Response components nothing references are left out (a linter would rightly flag them).
  const refs = collectRefs(document.paths, new Set());
  for (const name of Object.keys(responseComponents)) {
    if (!refs.has(`#/components/responses/${name}`)) delete responseComponents[name];
  }
  return generated;
}

import { expect } from 'vitest';
import type { Transport } from '../../adapters/kit';
import { type VendorWebhookSecrets, vendorModule } from '../../adapters/registry';
import { type VendorId, vendorIds } from '../../schemas/entitlement';
import { type Problem, ProblemSchema } from '../../schemas/problem';
import { SANDBOX_API_KEY } from '../../src/config';
import { type ErrorCode, problemTypeUri } from '../../src/errors/codes';
import { vendorTestKit } from '../support/vendor-test-kits';

/**
 * The contract between the shared route suites and the runtime they run on. The suites only speak
 * HTTP (`Request` in, `Response` out), so the very same assertions run against `createApp` on Node
 * and against the Worker inside workerd.
 */

/** Sends one request to the gateway. `path` is absolute (`/v1/…`); the target adds an origin if it needs one. */
export type GatewayCall = (path: string, init?: RequestInit) => Promise<Response>;

/** One gateway, fresh: empty cache, its own sandbox simulators. */
export interface SharedGateway {
  call: GatewayCall;
  /** Releases what the gateway holds (Node: background tasks, connections). */
  close(): Promise<void>;
}

/** What a suite may ask of a fresh gateway beyond {@link sharedRouteEnv}. */
export interface SharedGatewayOptions {
  /** More variables, over {@link sharedRouteEnv}. */
  env?: Record<string, string>;
  /** Vendors whose sandbox simulator answers 503 to every request: down, with nothing cached. */
  unreachable?: readonly VendorId[];
}

/** A runtime the suites run on. */
export interface SharedSuiteTarget {
  /** Shown in test names: `node`, `workerd`. */
  runtime: string;
  /** Builds a fresh gateway in sandbox mode with {@link sharedRouteEnv} (and `options`) applied. */
  open(options?: SharedGatewayOptions): Promise<SharedGateway>;
}

/**
 * The sandbox's vendor transport with `vendors` down: a request to one of their simulators gets a
 * 503 (what a vendor outage looks like to the adapters) without reaching it. Both targets wrap their
 * transport with it, so a suite sees the same outage on Node and in workerd.
 */
export function withUnreachableVendors(inner: Transport, vendors: readonly VendorId[] = []): Transport {
  if (vendors.length === 0) return inner;
  const origins = new Set(vendors.map((vendor) => vendorModule(vendor).sandbox.origin));
  return async (url, init) =>
    origins.has(new URL(url).origin)
      ? new Response('{"message":"down (test outage)"}', {
          status: 503,
          headers: { 'content-type': 'application/json' },
        })
      : inner(url, init);
}

/**
 * Webhook secrets both targets configure: every registry vendor's, from its test kit, so the suites
 * can check webhook authentication at every vendor.
 */
export const sharedWebhookSecrets = Object.fromEntries(
  vendorIds.map((vendor) => [vendor, vendorTestKit(vendor).webhook.secrets('shared-suite')]),
) as VendorWebhookSecrets;

/**
 * Variables every target applies on top of sandbox mode: the webhook secrets, and cache TTLs pinned
 * (gateway-wide and per vendor) so an entry cannot go stale during a suite on a slow machine (a
 * vendor's default can be seconds: Paygentic's is 10 s).
 */
export const sharedRouteEnv: Readonly<Record<string, string>> = {
  ...Object.assign(
    {},
    ...vendorIds.map((vendor) => vendorTestKit(vendor).webhookEnv(sharedWebhookSecrets[vendor])),
  ),
  CACHE_TTL_SECONDS: '300',
  ...Object.fromEntries(
    vendorIds.map((vendor) => [`${vendorModule(vendor).config.envPrefix}_CACHE_TTL_SECONDS`, '300']),
  ),
};

/** The sandbox's demo customers per vendor: every seeded customer of the registry's simulators. */
export const sandboxDemoCustomers: ReadonlyArray<{ vendor: VendorId; customerId: string }> =
  vendorIds.flatMap((vendor) =>
    vendorModule(vendor).sandbox.customerIds.map((customerId) => ({ vendor, customerId })),
  );

/** `init` with the sandbox key (or `key`) as a Bearer token. */
export function withKey(init: RequestInit = {}, key: string = SANDBOX_API_KEY): RequestInit {
  return { ...init, headers: { ...headersOf(init), authorization: `Bearer ${key}` } };
}

/** A JSON POST with the sandbox key. */
export function postJson(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return withKey({
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

function headersOf(init: RequestInit): Record<string, string> {
  return Object.fromEntries(new Headers(init.headers).entries());
}

/** The path of a customer's entitlement list with `query`. */
export function listPath(customerId: string, query: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, value);
  return `/v1/customers/${encodeURIComponent(customerId)}/entitlements?${search}`;
}

/** The path of a single check. */
export function checkPath(
  customerId: string,
  featureKey: string,
  query: Record<string, string | undefined>,
): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, value);
  return `/v1/customers/${encodeURIComponent(customerId)}/entitlements/${encodeURIComponent(featureKey)}?${search}`;
}

/**
 * Asserts an RFC 9457 problem of `code`: status, media type, the type URI of the error table, and
 * the request id matching `X-Request-Id`. Returns the parsed problem.
 */
export async function expectProblem(response: Response, status: number, code: ErrorCode): Promise<Problem> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const problem = ProblemSchema.parse(JSON.parse(text));
  expect(problem).toMatchObject({ status, code, type: problemTypeUri(code) });
  expect(problem.requestId).toBe(response.headers.get('x-request-id'));
  return problem;
}

/** Reads a JSON body after asserting the status (the body is shown when the status is wrong). */
export async function expectJson(response: Response, status = 200): Promise<unknown> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return JSON.parse(text) as unknown;
}

import type { VendorSimulators } from '../../../adapters/registry';
import type { Fault } from '../../../adapters/simulator-kit';
import type { VendorId } from '../../../schemas/entitlement';
import { SANDBOX_API_KEY } from '../../../src/config';
import { startSimulators } from '../../support/simulators';
import { vendorTestKit } from '../../support/vendor-test-kits';

/**
 * The requests of the conformance tests: every operation, its happy paths and each documented
 * error status. Sandbox cases run against sandbox mode; fault cases against a gateway configured
 * with the vendor simulators on loopback HTTP, whose faults the tests inject. Both lists run on Node
 * and on workerd (conformance.node.test.ts, conformance.workerd.test.ts).
 */

/** Sends one request to the gateway under test (absolute path). */
export type Call = (path: string, init?: RequestInit) => Promise<Response>;

/** One request and the answer it must get. */
export interface ConformanceCase {
  name: string;
  operationId: string;
  status: number;
  send(call: Call): Promise<Response>;
}

/** Chargebee webhook credentials of both kinds of gateway. */
export const webhookCredentials = { username: 'conformance-hooks', password: 'conformance-hook-password' };
const webhookAuth = `Basic ${btoa(`${webhookCredentials.username}:${webhookCredentials.password}`)}`;

const keyed = (key: string, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { ...Object.fromEntries(new Headers(init.headers)), authorization: `Bearer ${key}` },
});
const json = (key: string, body: unknown, headers: Record<string, string> = {}): RequestInit =>
  keyed(key, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const webhook = (body: string, authorization = webhookAuth): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization },
  body,
});

/** Extra variables of the sandbox gateways (both runtimes). */
export const sandboxEnv: Record<string, string> = {
  CHARGEBEE_WEBHOOK_USERNAME: webhookCredentials.username,
  CHARGEBEE_WEBHOOK_PASSWORD: webhookCredentials.password,
};

const key = SANDBOX_API_KEY;
const list = '/v1/customers/c1/entitlements?vendor=chargebee';

/** Sandbox mode: happy paths and every error a caller can cause. */
export const sandboxCases: ConformanceCase[] = [
  { name: 'liveness', operationId: 'health', status: 200, send: (call) => call('/healthz') },
  { name: 'readiness', operationId: 'readiness', status: 200, send: (call) => call('/readyz') },
  {
    name: 'the document',
    operationId: 'openApiDocument',
    status: 200,
    send: (call) => call('/openapi.json'),
  },
  { name: 'the docs page', operationId: 'docsPage', status: 200, send: (call) => call('/docs') },
  {
    name: 'a list page',
    operationId: 'listEntitlements',
    status: 200,
    send: (call) => call(list, keyed(key)),
  },
  {
    name: 'a second page through nextCursor, with include=raw',
    operationId: 'listEntitlements',
    status: 200,
    async send(call) {
      const first = (await (await call(`${list}&limit=1&include=raw`, keyed(key))).json()) as {
        nextCursor: string | null;
      };
      if (first.nextCursor === null) throw new Error('the sandbox customer c1 has a single page');
      return call(`${list}&limit=1&include=raw&cursor=${encodeURIComponent(first.nextCursor)}`, keyed(key));
    },
  },
  {
    name: 'a bad limit',
    operationId: 'listEntitlements',
    status: 400,
    send: (call) => call(`${list}&limit=0`, keyed(key)),
  },
  {
    name: 'a forged cursor',
    operationId: 'listEntitlements',
    status: 400,
    send: (call) => call(`${list}&cursor=forged`, keyed(key)),
  },
  { name: 'no key', operationId: 'listEntitlements', status: 401, send: (call) => call(list) },
  {
    name: 'an unknown customer',
    operationId: 'listEntitlements',
    status: 404,
    send: (call) => call('/v1/customers/no-such-customer/entitlements?vendor=chargebee', keyed(key)),
  },
  {
    name: 'a refresh',
    operationId: 'refreshEntitlements',
    status: 200,
    send: (call) =>
      call('/v1/customers/c1/entitlements/refresh?vendor=chargebee', keyed(key, { method: 'POST' })),
  },
  {
    name: 'a refresh without vendor (three are configured)',
    operationId: 'refreshEntitlements',
    status: 400,
    send: (call) => call('/v1/customers/c1/entitlements/refresh', keyed(key, { method: 'POST' })),
  },
  {
    name: 'a refresh without key',
    operationId: 'refreshEntitlements',
    status: 401,
    send: (call) => call('/v1/customers/c1/entitlements/refresh?vendor=chargebee', { method: 'POST' }),
  },
  {
    name: 'a refresh of an unknown customer',
    operationId: 'refreshEntitlements',
    status: 404,
    send: (call) =>
      call(
        '/v1/customers/no-such-customer/entitlements/refresh?vendor=chargebee',
        keyed(key, { method: 'POST' }),
      ),
  },
  {
    name: 'a check of an entitled feature',
    operationId: 'checkEntitlement',
    status: 200,
    send: (call) =>
      call('/v1/customers/c1/entitlements/user-licenses?vendor=chargebee&requestedUsage=5', keyed(key)),
  },
  {
    name: 'a check of a feature the customer lacks (type and entitlement null)',
    operationId: 'checkEntitlement',
    status: 200,
    send: (call) => call('/v1/customers/c1/entitlements/no-such-feature?vendor=chargebee', keyed(key)),
  },
  {
    name: 'a check with a bad requestedUsage',
    operationId: 'checkEntitlement',
    status: 400,
    send: (call) =>
      call('/v1/customers/c1/entitlements/user-licenses?vendor=chargebee&requestedUsage=0x10', keyed(key)),
  },
  {
    name: 'a check without key',
    operationId: 'checkEntitlement',
    status: 401,
    send: (call) => call('/v1/customers/c1/entitlements/user-licenses?vendor=chargebee'),
  },
  {
    name: 'a check for an unknown customer',
    operationId: 'checkEntitlement',
    status: 404,
    send: (call) =>
      call('/v1/customers/no-such-customer/entitlements/user-licenses?vendor=chargebee', keyed(key)),
  },
  {
    name: 'a batch: entitled, not entitled, a bad item, an unknown customer',
    operationId: 'batchCheck',
    status: 200,
    send: (call) =>
      call(
        '/v1/check',
        json(key, {
          checks: [
            { customerId: 'c1', vendor: 'chargebee', featureKey: 'user-licenses', requestedUsage: 5 },
            { customerId: 'c1', vendor: 'chargebee', featureKey: 'no-such-feature' },
            { customerId: 'c1', featureKey: 'user-licenses' },
            { customerId: 'no-such-customer', vendor: 'chargebee', featureKey: 'user-licenses' },
          ],
        }),
      ),
  },
  {
    name: 'an empty batch',
    operationId: 'batchCheck',
    status: 400,
    send: (call) => call('/v1/check', json(key, { checks: [] })),
  },
  {
    name: 'a batch without key',
    operationId: 'batchCheck',
    status: 401,
    send: (call) => call('/v1/check', { method: 'POST', body: '{"checks":[]}' }),
  },
  {
    name: 'a batch over the body limit',
    operationId: 'batchCheck',
    status: 413,
    send: (call) => call('/v1/check', json(key, `{"checks":["${'x'.repeat(300 * 1024)}"]}`)),
  },
  {
    name: 'a batch that is not JSON',
    operationId: 'batchCheck',
    status: 415,
    send: (call) => call('/v1/check', json(key, 'checks', { 'content-type': 'text/plain' })),
  },
  {
    name: 'Zenskar balances',
    operationId: 'listBalances',
    status: 200,
    send: (call) => call('/v1/balances?vendor=zenskar&limit=5&populate=customer', keyed(key)),
  },
  {
    name: 'balances with a filter Zenskar cannot express',
    operationId: 'listBalances',
    status: 400,
    send: (call) => call('/v1/balances?vendor=zenskar&remaining[gt]=1', keyed(key)),
  },
  {
    name: 'balances without key',
    operationId: 'listBalances',
    status: 401,
    send: (call) => call('/v1/balances?vendor=zenskar'),
  },
  {
    name: 'balances of a vendor without a balance listing',
    operationId: 'listBalances',
    status: 501,
    send: (call) => call('/v1/balances?vendor=chargebee', keyed(key)),
  },
  {
    name: 'a verified Chargebee webhook',
    operationId: 'receiveWebhook',
    status: 200,
    send: (call) =>
      call(
        '/v1/webhooks/chargebee',
        webhook(
          JSON.stringify({
            id: `ev_conformance_${crypto.randomUUID()}`,
            event_type: 'customer_changed',
            content: { customer: { id: 'c1' } },
          }),
        ),
      ),
  },
  {
    name: 'a webhook body that is not JSON',
    operationId: 'receiveWebhook',
    status: 400,
    send: (call) => call('/v1/webhooks/chargebee', webhook('not json')),
  },
  {
    name: 'a webhook with wrong credentials',
    operationId: 'receiveWebhook',
    status: 401,
    send: (call) =>
      call('/v1/webhooks/chargebee', webhook('{}', `Basic ${btoa(`${webhookCredentials.username}:nope`)}`)),
  },
  {
    name: 'a webhook over the body limit',
    operationId: 'receiveWebhook',
    status: 413,
    send: (call) => call('/v1/webhooks/chargebee', webhook(`{"x":"${'x'.repeat(1100 * 1024)}"}`)),
  },
];

const links = (customerId: string) => `/v1/customers/${encodeURIComponent(customerId)}/links`;
const put = (
  body: unknown,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): RequestInit =>
  keyed(key, { method: 'PUT', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
const tooLongId = 'x'.repeat(256);

/** Customer links in sandbox mode (no Redis): static links read, changes refused with 501. */
export const sandboxLinkCases: ConformanceCase[] = [
  {
    name: "the demo app customer's static links",
    operationId: 'getCustomerLinks',
    status: 200,
    send: (call) => call(links('acme'), keyed(key)),
  },
  {
    name: 'links of a customer without any',
    operationId: 'getCustomerLinks',
    status: 404,
    send: (call) => call(links('no-such-customer'), keyed(key)),
  },
  {
    name: 'links without key',
    operationId: 'getCustomerLinks',
    status: 401,
    send: (call) => call(links('acme')),
  },
  {
    name: 'links of a 256-character customer id',
    operationId: 'getCustomerLinks',
    status: 400,
    send: (call) => call(links(tooLongId), keyed(key)),
  },
  {
    name: 'setting links without Redis',
    operationId: 'putCustomerLinks',
    status: 501,
    send: (call) => call(links('acme'), put({ links: { chargebee: 'c1' } })),
  },
  {
    name: 'setting an empty set of links',
    operationId: 'putCustomerLinks',
    status: 400,
    send: (call) => call(links('acme'), put({ links: {} })),
  },
  {
    name: 'setting links without key',
    operationId: 'putCustomerLinks',
    status: 401,
    send: (call) => call(links('acme'), { method: 'PUT', body: '{"links":{"chargebee":"c1"}}' }),
  },
  {
    name: 'setting links over the body limit',
    operationId: 'putCustomerLinks',
    status: 413,
    send: (call) => call(links('acme'), put({ links: { chargebee: 'x'.repeat(300 * 1024) } })),
  },
  {
    name: 'setting links as text',
    operationId: 'putCustomerLinks',
    status: 415,
    send: (call) => call(links('acme'), put('links', { 'content-type': 'text/plain' })),
  },
  {
    name: 'removing links without Redis',
    operationId: 'deleteCustomerLinks',
    status: 501,
    send: (call) => call(links('acme'), keyed(key, { method: 'DELETE' })),
  },
  {
    name: 'removing links without key',
    operationId: 'deleteCustomerLinks',
    status: 401,
    send: (call) => call(links('acme'), { method: 'DELETE' }),
  },
  {
    name: 'removing links of a 256-character customer id',
    operationId: 'deleteCustomerLinks',
    status: 400,
    send: (call) => call(links(tooLongId), keyed(key, { method: 'DELETE' })),
  },
];

/** Customer links in sandbox mode with a working Redis (in order: set, read, remove). */
export function redisLinkCases(): ConformanceCase[] {
  // Unique per run: the sandbox tenant's link keys are shared by every run on this Redis.
  const customer = `conformance-${crypto.randomUUID()}`;
  return [
    {
      name: 'setting links',
      operationId: 'putCustomerLinks',
      status: 200,
      send: (call) => call(links(customer), put({ links: { chargebee: 'c1', paygentic: 'cus_demoAcme' } })),
    },
    {
      name: 'a link to an id that cannot exist at the vendor',
      operationId: 'putCustomerLinks',
      status: 400,
      send: (call) => call(links(customer), put({ links: { paygentic: 'not-a-paygentic-id' } })),
    },
    {
      name: 'reading them back',
      operationId: 'getCustomerLinks',
      status: 200,
      send: (call) => call(links(customer), keyed(key)),
    },
    {
      name: 'removing them',
      operationId: 'deleteCustomerLinks',
      status: 204,
      send: (call) => call(links(customer), keyed(key, { method: 'DELETE' })),
    },
  ];
}

/** Customer links in sandbox mode with Redis configured but unreachable. */
export const unreachableRedisLinkCases: ConformanceCase[] = [
  {
    name: 'setting links while Redis is unreachable',
    operationId: 'putCustomerLinks',
    status: 503,
    send: (call) => call(links('acme'), put({ links: { chargebee: 'c1' } })),
  },
  {
    name: 'reading links while Redis is unreachable',
    operationId: 'getCustomerLinks',
    status: 503,
    send: (call) => call(links('acme'), keyed(key)),
  },
  {
    name: 'removing links while Redis is unreachable',
    operationId: 'deleteCustomerLinks',
    status: 503,
    send: (call) => call(links('acme'), keyed(key, { method: 'DELETE' })),
  },
];

/** The vendor simulators on loopback HTTP, for the fault cases. */
export interface SimulatorStack {
  /** Gateway variables that point a configured gateway at the simulators. */
  env: Record<string, string>;
  simulators: VendorSimulators;
  close(): Promise<void>;
}

/** The gateway key of the simulator-backed gateways. */
export const FAULT_KEY = 'conformance-key-0123456789abcdef';

/** Starts every registry vendor's simulator on a loopback port (test/support/simulators.ts). */
export async function startSimulatorStack(): Promise<SimulatorStack> {
  const started = await startSimulators();
  return {
    simulators: started.simulators,
    env: {
      GATEWAY_API_KEYS: FAULT_KEY,
      CURSOR_SECRET: 'conformance-cursor-secret-0123456789abcdef',
      ...started.singleTenantEnv,
      // The webhook fault case is Chargebee's (a subscription event the gateway must look up).
      CHARGEBEE_WEBHOOK_USERNAME: webhookCredentials.username,
      CHARGEBEE_WEBHOOK_PASSWORD: webhookCredentials.password,
      // One attempt: a fault becomes its problem at once, without retries. The timeout leaves a
      // loaded CI machine ample time for normal answers; the delay fault is well past it.
      UPSTREAM_MAX_ATTEMPTS: '1',
      UPSTREAM_ATTEMPT_TIMEOUT_MS: '1000',
      UPSTREAM_DEADLINE_MS: '1500',
      // Checks answer the vendor's documented problem instead of the default `deny` fallback, so
      // the fault cases cover the 503/504 statuses (fallback answers: test/integration/fallback/).
      FALLBACK_POLICY: 'problem',
      LOG_LEVEL: 'error',
    },
    close: started.close,
  };
}

type Vendor = VendorId;

/** A fault case: the fault is served for every request to the vendor until the case ends. */
export interface FaultCase extends ConformanceCase {
  vendor: Vendor;
  fault: Fault;
}

/** A demo customer of each vendor, from its test kit. */
const customers = (vendor: Vendor) => vendorTestKit(vendor).data.customerId;
/** Which vendor fault gives which status: rejected credentials, an outage, a timeout. */
const faults: Array<{ status: number; vendor: Vendor; fault: Fault }> = [
  { status: 502, vendor: 'chargebee', fault: { kind: 'status', status: 401, body: '{"message":"bad key"}' } },
  { status: 503, vendor: 'paygentic', fault: { kind: 'status', status: 503, body: '{"message":"down"}' } },
  { status: 504, vendor: 'zenskar', fault: { kind: 'delay', ms: 4_000 } },
];

/** Vendor failures: every operation that reaches a vendor, for each status it documents for them. */
export const faultCases: FaultCase[] = faults.flatMap(({ status, vendor, fault }) => {
  const customer = `/v1/customers/${encodeURIComponent(customers(vendor))}/entitlements`;
  const cases: FaultCase[] = [
    {
      name: `a list while ${vendor} fails`,
      operationId: 'listEntitlements',
      status,
      vendor,
      fault,
      send: (call) => call(`${customer}?vendor=${vendor}`, keyed(FAULT_KEY)),
    },
    {
      name: `a refresh while ${vendor} fails`,
      operationId: 'refreshEntitlements',
      status,
      vendor,
      fault,
      send: (call) => call(`${customer}/refresh?vendor=${vendor}`, keyed(FAULT_KEY, { method: 'POST' })),
    },
    {
      name: `a check while ${vendor} fails`,
      operationId: 'checkEntitlement',
      status,
      vendor,
      fault,
      send: (call) => call(`${customer}/some-feature?vendor=${vendor}`, keyed(FAULT_KEY)),
    },
    {
      name: `a batch while ${vendor} fails (item errors name the vendor)`,
      operationId: 'batchCheck',
      status: 200,
      vendor,
      fault,
      send: (call) =>
        call(
          '/v1/check',
          json(FAULT_KEY, { checks: [{ customerId: customers(vendor), vendor, featureKey: 'x' }] }),
        ),
    },
  ];
  cases.push({
    name: `balances while zenskar fails (${status})`,
    operationId: 'listBalances',
    status,
    vendor: 'zenskar',
    fault,
    send: (call) => call('/v1/balances?vendor=zenskar', keyed(FAULT_KEY)),
  });
  if (status !== 502) {
    // A subscription-entitlements event without its customer: the gateway asks Chargebee.
    cases.push({
      name: `a webhook whose subscription lookup fails (${status})`,
      operationId: 'receiveWebhook',
      status,
      vendor: 'chargebee',
      fault: status === 504 ? fault : { kind: 'status', status: 503, body: '{"message":"down"}' },
      send: (call) =>
        call(
          '/v1/webhooks/chargebee',
          webhook(
            JSON.stringify({
              id: `ev_conformance_${crypto.randomUUID()}`,
              event_type: 'subscription_entitlements_updated',
              content: { subscription_entitlement: { subscription_id: 'sub_conformance' } },
            }),
          ),
        ),
    });
  }
  return cases;
});

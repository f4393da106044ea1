import { expect } from 'vitest';
import { adapterFactories } from '../../../../adapters/registry';
import type { RecordedRequest } from '../../../../adapters/simulator-kit';
import {
  generateStripeCustomer,
  stripeDemoCatalogue,
  stripeDemoCustomers,
  stripeSandboxCredentials,
} from '../../../../adapters/stripe/fixtures';
import { createStripeSimulator, type StripeSimulatorOptions } from '../../../../adapters/stripe/simulator';
import { signStripePayload } from '../../../../adapters/stripe/webhook-signature';
import { type Problem, ProblemSchema } from '../../../../schemas/problem';
import { createUndiciTransport } from '../../../../src/http/undici-transport';
import { bearer, createTestGateway, TEST_KEY, type TestClock } from '../../../support/gateway';
import { type RunningServer, startHttpServer } from '../../../support/http-server';

/**
 * Stripe's gateway-level fixture: the Stripe simulator on a real loopback HTTP server and a gateway
 * (real adapter through the registry, undici, resilient upstream client, tiered cache) configured
 * with the single-tenant variables `STRIPE_API_KEY`, `STRIPE_BASE_URL` and `STRIPE_WEBHOOK_SECRET`.
 */

/** The webhook endpoint secret the stack configures. */
export const STRIPE_WEBHOOK_SECRET = 'whsec_stripeIntegrationSuite0123456789';

/** A customer spanning three Stripe pages of 100 (250 features), next to the demo customers. */
export const BIG_CUSTOMER = 'cus_integrationBig';
export const BIG_FEATURE_COUNT = 250;
const big = generateStripeCustomer(BIG_CUSTOMER, BIG_FEATURE_COUNT);

/** The seed: the demo customers and catalogue plus the big customer (its features extend the catalogue). */
export const stripeStackSeed: Required<Pick<StripeSimulatorOptions, 'customers' | 'features'>> = {
  customers: [...stripeDemoCustomers, big.customer],
  features: [
    ...stripeDemoCatalogue,
    ...big.features.filter((feature) => !stripeDemoCatalogue.some((known) => known.id === feature.id)),
  ],
};

/** Options of {@link startStripeStack}. */
export interface StripeStackOptions {
  simulator?: StripeSimulatorOptions;
  /** Extra gateway environment (TTLs, upstream timeouts, …). */
  env?: Record<string, string | undefined>;
  clock?: TestClock;
}

/** Starts the simulator and a gateway pointed at it. */
export async function startStripeStack(options: StripeStackOptions = {}) {
  const simulator = createStripeSimulator({ ...stripeStackSeed, ...options.simulator });
  const server: RunningServer = await startHttpServer(simulator.app);
  const transport = createUndiciTransport();
  const env: Record<string, string | undefined> = {
    GATEWAY_API_KEYS: TEST_KEY,
    STRIPE_API_KEY: stripeSandboxCredentials.apiKey,
    STRIPE_BASE_URL: server.url,
    STRIPE_WEBHOOK_SECRET,
    // A generous budget: the budget itself is the upstream client's subject, not this suite's.
    STRIPE_REQUESTS_PER_MINUTE: '100000',
    CACHE_TTL_SECONDS: '3600',
    LOG_LEVEL: 'error',
    ...options.env,
  };
  const gateway = await createTestGateway({
    env,
    adapterFactories,
    transport,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });

  /** One gateway request with the tenant key. */
  const call = (path: string, init: RequestInit = {}) =>
    gateway.app.request(path, {
      ...init,
      headers: { ...bearer(TEST_KEY), ...(init.headers as Record<string, string>) },
    });

  return {
    ...gateway,
    simulator,
    url: server.url,
    call,
    /** The list requests Stripe received, in arrival order. */
    listRequests(customerId?: string): RecordedRequest[] {
      return simulator.kit.recorded.filter(
        (request) =>
          request.path === '/v1/entitlements/active_entitlements' &&
          (customerId === undefined || request.query['customer']?.[0] === customerId),
      );
    },
    /** Posts a webhook body to the route, signed for `timestampSeconds` (default: the gateway clock's now). */
    async deliver(body: string, signature?: { timestampSeconds?: number; secret?: string; header?: string }) {
      const now = options.clock?.now() ?? Date.now();
      const header =
        signature?.header ??
        (await signStripePayload(
          body,
          signature?.secret ?? STRIPE_WEBHOOK_SECRET,
          signature?.timestampSeconds ?? Math.floor(now / 1000),
        ));
      return gateway.app.request('/v1/webhooks/stripe', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': header },
        body,
      });
    },
    async close() {
      await gateway.background.drain();
      await gateway.close();
      await transport.close();
      await server.close();
    },
  };
}

/** A started stack. */
export type StripeStack = Awaited<ReturnType<typeof startStripeStack>>;

/** Asserts the documented outgoing request: GET, path, query (customer, limit=100, expand[]), Bearer key. */
export function expectDocumentedListRequest(request: RecordedRequest | undefined, customerId: string): void {
  expect(request?.method).toBe('GET');
  expect(request?.path).toBe('/v1/entitlements/active_entitlements');
  expect(request?.query['customer']).toEqual([customerId]);
  expect(request?.query['limit']).toEqual(['100']);
  expect(request?.query['expand[]']).toEqual(['data.feature']);
  expect(request?.headers['authorization']).toBe(`Bearer ${stripeSandboxCredentials.apiKey}`);
}

/** Reads a problem response and checks its status and code. */
export async function expectProblem(response: Response, status: number, code: string): Promise<Problem> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  const problem = ProblemSchema.parse(await response.json());
  expect(problem).toMatchObject({ status, code });
  return problem;
}

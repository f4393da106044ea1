import type { VendorId } from '../../schemas/entitlement';
import type { TestClock } from './gateway';
import { type ConnectionExtras, startGatewayStack } from './gateway-stack';
import type { SimulatorOptions } from './simulators';

/**
 * The vendor-depth suites' fixture: every registry vendor's simulator on loopback HTTP and a gateway
 * configured through `GATEWAY_CONFIG` (several tenants, each with its own key and vendor connections,
 * wired like production). Tenant ids carry a random suffix so that runs sharing a Redis never read
 * each other's entries.
 */

/** One tenant of the stack. */
export interface DepthTenantSpec {
  /** Short name; the real tenant id gets a unique suffix (see {@link DepthStack.tenantId}). */
  name: string;
  vendors: VendorId[];
  /** Fields of the tenant's connection per vendor (e.g. Chargebee's `entitlementSource`). */
  connections?: ConnectionExtras;
}

/** Options of {@link startDepthStack}: the tenants and each vendor's simulator options. */
export interface DepthStackOptions extends SimulatorOptions {
  tenants: DepthTenantSpec[];
  /** Extra gateway environment (CACHE_TTL_SECONDS, REDIS_URL, …). */
  env?: Record<string, string | undefined>;
  clock?: TestClock;
}

/** The response of {@link DepthStack.get} / {@link DepthStack.post}, body parsed. */
export interface DepthResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON (text when not JSON); tests read it through the public response schemas. */
  body: unknown;
}

export type DepthStack = Awaited<ReturnType<typeof startDepthStack>>;

export async function startDepthStack(options: DepthStackOptions) {
  const { tenants, env, clock, ...simulators } = options;
  const stack = await startGatewayStack({
    simulators,
    tenants: tenants.map((spec) => ({
      name: spec.name,
      vendors: spec.vendors,
      ...(spec.connections === undefined ? {} : { connections: spec.connections }),
    })),
    env: {
      // These suites count requests, they do not test throttling.
      VENDOR_MAX_CONCURRENCY: '16',
      // A loaded CI machine must not turn a slow loopback answer into a vendor timeout.
      UPSTREAM_ATTEMPT_TIMEOUT_MS: '20000',
      UPSTREAM_DEADLINE_MS: '25000',
      LOG_LEVEL: 'debug',
      ...env,
    },
    ...(clock === undefined ? {} : { clock }),
  });
  const gateway = stack.gateway;
  const keyOf = stack.keyOf;
  const parse = async (response: Response): Promise<DepthResponse> => {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: kept as text for the assertion to show.
    }
    return { status: response.status, headers: response.headers, body };
  };

  return {
    ...gateway,
    simulators: stack.simulators,
    urls: stack.urls,
    /** The real (unique) tenant id of a tenant name. */
    tenantId: stack.tenantId,
    keyOf,
    /** GET with a tenant's key. */
    async get(tenant: string, path: string, headers: Record<string, string> = {}): Promise<DepthResponse> {
      return parse(
        await gateway.app.request(path, {
          headers: { authorization: `Bearer ${keyOf(tenant)}`, ...headers },
        }),
      );
    },
    /** POST JSON with a tenant's key. */
    async post(tenant: string, path: string, body: unknown): Promise<DepthResponse> {
      return parse(
        await gateway.app.request(path, {
          method: 'POST',
          headers: { authorization: `Bearer ${keyOf(tenant)}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      );
    },
    /** Forgets every simulator's recorded requests. */
    resetRecordings: stack.resetRecordings,
    close: stack.close,
  };
}

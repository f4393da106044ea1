import { randomUUID } from 'node:crypto';
import type { ChargebeeConnection } from '../../adapters/chargebee/connection';
import { chargebeeSandboxCredentials } from '../../adapters/chargebee/fixtures';
import { type ChargebeeSimulatorOptions, createChargebeeSimulator } from '../../adapters/chargebee/simulator';
import { paygenticSandboxCredentials } from '../../adapters/paygentic/fixtures';
import { createPaygenticSimulator, type PaygenticSimulatorOptions } from '../../adapters/paygentic/simulator';
import { adapterFactories } from '../../adapters/registry';
import { zenskarSandboxCredentials } from '../../adapters/zenskar/fixtures';
import { createZenskarSimulator, type ZenskarSimulatorOptions } from '../../adapters/zenskar/simulator';
import type { VendorId } from '../../schemas/entitlement';
import { sha256Hex } from '../../src/config';
import { createUndiciTransport } from '../../src/http/undici-transport';
import { createTestGateway, type TestClock } from './gateway';
import { type RunningServer, startHttpServer } from './http-server';

/**
 * The vendor-depth suites' fixture: the three simulators on loopback HTTP and a gateway configured
 * through `GATEWAY_CONFIG` (several tenants, each with its own key and vendor connections, wired
 * like production). Tenant ids carry a random suffix so that runs sharing a Redis never read each
 * other's entries.
 */

/** One tenant of the stack. */
export interface DepthTenantSpec {
  /** Short name; the real tenant id gets a unique suffix (see {@link DepthStack.tenantId}). */
  name: string;
  vendors: VendorId[];
  chargebee?: Partial<Pick<ChargebeeConnection, 'entitlementSource' | 'consolidateEntitlements'>>;
}

/** Options of {@link startDepthStack}. */
export interface DepthStackOptions {
  tenants: DepthTenantSpec[];
  zenskar?: ZenskarSimulatorOptions;
  paygentic?: PaygenticSimulatorOptions;
  chargebee?: ChargebeeSimulatorOptions;
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
  const zenskar = createZenskarSimulator(options.zenskar);
  const paygentic = createPaygenticSimulator(options.paygentic);
  const chargebee = createChargebeeSimulator(options.chargebee);
  const servers = (await Promise.all([
    startHttpServer(zenskar.app),
    startHttpServer(paygentic.app),
    startHttpServer(chargebee.app),
  ])) as [RunningServer, RunningServer, RunningServer];
  const [zenskarServer, paygenticServer, chargebeeServer] = servers;
  const urls = {
    zenskar: zenskarServer.url,
    paygentic: paygenticServer.url,
    chargebee: `${chargebeeServer.url}/api/v2`,
  };
  const run = randomUUID().slice(0, 8);
  const tenantIds = new Map<string, string>();
  const keys = new Map<string, string>();
  const tenants = await Promise.all(
    options.tenants.map(async (spec) => {
      const id = `depth-${spec.name}-${run}`;
      const key = `key-${spec.name}-${run}-${randomUUID()}`;
      tenantIds.set(spec.name, id);
      keys.set(spec.name, key);
      const vendors: Record<string, unknown> = {};
      if (spec.vendors.includes('zenskar'))
        vendors['zenskar'] = { ...zenskarSandboxCredentials, baseUrl: urls.zenskar };
      if (spec.vendors.includes('paygentic'))
        vendors['paygentic'] = { ...paygenticSandboxCredentials, baseUrl: urls.paygentic };
      if (spec.vendors.includes('chargebee'))
        vendors['chargebee'] = { ...chargebeeSandboxCredentials, baseUrl: urls.chargebee, ...spec.chargebee };
      return { id, apiKeyHashes: [await sha256Hex(key)], vendors };
    }),
  );
  const transport = createUndiciTransport();
  const gateway = await createTestGateway({
    env: {
      GATEWAY_CONFIG: JSON.stringify({ tenants }),
      // Generous budgets: these suites count requests, they do not test throttling.
      CHARGEBEE_REQUESTS_PER_MINUTE: '100000',
      ZENSKAR_REQUESTS_PER_MINUTE: '100000',
      PAYGENTIC_REQUESTS_PER_MINUTE: '100000',
      VENDOR_MAX_CONCURRENCY: '16',
      // A loaded CI machine must not turn a slow loopback answer into a vendor timeout.
      UPSTREAM_ATTEMPT_TIMEOUT_MS: '20000',
      UPSTREAM_DEADLINE_MS: '25000',
      LOG_LEVEL: 'debug',
      ...options.env,
    },
    adapterFactories,
    transport,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });

  const keyOf = (tenant: string): string => {
    const key = keys.get(tenant);
    if (key === undefined) throw new Error(`no tenant ${tenant} in this stack`);
    return key;
  };
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
    simulators: { zenskar, paygentic, chargebee },
    urls,
    /** The real (unique) tenant id of a tenant name. */
    tenantId(name: string): string {
      const id = tenantIds.get(name);
      if (id === undefined) throw new Error(`no tenant ${name} in this stack`);
      return id;
    },
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
    resetRecordings(): void {
      zenskar.kit.reset();
      paygentic.kit.reset();
      chargebee.kit.reset();
    },
    async close() {
      await gateway.background.drain();
      await gateway.close();
      await transport.close();
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}

import { randomUUID } from 'node:crypto';
import type { Transport } from '../../adapters/kit/upstream';
import {
  adapterFactories,
  type VendorConnections,
  type VendorWebhookSecrets,
  vendorModule,
} from '../../adapters/registry';
import { type VendorId, vendorIds } from '../../schemas/entitlement';
import { sha256Hex } from '../../src/config';
import type { Sleep } from '../../src/http/timers';
import { createUndiciTransport } from '../../src/http/undici-transport';
import { bearer, createTestGateway, type TestClock } from './gateway';
import { type RunningServer, startHttpServer } from './http-server';
import {
  type SimulatorOptions,
  type SimulatorUrls,
  type StartedSimulators,
  startSimulators,
  tenantVendorsJson,
} from './simulators';
import { vendorTestKit } from './vendor-test-kits';
import { startVirtualWire } from './virtual-wire';

export {
  type SimulatorOptions,
  type SimulatorUrls,
  type StartedSimulators,
  startSimulators,
  tenantVendorsJson,
};

/** The local test Redis every suite shares; suites keep apart by unique tenant ids, never by flushing. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Budgets and concurrency generous enough that suites which count requests never meet throttling;
 * suites about the budget set their own.
 */
export const GENEROUS_LIMITS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(
    vendorIds.map((vendor) => [`${vendorModule(vendor).config.envPrefix}_REQUESTS_PER_MINUTE`, '100000']),
  ),
  VENDOR_MAX_CONCURRENCY: '64',
};

/** Options of one gateway instance ({@link startGatewayInstance}). */
export interface GatewayInstanceOptions {
  /** The gateway environment (GATEWAY_CONFIG or single-tenant variables, TTLs, …), over {@link GENEROUS_LIMITS}. */
  env: Record<string, string | undefined>;
  /** Redis URL; `null` (the default) for the memory tier only. */
  redisUrl?: string | null;
  /** Wait for the Redis connection before handing the instance out. Default: when there is a Redis URL. */
  awaitRedis?: boolean;
  clock?: TestClock;
  /** The upstream client's waits (virtual time); real timers when absent. */
  sleep?: Sleep;
  /** The transport to vendors; a fresh undici transport (closed with the instance) when absent. */
  transport?: Transport;
  /** Wraps the transport (e.g. to see which requests are on the wire). */
  wrapTransport?: (transport: Transport) => Transport;
  /** Also serve the app on a loopback socket (raw HTTP). */
  listen?: boolean;
}

/** A running gateway instance. */
export type GatewayInstance = Awaited<ReturnType<typeof startGatewayInstance>>;

/**
 * One gateway wired like the Node entry (resilient upstream client over undici, tiered cache, Redis
 * when asked for) with its log lines captured, and a `close` that drains background work, then closes
 * the gateway, its socket and its own transport. It waits for Redis before it is handed out, as the
 * Node entry should, so no test request counts a "Redis still connecting" error.
 */
export async function startGatewayInstance(options: GatewayInstanceOptions) {
  const ownTransport = options.transport === undefined ? createUndiciTransport() : null;
  const base = options.transport ?? (ownTransport as Transport);
  const transport = options.wrapTransport === undefined ? base : options.wrapTransport(base);
  const redisUrl = options.redisUrl ?? null;
  const gateway = await createTestGateway({
    env: { ...GENEROUS_LIMITS, ...(redisUrl === null ? {} : { REDIS_URL: redisUrl }), ...options.env },
    adapterFactories,
    transport,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
  });
  if ((options.awaitRedis ?? redisUrl !== null) && !(await gateway.platform.redisReady(10_000))) {
    await gateway.close();
    await ownTransport?.close();
    throw new Error(`the test Redis at ${redisUrl} is not reachable`);
  }
  const server: RunningServer | null = options.listen ? await startHttpServer(gateway.app) : null;
  return {
    ...gateway,
    /** The loopback base URL when `listen` was set, else empty. */
    url: server?.url ?? '',
    async close() {
      await server?.close();
      await gateway.background.drain();
      await gateway.close();
      await ownTransport?.close();
    },
  };
}

/** Fields of a tenant's connections that differ from the simulators', per vendor. */
export type ConnectionExtras = { [V in VendorId]?: Partial<VendorConnections[V]> };

/** One tenant of a stack: a short name (the real id gets a unique suffix) and the vendors it connects. */
export interface StackTenant {
  name: string;
  vendors?: readonly VendorId[];
  /** Extra fields of the tenant's connection per vendor (e.g. Chargebee's `entitlementSource`). */
  connections?: ConnectionExtras;
  /** Webhook secrets in `GATEWAY_CONFIG` shape (overrides the stack's `webhooks`). */
  webhooks?: Record<string, unknown>;
}

/** The tenant name of a stack configured through the single-tenant variables. */
export const SINGLE_TENANT = 'default';

/** Options of {@link startGatewayStack}. */
export interface GatewayStackOptions {
  /** Options of the vendor simulators (seeded data, credentials they accept). */
  simulators?: SimulatorOptions;
  /**
   * Tenants, written to `GATEWAY_CONFIG` with unique ids and keys (so suites sharing the test Redis
   * never see each other's entries). Absent: the single-tenant variables (`ZENSKAR_API_KEY`, …).
   */
  tenants?: readonly StackTenant[];
  /** The single tenant's gateway key when `tenants` is absent. */
  apiKey?: string;
  /**
   * Configure every vendor's webhook secrets for every tenant (from the vendors' test kits, derived
   * from the tenant name; the single tenant is `default`): {@link GatewayStack.deliverWebhook} signs
   * deliveries with them.
   */
  webhooks?: boolean;
  /** `true` for the local test Redis, a URL for another, absent or `null` for the memory tier. */
  redis?: boolean | string | null;
  /** How many gateway instances share the simulators (and Redis). Default 1. */
  instances?: number;
  env?: Record<string, string | undefined>;
  clock?: TestClock;
  sleep?: Sleep;
  wrapTransport?: (transport: Transport) => Transport;
  listen?: boolean;
  /**
   * Run on virtual time (test/support/virtual-wire.ts): the upstream client's waits and the
   * simulators' holds share one clock that moves only while a simulator holds a request on purpose,
   * so timeouts never depend on the machine's speed. `stack.clock` is that clock (`clock` and `sleep`
   * are then ignored).
   */
  virtualTime?: boolean;
}

/**
 * The one way the integration suites start a gateway: the vendor simulators on loopback HTTP, the
 * tenants, optionally Redis, and one or more gateway instances over them; `close` tears it all down.
 * Suites ask for what they need; the helpers next to this one only add a family's conveniences.
 */
export async function startGatewayStack(options: GatewayStackOptions = {}) {
  const simulators = await startSimulators(options.simulators);
  const wire = options.virtualTime ? startVirtualWire() : null;
  if (wire !== null)
    for (const simulator of Object.values(simulators.simulators)) simulator.kit.holdWith(wire.hold);
  const clock = wire?.clock ?? options.clock;
  const sleep = wire?.time.sleep ?? options.sleep;
  const wrapTransport =
    wire === null
      ? options.wrapTransport
      : (transport: Transport) => wire.wrapTransport(options.wrapTransport?.(transport) ?? transport);
  const run = randomUUID().slice(0, 8);
  const tenantIds = new Map<string, string>();
  const keys = new Map<string, string>();
  const webhookSecrets = new Map<string, VendorWebhookSecrets>();
  const secretsFor = (tenant: string) => {
    const secrets = Object.fromEntries(
      vendorIds.map((vendor) => [vendor, vendorTestKit(vendor).webhook.secrets(tenant)]),
    ) as VendorWebhookSecrets;
    webhookSecrets.set(tenant, secrets);
    return secrets;
  };
  let tenantEnv: Record<string, string | undefined>;
  if (options.tenants === undefined) {
    const secrets = options.webhooks ? secretsFor(SINGLE_TENANT) : undefined;
    tenantEnv = {
      ...simulators.singleTenantEnv,
      ...(secrets === undefined
        ? {}
        : Object.assign({}, ...vendorIds.map((vendor) => vendorTestKit(vendor).webhookEnv(secrets[vendor])))),
      GATEWAY_API_KEYS: options.apiKey,
    };
  } else {
    const tenants = await Promise.all(
      options.tenants.map(async (spec) => {
        const id = `${spec.name}-${run}`;
        const key = `key-${spec.name}-${run}-${randomUUID()}`;
        tenantIds.set(spec.name, id);
        keys.set(spec.name, key);
        return {
          id,
          apiKeyHashes: [await sha256Hex(key)],
          vendors: tenantVendorsJson(simulators, spec.vendors, spec.connections),
          ...(spec.webhooks !== undefined
            ? { webhooks: spec.webhooks }
            : options.webhooks
              ? { webhooks: secretsFor(spec.name) }
              : {}),
        };
      }),
    );
    tenantEnv = { GATEWAY_CONFIG: JSON.stringify({ tenants }) };
  }
  const redisUrl =
    options.redis === true ? REDIS_URL : options.redis === false ? null : (options.redis ?? null);
  const env = { ...tenantEnv, ...options.env };
  const instances: GatewayInstance[] = [];
  try {
    for (let index = 0; index < (options.instances ?? 1); index += 1) {
      instances.push(
        await startGatewayInstance({
          env,
          redisUrl,
          ...(clock === undefined ? {} : { clock }),
          ...(sleep === undefined ? {} : { sleep }),
          ...(wrapTransport === undefined ? {} : { wrapTransport }),
          ...(options.listen === undefined ? {} : { listen: options.listen }),
        }),
      );
    }
  } catch (error) {
    await wire?.stop();
    await Promise.all(instances.map((instance) => instance.close()));
    await simulators.close();
    throw error;
  }
  const lookup = (map: Map<string, string>, name: string) => {
    const value = map.get(name);
    if (value === undefined) throw new Error(`no tenant ${name} in this stack`);
    return value;
  };
  const keyOf = (name: string) =>
    options.tenants === undefined && name === SINGLE_TENANT ? (options.apiKey ?? '') : lookup(keys, name);
  const gateway = instances[0] as GatewayInstance;
  return {
    simulators: simulators.simulators,
    urls: simulators.urls,
    /** The connection each simulator accepts (what the tenants were given). */
    connections: simulators.connections,
    env,
    /** The clock of the gateways (virtual with `virtualTime`), if they were given one. */
    clock: clock as TestClock,
    instances,
    /** The first (often only) instance. */
    gateway,
    /** The real (unique) tenant id of a tenant name. */
    tenantId: (name: string) => lookup(tenantIds, name),
    /** The gateway key of a tenant name (`default`: the single tenant's key). */
    keyOf,
    /** A request to the first instance with a tenant's key (the single tenant's by default). */
    call(path: string, init: RequestInit = {}, tenant: string = SINGLE_TENANT): Promise<Response> {
      return Promise.resolve(
        gateway.app.request(path, {
          ...init,
          headers: { ...bearer(keyOf(tenant)), ...(init.headers as Record<string, string> | undefined) },
        }),
      );
    },
    /** The webhook secrets a tenant was configured with (`webhooks: true`). */
    webhookSecrets(tenant: string = SINGLE_TENANT): VendorWebhookSecrets {
      const secrets = webhookSecrets.get(tenant);
      if (secrets === undefined) throw new Error(`no webhook secrets for tenant ${tenant} in this stack`);
      return secrets;
    },
    /**
     * Posts a webhook delivery to the first instance, signed as the vendor would with the tenant's
     * secrets at `nowSeconds` (default: the stack clock's now); `headers` replace the signature.
     */
    deliverWebhook(
      vendor: VendorId,
      body: string,
      delivery: {
        /** Whose secrets sign it (the single tenant by default). */
        tenant?: string;
        nowSeconds?: number;
        /** The delivery id, for vendors that sign one (Svix). */
        id?: string;
        /** Replace the signature headers (wrong, stale or missing signatures). */
        headers?: Record<string, string>;
        /** A query string for the route, e.g. `?tenant=<id>`. */
        query?: string;
      } = {},
    ): Promise<Response> {
      const tenant = delivery.tenant ?? SINGLE_TENANT;
      const nowSeconds = delivery.nowSeconds ?? Math.floor((clock?.now() ?? Date.now()) / 1000);
      const signature =
        delivery.headers ??
        vendorTestKit(vendor).webhook.sign(body, this.webhookSecrets(tenant)[vendor], {
          nowSeconds,
          id: delivery.id ?? `msg_${randomUUID()}`,
        });
      return Promise.resolve(
        gateway.app.request(`/v1/webhooks/${vendor}${delivery.query ?? ''}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...signature },
          body,
        }),
      );
    },
    resetRecordings: simulators.resetRecordings,
    async close() {
      await Promise.all(instances.map((instance) => instance.background.drain()));
      await wire?.stop();
      await Promise.all(instances.map((instance) => instance.close()));
      await simulators.close();
    },
  };
}

/** A running stack. */
export type GatewayStack = Awaited<ReturnType<typeof startGatewayStack>>;

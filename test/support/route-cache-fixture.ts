import { createServer, type Server, Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, beforeEach } from 'vitest';
import type { Transport } from '../../adapters/kit/upstream';
import type { VendorWebhookSecrets } from '../../adapters/registry';
import type { RecordedRequest, SimulatorKit } from '../../adapters/simulator-kit';
import { vendorIds } from '../../schemas/entitlement';
import { parseStoredEntry } from '../../src/cache/cache-entry';
import { cacheKey } from '../../src/cache/cache-key';
import { sha256Hex } from '../../src/config';
import { createTestClock, TEST_KEY, type TestClock } from './gateway';
import { REDIS_URL, startGatewayInstance } from './gateway-stack';
import { tenantVendorsJson } from './simulators';
import { getJson, startVendorStack, type VendorStackOptions } from './vendor-stack';
import { vendorTestKit } from './vendor-test-kits';

/**
 * Route-level cache fixture: the vendor simulators on loopback HTTP (from `startVendorStack`) and any
 * number of gateway instances wired like production (own memory tier, breaker and metrics; shared
 * real Redis), all configured through `GATEWAY_CONFIG` with a tenant id unique to the test file and
 * run. Every Redis key the gateways write is `eg:v1:<that tenant>:…`, so parallel suites (and earlier
 * runs) can never read or clobber each other's entries, and cleanup deletes only this tenant's keys.
 */

export { REDIS_URL } from './gateway-stack';

/** Webhook credentials the test tenant is configured with: every registry vendor's, from its test kit. */
export const WEBHOOK_CREDENTIALS = Object.fromEntries(
  vendorIds.map((vendor) => [vendor, vendorTestKit(vendor).webhook.secrets('route-cache')]),
) as VendorWebhookSecrets;

/** A tenant id no other test file or run uses (1–64 of `[A-Za-z0-9_-]`). */
export function uniqueTenantId(label: string): string {
  const suffix = `${process.pid.toString(36)}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  return `${label}-${suffix}`.slice(0, 64);
}

export type Simulators = Awaited<ReturnType<typeof startVendorStack>>;

/**
 * Starts the simulators of every registry vendor. The stack's own gateway is left unused (it has no Redis); the tests'
 * gateways come from {@link startGateway}.
 */
export function startSimulators(
  options: Omit<VendorStackOptions, 'env' | 'clock'> = {},
): Promise<Simulators> {
  return startVendorStack(options);
}

/** Options of one gateway instance. */
export interface GatewayInstanceOptions {
  tenantId: string;
  clock: TestClock;
  /** Redis URL; `null` for memory only. Default: the local test Redis. */
  redisUrl?: string | null;
  /** Extra env (TTLs, limits). */
  env?: Record<string, string>;
  transport?: Transport;
  /** Wait for the Redis connection before handing the instance out. Default: when there is a Redis URL. */
  awaitRedis?: boolean;
}

export type GatewayInstance = Awaited<ReturnType<typeof startGateway>>;

/**
 * One gateway instance over the simulators, authenticated with `TEST_KEY`, waiting for its Redis
 * connection before it is handed out (as the Node entry should), so no test request counts a
 * "Redis still connecting" error.
 */
export async function startGateway(simulators: Simulators, options: GatewayInstanceOptions) {
  const redisUrl = options.redisUrl === undefined ? REDIS_URL : options.redisUrl;
  const gatewayConfig = {
    tenants: [
      {
        id: options.tenantId,
        apiKeyHashes: [await sha256Hex(TEST_KEY)],
        vendors: tenantVendorsJson(simulators),
        webhooks: WEBHOOK_CREDENTIALS,
      },
    ],
  };
  const gateway = await startGatewayInstance({
    env: { GATEWAY_CONFIG: JSON.stringify(gatewayConfig), ...options.env },
    redisUrl,
    clock: options.clock,
    ...(options.transport === undefined ? {} : { transport: options.transport }),
    ...(options.awaitRedis === undefined ? {} : { awaitRedis: options.awaitRedis }),
  });
  const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
    const response = await gateway.app.request(path, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: kept as text.
    }
    return { response, status: response.status, body: parsed as Record<string, unknown> };
  };
  return {
    ...gateway,
    tenantId: options.tenantId,
    metrics: gateway.platform.cacheState.metrics,
    /** GET with the test key. */
    get: (path: string, headers: Record<string, string> = {}) => getJson(gateway.app, path, headers),
    /** POST with the test key. */
    postAuthorized: (path: string, body = '') => post(path, body, { authorization: `Bearer ${TEST_KEY}` }),
    /** POST without the gateway key (webhooks are authenticated by the vendor's signature). */
    post,
    close: gateway.close,
  };
}

/** The requests a simulator received whose path is exactly `path` (or matches it). */
export function requestsTo(kit: SimulatorKit, path: string | RegExp): RecordedRequest[] {
  return kit.recorded.filter((request) =>
    typeof path === 'string' ? request.path === path : path.test(request.path),
  );
}

/**
 * How many times each distinct vendor request (method, path and full query: one page of one
 * listing) was made. One vendor load asks every page of every listing it needs exactly once.
 *
 * Parameters named in `opaque` (Zenskar's `cursor`: a new random token per crawl) are counted by
 * presence only, so two loads of the same pages compare equal and a duplicated load still shows as
 * doubled counts.
 */
export function requestCounts(
  requests: readonly RecordedRequest[],
  opaque: readonly string[] = ['cursor'],
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of requests) {
    const query = Object.entries(request.query)
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
      .map(([name, values]) => `${name}=${opaque.includes(name) ? '<opaque>' : values.join(',')}`)
      .join('&');
    const key = `${request.method} ${request.path}?${query}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Admin access to the test Redis, limited to one tenant's keys. */
export async function openTenantRedis(tenantId: string) {
  const admin = new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
  const keyOf = (vendor: string, namespace: string, id: string) =>
    cacheKey({ tenant: tenantId, vendor, namespace, id });
  return {
    admin,
    keyOf,
    /** The stored entry of a key, parsed like the gateway parses it. */
    async entry(vendor: string, namespace: string, id: string) {
      const json = await admin.get(keyOf(vendor, namespace, id));
      return json === null ? undefined : parseStoredEntry<unknown>(json);
    },
    /** Deletes every key of this tenant (data, locks, webhook markers) and closes the connection. */
    async cleanup() {
      const pattern = `eg:*:${encodeURIComponent(tenantId)}:*`;
      let cursor = '0';
      do {
        const [next, keys] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await admin.del(...keys);
      } while (cursor !== '0');
      await admin.quit();
    },
  };
}

/**
 * A TCP proxy in front of the test Redis that a test can cut mid-run ("Redis went down") while the
 * gateway keeps its client: every open connection is destroyed and new ones are refused.
 */
export async function startRedisProxy(target = new URL(REDIS_URL)) {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client);
    sockets.add(upstream);
    const forget = () => {
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', forget);
    upstream.on('error', forget);
    client.on('close', forget);
    upstream.on('close', forget);
    upstream.connect(Number(target.port || 6379), target.hostname, () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  let closed = false;
  return {
    url: `redis://127.0.0.1:${address.port}`,
    /** Cuts every connection and stops accepting new ones. */
    async cut() {
      if (closed) return;
      closed = true;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A TCP port on loopback with nothing listening (connections are refused). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `redis://127.0.0.1:${address.port}`;
}

/** Parses RFC 9211 `Cache-Status` into its parameters (`hit`, `fwd`, `ttl`, `detail`, …). */
export function parseCacheStatus(value: string | null): Record<string, string | true> {
  if (value === null) throw new Error('no Cache-Status header');
  const [name, ...parameters] = value.split(';').map((part) => part.trim());
  const parsed: Record<string, string | true> = { cache: name ?? '' };
  for (const parameter of parameters) {
    const [key, raw] = parameter.split('=', 2);
    if (key) parsed[key] = raw === undefined ? true : raw;
  }
  return parsed;
}

/** What every route-level cache and webhook suite holds per test: fresh simulators, clock, tenant and Redis view. */
export interface RouteCacheScope {
  simulators: Simulators;
  clock: TestClock;
  tenantId: string;
  redis: Awaited<ReturnType<typeof openTenantRedis>>;
  /** A gateway instance over this test's simulators, tenant and clock; closed after the test. */
  gateway(options?: Partial<GatewayInstanceOptions>): Promise<GatewayInstance>;
}

/**
 * Registers the per-test setup and teardown the suites share (new simulators, a fresh clock, a
 * unique tenant with its own Redis keys; every gateway instance and key cleaned up afterwards) and
 * returns the scope they fill. `defaults` apply to every `gateway()` unless overridden.
 */
export function useRouteCacheScope(
  label: string,
  defaults: Partial<GatewayInstanceOptions> = {},
): RouteCacheScope {
  const instances: GatewayInstance[] = [];
  const scope = {
    async gateway(options: Partial<GatewayInstanceOptions> = {}) {
      const instance = await startGateway(scope.simulators, {
        tenantId: scope.tenantId,
        clock: scope.clock,
        ...defaults,
        ...options,
      });
      instances.push(instance);
      return instance;
    },
  } as RouteCacheScope;
  beforeEach(async () => {
    scope.simulators = await startSimulators();
    scope.clock = createTestClock();
    scope.tenantId = uniqueTenantId(label);
    scope.redis = await openTenantRedis(scope.tenantId);
  });
  afterEach(async () => {
    await Promise.all(instances.splice(0).map((instance) => instance.close()));
    await scope.simulators.close();
    await scope.redis.cleanup();
  });
  return scope;
}

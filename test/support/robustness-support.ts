import type { VendorWebhookSecrets } from '../../adapters/registry';
import { vendorIds } from '../../schemas/entitlement';
import { sha256Hex } from '../../src/config';
import type { TestClock } from './gateway';
import { REDIS_URL, startGatewayInstance } from './gateway-stack';
import { type SimulatorOptions, startSimulators, tenantVendorsJson } from './simulators';
import { vendorTestKit } from './vendor-test-kits';

/**
 * Fixtures of the robustness suites: one "vendor account" (the simulator of every registry vendor on
 * loopback HTTP, each accepting only its own credentials), a multi-tenant gateway configured through
 * `GATEWAY_CONFIG` exactly like production (real adapters over undici, tiered cache over the real
 * Redis, captured log lines) and optionally served over a real socket, and a seeded pseudo-random
 * generator. The vendors' signers live in their test kits (adapters/<vendor>/test-kit.ts).
 */

/** Options of {@link startVendorAccount}. */
export interface VendorAccountOptions {
  /**
   * An account of its own at every vendor: credentials derived from this label by each vendor's test
   * kit. Absent: the sandbox credentials.
   */
  label?: string;
  /** Per-vendor simulator options (seed data; credentials given here win over the label's). */
  simulators?: SimulatorOptions;
}

/** The simulators of one vendor account on loopback HTTP ({@link startSimulators}). */
export async function startVendorAccount(options: VendorAccountOptions = {}) {
  const { label } = options;
  const started = await startSimulators(
    Object.fromEntries(
      vendorIds.map((vendor) => [
        vendor,
        {
          ...(label === undefined ? {} : (vendorTestKit(vendor).account(label) as object)),
          ...options.simulators?.[vendor],
        },
      ]),
    ) as SimulatorOptions,
  );
  return {
    /** The connection each simulator accepts (credentials and base URL). */
    connections: started.connections,
    simulators: started.simulators,
    urls: started.urls,
    /** Forgets what every simulator recorded (requests, faults). */
    resetRecordings: started.resetRecordings,
    close: started.close,
  };
}

export type VendorAccount = Awaited<ReturnType<typeof startVendorAccount>>;

/** Webhook secrets of one tenant, in `GATEWAY_CONFIG` shape (vendors left out have none). */
export type TenantWebhookSecrets = Partial<VendorWebhookSecrets>;

/** Every registry vendor's webhook secrets for a tenant, derived from `label` by the vendors' test kits. */
export function webhookSecretsOf(label: string): VendorWebhookSecrets {
  return Object.fromEntries(
    vendorIds.map((vendor) => [vendor, vendorTestKit(vendor).webhook.secrets(label)]),
  ) as VendorWebhookSecrets;
}

/** One tenant of a test gateway: its id, plain-text keys (hashed into the config), account and hooks. */
export interface TestTenant {
  id: string;
  apiKeys: string[];
  account: VendorAccount;
  webhooks: TenantWebhookSecrets;
}

/** The `GATEWAY_CONFIG` JSON of a set of tenants, each connected to every vendor of its account. */
export async function gatewayConfigJson(tenants: readonly TestTenant[]): Promise<string> {
  return JSON.stringify({
    tenants: await Promise.all(
      tenants.map(async (tenant) => ({
        id: tenant.id,
        apiKeyHashes: await Promise.all(tenant.apiKeys.map(sha256Hex)),
        vendors: tenantVendorsJson(tenant.account),
        webhooks: tenant.webhooks,
      })),
    ),
  });
}

/** Options of {@link startRobustGateway}. */
export interface RobustGatewayOptions {
  tenants: readonly TestTenant[];
  /** Redis URL; `null` for memory only. Default: the local test Redis. */
  redisUrl?: string | null;
  /** Whether to wait for the Redis connection before handing the gateway out. Default: when Redis is set. */
  awaitRedis?: boolean;
  /** Also serve the app on a loopback socket (for raw HTTP requests). */
  listen?: boolean;
  env?: Record<string, string>;
  clock?: TestClock;
}

/**
 * A gateway wired like the Node entry (resilient upstream client over undici, tiered cache, Redis)
 * for the given tenants, with every log line captured in `logs`.
 */
export function startRobustGateway(options: RobustGatewayOptions) {
  return gatewayConfigJson(options.tenants).then((config) =>
    startGatewayInstance({
      env: { GATEWAY_CONFIG: config, ...options.env },
      redisUrl: options.redisUrl === undefined ? REDIS_URL : options.redisUrl,
      ...(options.awaitRedis === undefined ? {} : { awaitRedis: options.awaitRedis }),
      ...(options.listen === undefined ? {} : { listen: options.listen }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    }),
  );
}

export type RobustGateway = Awaited<ReturnType<typeof startRobustGateway>>;

/** A parsed in-process response. */
export interface JsonResult {
  status: number;
  headers: Headers;
  text: string;
  body: Record<string, unknown>;
}

/** Calls the app in process and parses the body (kept as `{}` when it is not JSON). */
export async function requestJson(
  app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> },
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<JsonResult> {
  const response = await app.request(path, {
    method: init.method ?? 'GET',
    headers: init.headers ?? {},
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: the caller asserts on status and text.
  }
  return { status: response.status, headers: response.headers, text, body };
}

/**
 * mulberry32: a tiny seeded generator, so every generated input is reproducible from the seed the
 * suite prints with its failures.
 */
export function seededRandom(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** An integer in [0, max). */
    int: (max: number) => Math.floor(next() * max),
    pick<T>(items: readonly T[]): T {
      return items[Math.floor(next() * items.length)] as T;
    },
    chance: (probability: number) => next() < probability,
  };
}

export type SeededRandom = ReturnType<typeof seededRandom>;

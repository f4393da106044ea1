import { createHmac } from 'node:crypto';
import { chargebeeSandboxCredentials } from '../../adapters/chargebee/fixtures';
import type { ChargebeeSimulatorOptions } from '../../adapters/chargebee/simulator';
import { paygenticSandboxCredentials } from '../../adapters/paygentic/fixtures';
import type { PaygenticSimulatorOptions } from '../../adapters/paygentic/simulator';
import { zenskarSandboxCredentials } from '../../adapters/zenskar/fixtures';
import type { ZenskarSimulatorOptions } from '../../adapters/zenskar/simulator';
import { sha256Hex } from '../../src/config';
import type { TestClock } from './gateway';
import { REDIS_URL, startGatewayInstance } from './gateway-stack';
import { startSimulators } from './simulators';

/**
 * Fixtures of the robustness suites: one "vendor account" (the three simulators on loopback HTTP,
 * each accepting only its own credentials), a multi-tenant gateway configured through
 * `GATEWAY_CONFIG` exactly like production (real adapters over undici, tiered cache over the real
 * Redis, captured log lines) and optionally served over a real socket, a seeded pseudo-random
 * generator, and vendor-style webhook signers written from the vendors' specifications.
 */

/** Credentials of one vendor account (what its simulators accept and the gateway sends). */
export interface VendorCredentials {
  chargebee: { site: string; apiKey: string };
  paygentic: { apiKey: string };
  zenskar: { apiKey: string; organisation: string };
}

export const SANDBOX_VENDOR_CREDENTIALS: VendorCredentials = {
  chargebee: { ...chargebeeSandboxCredentials },
  paygentic: { ...paygenticSandboxCredentials },
  zenskar: { ...zenskarSandboxCredentials },
};

/** Options of {@link startVendorAccount}: credentials and simulator seeds. */
export interface VendorAccountOptions {
  credentials?: VendorCredentials;
  chargebee?: Omit<ChargebeeSimulatorOptions, 'apiKey'>;
  paygentic?: Omit<PaygenticSimulatorOptions, 'apiKey'>;
  zenskar?: Omit<ZenskarSimulatorOptions, 'credentials'>;
}

/** The three simulators of one vendor account on loopback HTTP ({@link startSimulators}). */
export async function startVendorAccount(options: VendorAccountOptions = {}) {
  const credentials = options.credentials ?? SANDBOX_VENDOR_CREDENTIALS;
  const started = await startSimulators({
    chargebee: { ...options.chargebee, apiKey: credentials.chargebee.apiKey },
    paygentic: { ...options.paygentic, apiKey: credentials.paygentic.apiKey },
    zenskar: { ...options.zenskar, credentials: { ...credentials.zenskar } },
  });
  return {
    credentials,
    simulators: started.simulators,
    urls: started.urls,
    /** Forgets what every simulator recorded (requests, faults). */
    resetRecordings: started.resetRecordings,
    close: started.close,
  };
}

export type VendorAccount = Awaited<ReturnType<typeof startVendorAccount>>;

/** Webhook secrets of one tenant, in `GATEWAY_CONFIG` shape. */
export interface TenantWebhookSecrets {
  chargebee: { username: string; password: string };
  paygentic: { secret: string };
  zenskar: { secret: string; header: string };
}

/** One tenant of a test gateway: its id, plain-text keys (hashed into the config), account and hooks. */
export interface TestTenant {
  id: string;
  apiKeys: string[];
  account: VendorAccount;
  webhooks: TenantWebhookSecrets;
}

/** The `GATEWAY_CONFIG` JSON of a set of tenants. */
export async function gatewayConfigJson(tenants: readonly TestTenant[]): Promise<string> {
  return JSON.stringify({
    tenants: await Promise.all(
      tenants.map(async (tenant) => ({
        id: tenant.id,
        apiKeyHashes: await Promise.all(tenant.apiKeys.map(sha256Hex)),
        vendors: {
          chargebee: {
            site: tenant.account.credentials.chargebee.site,
            apiKey: tenant.account.credentials.chargebee.apiKey,
            baseUrl: tenant.account.urls.chargebee,
          },
          paygentic: {
            apiKey: tenant.account.credentials.paygentic.apiKey,
            baseUrl: tenant.account.urls.paygentic,
          },
          zenskar: { ...tenant.account.credentials.zenskar, baseUrl: tenant.account.urls.zenskar },
        },
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

/** Svix (Paygentic): `v1,` + base64 HMAC-SHA256 keyed with the decoded `whsec_` secret over `id.timestamp.body`. */
export function svixSignature(id: string, timestamp: string, body: string, secret: string): string {
  return `v1,${svixDigest(id, timestamp, body, secret).toString('base64')}`;
}

/** The raw Svix HMAC bytes (for building deliberately altered signatures). */
export function svixDigest(id: string, timestamp: string, body: string, secret: string): Buffer {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
}

/** HMAC-SHA256 of a body with a shared secret (what the Zenskar verifier expects). */
export function sharedSecretDigest(body: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

/** `Basic base64(username:password)`. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** A Svix signing secret (`whsec_` + base64 of the key bytes) made from a label. */
export function svixSecret(label: string): string {
  return `whsec_${Buffer.from(`svix-signing-key-${label}`).toString('base64')}`;
}

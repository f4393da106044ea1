import { z } from 'zod';
import { optionalString, type ParsedEnv } from '../adapters/kit';
import { type VendorConnections, type VendorWebhookSecrets, vendorModule } from '../adapters/registry';
import { type VendorId, vendorIds } from '../schemas/entitlement';
import type { LogLevel } from './logger';
import type { RateLimitSettings } from './rate-limit/caller-rate-limiter';
import type { StaticLinks } from './services/customer-links';
import {
  catalogFallbackConflicts,
  DEFAULT_FALLBACK_POLICIES,
  type FallbackPolicy,
  fallbackPolicySchema,
  type TenantFallbackPolicies,
} from './services/fallback-policy';
import type { FeatureCatalog } from './services/feature-catalog';
import { parseMultiVendorSettings } from './services/multi-vendor-config';

/**
 * Configuration is parsed once, at the entry, from the environment (Node env or Worker vars and
 * secrets: the same names). A bad value fails start-up with a message naming the variable, never
 * its value.
 */

/** Webhook verification secrets of one tenant, by vendor (each vendor module defines its own shape). */
export type WebhookSecrets = Partial<VendorWebhookSecrets>;

/** One tenant: who may call (SHA-256 hashes of its API keys) and which vendors it reads. */
export interface TenantConfig {
  id: string;
  /** Lower-case hex SHA-256 digests of the tenant's gateway API keys. */
  apiKeyHashes: string[];
  vendors: Partial<VendorConnections>;
  webhooks: WebhookSecrets;
  /** The app's feature names over the vendors' (`FEATURE_CATALOG`, a tenant's `features`); none when absent. */
  features?: FeatureCatalog;
  /** Static customer links (`CUSTOMER_LINKS`, a tenant's `customers`) by app customer id. */
  customers?: StaticLinks;
  /** Caller rate limits (docs/abuse-and-outage.md); absent = not limited. */
  rateLimit?: TenantRateLimits;
  /** What checks answer when the vendor fails and nothing is cached; absent = `deny` for every feature. */
  fallback?: TenantFallbackPolicies;
}

/** A tenant's caller rate limits: one bucket per API key, one for the whole tenant; each optional. */
export interface TenantRateLimits {
  perKey?: RateLimitSettings;
  perTenant?: RateLimitSettings;
}

/** Freshness of cached data, in seconds. */
export interface CacheTtl {
  ttlSeconds: number;
  staleSeconds: number;
}

/** Per-connection throttles of the upstream helper. */
export interface VendorLimits {
  requestsPerMinute: number;
  maxConcurrent: number;
}

/** Timeouts and caps of the Node HTTP server, in milliseconds and connections. */
export interface NodeServerSettings {
  /** Whole request (headers and body) must arrive within this; else 408 and the socket closes. */
  requestTimeoutMs: number;
  /** The header section must arrive within this. */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Connections accepted at once; further ones are closed at accept. */
  maxConnections: number;
  /** On SIGTERM/SIGINT, in-flight requests get this long to finish before the process exits 1. */
  shutdownTimeoutMs: number;
}

export interface GatewayConfig {
  /** `sandbox` when no vendor is configured: the built-in simulators answer. */
  mode: 'configured' | 'sandbox';
  tenants: TenantConfig[];
  cursorSecret: string;
  redisUrl: string | null;
  cache: {
    defaults: CacheTtl;
    perVendor: Record<VendorId, CacheTtl>;
    negativeTtlSeconds: number;
    /** Budget of one Redis command on a ready connection; past it the request carries on without Redis. */
    redisCommandTimeoutMs: number;
    catalogTtlSeconds: number;
    /**
     * How long a memory-tier entry is served before Redis is asked again: the backstop by which an
     * invalidation made on another instance reaches this one (the pub/sub hint is the fast path).
     */
    memoryRecheckMs: number;
  };
  /**
   * How many instances share one Redis. While Redis fails, each instance falls back to
   * 1 / expectedInstances of every vendor connection's budget, so together they stay within it.
   */
  expectedInstances: number;
  limits: Record<VendorId, VendorLimits>;
  upstream: { attemptTimeoutMs: number; deadlineMs: number; maxAttempts: number };
  port: number;
  /** Listen address of the Node entry: `HOST`, else 127.0.0.1 in sandbox mode and 0.0.0.0 otherwise. */
  host: string;
  /** Limits and timeouts of the Node HTTP server (the Worker ignores them: Cloudflare sets its own). */
  server: NodeServerSettings;
  /** Who may read `GET /metrics` (Node): a Bearer key, a separate port, or nobody (endpoint off). */
  metrics: { key: string | null; port: number | null };
  logLevel: LogLevel;
  /** Browser origins allowed to call the API (CORS); empty = no CORS headers at all. */
  corsOrigins: string[];
  /** Every secret value, so the logger can redact them wherever they appear. */
  secrets: string[];
  /** Weak but workable settings, logged at start (names only, never values). */
  warnings: string[];
}

/** A start-up configuration problem. The message names variables, never values. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The sandbox's well-known API key. It only ever unlocks the built-in demo data. */
export const SANDBOX_API_KEY = 'eg_sandbox_demo_key';
const SANDBOX_CURSOR_SECRET = 'sandbox-cursor-secret-not-for-production';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const nonNegativeInt = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const optionalPositiveInt = z.coerce.number().int().positive().optional();

/** Each vendor's own variables, then the two every vendor has (`<PREFIX>_CACHE_TTL_SECONDS`, `<PREFIX>_REQUESTS_PER_MINUTE`). */
function vendorEnvShape(): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {};
  for (const vendor of vendorIds) Object.assign(shape, vendorModule(vendor).config.env);
  for (const vendor of vendorIds) {
    const { config, defaults } = vendorModule(vendor);
    shape[`${config.envPrefix}_CACHE_TTL_SECONDS`] =
      defaults.freshForAtMostSeconds === undefined
        ? optionalPositiveInt
        : positiveInt(defaults.freshForAtMostSeconds);
  }
  for (const vendor of vendorIds) {
    const { config, defaults } = vendorModule(vendor);
    shape[`${config.envPrefix}_REQUESTS_PER_MINUTE`] = positiveInt(defaults.requestsPerMinute);
  }
  return shape;
}

const gatewayEnvShape = {
  GATEWAY_API_KEYS: optionalString,
  GATEWAY_CONFIG: optionalString,
  FEATURE_CATALOG: optionalString,
  CUSTOMER_LINKS: optionalString,
  CURSOR_SECRET: optionalString,
  REDIS_URL: optionalString.pipe(
    z
      .url({
        protocol: /^rediss?$/,
        error: 'must be a redis:// or rediss:// (TLS) URL, e.g. redis://:password@host:6379/0',
      })
      .optional(),
  ),
  CACHE_TTL_SECONDS: positiveInt(60),
  CACHE_STALE_SECONDS: nonNegativeInt(600),
  CACHE_NEGATIVE_TTL_SECONDS: positiveInt(30),
  REDIS_COMMAND_TIMEOUT_MS: positiveInt(150),
  CACHE_CATALOG_TTL_SECONDS: positiveInt(3600),
  CACHE_MEMORY_RECHECK_MS: nonNegativeInt(2000),
  EXPECTED_INSTANCES: positiveInt(4),
  /** Overrides every vendor's default in-flight cap when set. */
  VENDOR_MAX_CONCURRENCY: optionalPositiveInt,
  UPSTREAM_ATTEMPT_TIMEOUT_MS: positiveInt(3000),
  UPSTREAM_DEADLINE_MS: positiveInt(8000),
  UPSTREAM_MAX_ATTEMPTS: positiveInt(3),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: optionalString,
  HTTP_REQUEST_TIMEOUT_MS: positiveInt(30_000),
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt(5_000),
  HTTP_MAX_CONNECTIONS: positiveInt(1_000),
  SHUTDOWN_TIMEOUT_MS: positiveInt(10_000),
  METRICS_KEY: optionalString,
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  RATE_LIMIT_PER_KEY_RPS: z.coerce.number().positive().finite().optional(),
  RATE_LIMIT_PER_KEY_BURST: z.coerce.number().int().positive().optional(),
  RATE_LIMIT_PER_TENANT_RPS: z.coerce.number().positive().finite().optional(),
  RATE_LIMIT_PER_TENANT_BURST: z.coerce.number().int().positive().optional(),
  FALLBACK_POLICY: z.enum(['deny', 'allow', 'problem']).default('deny'),
  FALLBACK_FEATURES: optionalString,
  CORS_ORIGINS: optionalString.pipe(
    z
      .string()
      .transform((value) => value.split(',').map((origin) => origin.trim().replace(/\/+$/, '')))
      .pipe(
        z.array(
          z
            .string()
            .regex(/^https?:\/\/[^/\s,]+$/, 'must be a comma list of origins like https://app.example.com'),
        ),
      )
      .optional(),
  ),
};

const envSchema = z.object({ ...gatewayEnvShape, ...vendorEnvShape() });

/** The gateway's own variables, typed; the vendors' variables are read by their modules. */
type Env = z.infer<z.ZodObject<typeof gatewayEnvShape>> & ParsedEnv;

/** Every environment variable the gateway reads (docs/configuration.md lists them all). */
export const configVariableNames = Object.keys(envSchema.shape);

const rateLimitSettingsSchema = z
  .object({
    requestsPerSecond: z.number().positive().finite(),
    burst: z.number().int().positive().optional(),
  })
  .strict()
  .transform(
    (settings): RateLimitSettings => ({
      requestsPerSecond: settings.requestsPerSecond,
      burst: settings.burst ?? defaultBurst(settings.requestsPerSecond),
    }),
  );
const fallbackFeaturesSchema = z.record(z.string().min(1).max(255), fallbackPolicySchema);
const hexSha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex SHA-256 digest');

/** `vendors` and `webhooks` of a tenant: one optional, strict entry per vendor, parsed by its module. */
function perVendorSchema(entry: (vendor: VendorId) => z.ZodType) {
  return z
    .object(Object.fromEntries(vendorIds.map((vendor) => [vendor, entry(vendor)])))
    .partial()
    .strict();
}

const tenantSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"'),
    apiKeyHashes: z.array(hexSha256).min(1),
    vendors: perVendorSchema((vendor) => vendorModule(vendor).config.tenantConnection).refine(
      (vendors) => Object.keys(vendors).length > 0,
      'must configure at least one vendor',
    ),
    webhooks: perVendorSchema((vendor) => vendorModule(vendor).config.tenantWebhook).default({}),
    // Validated by the multi-vendor settings parser, which names each bad entry.
    features: z.unknown().optional(),
    customers: z.unknown().optional(),
    rateLimit: z
      .object({ perKey: rateLimitSettingsSchema, perTenant: rateLimitSettingsSchema })
      .partial()
      .strict()
      .optional(),
    fallback: z
      .object({ default: fallbackPolicySchema.default('deny'), features: fallbackFeaturesSchema.default({}) })
      .strict()
      .optional(),
  })
  .strict();
const multiTenantSchema = z.object({ tenants: z.array(tenantSchema).min(1) }).strict();

/** A bucket without an explicit burst holds one second of requests (at least one). */
function defaultBurst(requestsPerSecond: number): number {
  return Math.max(1, Math.ceil(requestsPerSecond));
}

/** The single tenant's rate limits from the environment; absent variables leave that bucket out. */
function rateLimitsFromEnv(env: Env, problems: string[]): TenantRateLimits | undefined {
  const bucket = (rps: keyof Env, burst: keyof Env): RateLimitSettings | undefined => {
    const rate = env[rps] as number | undefined;
    const size = env[burst] as number | undefined;
    if (rate === undefined) {
      if (size !== undefined) problems.push(`${burst}: needs ${rps} (the refill rate) too`);
      return undefined;
    }
    return { requestsPerSecond: rate, burst: size ?? defaultBurst(rate) };
  };
  const perKey = bucket('RATE_LIMIT_PER_KEY_RPS', 'RATE_LIMIT_PER_KEY_BURST');
  const perTenant = bucket('RATE_LIMIT_PER_TENANT_RPS', 'RATE_LIMIT_PER_TENANT_BURST');
  if (perKey === undefined && perTenant === undefined) return undefined;
  return { ...(perKey ? { perKey } : {}), ...(perTenant ? { perTenant } : {}) };
}

/** The single tenant's fallback policies from the environment. */
function fallbackFromEnv(env: Env, problems: string[]): TenantFallbackPolicies {
  let features: Record<string, FallbackPolicy> = {};
  if (env.FALLBACK_FEATURES !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(env.FALLBACK_FEATURES);
    } catch {
      problems.push('FALLBACK_FEATURES: is not valid JSON');
      json = {};
    }
    const parsed = fallbackFeaturesSchema.safeParse(json);
    if (parsed.success) features = parsed.data;
    else problems.push(...describeIssues('FALLBACK_FEATURES', parsed.error));
  }
  return { default: env.FALLBACK_POLICY, features };
}

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Computes the lower-case hex SHA-256 of a string (how tenant API keys are stored and compared). */
export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

function describeIssues(prefix: string, error: z.ZodError): string[] {
  // Only the path and zod's message: zod messages describe the expectation, not the input value.
  return error.issues.map((issue) => {
    const path = issue.path.length > 0 ? `${prefix}.${issue.path.join('.')}` : prefix;
    return `${path.startsWith('.') ? path.slice(1) : path}: ${issue.message}`;
  });
}

function connectionsFromEnv(env: Env, problems: string[], warnings: string[]): Partial<VendorConnections> {
  const vendors: Record<string, unknown> = {};
  for (const vendor of vendorIds) {
    const { config } = vendorModule(vendor);
    const connection = config.connectionFromEnv(env, problems);
    if (connection === undefined) continue;
    vendors[vendor] = connection;
    warnings.push(...(config.connectionWarnings?.(connection, { kind: 'env' }) ?? []));
  }
  return vendors as Partial<VendorConnections>;
}

function webhooksFromEnv(env: Env, problems: string[]): WebhookSecrets {
  const webhooks: Record<string, unknown> = {};
  for (const vendor of vendorIds) {
    const secrets = vendorModule(vendor).config.webhookFromEnv(env, problems);
    if (secrets !== undefined) webhooks[vendor] = secrets;
  }
  return webhooks as WebhookSecrets;
}

function collectSecrets(tenants: TenantConfig[], env: Env, cursorSecret: string): string[] {
  const secrets = new Set<string>([cursorSecret]);
  if (env.METRICS_KEY !== undefined) secrets.add(env.METRICS_KEY);
  for (const key of (env.GATEWAY_API_KEYS ?? '').split(',')) if (key.trim()) secrets.add(key.trim());
  if (env.REDIS_URL) {
    const password = new URL(env.REDIS_URL).password;
    if (password) secrets.add(decodeURIComponent(password));
  }
  for (const tenant of tenants) {
    for (const vendor of vendorIds) {
      const { config } = vendorModule(vendor);
      const connection = tenant.vendors[vendor];
      if (connection !== undefined)
        for (const secret of config.connectionSecrets(connection)) secrets.add(secret);
      const webhook = tenant.webhooks[vendor];
      if (webhook !== undefined) for (const secret of config.webhookSecrets(webhook)) secrets.add(secret);
    }
  }
  return [...secrets].filter((secret) => secret.length >= 4);
}

/**
 * Parses the environment. Throws `ConfigError` naming each bad variable. With no vendor configured
 * (and no GATEWAY_CONFIG) the gateway runs in sandbox mode against its built-in simulators.
 */
export async function parseConfig(raw: Record<string, string | undefined>): Promise<GatewayConfig> {
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(describeIssues('', parsed.error));
  const env = parsed.data as Env;
  const problems: string[] = [];
  const warnings: string[] = [];

  let tenants: TenantConfig[] = [];
  if (env.GATEWAY_CONFIG !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(env.GATEWAY_CONFIG);
    } catch {
      throw new ConfigError(['GATEWAY_CONFIG: is not valid JSON']);
    }
    const multi = multiTenantSchema.safeParse(json);
    if (!multi.success) throw new ConfigError(describeIssues('GATEWAY_CONFIG', multi.error));
    for (const [index, tenant] of multi.data.tenants.entries()) {
      for (const vendor of vendorIds) {
        const connection = (tenant.vendors as Partial<VendorConnections>)[vendor];
        if (connection === undefined) continue;
        const path = `GATEWAY_CONFIG.tenants.${index}.vendors.${vendor}`;
        warnings.push(
          ...(vendorModule(vendor).config.connectionWarnings?.(connection as never, {
            kind: 'tenant',
            path,
          }) ?? []),
        );
      }
      // The modules' tenant schemas already built each connection (defaults applied).
      tenants.push({
        id: tenant.id,
        apiKeyHashes: tenant.apiKeyHashes,
        vendors: tenant.vendors as Partial<VendorConnections>,
        webhooks: tenant.webhooks as WebhookSecrets,
        ...parseMultiVendorSettings(
          { features: tenant.features, customers: tenant.customers },
          {
            features: `GATEWAY_CONFIG.tenants.${tenants.length}.features`,
            customers: `GATEWAY_CONFIG.tenants.${tenants.length}.customers`,
          },
          tenant.vendors as Partial<VendorConnections>,
          problems,
        ),
        ...(tenant.rateLimit === undefined ? {} : { rateLimit: tenant.rateLimit }),
        fallback: tenant.fallback ?? DEFAULT_FALLBACK_POLICIES,
      });
    }
    tenants.forEach((tenant, index) => {
      problems.push(
        ...catalogFallbackConflicts(tenant.fallback, tenant.features, {
          features: `GATEWAY_CONFIG.tenants.${index}.fallback.features`,
          catalog: `GATEWAY_CONFIG.tenants.${index}.features`,
        }),
      );
    });
  }

  /** The env tenant (single tenant or sandbox) declares each feature's fallback in one place. */
  const checkEnvFallbacks = (tenant: TenantConfig | undefined) =>
    problems.push(
      ...catalogFallbackConflicts(tenant?.fallback, tenant?.features, {
        features: 'FALLBACK_FEATURES',
        catalog: 'FEATURE_CATALOG',
      }),
    );
  const envVendors = connectionsFromEnv(env, problems, warnings);
  const envWebhooks = webhooksFromEnv(env, problems);
  const envRateLimits = rateLimitsFromEnv(env, problems);
  const envFallback = fallbackFromEnv(env, problems);
  /** Settings of the env tenant (single tenant or sandbox) beyond its keys and vendors. */
  const envTenantPolicies = {
    ...(envRateLimits === undefined ? {} : { rateLimit: envRateLimits }),
    fallback: envFallback,
  };
  const hasEnvVendors = Object.keys(envVendors).length > 0;
  const sandbox = tenants.length === 0 && !hasEnvVendors;

  if (!sandbox && hasEnvVendors) {
    const keys = (env.GATEWAY_API_KEYS ?? '')
      .split(',')
      .map((key) => key.trim())
      .filter(Boolean);
    if (keys.length === 0)
      problems.push('GATEWAY_API_KEYS: is required (comma-separated keys) when a vendor is configured');
    if (keys.some((key) => key.length < 16))
      warnings.push(
        'GATEWAY_API_KEYS: a key shorter than 16 characters is easy to guess; use long random keys',
      );
    tenants.push({
      id: 'default',
      apiKeyHashes: await Promise.all(keys.map(sha256Hex)),
      vendors: envVendors,
      webhooks: envWebhooks,
      ...parseMultiVendorSettings(
        { featuresJson: env.FEATURE_CATALOG, customersJson: env.CUSTOMER_LINKS },
        { features: 'FEATURE_CATALOG', customers: 'CUSTOMER_LINKS' },
        envVendors,
        problems,
      ),
      ...envTenantPolicies,
    });
    checkEnvFallbacks(tenants.at(-1));
  } else if (!sandbox && (env.FEATURE_CATALOG !== undefined || env.CUSTOMER_LINKS !== undefined)) {
    problems.push(
      'FEATURE_CATALOG, CUSTOMER_LINKS: apply to the single tenant of the vendor variables; with GATEWAY_CONFIG use each tenant\'s "features" and "customers"',
    );
  }
  if (sandbox) {
    const keys = (env.GATEWAY_API_KEYS ?? SANDBOX_API_KEY)
      .split(',')
      .map((key) => key.trim())
      .filter(Boolean);
    tenants = [
      {
        id: 'sandbox',
        apiKeyHashes: await Promise.all(keys.map(sha256Hex)),
        vendors: {},
        webhooks: envWebhooks,
        // The sandbox connects every vendor (to its simulator); without these it installs a demo.
        ...parseMultiVendorSettings(
          { featuresJson: env.FEATURE_CATALOG, customersJson: env.CUSTOMER_LINKS },
          { features: 'FEATURE_CATALOG', customers: 'CUSTOMER_LINKS' },
          'all',
          problems,
        ),
        ...envTenantPolicies,
      },
    ];
    checkEnvFallbacks(tenants[0]);
  }
  let cursorSecret = env.CURSOR_SECRET ?? SANDBOX_CURSOR_SECRET;
  if (!sandbox && env.CURSOR_SECRET === undefined) {
    // Unguessable, so cursors stay safe; but each process signs with its own, so a cursor fails on
    // another instance or after a restart. Set CURSOR_SECRET for anything but a single dev process.
    cursorSecret = randomSecret();
    warnings.push(
      'CURSOR_SECRET: not set; using a random per-process secret (cursors will not survive a restart or work across instances)',
    );
  } else if (env.CURSOR_SECRET !== undefined && env.CURSOR_SECRET.length < 32) {
    warnings.push('CURSOR_SECRET: shorter than 32 characters; use at least 32 random characters');
  }
  // Tenant ids key adapters, cache entries and cursors; a key hash names exactly one tenant. Checked
  // over the final list, so an env tenant ("default") cannot collide with a GATEWAY_CONFIG one.
  const seenIds = new Set<string>();
  const seenHashes = new Set<string>();
  for (const tenant of tenants) {
    if (seenIds.has(tenant.id))
      problems.push(
        `GATEWAY_CONFIG.tenants: tenant id "${tenant.id}" is used twice (the single-tenant env variables use "default")`,
      );
    seenIds.add(tenant.id);
    for (const hash of tenant.apiKeyHashes) {
      if (seenHashes.has(hash))
        problems.push(
          `GATEWAY_CONFIG.tenants: an API key hash of tenant "${tenant.id}" belongs to another tenant too`,
        );
      seenHashes.add(hash);
    }
  }
  const headersTimeoutMs = env.HTTP_HEADERS_TIMEOUT_MS ?? Math.min(10_000, env.HTTP_REQUEST_TIMEOUT_MS);
  if (headersTimeoutMs > env.HTTP_REQUEST_TIMEOUT_MS)
    problems.push(
      `HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS (${env.HTTP_REQUEST_TIMEOUT_MS}); lower it or raise HTTP_REQUEST_TIMEOUT_MS`,
    );
  if (env.METRICS_KEY !== undefined && env.METRICS_KEY.length < 16)
    warnings.push('METRICS_KEY: shorter than 16 characters; use a long random key');
  if (env.METRICS_PORT !== undefined && env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT)
    problems.push('METRICS_PORT: must differ from PORT (the metrics listener is a separate server)');
  if (problems.length > 0) throw new ConfigError(problems);

  const defaults = { ttlSeconds: env.CACHE_TTL_SECONDS, staleSeconds: env.CACHE_STALE_SECONDS };
  return {
    mode: sandbox ? 'sandbox' : 'configured',
    tenants,
    cursorSecret,
    redisUrl: env.REDIS_URL ?? null,
    cache: {
      defaults,
      perVendor: perVendor((vendor) => {
        const { config, defaults: vendorDefaults } = vendorModule(vendor);
        const configured = env[`${config.envPrefix}_CACHE_TTL_SECONDS`] as number | undefined;
        // A vendor whose data moves faster than its webhooks tell is capped by the gateway-wide TTL too.
        const ttlSeconds =
          vendorDefaults.freshForAtMostSeconds === undefined
            ? (configured ?? defaults.ttlSeconds)
            : Math.min(configured ?? vendorDefaults.freshForAtMostSeconds, defaults.ttlSeconds);
        return { ...defaults, ttlSeconds };
      }),
      negativeTtlSeconds: env.CACHE_NEGATIVE_TTL_SECONDS,
      redisCommandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
      catalogTtlSeconds: env.CACHE_CATALOG_TTL_SECONDS,
      memoryRecheckMs: env.CACHE_MEMORY_RECHECK_MS,
    },
    expectedInstances: env.EXPECTED_INSTANCES,
    limits: perVendor((vendor) => {
      const { config, defaults: vendorDefaults } = vendorModule(vendor);
      return {
        requestsPerMinute: env[`${config.envPrefix}_REQUESTS_PER_MINUTE`] as number,
        maxConcurrent: env.VENDOR_MAX_CONCURRENCY ?? vendorDefaults.maxConcurrent,
      };
    }),
    upstream: {
      attemptTimeoutMs: env.UPSTREAM_ATTEMPT_TIMEOUT_MS,
      deadlineMs: env.UPSTREAM_DEADLINE_MS,
      maxAttempts: env.UPSTREAM_MAX_ATTEMPTS,
    },
    port: env.PORT,
    // The sandbox answers with a public demo key: it stays on loopback unless HOST says otherwise.
    host: env.HOST ?? (sandbox ? '127.0.0.1' : '0.0.0.0'),
    server: {
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs,
      keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: env.HTTP_MAX_CONNECTIONS,
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    },
    metrics: { key: env.METRICS_KEY ?? null, port: env.METRICS_PORT ?? null },
    logLevel: env.LOG_LEVEL,
    corsOrigins: env.CORS_ORIGINS ?? [],
    secrets: collectSecrets(tenants, env, cursorSecret),
    warnings,
  };
}

/** A value for every vendor, in registry order. */
function perVendor<T>(value: (vendor: VendorId) => T): Record<VendorId, T> {
  return Object.fromEntries(vendorIds.map((vendor) => [vendor, value(vendor)])) as Record<VendorId, T>;
}

/** The vendors a tenant has connections to, in a stable order. */
export function tenantVendors(tenant: TenantConfig): VendorId[] {
  return vendorIds.filter((vendor) => tenant.vendors[vendor] !== undefined);
}

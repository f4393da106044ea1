import { z } from 'zod';
import type {
  ChargebeeConnection,
  PaygenticConnection,
  VendorConnections,
  ZenskarConnection,
} from '../adapters/spec';
import { type VendorId, vendorIds } from '../schemas/entitlement';
import type { LogLevel } from './logger';

/**
 * Configuration is parsed once, at the entry, from the environment (Node env or Worker vars and
 * secrets: the same names). A bad value fails start-up with a message naming the variable, never
 * its value.
 */

/** Webhook verification secrets of one tenant. */
export interface WebhookSecrets {
  /** Chargebee authenticates webhooks with HTTP Basic credentials set on the endpoint. */
  chargebee?: { username: string; password: string };
  /** Paygentic delivers through Svix: the endpoint's `whsec_…` signing secret. */
  paygentic?: { secret: string };
  /** Zenskar signs with a shared secret (HMAC-SHA256); the header name is configurable. */
  zenskar?: { secret: string; header: string };
}

/** One tenant: who may call (SHA-256 hashes of its API keys) and which vendors it reads. */
export interface TenantConfig {
  id: string;
  /** Lower-case hex SHA-256 digests of the tenant's gateway API keys. */
  apiKeyHashes: string[];
  vendors: Partial<VendorConnections>;
  webhooks: WebhookSecrets;
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
    catalogTtlSeconds: number;
  };
  limits: Record<VendorId, VendorLimits>;
  upstream: { attemptTimeoutMs: number; deadlineMs: number; maxAttempts: number };
  port: number;
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

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const nonNegativeInt = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const httpUrl = z
  .url({ protocol: /^https?$/ })
  .transform((value) => value.replace(/\/+$/, ''))
  .optional();
const booleanFlag = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1')
  .optional();

const envSchema = z.object({
  GATEWAY_API_KEYS: optionalString,
  GATEWAY_CONFIG: optionalString,
  CURSOR_SECRET: optionalString,
  REDIS_URL: optionalString.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
  ZENSKAR_API_KEY: optionalString,
  ZENSKAR_ORGANISATION: optionalString,
  ZENSKAR_BASE_URL: httpUrl,
  ZENSKAR_WEBHOOK_SECRET: optionalString,
  ZENSKAR_WEBHOOK_SIGNATURE_HEADER: optionalString,
  PAYGENTIC_API_KEY: optionalString,
  PAYGENTIC_BASE_URL: httpUrl,
  PAYGENTIC_WEBHOOK_SECRET: optionalString,
  CHARGEBEE_SITE: optionalString.pipe(
    z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/i, 'must be a Chargebee site name like "acme" or "acme-test"')
      .optional(),
  ),
  CHARGEBEE_API_KEY: optionalString,
  CHARGEBEE_BASE_URL: httpUrl,
  CHARGEBEE_ENTITLEMENT_SOURCE: z
    .enum(['auto', 'customer_entitlements', 'subscription_entitlements'])
    .default('auto'),
  CHARGEBEE_CONSOLIDATE_ENTITLEMENTS: booleanFlag,
  CHARGEBEE_WEBHOOK_USERNAME: optionalString,
  CHARGEBEE_WEBHOOK_PASSWORD: optionalString,
  CACHE_TTL_SECONDS: positiveInt(60),
  CACHE_STALE_SECONDS: nonNegativeInt(600),
  CACHE_NEGATIVE_TTL_SECONDS: positiveInt(30),
  CACHE_CATALOG_TTL_SECONDS: positiveInt(3600),
  ZENSKAR_CACHE_TTL_SECONDS: z.coerce.number().int().positive().optional(),
  PAYGENTIC_CACHE_TTL_SECONDS: positiveInt(10),
  CHARGEBEE_CACHE_TTL_SECONDS: z.coerce.number().int().positive().optional(),
  ZENSKAR_REQUESTS_PER_MINUTE: positiveInt(600),
  PAYGENTIC_REQUESTS_PER_MINUTE: positiveInt(600),
  CHARGEBEE_REQUESTS_PER_MINUTE: positiveInt(150),
  VENDOR_MAX_CONCURRENCY: positiveInt(8),
  UPSTREAM_ATTEMPT_TIMEOUT_MS: positiveInt(3000),
  UPSTREAM_DEADLINE_MS: positiveInt(8000),
  UPSTREAM_MAX_ATTEMPTS: positiveInt(3),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
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
});

type Env = z.infer<typeof envSchema>;

/** Every environment variable the gateway reads (docs/configuration.md lists them all). */
export const configVariableNames = Object.keys(envSchema.shape) as Array<keyof Env>;

const tenantBaseUrl = z.url({ protocol: /^https?$/ }).optional();
const hexSha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex SHA-256 digest');
const tenantSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"'),
    apiKeyHashes: z.array(hexSha256).min(1),
    vendors: z
      .object({
        zenskar: z
          .object({ apiKey: z.string().min(1), organisation: z.string().min(1), baseUrl: tenantBaseUrl })
          .strict(),
        paygentic: z.object({ apiKey: z.string().min(1), baseUrl: tenantBaseUrl }).strict(),
        chargebee: z
          .object({
            site: z.string().regex(/^[a-z0-9][a-z0-9-]*$/i),
            apiKey: z.string().min(1),
            baseUrl: tenantBaseUrl,
            entitlementSource: z
              .enum(['auto', 'customer_entitlements', 'subscription_entitlements'])
              .default('auto'),
            consolidateEntitlements: z.boolean().default(false),
          })
          .strict(),
      })
      .partial()
      .strict()
      .refine((vendors) => Object.keys(vendors).length > 0, 'must configure at least one vendor'),
    webhooks: z
      .object({
        chargebee: z.object({ username: z.string().min(1), password: z.string().min(1) }).strict(),
        paygentic: z.object({ secret: z.string().min(1) }).strict(),
        zenskar: z
          .object({ secret: z.string().min(1), header: z.string().min(1).default('x-zenskar-signature') })
          .strict(),
      })
      .partial()
      .strict()
      .default({}),
  })
  .strict();
const multiTenantSchema = z.object({ tenants: z.array(tenantSchema).min(1) }).strict();

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

/**
 * Chargebee's API lives under `/api/v2` on its host (its server URL in the docs includes the path).
 * A base URL given as a bare host gets it appended; one with a path is used as given (a proxy).
 */
function chargebeeApiBase(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return new URL(trimmed).pathname === '/' ? `${trimmed}/api/v2` : trimmed;
}

const defaultBaseUrls = {
  zenskar: 'https://api.zenskar.com',
  paygentic: 'https://api.paygentic.io',
  chargebee: (site: string) => `https://${site}.chargebee.com/api/v2`,
};

function connectionsFromEnv(env: Env, problems: string[]): Partial<VendorConnections> {
  const vendors: Partial<VendorConnections> = {};
  const requireAll = (names: Array<keyof Env>): boolean => {
    const present = names.filter((name) => env[name] !== undefined);
    if (present.length === 0) return false;
    for (const name of names)
      if (env[name] === undefined) problems.push(`${name}: is required when ${present.join(', ')} is set`);
    return present.length === names.length;
  };
  if (requireAll(['ZENSKAR_API_KEY', 'ZENSKAR_ORGANISATION'])) {
    vendors.zenskar = {
      apiKey: env.ZENSKAR_API_KEY as string,
      organisation: env.ZENSKAR_ORGANISATION as string,
      baseUrl: env.ZENSKAR_BASE_URL ?? defaultBaseUrls.zenskar,
    } satisfies ZenskarConnection;
  }
  if (requireAll(['PAYGENTIC_API_KEY'])) {
    vendors.paygentic = {
      apiKey: env.PAYGENTIC_API_KEY as string,
      baseUrl: env.PAYGENTIC_BASE_URL ?? defaultBaseUrls.paygentic,
    } satisfies PaygenticConnection;
  }
  // The site only builds the default base URL: with CHARGEBEE_BASE_URL set, the key is enough.
  const chargebeeNeeds: Array<keyof Env> =
    env.CHARGEBEE_BASE_URL === undefined ? ['CHARGEBEE_SITE', 'CHARGEBEE_API_KEY'] : ['CHARGEBEE_API_KEY'];
  if (requireAll(chargebeeNeeds)) {
    const site = env.CHARGEBEE_SITE ?? new URL(env.CHARGEBEE_BASE_URL as string).hostname;
    vendors.chargebee = {
      site,
      apiKey: env.CHARGEBEE_API_KEY as string,
      baseUrl:
        env.CHARGEBEE_BASE_URL === undefined
          ? defaultBaseUrls.chargebee(site)
          : chargebeeApiBase(env.CHARGEBEE_BASE_URL),
      entitlementSource: env.CHARGEBEE_ENTITLEMENT_SOURCE,
      consolidateEntitlements: env.CHARGEBEE_CONSOLIDATE_ENTITLEMENTS ?? false,
    } satisfies ChargebeeConnection;
  }
  return vendors;
}

function webhooksFromEnv(env: Env, problems: string[]): WebhookSecrets {
  const webhooks: WebhookSecrets = {};
  if (env.CHARGEBEE_WEBHOOK_USERNAME !== undefined || env.CHARGEBEE_WEBHOOK_PASSWORD !== undefined) {
    if (env.CHARGEBEE_WEBHOOK_USERNAME === undefined || env.CHARGEBEE_WEBHOOK_PASSWORD === undefined) {
      problems.push('CHARGEBEE_WEBHOOK_USERNAME, CHARGEBEE_WEBHOOK_PASSWORD: set both or neither');
    } else {
      webhooks.chargebee = {
        username: env.CHARGEBEE_WEBHOOK_USERNAME,
        password: env.CHARGEBEE_WEBHOOK_PASSWORD,
      };
    }
  }
  if (env.PAYGENTIC_WEBHOOK_SECRET !== undefined)
    webhooks.paygentic = { secret: env.PAYGENTIC_WEBHOOK_SECRET };
  if (env.ZENSKAR_WEBHOOK_SECRET !== undefined) {
    webhooks.zenskar = {
      secret: env.ZENSKAR_WEBHOOK_SECRET,
      header: env.ZENSKAR_WEBHOOK_SIGNATURE_HEADER ?? 'x-zenskar-signature',
    };
  }
  return webhooks;
}

function collectSecrets(tenants: TenantConfig[], env: Env, cursorSecret: string): string[] {
  const secrets = new Set<string>([cursorSecret]);
  for (const key of (env.GATEWAY_API_KEYS ?? '').split(',')) if (key.trim()) secrets.add(key.trim());
  if (env.REDIS_URL) {
    const password = new URL(env.REDIS_URL).password;
    if (password) secrets.add(decodeURIComponent(password));
  }
  for (const tenant of tenants) {
    for (const connection of Object.values(tenant.vendors)) secrets.add(connection.apiKey);
    for (const webhook of Object.values(tenant.webhooks)) {
      if ('secret' in webhook) secrets.add(webhook.secret);
      if ('password' in webhook) secrets.add(webhook.password);
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
  const env = parsed.data;
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
    for (const tenant of multi.data.tenants) {
      const vendors: Partial<VendorConnections> = {};
      if (tenant.vendors.zenskar)
        vendors.zenskar = {
          ...tenant.vendors.zenskar,
          baseUrl: (tenant.vendors.zenskar.baseUrl ?? defaultBaseUrls.zenskar).replace(/\/+$/, ''),
        };
      if (tenant.vendors.paygentic)
        vendors.paygentic = {
          ...tenant.vendors.paygentic,
          baseUrl: (tenant.vendors.paygentic.baseUrl ?? defaultBaseUrls.paygentic).replace(/\/+$/, ''),
        };
      if (tenant.vendors.chargebee) {
        const chargebee = tenant.vendors.chargebee;
        vendors.chargebee = {
          ...chargebee,
          baseUrl:
            chargebee.baseUrl === undefined
              ? defaultBaseUrls.chargebee(chargebee.site)
              : chargebeeApiBase(chargebee.baseUrl),
        };
      }
      const webhooks: WebhookSecrets = {};
      if (tenant.webhooks.chargebee) webhooks.chargebee = tenant.webhooks.chargebee;
      if (tenant.webhooks.paygentic) webhooks.paygentic = tenant.webhooks.paygentic;
      if (tenant.webhooks.zenskar) webhooks.zenskar = tenant.webhooks.zenskar;
      tenants.push({ id: tenant.id, apiKeyHashes: tenant.apiKeyHashes, vendors, webhooks });
    }
  }

  const envVendors = connectionsFromEnv(env, problems);
  const envWebhooks = webhooksFromEnv(env, problems);
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
    });
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
      },
    ];
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
  if (problems.length > 0) throw new ConfigError(problems);

  const defaults = { ttlSeconds: env.CACHE_TTL_SECONDS, staleSeconds: env.CACHE_STALE_SECONDS };
  return {
    mode: sandbox ? 'sandbox' : 'configured',
    tenants,
    cursorSecret,
    redisUrl: env.REDIS_URL ?? null,
    cache: {
      defaults,
      perVendor: {
        zenskar: { ...defaults, ttlSeconds: env.ZENSKAR_CACHE_TTL_SECONDS ?? defaults.ttlSeconds },
        // Metered balances move with every usage event and Paygentic sends no balance webhooks.
        paygentic: {
          ...defaults,
          ttlSeconds: Math.min(env.PAYGENTIC_CACHE_TTL_SECONDS, defaults.ttlSeconds),
        },
        chargebee: { ...defaults, ttlSeconds: env.CHARGEBEE_CACHE_TTL_SECONDS ?? defaults.ttlSeconds },
      },
      negativeTtlSeconds: env.CACHE_NEGATIVE_TTL_SECONDS,
      catalogTtlSeconds: env.CACHE_CATALOG_TTL_SECONDS,
    },
    limits: {
      zenskar: {
        requestsPerMinute: env.ZENSKAR_REQUESTS_PER_MINUTE,
        maxConcurrent: env.VENDOR_MAX_CONCURRENCY,
      },
      paygentic: {
        requestsPerMinute: env.PAYGENTIC_REQUESTS_PER_MINUTE,
        maxConcurrent: env.VENDOR_MAX_CONCURRENCY,
      },
      chargebee: {
        requestsPerMinute: env.CHARGEBEE_REQUESTS_PER_MINUTE,
        maxConcurrent: env.VENDOR_MAX_CONCURRENCY,
      },
    },
    upstream: {
      attemptTimeoutMs: env.UPSTREAM_ATTEMPT_TIMEOUT_MS,
      deadlineMs: env.UPSTREAM_DEADLINE_MS,
      maxAttempts: env.UPSTREAM_MAX_ATTEMPTS,
    },
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    corsOrigins: env.CORS_ORIGINS ?? [],
    secrets: collectSecrets(tenants, env, cursorSecret),
    warnings,
  };
}

/** The vendors a tenant has connections to, in a stable order. */
export function tenantVendors(tenant: TenantConfig): VendorId[] {
  return vendorIds.filter((vendor) => tenant.vendors[vendor] !== undefined);
}

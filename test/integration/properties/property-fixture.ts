import type { FetchHandler } from '../../../adapters/kit';
import { adapterFactories, vendorModule } from '../../../adapters/registry';
import { type VendorId, vendorIds } from '../../../schemas/entitlement';
import { EntitlementListSchema } from '../../../schemas/page';
import { createApp } from '../../../src/app';
import { BackgroundTasks } from '../../../src/background-tasks';
import { type GatewayConfig, parseConfig, sha256Hex } from '../../../src/config';
import { createGateway } from '../../../src/gateway';
import { createInProcessTransport } from '../../../src/http/in-process-transport';
import { createJsonLogger } from '../../../src/logger';
import { TEST_CURSOR_SECRET } from '../../support/gateway';
import { knownCustomers, type TenantName, vendorKits } from '../../support/marked-simulators';
import type { RawResponse } from '../../support/raw-http';
import { openTenantRedis, REDIS_URL, uniqueTenantId } from '../../support/route-cache-fixture';

/**
 * The world every property suite runs against: two tenants (A and B) of one gateway over the real
 * Redis, each with its own in-process simulator of every vendor in the registry (so a thousand cases
 * per route take seconds, not minutes), with the SAME customer ids but data each tenant's answers can
 * be told apart by: every feature name or key a tenant's simulators serve carries its tenant marker
 * (`tenantaonly` / `tenantbonly`). A marker of the other tenant in an answer is a leak.
 *
 * Runs and seed: `FC_RUNS` (default 1000 per route) and `FC_SEED` (default {@link DEFAULT_SEED});
 * fast-check prints the seed and the shrink path of a failure, and `FC_SEED=<seed>` with
 * `FC_PATH=<path>` replays exactly that case.
 */

export const DEFAULT_SEED = 20_261_203;

/** fast-check parameters shared by every property suite. */
export function propertyParameters(): { seed: number; numRuns: number; path?: string; verbose: 1 } {
  const seed = Number(process.env.FC_SEED ?? DEFAULT_SEED);
  const numRuns = Number(process.env.FC_RUNS ?? 1000);
  return {
    seed,
    numRuns,
    ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
    // One line per failing case with its value, after the seed and path.
    verbose: 1,
  };
}

/** How long one request may take before the property counts it as a hang. */
export const REQUEST_DEADLINE_MS = 10_000;

export { knownCustomers, type TenantName } from '../../support/marked-simulators';

export const markerOf = (tenant: TenantName) => `tenant${tenant}only`;

/** Feature keys the demo data holds (plus the registry's demo keys). */
export const knownFeatureKeys: readonly string[] = [
  ...new Set([
    ...vendorIds.map((vendor) => vendorModule(vendor).sandbox.demo.featureKey),
    'user-licenses',
    'api_calls',
    'max_users',
    'seats',
    'sso_enabled',
  ]),
];

/** A cursor the gateway issued, and the list it continues. */
export interface IssuedCursor {
  cursor: string;
  vendor: VendorId;
  customerId: string;
}

/** One tenant as the suites see it. */
export interface PropertyTenant {
  name: TenantName;
  id: string;
  apiKey: string;
  /** More keys of the tenant (a rate limited world gives each its own bucket); empty otherwise. */
  extraKeys: string[];
  webhookSecrets: { [V in VendorId]: Record<string, string> };
  /** Real cursors the gateway issued to this tenant: the next page of a customer's list (limit 1). */
  cursors: IssuedCursor[];
  /** Multi-vendor worlds: real cursors of merged lists (a linked app customer, limit 1). */
  mergedCursors: Array<{ cursor: string; customerId: string }>;
}

/**
 * The vendor customer ids behind the multi-vendor world's "down" links: every request to a
 * simulator that names one answers 503 (an outage with nothing cached), so merged checks exercise
 * the fallback policies.
 */
export const DOWN_CUSTOMER = { chargebee: 'propertydown-1', paygentic: 'cus_propertydown1' } as const;

/**
 * Static links of the multi-vendor world: the same app customer ids at both tenants, linked to the
 * same demo accounts (whose data each tenant's simulators mark differently), one with a vendor down.
 */
export const staticAppCustomers = {
  acme: {
    zenskar: knownCustomers.zenskar[0] as string,
    paygentic: 'cus_demoAcme',
    chargebee: 'cust_acme',
    stripe: 'cus_demoAcme',
  },
  bigco: { paygentic: 'cus_demoBigco', stripe: 'cus_demoBigco', chargebee: 'cust_globex' },
  'acme-down': { chargebee: 'cust_acme', paygentic: DOWN_CUSTOMER.paygentic },
  'all-down': { chargebee: DOWN_CUSTOMER.chargebee, paygentic: DOWN_CUSTOMER.paygentic },
} as const;

/** App feature keys of the multi-vendor world's catalogues (the same keys at both tenants). */
export const appFeatureKeys = ['seats', 'sso', 'api-calls'] as const;

/** A tenant's catalogue: its own (marked) Paygentic keys behind the shared app keys, and a fallback each. */
function catalogueOf(tenant: TenantName) {
  const paygentic = (key: string) => `${markerOf(tenant)}-${key}`;
  return {
    seats: {
      sources: { chargebee: 'user-licenses', paygentic: paygentic('max_users') },
      fallback: { hasAccess: true, limit: 5 },
    },
    sso: { sources: { paygentic: paygentic('sso_enabled'), chargebee: 'sso' }, fallback: 'allow' },
    'api-calls': {
      sources: { chargebee: 'api-calls', paygentic: paygentic('api_calls') },
      merge: 'max',
      name: `${markerOf(tenant)} API calls`,
    },
  };
}

/** What a world adds to the two plain tenants. */
export interface PropertyWorldOptions {
  /** Feature catalogues, static links (with vendors down behind some) and fallback policies. */
  multiVendor?: boolean;
  /** Caller rate limits on tenant A (`GATEWAY_CONFIG` `rateLimit`), with `keys` more keys of A. */
  rateLimit?: {
    perKey?: { requestsPerSecond: number; burst: number };
    perTenant?: { requestsPerSecond: number; burst: number };
    keys: number;
  };
}

/** Answers 503 to every request that names one of the "down" vendor customers. */
function withDownCustomers(handler: FetchHandler): FetchHandler {
  const down = Object.values(DOWN_CUSTOMER);
  return {
    fetch(request) {
      const url = decodeURIComponent(request.url);
      if (down.some((id) => url.includes(id)))
        return Promise.resolve(new Response('{"message":"down"}', { status: 503 }));
      return handler.fetch(request);
    },
  };
}

/** A request as the suites generate it (in-process: header values are valid ByteStrings). */
export interface PropertyRequest {
  method: string;
  /** Path and query as given to `app.request` (the URL parser normalises what it must). */
  target: string;
  headers: Array<[string, string]>;
  body?: string;
  /** The tenant whose valid key the request carries, if any. */
  as: TenantName | null;
}

/** Starts the two-tenant gateway; call `close` in `afterAll`. */
export async function startPropertyWorld(options: PropertyWorldOptions = {}) {
  const tenants = (['a', 'b'] as const).map(
    (name): PropertyTenant => ({
      name,
      id: uniqueTenantId(`property-${name}`),
      apiKey: `property-${name}-gateway-key-${name === 'a' ? '3f9c1d' : '8b2e7a'}`,
      extraKeys:
        name === 'a' && options.rateLimit
          ? Array.from(
              { length: options.rateLimit.keys },
              (_, index) => `property-a-limited-key-${index}-7c4e`,
            )
          : [],
      webhookSecrets: Object.fromEntries(
        vendorIds.map((vendor) => [vendor, vendorKits[vendor].webhookSecrets(name)]),
      ) as PropertyTenant['webhookSecrets'],
      cursors: [],
      mergedCursors: [],
    }),
  );
  const handlers: Record<string, FetchHandler> = {};
  const connections: Record<TenantName, Record<string, unknown>> = { a: {}, b: {} };
  for (const tenant of tenants)
    for (const vendor of vendorIds) {
      const origin = `https://${vendor}.tenant-${tenant.name}.invalid`;
      const simulator = vendorKits[vendor].createMarkedSimulator(markerOf(tenant.name));
      handlers[origin] = options.multiVendor ? withDownCustomers(simulator) : simulator;
      connections[tenant.name][vendor] = vendorModule(vendor).sandbox.connection(origin);
    }
  /** Per tenant: the multi-vendor settings, the rate limits. */
  const settingsOf = (tenant: TenantName): Record<string, unknown> => ({
    ...(options.multiVendor
      ? {
          features: catalogueOf(tenant),
          customers: staticAppCustomers,
          // A: deny by default (the catalogue's seats and sso declare their own); B: allow.
          fallback: { default: tenant === 'a' ? 'deny' : 'allow' },
        }
      : {}),
    ...(options.rateLimit && tenant === 'a'
      ? {
          rateLimit: {
            ...(options.rateLimit.perKey ? { perKey: options.rateLimit.perKey } : {}),
            ...(options.rateLimit.perTenant ? { perTenant: options.rateLimit.perTenant } : {}),
          },
        }
      : {}),
  });

  // Parsed like production (keys hashed, webhook secrets validated), then pointed at the simulators
  // the way sandbox mode does.
  const parsed = await parseConfig({
    CURSOR_SECRET: TEST_CURSOR_SECRET,
    REDIS_URL,
    VENDOR_MAX_CONCURRENCY: '64',
    ...Object.fromEntries(
      vendorIds.map((vendor) => [`${vendorModule(vendor).config.envPrefix}_REQUESTS_PER_MINUTE`, '1000000']),
    ),
    GATEWAY_CONFIG: JSON.stringify({
      tenants: await Promise.all(
        tenants.map(async (tenant) => ({
          id: tenant.id,
          apiKeyHashes: await Promise.all([tenant.apiKey, ...tenant.extraKeys].map(sha256Hex)),
          vendors: connections[tenant.name],
          webhooks: tenant.webhookSecrets,
          ...settingsOf(tenant.name),
        })),
      ),
    }),
  });
  const config: GatewayConfig = {
    ...parsed,
    tenants: parsed.tenants.map((tenant, index) => ({
      ...tenant,
      vendors: connections[tenants[index]?.name ?? 'a'] as GatewayConfig['tenants'][number]['vendors'],
    })),
  };
  const logs: string[] = [];
  const logger = createJsonLogger({
    level: 'debug',
    secrets: config.secrets,
    write: (line) => logs.push(line),
  });
  const background = new BackgroundTasks(logger);
  const platform = createGateway({
    config,
    logger,
    transport: createInProcessTransport(handlers),
    adapterFactories,
    redis: { mode: 'shared' },
    background: (promise) => background.add(promise),
  });
  const app = createApp(platform.runtime, () => ({ waitUntil: (promise) => background.add(promise) }));
  if (!(await platform.redisReady(10_000)))
    throw new Error(`the test Redis at ${REDIS_URL} is not reachable`);
  const redis = await Promise.all(tenants.map((tenant) => openTenantRedis(tenant.id)));

  // Real cursors of each tenant: the first page (limit 1) of every known customer's list.
  for (const tenant of tenants)
    for (const vendor of vendorIds)
      for (const customer of knownCustomers[vendor]) {
        const response = await app.request(
          `/v1/customers/${encodeURIComponent(customer)}/entitlements?vendor=${vendor}&limit=1`,
          { headers: { authorization: `Bearer ${tenant.apiKey}` } },
        );
        if (response.status !== 200) continue;
        const cursor = EntitlementListSchema.parse(await response.json()).nextCursor;
        if (cursor) tenant.cursors.push({ cursor, vendor, customerId: customer });
      }
  for (const tenant of tenants)
    if (tenant.cursors.length === 0)
      throw new Error(`tenant ${tenant.name} got no cursor from the demo data`);
  // Multi-vendor worlds: real cursors of each tenant's merged lists.
  if (options.multiVendor)
    for (const tenant of tenants) {
      for (const customerId of Object.keys(staticAppCustomers)) {
        const response = await app.request(`/v1/customers/${customerId}/entitlements?limit=1`, {
          headers: { authorization: `Bearer ${tenant.apiKey}` },
        });
        if (response.status !== 200) continue;
        const cursor = EntitlementListSchema.parse(await response.json()).nextCursor;
        if (cursor) tenant.mergedCursors.push({ cursor, customerId });
      }
      if (tenant.mergedCursors.length === 0) throw new Error(`tenant ${tenant.name} got no merged cursor`);
    }

  /** Everything no answer and no log line may contain. */
  const secrets = [
    ...config.secrets,
    TEST_CURSOR_SECRET,
    ...tenants.flatMap((tenant) => [tenant.apiKey, ...tenant.extraKeys]),
    ...tenants.flatMap((tenant) =>
      Object.values(tenant.webhookSecrets).flatMap((secrets) =>
        Object.entries(secrets)
          .filter(([name]) => name !== 'header' && name !== 'username')
          .map(([, value]) => value),
      ),
    ),
  ].filter((secret) => secret.length >= 8);

  const byName = { a: tenants[0] as PropertyTenant, b: tenants[1] as PropertyTenant };
  return {
    app,
    config,
    logs,
    background,
    tenants: byName,
    secrets: [...new Set(secrets)],
    sign: (vendor: VendorId, tenant: TenantName, body: string, nowSeconds: number, id: string) =>
      vendorKits[vendor].sign(body, byName[tenant].webhookSecrets[vendor], nowSeconds, id),
    /**
     * Sends one request in process and reads the whole answer, or throws when it takes longer than
     * {@link REQUEST_DEADLINE_MS} (a hang is a failure, not a slow test).
     */
    async send(request: PropertyRequest): Promise<RawResponse> {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${REQUEST_DEADLINE_MS} ms (a hang)`)),
          REQUEST_DEADLINE_MS,
        );
      });
      try {
        return await Promise.race([
          (async () => {
            const response = await app.request(request.target, {
              method: request.method,
              headers: request.headers,
              ...(request.body === undefined ? {} : { body: request.body }),
            });
            const body = await response.text();
            const headers: Record<string, string> = {};
            response.headers.forEach((value, name) => {
              headers[name] = value;
            });
            const rawHead = Object.entries(headers)
              .map(([name, value]) => `${name}: ${value}`)
              .join('\r\n');
            return { status: response.status, headers, rawHead, body };
          })(),
          deadline,
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await background.drain();
      await platform.close();
      await Promise.all(redis.map((admin) => admin.cleanup()));
    },
  };
}

export type PropertyWorld = Awaited<ReturnType<typeof startPropertyWorld>>;

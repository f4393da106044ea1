import type { z } from 'zod';
import type { VendorId } from '../../schemas/entitlement';
import type { SimulatorKit } from '../simulator-kit';
import type { AdapterFactory, VendorConnectionBase } from './adapter';

/**
 * The environment after parsing: each variable a vendor declared in {@link VendorConfig.env}, by
 * name, with its parsed value (`undefined` when unset or empty).
 */
export type ParsedEnv = Readonly<Record<string, unknown>>;

/** Where a connection was configured: the vendor's variables, or a `GATEWAY_CONFIG` tenant. */
export type ConnectionSource = { kind: 'env' } | { kind: 'tenant'; path: string };

/** How one vendor is configured: its variables, its tenant JSON, and which values are secrets. */
export interface VendorConfig<TConnection extends VendorConnectionBase, TWebhookSecrets> {
  /**
   * Prefix of the per-vendor variables the gateway adds for every vendor:
   * `<prefix>_CACHE_TTL_SECONDS` and `<prefix>_REQUESTS_PER_MINUTE`.
   */
  envPrefix: string;
  /**
   * The vendor's own variables (connection and webhook secrets), each with its parser. An empty
   * value is treated as unset before parsing. A parse failure names the variable, never its value.
   */
  env: Record<string, z.ZodType>;
  /** Variables whose presence means "this vendor is configured from the environment" (the dev banner's test). */
  credentialVariables: readonly string[];
  /**
   * The connection of the single env tenant, or undefined when none of its variables is set. Adds a
   * message naming the variables (never values) to `problems` when the set is incomplete.
   */
  connectionFromEnv(env: ParsedEnv, problems: string[]): TConnection | undefined;
  /** The webhook secrets of the single env tenant, or undefined when not set; same error rule. */
  webhookFromEnv(env: ParsedEnv, problems: string[]): TWebhookSecrets | undefined;
  /** `vendors.<id>` of a `GATEWAY_CONFIG` tenant, parsed into a connection (strict, defaults applied). */
  tenantConnection: z.ZodType<TConnection>;
  /** `webhooks.<id>` of a `GATEWAY_CONFIG` tenant (strict). */
  tenantWebhook: z.ZodType<TWebhookSecrets>;
  /**
   * Start-up warnings about a usable but probably wrong connection (a key of the wrong shape, a key
   * aimed at the other environment's host). Each names the variable (`source` says whether the
   * connection came from the environment or from a `GATEWAY_CONFIG` tenant at `path`) and the fix,
   * never a value. Optional.
   */
  connectionWarnings?(connection: TConnection, source: ConnectionSource): string[];
  /** Secret values of a connection, redacted from every log. */
  connectionSecrets(connection: TConnection): string[];
  /** Secret values of the webhook settings, redacted from every log. */
  webhookSecrets(secrets: TWebhookSecrets): string[];
}

/** One webhook delivery as received, before anything trusts it. */
export interface WebhookDelivery {
  /** A request header by (case-insensitive) name. */
  header(name: string): string | undefined;
  /** The body exactly as received: signatures cover these bytes. */
  rawBody: string;
  /** Now, epoch milliseconds (timestamp tolerances are checked against it). */
  now: number;
}

/** The outcome of verifying a delivery; `reason` is for logs only (callers get one generic 401). */
export type WebhookVerification = { verified: true } | { verified: false; reason: string };

/** How a vendor authenticates its webhooks. Reading the verified body is the adapter's `resolveWebhook`. */
export interface VendorWebhook<TWebhookSecrets> {
  /** One line for the API docs, e.g. "Paygentic: Svix signature with a 5-minute timestamp tolerance". */
  scheme: string;
  /** Checks a delivery against one tenant's secrets, in constant time where secrets are compared. */
  verify(delivery: WebhookDelivery, secrets: TWebhookSecrets): Promise<WebhookVerification>;
}

/** Something that answers HTTP in process: a simulator's Hono app. */
export interface FetchHandler {
  fetch(request: Request): Response | Promise<Response>;
}

/**
 * A running vendor simulator: its HTTP app and the shared kit (recorded requests, injected faults,
 * latency). Each vendor's simulator adds its own store (the data it serves, mutable by tests).
 */
export interface VendorSimulator {
  readonly app: FetchHandler;
  readonly kit: SimulatorKit;
}

/** The vendor's part of sandbox mode: a simulator seeded with demo data and how to reach it. */
export interface VendorSandbox<
  TConnection extends VendorConnectionBase,
  TSimulator extends VendorSimulator = VendorSimulator,
  TSimulatorOptions = unknown,
> {
  /** Where the simulator pretends to live (never resolved: the in-process transport routes by origin). */
  origin: string;
  /**
   * A fresh simulator, with the demo customers unless `options` seed others (the options are the
   * simulator's own: data, the credentials it accepts, its clock). Sandbox mode serves its `app`;
   * the tests start it on loopback HTTP and read its kit and store.
   */
  createSimulator(options?: TSimulatorOptions): TSimulator;
  /** The connection that points the real adapter at the simulator at `origin`. */
  connection(origin: string): TConnection;
  /** A demo customer and a feature it holds, for the banner, the README and shared test suites. */
  demo: { customerId: string; featureKey: string };
  /** Every customer the simulator is seeded with: the shared route suites crawl each one. */
  customerIds: readonly string[];
  /** `curl` lines for the banner; `auth` is the ready-made `-H 'Authorization: …'` argument. */
  bannerLines(input: { baseUrl: string; auth: string }): string[];
}

/** Defaults of a vendor connection when the environment does not override them. */
export interface VendorDefaults {
  /** The gateway's request budget per connection per minute (`<prefix>_REQUESTS_PER_MINUTE`). */
  requestsPerMinute: number;
  /** Requests in flight per connection (`VENDOR_MAX_CONCURRENCY` overrides it for every vendor). */
  maxConcurrent: number;
  /**
   * Upper bound of the snapshot freshness for this vendor, when its data moves faster than the
   * gateway-wide `CACHE_TTL_SECONDS` and no webhook says so. Undefined = the gateway-wide TTL.
   */
  freshForAtMostSeconds?: number;
}

/**
 * Everything the gateway knows about one vendor, in one value. `adapters/<vendor>/index.ts` exports
 * it and `adapters/registry.ts` lists it; config, sandbox, webhooks, limits and the banner loop over
 * the registry, so a new vendor touches no shared code.
 */
export interface VendorModule<
  V extends VendorId = VendorId,
  TConnection extends VendorConnectionBase = VendorConnectionBase,
  TWebhookSecrets = unknown,
  TSimulator extends VendorSimulator = VendorSimulator,
  TSimulatorOptions = unknown,
> {
  readonly id: V;
  /** The vendor's name as people write it ("Chargebee"). */
  readonly displayName: string;
  readonly config: VendorConfig<TConnection, TWebhookSecrets>;
  /**
   * A message when `customerId` cannot exist at this vendor, else null: the adapter's own
   * `validateCustomerId` (the same function), usable before any adapter exists (static customer
   * links are checked while the configuration is parsed).
   */
  readonly validateCustomerId: (customerId: string) => string | null;
  readonly createAdapter: AdapterFactory<TConnection>;
  readonly webhook: VendorWebhook<TWebhookSecrets>;
  readonly sandbox: VendorSandbox<TConnection, TSimulator, TSimulatorOptions>;
  readonly defaults: VendorDefaults;
}

/** The connection type of a module. */
export type ConnectionOf<M> = M extends { createAdapter: AdapterFactory<infer C> } ? C : never;
/** The simulator type of a module (its app, kit and store). */
export type SimulatorOf<M> = M extends { sandbox: { createSimulator(options?: never): infer S } } ? S : never;
/** The options of a module's simulator. */
export type SimulatorOptionsOf<M> = M extends { sandbox: { createSimulator(options?: infer O): unknown } }
  ? O
  : never;
/** The webhook secrets type of a module. */
export type WebhookSecretsOf<M> = M extends { config: { tenantWebhook: z.ZodType<infer W> } } ? W : never;

import type { Balance, BalanceQuery } from '../../schemas/balance';
import type { Entitlement, VendorId } from '../../schemas/entitlement';
import type { Clock } from './clock';
import type { UpstreamClient } from './upstream';

/** Settings every vendor connection has, whatever the vendor. */
export interface VendorConnectionBase {
  /** Where the vendor API lives (a vendor sandbox, a proxy, a local simulator). No trailing slash. */
  baseUrl: string;
  /** The credential sent to the vendor; redacted from every log. */
  apiKey: string;
}

/** A side cache the adapter may use for slow-changing vendor data (Chargebee's feature catalogue). */
export type RememberFunction = <T>(
  namespace: 'catalog' | 'detail',
  key: string,
  load: () => Promise<T>,
) => Promise<T>;

/** Per-call context of a load. */
export interface LoadContext {
  /** Evaluate at this instant (RFC 3339) instead of now; adapters whose vendor evaluates time pass it on. */
  at?: string;
  signal?: AbortSignal;
  /** The gateway's cache for catalogue-like data, scoped to this tenant and vendor. */
  remember: RememberFunction;
}

/**
 * Everything known about one customer at one vendor, as loaded from every vendor page. It is what the
 * cache stores, so `data` must be plain JSON. Normalization runs on it at serve time, so entitlements
 * whose validity window starts or ends while the snapshot is cached are still answered right.
 */
export interface CustomerSnapshot<TData = unknown> {
  vendor: VendorId;
  customerId: string;
  /** When the vendor answered (ISO 8601). */
  fetchedAt: string;
  /** The `at` the vendor evaluated with, for vendors that evaluate time themselves; null = "now". */
  evaluatedAt: string | null;
  data: TData;
}

/** The normalized view of a snapshot at one instant. */
export interface NormalizedEntitlements {
  /** One per feature key, sorted by `featureKey` (code-unit order), each with its vendor rows in `raw`. */
  entitlements: Entitlement[];
  /**
   * The next instant (epoch ms) at which this result changes by itself (a grant starts or ends), or
   * null. The service may reuse the result until then.
   */
  changesAt: number | null;
}

/** Who a verified vendor webhook concerns. */
export interface WebhookTargets {
  /** The vendor's event id, used to drop duplicate deliveries. */
  eventId: string;
  eventType: string;
  /** Customers whose cached entitlements must be dropped. */
  customerIds: string[];
  /** Whether the vendor's catalogue (feature definitions) changed. */
  catalogChanged: boolean;
}

/** One vendor page of balances. */
export interface BalancePage {
  balances: Balance[];
  /** The vendor's cursor for the next page; null on the last page. */
  nextVendorCursor: string | null;
  totalCount: number | null;
}

/** Version 1 of the contract between the gateway and one vendor. */
export interface VendorAdapterV1<TData = unknown> {
  readonly specificationVersion: 'v1';
  readonly vendor: VendorId;
  /** Whether `at` is evaluated by the vendor (the snapshot must be loaded for that `at`) or by the gateway. */
  readonly timeEvaluation: 'vendor' | 'gateway';
  /**
   * Checks a customer id's form before any vendor call. Returns a message for the caller when the id
   * cannot exist at this vendor, else null.
   */
  validateCustomerId(customerId: string): string | null;
  /**
   * The one spelling of a valid customer id under which its data is cached and invalidated (e.g.
   * Zenskar's UUIDs in lower case, as its webhooks name them). Identity when left out.
   */
  canonicalCustomerId?(customerId: string): string;
  /** Loads every page of the customer's entitlement rows. Throws `customer_not_found` or an `UpstreamError`. */
  loadCustomer(customerId: string, context: LoadContext): Promise<CustomerSnapshot<TData>>;
  /** Pure: the snapshot's rows as normalized entitlements at `at`. */
  normalize(snapshot: CustomerSnapshot<TData>, at: Date): NormalizedEntitlements;
  /**
   * For a metered entitlement: whether the vendor lets usage run past the balance (a soft limit).
   * Vendors with no such notion leave it out (hard limits).
   */
  isSoftLimit?(entitlement: Entitlement, context: LoadContext): Promise<boolean>;
  /**
   * One page of a cross-customer balance listing, for vendors that have one. `vendorCursor` is the
   * vendor's own opaque cursor from the previous page (the gateway wraps it in its signed cursor).
   */
  listBalances?(query: BalanceQuery, vendorCursor: string | null, context: LoadContext): Promise<BalancePage>;
  /** Reads a verified webhook body: which customers it concerns. May call the vendor (a subscription's customer). */
  resolveWebhook?(body: unknown, context: LoadContext): Promise<WebhookTargets>;
}

/** The current adapter version. */
export type VendorAdapter<TData = unknown> = VendorAdapterV1<TData>;

/** What a factory is given: its connection, the shared upstream helper, a clock. */
export interface AdapterFactoryOptions<TConnection> {
  connection: TConnection;
  upstream: UpstreamClient;
  /** Budget/breaker identity of this connection (tenant + vendor). */
  connectionKey: string;
  clock: Clock;
}

/** Builds one connection's adapter. */
export type AdapterFactory<TConnection> = (options: AdapterFactoryOptions<TConnection>) => VendorAdapter;

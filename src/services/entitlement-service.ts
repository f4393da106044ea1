import type { z } from 'zod';
import type {
  CustomerSnapshot,
  LoadContext,
  NormalizedEntitlements,
  VendorAdapter,
} from '../../adapters/kit';
import {
  type BatchCheckItem,
  BatchCheckItemSchema,
  type BatchCheckRequest,
  type BatchCheckResponse,
  type CheckResult,
} from '../../schemas/check';
import { type Entitlement, type EntitlementType, type VendorId, vendorIds } from '../../schemas/entitlement';
import { type TenantConfig, tenantVendors } from '../config';
import { errorCatalog } from '../errors/codes';
import { asGatewayError, GatewayError } from '../errors/gateway-error';
import { checkResultOf, evaluateCheck, findEntitlement } from './check-evaluation';
import type { CursorCodec } from './cursor';
import type { CustomerLinks, VendorLinks } from './customer-links';
import type { EntitlementPage } from './entitlement-json';
import { mergeEntitlements, sourceEntitlementsOf } from './entitlement-merge';
import { fallbackCheckResult, fallbackPolicyFor, vendorOutageOf } from './fallback-policy';
import { emptyFeatureCatalog, type FeatureCatalog } from './feature-catalog';
import { cursorPosition, keysetPage, type ListFilters, listBinding, MERGED_LISTING } from './keyset-page';
import {
  checkMerged,
  type LinkedLoads,
  loadLinkedVendors,
  type MergedView,
  mergeLinkedLoads,
  type VendorFreshness,
} from './merged-entitlements';

/** How a snapshot was obtained, for `Cache-Status` and `Age`. */
export interface CacheReport {
  status: 'hit' | 'stale' | 'miss' | 'refresh' | 'stale-if-error';
  ageSeconds: number;
  /** Seconds of freshness left (negative when stale). */
  ttlSeconds: number;
  /** The answer came from a load another caller (or instance) ran. */
  collapsed?: boolean;
  /** Which tier answered. */
  tier?: 'memory' | 'redis' | 'loader';
}

/** A loaded snapshot and how it was obtained. */
export interface SnapshotResult {
  snapshot: CustomerSnapshot;
  cache: CacheReport;
}

/** Where snapshots come from: the cache in front of the adapter (or the adapter directly). */
export type SnapshotLoader = (request: {
  vendor: VendorId;
  adapter: VendorAdapter;
  customerId: string;
  /** Set only for vendors that evaluate time themselves. */
  vendorAt: string | undefined;
  forceRefresh: boolean;
  /**
   * A forced load that fails throws instead of serving the stale copy (the refresh route reports
   * the failure; the stale copy stays for later reads). Default: serve stale-if-error.
   */
  reportFailure?: boolean;
}) => Promise<SnapshotResult>;

/** Query of the list route, validated. */
export interface ListQuery {
  vendor?: VendorId;
  limit: number;
  cursor?: string;
  featureKeys: string[];
  type?: EntitlementType;
  hasAccess?: boolean;
  at?: string;
  includeRaw: boolean;
}

/** Parameters of a single check. */
export interface CheckQuery {
  vendor?: VendorId;
  at?: string;
  requestedUsage?: number;
}

export interface ServiceDependencies {
  tenant: TenantConfig;
  adapterFor(vendor: VendorId): VendorAdapter;
  loadSnapshot: SnapshotLoader;
  cursors: CursorCodec;
  now(): number;
  /** Whether the client asked to bypass fresh cache entries (`Cache-Control: no-cache`). */
  forceRefresh: boolean;
  /** The adapter call context (side cache) for one vendor. */
  loadContext(vendor: VendorId): LoadContext;
  /** Told about an unexpected (non-typed) error inside one batch item, which is answered as `internal_error`. */
  onUnexpectedError(error: unknown): void;
  /**
   * The app customer's vendor links (static and dynamic), or null when the id is not a linked app
   * customer. Left out when the tenant cannot have links (no static links, no Redis).
   */
  resolveLinks?(customerId: string): Promise<CustomerLinks | null>;
  /** Told about every check answered by the tenant's fallback policy (logged and counted by the wiring). */
  onFallback?(event: FallbackEvent): void;
  /**
   * The synchronous path: the snapshot `loadSnapshot` would give without waiting (a fresh memory
   * hit), or undefined. Left out, every answer waits for `loadSnapshot`.
   */
  loadSnapshotNow?(request: {
    vendor: VendorId;
    customerId: string;
    vendorAt: string | undefined;
    forceRefresh: boolean;
  }): SnapshotResult | undefined;
  /** Counts a hit served through `loadSnapshotNow` (the cache's memory-hit metric). */
  countSnapshotHitNow?(): void;
  /** What `resolveLinks` answers without waiting, or undefined (then `resolveLinks`). */
  resolveLinksNow?(customerId: string): CustomerLinks | null | undefined;
  /**
   * Repeated checks (see `repeatedAnswers`): the cache key `loadSnapshotNow` reads for a customer's
   * "now" snapshot, and `loadSnapshotNow` of such a key. Left out, a repeat takes the whole path.
   */
  snapshotKeyNow?(vendor: VendorId, customerId: string): string;
  loadSnapshotNowAt?(key: string): SnapshotResult | undefined;
}

/** A check answered by a fallback policy instead of vendor data (wholly, or for some vendors of a merged check). */
export interface FallbackEvent {
  /** The vendor that failed (on a merged check, the first of `vendors`). */
  vendor: VendorId;
  featureKey: string;
  /** `deny`, `allow` or `static`. */
  policy: 'deny' | 'allow' | 'static';
  /** The vendor failure the policy stood in for (on a merged check, `vendor`'s). */
  code: string;
  /** Merged checks only: every linked vendor whose part of the answer is the policy, in vendor order. */
  vendors?: VendorId[];
}

/** A vendor's "now" snapshot as the synchronous path obtained it (see `loadVendorNow`). */
interface LoadedNow {
  adapter: VendorAdapter;
  entitlements: Entitlement[];
  /** The instant the entitlements were evaluated at. */
  evaluatedAt: number;
  /** When the normalization stops holding (a grant starts or ends), or null. */
  changesAt: number | null;
  snapshot: CustomerSnapshot;
  canonicalId: string;
}

/** Whom a request is about: one vendor account, or every account linked to an app customer. */
type Target =
  | { kind: 'single'; vendor: VendorId; vendorCustomerId: string }
  | { kind: 'merged'; links: VendorLinks };

// Single-vendor answers through the catalogue or a link: relabelled once per normalized result (which
// is memoized per snapshot) and customer id, so a cache hit reuses the same objects (and their JSON).
const relabelMemo = new WeakMap<readonly Entitlement[], Map<string, Entitlement[]>>();

interface NormalizationMemo {
  evaluatedAt: number;
  result: NormalizedEntitlements;
}

// Normalizing a snapshot is pure; the result stays valid until `changesAt`. Memoized per snapshot
// object, so an in-process cache hit skips re-mapping on the hot path.
const normalizationMemo = new WeakMap<CustomerSnapshot, NormalizationMemo>();

function normalizeAt(
  adapter: VendorAdapter,
  snapshot: CustomerSnapshot,
  at: number,
  memoize: boolean,
): NormalizedEntitlements {
  if (memoize) {
    const memo = normalizationMemo.get(snapshot);
    if (memo && at >= memo.evaluatedAt && (memo.result.changesAt === null || at < memo.result.changesAt))
      return memo.result;
  }
  const result = adapter.normalize(snapshot, new Date(at));
  if (memoize) normalizationMemo.set(snapshot, { evaluatedAt: at, result });
  return result;
}

/** The vendors of a tenant, computed once per tenant object (configuration is parsed once). */
const vendorsOfTenant = new WeakMap<TenantConfig, readonly VendorId[]>();
function configuredVendors(tenant: TenantConfig): readonly VendorId[] {
  let vendors = vendorsOfTenant.get(tenant);
  if (vendors === undefined) {
    vendors = tenantVendors(tenant);
    vendorsOfTenant.set(tenant, vendors);
  }
  return vendors;
}

/**
 * Merged views of the synchronous path, by the first vendor's normalized set, then by tenant,
 * customer and linked accounts; valid while every vendor's set is the same object (a new snapshot
 * of any vendor gives a new set, so a new view).
 */
const mergedViews = new WeakMap<
  readonly Entitlement[],
  Map<string, { sets: readonly (readonly Entitlement[])[]; view: MergedView }>
>();

/** Most answers remembered per normalized entitlement set (a customer's features, plus unknown keys asked for). */
const ANSWERS_PER_SET = 64;

/**
 * Answers that depend on nothing but the normalized entitlements they were computed from and the
 * request's own words: first list pages and checks without `requestedUsage` or `at`. They are
 * remembered per normalized set, whose identity is the version token: a new snapshot (reload,
 * invalidation, another tenant's or customer's load) or the set's `changesAt` passing gives a new
 * set, which starts with no answers. The key still names the tenant, vendor and customer id as
 * asked, so an answer is only ever reused for the same question. Answers are immutable; their JSON
 * is memoized per answer object (entitlement-json.ts), so a repeat is a lookup and a write.
 */
const rememberedAnswers = new WeakMap<readonly Entitlement[], Map<string, CheckResult | EntitlementPage>>();

function rememberedAnswer(
  set: readonly Entitlement[],
  key: string,
): CheckResult | EntitlementPage | undefined {
  return rememberedAnswers.get(set)?.get(key);
}

function rememberAnswer(
  set: readonly Entitlement[],
  key: string,
  answer: CheckResult | EntitlementPage,
): void {
  setBounded(memoOf(rememberedAnswers, set), key, answer, ANSWERS_PER_SET);
}

/** The string-keyed memo `memos` holds for `owner`, made on first use. */
function memoOf<K extends object, V>(memos: WeakMap<K, Map<string, V>>, owner: K): Map<string, V> {
  let memo = memos.get(owner);
  if (memo === undefined) {
    memo = new Map();
    memos.set(owner, memo);
  }
  return memo;
}

/**
 * Sets `key` in a memo of at most `most` entries; a full memo starts over, so unknown feature keys,
 * customers or filter combinations cannot grow it past the bound.
 */
function setBounded<V>(memo: Map<string, V>, key: string, value: V, most: number): void {
  if (memo.size >= most) memo.clear();
  memo.set(key, value);
}

/**
 * Repeated single-vendor checks of the synchronous path. Where a question's snapshot is, per tenant
 * (the vendor account it was about, the canonical id and the cache key), and the answer per
 * snapshot object with the instants its normalization holds for (from the request that computed it
 * to `changesAt`). A repeat is that answer when the memory tier gives the same snapshot object for
 * the kept key as a fresh hit (an exact `hitNow`: the same freshness, generation and Redis-trust
 * rules) within those instants: the inputs of the remembered answer, so the same answer, without
 * validating the id again, building the key again, or the normalization, relabelling and
 * remembered-answer lookups between. Answers are held per snapshot (weakly: they go with it);
 * sources are strings, at most {@link CHECK_SOURCES_PER_TENANT} per tenant (then the map starts
 * over).
 */
interface CheckSource {
  vendorCustomerId: string;
  canonicalId: string;
  snapshotKey: string;
}
const checkSources = new WeakMap<TenantConfig, Map<string, CheckSource>>();
const repeatedAnswers = new WeakMap<
  CustomerSnapshot,
  Map<string, { answer: CheckResult; validFrom: number; validUntil: number }>
>();
const CHECK_SOURCES_PER_TENANT = 4096;

/** The remembered-answer key of a first list page: everything that shapes it but the set itself. */
function pageKey(
  tenant: TenantConfig,
  target: { vendor: VendorId },
  customerId: string,
  query: ListQuery,
): string {
  // Free-form ids are length-prefixed and fixed fields come first, so no two questions share a key.
  return `list\u0000${tenant.id}\u0000${target.vendor}\u0000${query.limit}\u0000${query.includeRaw}\u0000${query.type ?? '-'}\u0000${query.hasAccess ?? '-'}\u0000${query.featureKeys.length}\u0000${customerId.length}\u0000${customerId}\u0000${query.featureKeys.map((key) => `${key.length}:${key}`).join('')}`;
}

/** The remembered-answer key of a single-vendor check (`requestedUsage` absent: `-`). */
function checkKey(
  tenant: TenantConfig,
  vendor: VendorId,
  customerId: string,
  featureKey: string,
  requestedUsage: number | undefined,
): string {
  // The free-form ids last, the first of them length-prefixed: no two questions share a key.
  return `check\u0000${tenant.id}\u0000${vendor}\u0000${requestedUsage ?? '-'}\u0000${customerId.length}\u0000${customerId}\u0000${featureKey}`;
}

const batchItemFields: ReadonlySet<string> = new Set([
  'customerId',
  'vendor',
  'featureKey',
  'requestedUsage',
]);
const knownVendors: ReadonlySet<string> = new Set(vendorIds);

/**
 * A batch item in its plain, valid spelling, exactly as `BatchCheckItemSchema` would give it, or
 * undefined to leave the item to the schema (anything unusual, an `at` instant, any invalid field).
 * test/unit/services/batch-item.test.ts compares both on generated items.
 */
export function plainBatchItem(raw: unknown): BatchCheckItem | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const fields = raw as Record<string, unknown>;
  for (const key in fields) if (!Object.hasOwn(fields, key) || !batchItemFields.has(key)) return undefined;
  const { customerId, vendor, featureKey, requestedUsage } = fields;
  if (typeof customerId !== 'string' || customerId.length < 1 || customerId.length > 255) return undefined;
  if (typeof featureKey !== 'string' || featureKey.length < 1 || featureKey.length > 255) return undefined;
  const item: BatchCheckItem = { customerId, featureKey };
  if (Object.hasOwn(fields, 'vendor')) {
    if (typeof vendor !== 'string' || !knownVendors.has(vendor)) return undefined;
    item.vendor = vendor as VendorId;
  }
  if (Object.hasOwn(fields, 'requestedUsage')) {
    if (typeof requestedUsage !== 'number' || !Number.isFinite(requestedUsage) || !(requestedUsage >= 0))
      return undefined;
    item.requestedUsage = requestedUsage;
  }
  return item;
}

/** The answer to a batch item that is not a valid check: its own `validation_failed` problem. */
function invalidBatchItem(
  raw: unknown,
  index: number,
  error: z.ZodError,
): BatchCheckResponse['results'][number] {
  const fields = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const vendor = vendorIds.find((candidate) => candidate === fields.vendor) ?? null;
  const errors = error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          path: ['body', 'checks', index, ...issue.path, key].join('.'),
          message: 'Unknown field.',
        }))
      : [{ path: ['body', 'checks', index, ...issue.path].join('.'), message: issue.message }],
  );
  return {
    object: 'entitlement_check_error',
    customerId: text(fields.customerId),
    featureKey: text(fields.featureKey),
    vendor,
    error: {
      status: errorCatalog.validation_failed.status,
      code: 'validation_failed',
      title: errorCatalog.validation_failed.title,
      detail: `Invalid check: ${errors.map((entry) => entry.path).join(', ')}.`,
      errors,
    },
  };
}

/** The cache reports of several loads, summarized as the least fresh one (what `Cache-Status` must say). */
export function combineCacheReports(reports: CacheReport[]): CacheReport | null {
  const rank: Record<CacheReport['status'], number> = {
    hit: 0,
    stale: 1,
    'stale-if-error': 2,
    refresh: 3,
    miss: 4,
  };
  let worst: CacheReport | null = null;
  for (const report of reports) {
    if (
      !worst ||
      rank[report.status] > rank[worst.status] ||
      (rank[report.status] === rank[worst.status] && report.ageSeconds > worst.ageSeconds)
    )
      worst = report;
  }
  return worst;
}

/**
 * A request's memo keyed by (vendor, instant, id). Most requests look up one key (a single check,
 * a page): it sits in plain fields, compared part by part, so no key string is built, hashed or
 * stored; further keys (a batch naming several customers) go to a map. NUL cannot occur in a vendor
 * id or an instant, so the map's joined keys stay apart.
 */
class RequestMemo<V> {
  #vendor: VendorId | undefined;
  #instant = '';
  #id = '';
  #value: V | undefined;
  #more: Map<string, V> | undefined;

  get(vendor: VendorId, instant: string, id: string): V | undefined {
    if (vendor === this.#vendor && instant === this.#instant && id === this.#id) return this.#value;
    return this.#more?.get(`${vendor}\u0000${instant}\u0000${id}`);
  }

  set(vendor: VendorId, instant: string, id: string, value: V): void {
    if (
      this.#vendor === undefined ||
      (vendor === this.#vendor && instant === this.#instant && id === this.#id)
    ) {
      this.#vendor = vendor;
      this.#instant = instant;
      this.#id = id;
      this.#value = value;
      return;
    }
    this.#more ??= new Map();
    this.#more.set(`${vendor}\u0000${instant}\u0000${id}`, value);
  }
}

/** The instant part of a snapshot memo key for "now" (no vendor-evaluated instant). */
const NOW_INSTANT = '-';

/** The instant part of a snapshot memo key: {@link NOW_INSTANT}, else `@` and the vendor-evaluated instant. */
const instantKey = (vendorAt: string | undefined) => (vendorAt === undefined ? NOW_INSTANT : `@${vendorAt}`);

/**
 * Answers every entitlement question of one request for one tenant from customer snapshots: list
 * pages (keyset pagination on `featureKey`), single checks and batch checks.
 */
export class EntitlementService {
  /** Cache reports of every snapshot this request used. */
  readonly cacheReports: CacheReport[] = [];
  /** Snapshots already requested by this request: a batch naming one customer 100 times loads it once. */
  private readonly pending = new RequestMemo<Promise<SnapshotResult>>();
  /** The same snapshots once obtained, for the synchronous path (its hits are recorded here too). */
  private readonly settled = new RequestMemo<SnapshotResult>();
  /** Customer ids this request already validated and canonicalized, per vendor. */
  private readonly resolved = new RequestMemo<{ adapter: VendorAdapter; customerId: string }>();

  constructor(private readonly deps: ServiceDependencies) {}

  /** The vendor a request targets: the one asked for, or the tenant's only vendor. */
  resolveVendor(requested: VendorId | undefined): VendorId {
    const configured = configuredVendors(this.deps.tenant);
    if (requested !== undefined) {
      if (!configured.includes(requested)) {
        throw new GatewayError(
          'vendor_not_configured',
          `This tenant has no ${requested} connection. Configured vendors: ${configured.join(', ') || 'none'}.`,
          {
            errors: [{ path: 'vendor', message: `must be one of: ${configured.join(', ')}` }],
          },
        );
      }
      return requested;
    }
    const [only, ...others] = configured;
    if (only === undefined)
      throw new GatewayError('vendor_not_configured', 'This tenant has no vendor connection.');
    if (others.length > 0) {
      throw new GatewayError(
        'vendor_required',
        `This tenant has several vendors (${configured.join(', ')}): say which one with \`vendor\`.`,
        {
          errors: [{ path: 'vendor', message: `required: one of ${configured.join(', ')}` }],
        },
      );
    }
    return only;
  }

  /**
   * The vendor's adapter and the canonical spelling of a customer id. An id that cannot exist at the
   * vendor is an unknown customer (DESIGN: unknown customer → 404), answered without a vendor call;
   * `errors` says why the id cannot exist.
   */
  resolveCustomer(vendor: VendorId, customerId: string): { adapter: VendorAdapter; customerId: string } {
    const adapter = this.deps.adapterFor(vendor);
    const problem = adapter.validateCustomerId(customerId);
    if (problem !== null) {
      throw new GatewayError('customer_not_found', `${vendor} has no customer "${customerId}": ${problem}`, {
        vendor,
        errors: [{ path: 'customerId', message: problem }],
      });
    }
    return { adapter, customerId: adapter.canonicalCustomerId?.(customerId) ?? customerId };
  }

  /** The feature catalogue of the tenant (empty: every vendor feature keeps its key). */
  private get catalog(): FeatureCatalog {
    return this.deps.tenant.features ?? emptyFeatureCatalog;
  }

  /**
   * Whom the request is about. A linked app customer without `vendor` is a merged answer; with
   * `vendor` it is that vendor's linked account alone. Any other id is the vendor's own customer id
   * (the tenant's only vendor when `vendor` is left out).
   */
  private async target(customerId: string, requested: VendorId | undefined): Promise<Target> {
    const links = this.deps.resolveLinks === undefined ? null : await this.deps.resolveLinks(customerId);
    return this.targetOf(customerId, requested, links);
  }

  /** {@link target} without waiting, or undefined when the links must be read from their store. */
  private targetNow(customerId: string, requested: VendorId | undefined): Target | undefined {
    let links: CustomerLinks | null | undefined = null;
    if (this.deps.resolveLinks !== undefined) {
      links = this.deps.resolveLinksNow?.(customerId);
      if (links === undefined) return undefined;
    }
    return this.targetOf(customerId, requested, links);
  }

  private targetOf(customerId: string, requested: VendorId | undefined, links: CustomerLinks | null): Target {
    if (links === null)
      return { kind: 'single', vendor: this.resolveVendor(requested), vendorCustomerId: customerId };
    if (requested === undefined) return { kind: 'merged', links: links.links };
    const vendor = this.resolveVendor(requested);
    const vendorCustomerId = links.links[vendor];
    if (vendorCustomerId === undefined) {
      throw new GatewayError(
        'customer_not_found',
        `Customer "${customerId}" has no ${vendor} account linked (linked: ${Object.keys(links.links).join(', ')}).`,
        { vendor },
      );
    }
    return { kind: 'single', vendor, vendorCustomerId };
  }

  /**
   * The one vendor account a request about `customerId` concerns (the refresh route): a linked app
   * customer's account at `vendor` (or at its only linked vendor), else the vendor's own customer id.
   */
  async resolveAccount(
    customerId: string,
    requested: VendorId | undefined,
  ): Promise<{ vendor: VendorId; vendorCustomerId: string }> {
    const target = await this.target(customerId, requested);
    if (target.kind === 'single') return { vendor: target.vendor, vendorCustomerId: target.vendorCustomerId };
    const linked = Object.keys(target.links) as VendorId[];
    const [only, ...others] = linked;
    if (only !== undefined && others.length === 0) return this.resolveAccount(customerId, only);
    throw new GatewayError(
      'vendor_required',
      `Customer "${customerId}" is linked to several vendors (${linked.join(', ')}): say which one with \`vendor\`.`,
      { errors: [{ path: 'vendor', message: `required: one of ${linked.join(', ')}` }] },
    );
  }

  /** A vendor's snapshot of one customer, loaded once per request, with how the cache answered. */
  private async loadVendor(
    vendor: VendorId,
    customerId: string,
    at: string | undefined,
  ): Promise<{ entitlements: Entitlement[]; cache: CacheReport }> {
    const { adapter, customerId: canonicalId } = this.resolvedCustomer(vendor, customerId);
    const vendorAt = adapter.timeEvaluation === 'vendor' ? at : undefined;
    const instant = instantKey(vendorAt);
    const settled = this.settled.get(vendor, instant, canonicalId);
    if (settled !== undefined) {
      const evaluateAt = at === undefined ? this.deps.now() : Date.parse(at);
      return {
        entitlements: normalizeAt(adapter, settled.snapshot, evaluateAt, at === undefined).entitlements,
        cache: settled.cache,
      };
    }
    let pending = this.pending.get(vendor, instant, canonicalId);
    if (pending === undefined) {
      pending = this.deps.loadSnapshot({
        vendor,
        adapter,
        customerId: canonicalId,
        vendorAt,
        forceRefresh: this.deps.forceRefresh,
      });
      this.pending.set(vendor, instant, canonicalId, pending);
      pending.then(
        (result) => {
          this.cacheReports.push(result.cache);
          this.settled.set(vendor, instant, canonicalId, result);
        },
        () => undefined,
      );
    }
    const { snapshot, cache } = await pending;
    const evaluateAt = at === undefined ? this.deps.now() : Date.parse(at);
    return { entitlements: normalizeAt(adapter, snapshot, evaluateAt, at === undefined).entitlements, cache };
  }

  /** The adapter and canonical id of a vendor's customer; a batch names one customer up to 100 times: checked once. */
  private resolvedCustomer(
    vendor: VendorId,
    customerId: string,
  ): { adapter: VendorAdapter; customerId: string } {
    let resolved = this.resolved.get(vendor, '', customerId);
    if (resolved === undefined) {
      resolved = this.resolveCustomer(vendor, customerId);
      this.resolved.set(vendor, '', customerId, resolved);
    }
    return resolved;
  }

  /**
   * {@link loadVendor} for "now" without waiting: the snapshot this request already obtained, or a
   * fresh memory hit (counted and reported here, so a later `loadVendor` of the same snapshot in
   * this request reuses it), else undefined. Throws what `loadVendor` throws for an impossible id.
   */
  private loadVendorNow(vendor: VendorId, customerId: string): LoadedNow | undefined {
    const { adapter, customerId: canonicalId } = this.resolvedCustomer(vendor, customerId);
    let result = this.settled.get(vendor, NOW_INSTANT, canonicalId);
    if (result === undefined) {
      if (
        this.pending.get(vendor, NOW_INSTANT, canonicalId) !== undefined ||
        this.deps.loadSnapshotNow === undefined
      )
        return undefined;
      result = this.deps.loadSnapshotNow({
        vendor,
        customerId: canonicalId,
        vendorAt: undefined,
        forceRefresh: this.deps.forceRefresh,
      });
      if (result === undefined) return undefined;
      this.keepHitNow(vendor, canonicalId, result);
    }
    const evaluatedAt = this.deps.now();
    const { entitlements, changesAt } = normalizeAt(adapter, result.snapshot, evaluatedAt, true);
    return { adapter, entitlements, evaluatedAt, changesAt, snapshot: result.snapshot, canonicalId };
  }

  /**
   * A repeated check's answer (see `repeatedAnswers`), or undefined (then the whole path). Reads
   * and counts the snapshot like {@link loadVendorNow}: once per request, which keeps it.
   */
  private repeatedCheckNow(
    target: Extract<Target, { kind: 'single' }>,
    answerKey: string,
  ): CheckResult | undefined {
    const loadAt = this.deps.loadSnapshotNowAt;
    if (loadAt === undefined || this.deps.forceRefresh) return undefined;
    const source = checkSources.get(this.deps.tenant)?.get(answerKey);
    // Links can move the question to another account: only the account it was answered for.
    if (source === undefined || source.vendorCustomerId !== target.vendorCustomerId) return undefined;
    const { canonicalId } = source;
    let result = this.settled.get(target.vendor, NOW_INSTANT, canonicalId);
    const obtainedHere = result === undefined;
    if (result === undefined) {
      if (this.pending.get(target.vendor, NOW_INSTANT, canonicalId) !== undefined) return undefined;
      result = loadAt(source.snapshotKey);
      if (result === undefined) return undefined;
    }
    const repeated = repeatedAnswers.get(result.snapshot)?.get(answerKey);
    if (repeated === undefined) return undefined;
    // Within the instants the normalization was found to hold for (a clock set back is not).
    const now = this.deps.now();
    if (!(now >= repeated.validFrom && now < repeated.validUntil)) return undefined;
    if (obtainedHere) this.keepHitNow(target.vendor, canonicalId, result);
    return repeated.answer;
  }

  /**
   * A fresh memory hit this request serves: counted and reported once, and kept for the rest of the
   * request (its other checks, and its asynchronous path if it gives up on the synchronous one).
   */
  private keepHitNow(vendor: VendorId, canonicalId: string, result: SnapshotResult): void {
    this.deps.countSnapshotHitNow?.();
    this.cacheReports.push(result.cache);
    this.settled.set(vendor, NOW_INSTANT, canonicalId, result);
  }

  /** Keeps where a synchronous check's snapshot is and its answer, for {@link repeatedCheckNow}. */
  private rememberRepeatedCheck(
    target: Extract<Target, { kind: 'single' }>,
    answerKey: string,
    loaded: LoadedNow,
    answer: CheckResult,
  ): void {
    const keyNow = this.deps.snapshotKeyNow;
    if (keyNow === undefined) return;
    const sources = memoOf(checkSources, this.deps.tenant);
    const known = sources.get(answerKey);
    if (known?.vendorCustomerId !== target.vendorCustomerId || known.canonicalId !== loaded.canonicalId) {
      const source = {
        vendorCustomerId: target.vendorCustomerId,
        canonicalId: loaded.canonicalId,
        snapshotKey: keyNow(target.vendor, loaded.canonicalId),
      };
      setBounded(sources, answerKey, source, CHECK_SOURCES_PER_TENANT);
    }
    const repeated = {
      answer,
      validFrom: loaded.evaluatedAt,
      validUntil: loaded.changesAt ?? Number.POSITIVE_INFINITY,
    };
    setBounded(memoOf(repeatedAnswers, loaded.snapshot), answerKey, repeated, ANSWERS_PER_SET);
  }

  /**
   * A vendor's entitlements under the tenant's feature keys, about `customerId` as asked: the
   * snapshot's own objects for a tenant without catalogue asked about a vendor's own id, else
   * relabelled once per normalized set and customer (a cache hit reuses the objects and their JSON).
   */
  private relabelled(
    target: Extract<Target, { kind: 'single' }>,
    customerId: string,
    entitlements: Entitlement[],
  ): Entitlement[] {
    if (this.deps.tenant.features === undefined && target.vendorCustomerId === customerId)
      return entitlements;
    const byCustomer = memoOf(relabelMemo, entitlements);
    // Keyed by tenant too: the catalogue is the tenant's.
    const memoKey = `${this.deps.tenant.id}\u0000${customerId}`;
    let relabelled = byCustomer.get(memoKey);
    if (relabelled === undefined) {
      relabelled = mergeEntitlements({
        customerId,
        vendors: [{ vendor: target.vendor, customerId: target.vendorCustomerId, entitlements }],
        catalog: this.catalog,
      });
      byCustomer.set(memoKey, relabelled);
    }
    return relabelled;
  }

  /** One vendor's answer under the tenant's feature keys, about `customerId` as asked. */
  private async singleVendor(
    target: Extract<Target, { kind: 'single' }>,
    customerId: string,
    at: string | undefined,
  ): Promise<Entitlement[]> {
    const { entitlements } = await this.loadVendor(target.vendor, target.vendorCustomerId, at);
    return this.relabelled(target, customerId, entitlements);
  }

  /** Every linked vendor, loaded concurrently through its own cached snapshot (merged by the caller). */
  private linked(customerId: string, links: VendorLinks, at: string | undefined): Promise<LinkedLoads> {
    const configured = tenantVendors(this.deps.tenant);
    return loadLinkedVendors({
      customerId,
      links,
      load: async (vendor, vendorCustomerId) => {
        if (!configured.includes(vendor))
          throw new GatewayError('vendor_not_configured', `This tenant has no ${vendor} connection.`, {
            vendor,
          });
        const { entitlements, cache } = await this.loadVendor(vendor, vendorCustomerId, at);
        const freshness: VendorFreshness =
          cache.status === 'stale-if-error' ? 'stale-if-error' : cache.status === 'stale' ? 'stale' : 'fresh';
        return { entitlements, freshness };
      },
      onUnexpectedError: (error) => this.deps.onUnexpectedError(error),
    });
  }

  /** The customer's entitlements at `at` (default now), one per feature, sorted by featureKey. */
  async entitlements(vendor: VendorId, customerId: string, at: string | undefined): Promise<Entitlement[]> {
    return (await this.loadVendor(vendor, customerId, at)).entitlements;
  }

  /** One page of a customer's entitlements (merged over its linked vendors when it is a linked app customer). */
  async list(customerId: string, query: ListQuery): Promise<EntitlementPage> {
    const target = await this.target(customerId, query.vendor);
    const filters: ListFilters = {
      featureKeys: query.featureKeys,
      ...(query.type === undefined ? {} : { type: query.type }),
      ...(query.hasAccess === undefined ? {} : { hasAccess: query.hasAccess }),
      ...(query.at === undefined ? {} : { at: query.at }),
    };
    const binding = listBinding(
      this.deps.tenant.id,
      target.kind === 'merged' ? MERGED_LISTING : target.vendor,
      customerId,
      filters,
    );
    // Verify the cursor before any vendor call: a bad cursor costs nothing upstream.
    const after = await cursorPosition(this.deps.cursors, binding, query.cursor);
    const pageOptions = { filters, after, limit: query.limit, binding, cursors: this.deps.cursors };
    if (target.kind === 'merged') {
      const view = mergeLinkedLoads(await this.linked(customerId, target.links, query.at), this.catalog);
      const page = await keysetPage(view.entitlements, pageOptions);
      return {
        object: 'list',
        ...page,
        includeRaw: query.includeRaw,
        vendors: view.vendors,
        partial: view.partial,
      };
    }
    const all = await this.singleVendor(target, customerId, query.at);
    const answerKey =
      query.cursor === undefined && query.at === undefined
        ? pageKey(this.deps.tenant, target, customerId, query)
        : null;
    if (answerKey !== null) {
      const remembered = rememberedAnswer(all, answerKey);
      if (remembered !== undefined) return remembered as EntitlementPage;
    }
    const page: EntitlementPage = {
      object: 'list',
      ...(await keysetPage(all, pageOptions)),
      includeRaw: query.includeRaw,
    };
    if (answerKey !== null) rememberAnswer(all, answerKey, page);
    return page;
  }

  /**
   * The answer `list` gives, when it is a remembered first page of a single vendor's fresh cached
   * snapshot (no cursor, no `at`), without waiting; undefined otherwise (then `list`). Never throws.
   */
  listNow(customerId: string, query: ListQuery): EntitlementPage | undefined {
    if (query.cursor !== undefined || query.at !== undefined) return undefined;
    try {
      const target = this.targetNow(customerId, query.vendor);
      if (target === undefined || target.kind !== 'single') return undefined;
      const answerKey = pageKey(this.deps.tenant, target, customerId, query);
      const loaded = this.loadVendorNow(target.vendor, target.vendorCustomerId);
      if (loaded === undefined) return undefined;
      const all = this.relabelled(target, customerId, loaded.entitlements);
      return rememberedAnswer(all, answerKey) as EntitlementPage | undefined;
    } catch {
      // Whatever failed is thrown again, as a problem, by `list`.
      return undefined;
    }
  }

  /**
   * The answer `check` gives, when it needs no waiting: a single vendor's fresh cached snapshot (a
   * memory hit), links known, no `at`, no soft-limit lookup. Undefined otherwise (then `check`, which
   * reuses the snapshot this found). Never throws: whatever failed is thrown again by `check`.
   */
  checkNow(customerId: string, featureKey: string, query: CheckQuery): CheckResult | undefined {
    if (query.at !== undefined) return undefined;
    try {
      const target = this.targetNow(customerId, query.vendor);
      if (target === undefined) return undefined;
      if (target.kind === 'merged') return this.checkMergedNow(customerId, featureKey, target.links, query);
      // An answer given here needed no soft-limit lookup, so with `requestedUsage` too it is a function
      // of the set and the question: remembered under both (`check` only remembers answers without it).
      const answerKey = checkKey(
        this.deps.tenant,
        target.vendor,
        customerId,
        featureKey,
        query.requestedUsage,
      );
      const repeated = this.repeatedCheckNow(target, answerKey);
      if (repeated !== undefined) return repeated;
      const loaded = this.loadVendorNow(target.vendor, target.vendorCustomerId);
      if (loaded === undefined) return undefined;
      const entitlements = this.relabelled(target, customerId, loaded.entitlements);
      let answer = rememberedAnswer(entitlements, answerKey) as CheckResult | undefined;
      if (answer === undefined) {
        const adapter = loaded.adapter;
        answer = checkResultOf(
          {
            vendor: target.vendor,
            customerId,
            featureKey,
            found: findEntitlement(entitlements, featureKey),
            requestedUsage: query.requestedUsage ?? null,
          },
          // A vendor with soft limits is asked (it may call the vendor): that waits.
          () => (adapter.isSoftLimit === undefined ? false : undefined),
        );
        if (answer === undefined) return undefined;
        rememberAnswer(entitlements, answerKey, answer);
      }
      this.rememberRepeatedCheck(target, answerKey, loaded, answer);
      return answer;
    } catch {
      return undefined;
    }
  }

  /** May the customer use `featureKey` (for `requestedUsage` more)? */
  async check(customerId: string, featureKey: string, query: CheckQuery): Promise<CheckResult> {
    const target = await this.target(customerId, query.vendor);
    const requestedUsage = query.requestedUsage ?? null;
    const softLimit = async (vendor: VendorId, entitlement: Entitlement): Promise<boolean> => {
      const adapter = this.deps.adapterFor(vendor);
      return adapter.isSoftLimit ? adapter.isSoftLimit(entitlement, this.deps.loadContext(vendor)) : false;
    };
    const policyOf = () =>
      fallbackPolicyFor(this.deps.tenant.fallback, featureKey, this.deps.tenant.features);
    if (target.kind === 'merged') {
      const { result, fallback } = await checkMerged({
        loads: await this.linked(customerId, target.links, query.at),
        catalog: this.catalog,
        featureKey,
        requestedUsage,
        policy: policyOf(),
        isSoftLimit: softLimit,
      });
      if (fallback !== null)
        this.deps.onFallback?.({
          vendor: fallback.vendors[0] as VendorId,
          featureKey,
          policy: fallback.policy,
          code: fallback.codes[0] as string,
          vendors: fallback.vendors,
        });
      return result;
    }
    const vendor = target.vendor;
    let entitlements: readonly Entitlement[];
    try {
      entitlements = await this.singleVendor(target, customerId, query.at);
    } catch (caught) {
      // Reached only when the cache had nothing servable: a stale snapshot is served (stale-if-error)
      // before a vendor failure gets here.
      const error = vendorOutageOf(caught);
      if (error === undefined) throw caught;
      const policy = policyOf();
      const result = fallbackCheckResult({
        policy,
        vendor,
        customerId,
        featureKey,
        requestedUsage,
        error,
      });
      if (result === null) throw caught;
      this.deps.onFallback?.({
        vendor,
        featureKey,
        policy: typeof policy === 'string' ? (policy as 'deny' | 'allow') : 'static',
        code: error.code,
      });
      return result;
    }
    // Without `requestedUsage` (no soft-limit lookup) and evaluated "now", the answer is a function
    // of the set and the question: remembered.
    const answerKey =
      query.requestedUsage === undefined && query.at === undefined
        ? checkKey(this.deps.tenant, target.vendor, customerId, featureKey, undefined)
        : null;
    if (answerKey !== null) {
      const remembered = rememberedAnswer(entitlements, answerKey);
      if (remembered !== undefined) return remembered as CheckResult;
    }
    const answer = await evaluateCheck({
      vendor: target.vendor,
      customerId,
      featureKey,
      found: findEntitlement(entitlements, featureKey),
      requestedUsage,
      // The vendor is asked about its own entitlement (its own feature key), not the relabelled one.
      isSoftLimit: (found) => softLimit(target.vendor, sourceEntitlementsOf(found)[0]?.entitlement ?? found),
    });
    if (answerKey !== null) rememberAnswer(entitlements, answerKey, answer);
    return answer;
  }

  /**
   * {@link merged} without waiting: every linked vendor configured and answered by a fresh memory
   * hit (so every vendor is `fresh` and the view is not partial), else undefined. The merged view
   * is memoized per tuple of normalized sets, so a repeat is a lookup.
   */
  private mergedNow(customerId: string, links: VendorLinks): MergedView | undefined {
    const configured = configuredVendors(this.deps.tenant);
    const answered: Array<{ vendor: VendorId; customerId: string; entitlements: Entitlement[] }> = [];
    for (const vendor of vendorIds) {
      const vendorCustomerId = links[vendor];
      if (vendorCustomerId === undefined) continue;
      if (!configured.includes(vendor)) return undefined;
      const loaded = this.loadVendorNow(vendor, vendorCustomerId);
      if (loaded === undefined) return undefined;
      answered.push({ vendor, customerId: vendorCustomerId, entitlements: loaded.entitlements });
    }
    const first = answered[0];
    if (first === undefined) return undefined;
    const views = memoOf(mergedViews, first.entitlements);
    // The sets are compared by identity below; the key names everything else the view depends on.
    const key = `${this.deps.tenant.id}\u0000${customerId}\u0000${answered.map((item) => `${item.vendor}:${item.customerId}`).join('\u0000')}`;
    const memo = views.get(key);
    if (memo?.sets.every((set, index) => answered[index]?.entitlements === set)) return memo.view;
    const view: MergedView = {
      customerId,
      entitlements: mergeEntitlements({ customerId, vendors: answered, catalog: this.catalog }),
      vendors: answered.map((item) => ({
        vendor: item.vendor,
        customerId: item.customerId,
        status: 'fresh',
      })),
      partial: false,
    };
    setBounded(views, key, { sets: answered.map((item) => item.entitlements), view }, ANSWERS_PER_SET);
    return view;
  }

  /** A merged check without waiting (see {@link mergedNow}), remembered per merged view without `requestedUsage`. */
  private checkMergedNow(
    customerId: string,
    featureKey: string,
    links: VendorLinks,
    query: CheckQuery,
  ): CheckResult | undefined {
    const view = this.mergedNow(customerId, links);
    if (view === undefined) return undefined;
    // The view is the customer's (its key names tenant, customer and accounts): the question is the feature.
    const answerKey = query.requestedUsage === undefined ? `merged-check\u0000${featureKey}` : null;
    if (answerKey !== null) {
      const remembered = rememberedAnswer(view.entitlements, answerKey);
      if (remembered !== undefined) return remembered as CheckResult;
    }
    const found = findEntitlement(view.entitlements, featureKey);
    const result = checkResultOf(
      {
        vendor: found?.vendor ?? null,
        customerId: view.customerId,
        featureKey,
        found,
        requestedUsage: query.requestedUsage ?? null,
      },
      // As `checkMerged`: a source with a soft-limit lookup makes the answer wait.
      (entitlement) => {
        for (const source of sourceEntitlementsOf(entitlement)) {
          if (source.entitlement.type !== 'metered' || !source.entitlement.hasAccess) continue;
          if (this.deps.adapterFor(source.vendor).isSoftLimit !== undefined) return undefined;
        }
        return false;
      },
    );
    if (result === undefined) return undefined;
    const answer: CheckResult = { ...result, vendors: view.vendors, partial: view.partial };
    if (answerKey !== null) rememberAnswer(view.entitlements, answerKey, answer);
    return answer;
  }

  /** Answers each item independently and in order; one failing item does not fail the batch. */
  async batch(request: BatchCheckRequest): Promise<BatchCheckResponse> {
    type Result = BatchCheckResponse['results'][number];
    const results: Result[] = new Array(request.checks.length);
    // Items answered without waiting (fresh cached snapshots) cost no promise; the others are awaited together.
    const waiting: Promise<void>[] = [];
    request.checks.forEach((raw, index) => {
      // The plain spelling of a valid item skips zod; anything else gets the schema's verdict.
      let item = plainBatchItem(raw);
      if (item === undefined) {
        const parsed = BatchCheckItemSchema.safeParse(raw);
        if (!parsed.success) {
          results[index] = invalidBatchItem(raw, index, parsed.error);
          return;
        }
        item = parsed.data;
      }
      if (item.at === undefined) {
        const now = this.checkNow(item.customerId, item.featureKey, {
          vendor: item.vendor,
          requestedUsage: item.requestedUsage,
        });
        if (now !== undefined) {
          results[index] = now;
          return;
        }
      }
      waiting.push(
        this.batchItem(item).then((result) => {
          results[index] = result;
        }),
      );
    });
    if (waiting.length > 0) await Promise.all(waiting);
    return { object: 'batch_check', results };
  }

  /** One batch item through `check`; a failure is the item's own problem. */
  private async batchItem(item: BatchCheckItem): Promise<BatchCheckResponse['results'][number]> {
    try {
      // Absent fields stay undefined (no conditional spreads: this runs up to 100 times per request).
      return await this.check(item.customerId, item.featureKey, {
        vendor: item.vendor,
        at: item.at,
        requestedUsage: item.requestedUsage,
      });
    } catch (caught) {
      let error = asGatewayError(caught);
      if (error === undefined) {
        this.deps.onUnexpectedError(caught);
        error = new GatewayError('internal_error', 'The gateway failed to answer this item.');
      }
      return {
        object: 'entitlement_check_error' as const,
        customerId: item.customerId,
        featureKey: item.featureKey,
        vendor: error.vendor ?? item.vendor ?? null,
        error: {
          status: error.status,
          code: error.code,
          title: errorCatalog[error.code].title,
          detail: error.message,
        },
      };
    }
  }
}

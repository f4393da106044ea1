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
import type { CursorCodec } from './cursor';
import type { EntitlementPage } from './entitlement-json';
import { fallbackCheckResult, fallbackPolicyFor, vendorOutageOf } from './fallback-policy';

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
  /** Told about every check answered by the tenant's fallback policy (logged and counted by the wiring). */
  onFallback?(event: FallbackEvent): void;
}

/** A check answered by a fallback policy instead of vendor data. */
export interface FallbackEvent {
  vendor: VendorId;
  featureKey: string;
  /** `deny`, `allow` or `static`. */
  policy: 'deny' | 'allow' | 'static';
  /** The vendor failure the policy stood in for. */
  code: string;
}

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
  let answers = rememberedAnswers.get(set);
  if (answers === undefined) {
    answers = new Map();
    rememberedAnswers.set(set, answers);
  }
  // Bounded: unknown feature keys or filter combinations cannot grow it past the bound.
  if (answers.size >= ANSWERS_PER_SET) answers.clear();
  answers.set(key, answer);
}

/** Binary search: index of the first entitlement whose featureKey sorts after `key`. */
function indexAfter(entitlements: readonly Entitlement[], key: string): number {
  let low = 0;
  let high = entitlements.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((entitlements[middle] as Entitlement).featureKey <= key) low = middle + 1;
    else high = middle;
  }
  return low;
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
 * Answers every entitlement question of one request for one tenant from customer snapshots: list
 * pages (keyset pagination on `featureKey`), single checks and batch checks.
 */
export class EntitlementService {
  /** Cache reports of every snapshot this request used. */
  readonly cacheReports: CacheReport[] = [];
  /** Snapshots already requested by this request: a batch naming one customer 100 times loads it once. */
  private readonly snapshots = new Map<string, Promise<SnapshotResult>>();
  /** Customer ids this request already validated and canonicalized, per vendor. */
  private readonly resolvedCustomers = new Map<string, { adapter: VendorAdapter; customerId: string }>();

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

  /** The customer's entitlements at `at` (default now), one per feature, sorted by featureKey. */
  async entitlements(vendor: VendorId, customerId: string, at: string | undefined): Promise<Entitlement[]> {
    // A batch names the same customer up to 100 times: the id is checked and canonicalized once.
    const resolvedKey = `${vendor}\u0000${customerId}`;
    let resolved = this.resolvedCustomers.get(resolvedKey);
    if (resolved === undefined) {
      resolved = this.resolveCustomer(vendor, customerId);
      this.resolvedCustomers.set(resolvedKey, resolved);
    }
    const { adapter, customerId: canonicalId } = resolved;
    const vendorAt = adapter.timeEvaluation === 'vendor' ? at : undefined;
    // NUL cannot occur in a vendor id or an instant; `at` absent is spelled apart from any instant.
    const memoKey = `${vendor}\u0000${vendorAt === undefined ? '-' : `@${vendorAt}`}\u0000${canonicalId}`;
    let pending = this.snapshots.get(memoKey);
    if (pending === undefined) {
      pending = this.deps.loadSnapshot({
        vendor,
        adapter,
        customerId: canonicalId,
        vendorAt,
        forceRefresh: this.deps.forceRefresh,
      });
      this.snapshots.set(memoKey, pending);
      pending.then(
        (result) => this.cacheReports.push(result.cache),
        () => undefined,
      );
    }
    const { snapshot } = await pending;
    const evaluateAt = at === undefined ? this.deps.now() : Date.parse(at);
    return normalizeAt(adapter, snapshot, evaluateAt, at === undefined).entitlements;
  }

  /** One page of a customer's entitlements. */
  async list(customerId: string, query: ListQuery): Promise<EntitlementPage> {
    const vendor = this.resolveVendor(query.vendor);
    const binding = {
      tenant: this.deps.tenant.id,
      vendor,
      scope: customerId,
      query: JSON.stringify([
        query.featureKeys.length === 0 ? query.featureKeys : [...new Set(query.featureKeys)].sort(),
        query.type ?? null,
        query.hasAccess ?? null,
        query.at ?? null,
      ]),
    };
    // Verify the cursor before any vendor call: a bad cursor costs nothing upstream.
    const position =
      query.cursor === undefined ? null : await this.deps.cursors.decode(binding, query.cursor);
    if (position !== null && !('after' in position))
      throw new GatewayError('invalid_cursor', 'The cursor does not belong to this listing.');
    const all = await this.entitlements(vendor, customerId, query.at);
    // A first page evaluated "now" is a function of the set and the question: remembered.
    const answerKey =
      query.cursor === undefined && query.at === undefined
        ? `list\u0000${this.deps.tenant.id}\u0000${vendor}\u0000${customerId}\u0000${binding.query}\u0000${query.limit}\u0000${query.includeRaw}`
        : null;
    if (answerKey !== null) {
      const remembered = rememberedAnswer(all, answerKey);
      if (remembered !== undefined) return remembered as EntitlementPage;
    }
    const wanted = query.featureKeys.length > 0 ? new Set(query.featureKeys) : null;
    const matching = all.filter(
      (entitlement) =>
        (wanted === null || wanted.has(entitlement.featureKey)) &&
        (query.type === undefined || entitlement.type === query.type) &&
        (query.hasAccess === undefined || entitlement.hasAccess === query.hasAccess),
    );
    const start = position === null ? 0 : indexAfter(matching, position.after);
    const page = matching.slice(start, start + query.limit);
    const last = page.at(-1);
    const hasMore = start + page.length < matching.length;
    const answer: EntitlementPage = {
      object: 'list',
      data: page,
      includeRaw: query.includeRaw,
      nextCursor:
        hasMore && last ? await this.deps.cursors.encode(binding, { after: last.featureKey }) : null,
      totalCount: matching.length,
    };
    if (answerKey !== null) rememberAnswer(all, answerKey, answer);
    return answer;
  }

  /** May the customer use `featureKey` (for `requestedUsage` more)? */
  async check(customerId: string, featureKey: string, query: CheckQuery): Promise<CheckResult> {
    const vendor = this.resolveVendor(query.vendor);
    let entitlements: readonly Entitlement[];
    try {
      entitlements = await this.entitlements(vendor, customerId, query.at);
    } catch (caught) {
      // Reached only when the cache had nothing servable: a stale snapshot is served (stale-if-error)
      // before a vendor failure gets here.
      const error = vendorOutageOf(caught);
      if (error === undefined) throw caught;
      const policy = fallbackPolicyFor(this.deps.tenant.fallback, featureKey);
      const result = fallbackCheckResult({
        policy,
        vendor,
        customerId,
        featureKey,
        requestedUsage: query.requestedUsage ?? null,
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
        ? `check\u0000${this.deps.tenant.id}\u0000${vendor}\u0000${customerId}\u0000${featureKey}`
        : null;
    if (answerKey !== null) {
      const remembered = rememberedAnswer(entitlements, answerKey);
      if (remembered !== undefined) return remembered as CheckResult;
      const answer = await this.computeCheck(vendor, entitlements, customerId, featureKey, query);
      rememberAnswer(entitlements, answerKey, answer);
      return answer;
    }
    return this.computeCheck(vendor, entitlements, customerId, featureKey, query);
  }

  private async computeCheck(
    vendor: VendorId,
    entitlements: readonly Entitlement[],
    customerId: string,
    featureKey: string,
    query: CheckQuery,
  ): Promise<CheckResult> {
    const index = indexAfter(entitlements, featureKey) - 1;
    const found =
      index >= 0 && entitlements[index]?.featureKey === featureKey
        ? (entitlements[index] as Entitlement)
        : null;
    const requestedUsage = query.requestedUsage ?? null;
    if (found === null) {
      return {
        object: 'entitlement_check',
        vendor,
        customerId,
        featureKey,
        hasAccess: false,
        reason: 'not_entitled',
        type: null,
        unlimited: false,
        limit: null,
        usage: null,
        remaining: null,
        value: null,
        requestedUsage,
        softLimit: null,
        overage: null,
        entitlement: null,
      };
    }
    let hasAccess = found.hasAccess;
    let reason = found.reason;
    let softLimit: boolean | null = null;
    let overage: number | null = null;
    const quantified = found.type === 'numeric' || found.type === 'metered';
    if (
      hasAccess &&
      requestedUsage !== null &&
      quantified &&
      !found.unlimited &&
      found.remaining !== null &&
      requestedUsage > found.remaining
    ) {
      const adapter = this.deps.adapterFor(vendor);
      softLimit =
        found.type === 'metered' && adapter.isSoftLimit
          ? await adapter.isSoftLimit(found, this.deps.loadContext(vendor))
          : false;
      if (softLimit) {
        overage = requestedUsage - Math.max(found.remaining, 0);
      } else {
        hasAccess = false;
        reason = 'limit_exceeded';
      }
    }
    return {
      object: 'entitlement_check',
      vendor,
      customerId,
      featureKey,
      hasAccess,
      reason,
      type: found.type,
      unlimited: found.unlimited,
      limit: found.limit,
      usage: found.usage,
      remaining: found.remaining,
      value: found.value,
      requestedUsage,
      softLimit,
      overage,
      // The snapshot's own object: serialization (entitlement-json.ts) leaves its vendor rows out.
      entitlement: found,
    };
  }

  /** Answers each item independently and in order; one failing item does not fail the batch. */
  async batch(request: BatchCheckRequest): Promise<BatchCheckResponse> {
    const results = await Promise.all(
      request.checks.map(async (raw, index) => {
        // The plain spelling of a valid item skips zod; anything else gets the schema's verdict.
        let item = plainBatchItem(raw);
        if (item === undefined) {
          const parsed = BatchCheckItemSchema.safeParse(raw);
          if (!parsed.success) return invalidBatchItem(raw, index, parsed.error);
          item = parsed.data;
        }
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
      }),
    );
    return { object: 'batch_check', results };
  }
}
